"""Drive Debian's headless chromium over the DevTools protocol (``--remote-debugging-pipe``).

No websocket client is needed: chromium reads CDP commands from fd 3 and writes replies
and events to fd 4, each message a JSON text terminated by NUL. The page is loaded from a
``file://`` URL with every network feature that could phone home switched off; console
errors, uncaught exceptions, log entries of level error and every non-local request are
collected, then each chart id listed in ``<body data-charts>`` is checked for a rendered
plotly ``.main-svg``.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--no-default-browser-check", "--mute-audio",
)
# Going through fds >= 10 first avoids clobbering when a pipe end already is fd 3 or 4;
# dup2 makes the copies inheritable.
_LAUNCHER = (
    "import fcntl, os, sys\n"
    "a = fcntl.fcntl(int(sys.argv[1]), fcntl.F_DUPFD, 10)\n"
    "b = fcntl.fcntl(int(sys.argv[2]), fcntl.F_DUPFD, 10)\n"
    "os.dup2(a, 3)\nos.dup2(b, 4)\nos.execv(sys.argv[3], sys.argv[3:])\n"
)
_CHART_PROBE = (
    "JSON.stringify((document.body.dataset.charts || '').split(' ').filter(Boolean).map("
    "id => [id, !!document.getElementById(id), !!(document.getElementById(id) || document)"
    ".querySelector('#' + CSS.escape(id) + ' svg.main-svg')]))"
)


def chromium_binary() -> str | None:
    """Path of a chromium executable, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageResult:
    """What a page did while loading."""

    errors: list[str] = field(default_factory=list)
    remote_requests: list[str] = field(default_factory=list)
    charts: dict[str, tuple[bool, bool]] = field(default_factory=dict)  # id -> (div exists, svg rendered)


class _Pipe:
    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd, self.write_fd = read_fd, write_fd
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> int:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.write_fd, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def _read_one(self, deadline: float) -> dict[str, Any] | None:
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.read_fd], [], [], left)
            if ready:
                chunk = os.read(self.read_fd, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = 30.0) -> dict[str, Any]:
        want = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read_one(deadline)
            if msg is None:
                raise TimeoutError(f"no reply to {method}")
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, method: str, timeout: float) -> bool:
        if any(e["method"] == method for e in self.events):
            return True
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read_one(deadline)
            if msg is None:
                return False
            if "method" in msg:
                self.events.append(msg)
                if msg["method"] == method:
                    return True


def _describe(event: dict[str, Any]) -> str | None:
    method, params = event["method"], event.get("params", {})
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        args = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
        return f"console.{params['type']}: {args}"
    if method == "Runtime.exceptionThrown":
        details = params.get("exceptionDetails", {})
        return f"exception: {details.get('exception', {}).get('description') or details.get('text')}"
    if method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
        entry = params["entry"]
        return f"log: {entry.get('text')} {entry.get('url', '')}".strip()
    return None


def load_page(path: Path, *, render_timeout: float = 30.0) -> PageResult:
    """Open ``path`` in headless chromium, wait for the charts, and report what happened."""
    exe = chromium_binary()
    if exe is None:
        raise FileNotFoundError("no chromium binary")
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()

    result = PageResult()
    with tempfile.TemporaryDirectory(prefix="staffing-chromium-") as profile:
        log_path = Path(profile) / "chromium.log"
        with log_path.open("wb") as log:
            # A tiny Python launcher moves the pipe ends to fds 3 and 4 and execs chromium
            # (no preexec_fn, which is unsafe when the test process has threads).
            proc = subprocess.Popen(
                [sys.executable, "-c", _LAUNCHER, str(to_chrome_r), str(from_chrome_w),
                 exe, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, pass_fds=(to_chrome_r, from_chrome_w),
            )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        pipe = _Pipe(from_chrome_r, to_chrome_w)
        try:
            target = pipe.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = pipe.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for method in ("Runtime.enable", "Log.enable", "Page.enable", "Network.enable"):
                pipe.call(method, session=session)
            pipe.events.clear()
            pipe.call("Page.navigate", {"url": path.resolve().as_uri()}, session=session)
            if not pipe.wait_event("Page.loadEventFired", render_timeout):
                result.errors.append("page did not finish loading")
            deadline = time.monotonic() + render_timeout
            while True:
                probe = pipe.call("Runtime.evaluate", {"expression": _CHART_PROBE, "returnByValue": True},
                                  session=session)
                charts = {i: (bool(d), bool(s)) for i, d, s in json.loads(probe["result"]["value"])}
                if all(s for _, s in charts.values()) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            result.charts = charts
            pipe.wait_event("__settle__", 0.5)  # drain late console events
            for event in pipe.events:
                text = _describe(event)
                if text:
                    result.errors.append(text)
                if event["method"] == "Network.requestWillBeSent":
                    url = event["params"]["request"]["url"]
                    if not url.startswith(("file:", "data:", "about:", "blob:")):
                        result.remote_requests.append(url)
            with contextlib.suppress(RuntimeError, TimeoutError):
                pipe.call("Browser.close", timeout=5)
        finally:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            os.close(from_chrome_r)
            os.close(to_chrome_w)
    return result
