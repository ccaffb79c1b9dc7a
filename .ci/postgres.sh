#!/usr/bin/env bash
# A throw-away PostgreSQL server for the store tests (CI and local use).
#
#   eval "$(.ci/postgres.sh start)"   # initdb + start; prints the two export lines below
#   python -m pytest tests/store      # the PostgreSQL tests now run
#   .ci/postgres.sh stop              # stop the server and delete its folder
#
# start: initdb into a new temporary folder (owned by the `postgres` user when run as
# root: initdb and postgres refuse to run as root), listen on 127.0.0.1 only, on a free
# port, trust authentication (the server is private to this machine's loopback and
# lives for one test run), start it with `pg_ctl -w` (waits until it accepts
# connections) and print on stdout:
#   export STAFFING_TEST_POSTGRES_DIR=/tmp/staffing-pg.XXXXXX
#   export STAFFING_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:PORT/postgres
# Progress messages go to stderr, so stdout can be eval'ed.
#
# stop [DIR]: stop the server in DIR (default $STAFFING_TEST_POSTGRES_DIR) and delete DIR.
# Only a folder this script created (it holds the marker file) is ever deleted.
#
# bindir: print the folder of the server binaries (fails when there are none).
#
# The server binaries are found with $PG_BIN, else `pg_config --bindir`, else the newest
# /usr/lib/postgresql/*/bin (Debian), else $PATH.
set -euo pipefail

MARKER=".staffing-test-postgres"

log() { echo "postgres.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

pg_bindir() {
  if [ -n "${PG_BIN:-}" ]; then
    echo "$PG_BIN"
    return
  fi
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir="$(pg_config --bindir)"
    if [ -x "$dir/initdb" ]; then
      echo "$dir"
      return
    fi
  fi
  # Debian keeps initdb/pg_ctl off $PATH, under a per-major-version folder.
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then
    echo "$dir"
    return
  fi
  if command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return
  fi
  die "no PostgreSQL server binaries (initdb, pg_ctl) found; install them (Debian: apt-get install postgresql) or set PG_BIN"
}

# Run a server command as `postgres` when we are root (the server refuses root).
as_server_user() {
  if [ "$(id -u)" = "0" ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  # Bind port 0 on the loopback and let the kernel choose. The port is free again when
  # this returns, so another program could take it before the server does: start()
  # retries with a new port when the server cannot bind.
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local bin dir port attempt
  bin="$(pg_bindir)"
  if [ "$(id -u)" = "0" ] && ! id postgres >/dev/null 2>&1; then
    die "running as root but there is no 'postgres' user to run the server as (Debian's postgresql package creates it)"
  fi
  dir="$(mktemp -d "${TMPDIR:-/tmp}/staffing-pg.XXXXXX")"
  touch "$dir/$MARKER"
  if [ "$(id -u)" = "0" ]; then
    chown postgres: "$dir"
  fi
  log "initdb in $dir/data ($bin)"
  # C locale and UTF8: the same collation and encoding on every machine, whatever its locale.
  if ! as_server_user "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C \
      --auth-local=trust --auth-host=trust >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    rm -rf "$dir"
    die "initdb failed"
  fi
  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    # listen_addresses: TCP on the loopback only; the Unix socket goes into our own folder
    # (the default /var/run/postgresql may not exist or belong to a system cluster).
    if as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off" \
        start >&2; then
      echo "export STAFFING_TEST_POSTGRES_DIR=$dir"
      echo "export STAFFING_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
      log "started $("$bin/postgres" --version) on 127.0.0.1:$port (data and log in $dir)"
      return 0
    fi
    log "attempt $attempt: the server did not start on port $port; server log:"
    tail -n 20 "$dir/server.log" >&2 || true
  done
  rm -rf "$dir"
  die "could not start PostgreSQL"
}

stop() {
  local dir="${1:-${STAFFING_TEST_POSTGRES_DIR:-}}"
  [ -n "$dir" ] || die "stop: give the folder printed by 'start' (or set STAFFING_TEST_POSTGRES_DIR)"
  [ -f "$dir/$MARKER" ] || die "stop: $dir was not made by '$0 start'; not touching it"
  if [ -f "$dir/data/postmaster.pid" ]; then
    local pg_ctl
    pg_ctl="$(pg_bindir)/pg_ctl"
    # A fast stop disconnects the sessions and shuts down cleanly; never delete the
    # folder under a running server: fall back to an immediate stop.
    as_server_user "$pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >&2 \
      || as_server_user "$pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >&2 \
      || log "warning: pg_ctl stop failed (server already gone?)"
  fi
  rm -rf "$dir"
  log "stopped PostgreSQL and removed $dir"
}

case "${1:-}" in
  start) start ;;
  stop) shift; stop "$@" ;;
  bindir) pg_bindir ;;
  *) echo "usage: $0 start | stop [DIR] | bindir" >&2; exit 2 ;;
esac
