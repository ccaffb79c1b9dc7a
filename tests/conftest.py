"""Shared fixtures.

Real components (a PostgreSQL server, a headless Chromium) are used through the fixtures
below. A test needing one is skipped when the component is not available on a
developer's machine, but fails in CI (``CI=true``), where ``.ci/run`` installs and starts
them: a CI run that silently skipped them would pass without testing anything.
"""

from __future__ import annotations

import importlib.util
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
import sqlalchemy as sa

from staffing.store import Store

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

#: Server the PostgreSQL tests create their databases on (``.ci/postgres.sh start`` prints it).
POSTGRES_URL_ENV = "STAFFING_TEST_POSTGRES_URL"
#: Backends every store test runs on (``store_url`` / ``store`` parameters and test ids).
STORE_BACKENDS = ("sqlite", "postgresql")


def in_ci() -> bool:
    """Whether this is a CI run (``$CI`` is ``true``, as CI services and ``.ci/run`` set it)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def unavailable(component: str, problem: str, remedy: str) -> NoReturn:
    """Skip the current test because ``component`` is missing; fail instead in CI.

    Parameters
    ----------
    component
        What is missing (``"PostgreSQL"``, ``"Chromium"``).
    problem
        Why it cannot be used.
    remedy
        How to make it available.
    """
    if in_ci():
        pytest.fail(
            f"{component} is required in CI (CI=true) but {problem}; {remedy}. "
            "(Outside CI this test would be skipped.)",
            pytrace=False,
        )
    pytest.skip(f"{component} not available: {problem} ({remedy})")


@pytest.fixture
def shared_data() -> Path:
    """The real call-centre data beside the checkout; the test is skipped when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not available at {SHARED_DATA}")
    return SHARED_DATA


# -- PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[sa.Engine]:
    """An AUTOCOMMIT engine on the server named by ``$STAFFING_TEST_POSTGRES_URL``.

    Skipped outside CI when the variable is unset or the ``psycopg`` driver is missing
    (failed in CI). A server that is configured but cannot be reached always fails: the
    variable says the tests are meant to run there.
    """
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url:
        unavailable(
            "PostgreSQL",
            f"${POSTGRES_URL_ENV} is not set",
            'start a throw-away server with `eval "$(.ci/postgres.sh start)"`',
        )
    if importlib.util.find_spec("psycopg") is None:
        unavailable("PostgreSQL", "the psycopg driver is not installed", 'pip install -e ".[test]"')
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        shown = sa.engine.make_url(url).render_as_string(hide_password=True)
        pytest.fail(f"${POSTGRES_URL_ENV}={shown} cannot be reached: {exc}", pytrace=False)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_url(postgres_server: sa.Engine) -> Iterator[str]:
    """URL of a new, empty database on the test server, dropped after the test."""
    name = f"staffing_test_{uuid.uuid4().hex[:12]}"
    with postgres_server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = postgres_server.url.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        # FORCE ends sessions a test (or a process it killed) left open.
        with postgres_server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- the store ------------------------------------------------------------------------------


@pytest.fixture(params=STORE_BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh store URL for the test on each backend, also set as ``$STAFFING_STORE_URL``.

    ``sqlite``: a file in the test's temporary folder; ``postgresql``: a new database on
    the test server (see :func:`postgres_server` for when it is skipped).
    """
    if request.param == "postgresql":
        url: str = request.getfixturevalue("pg_url")
    else:
        url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("STAFFING_STORE_URL", url)
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """The store at :func:`store_url`, opened (schema created) and closed after the test."""
    opened = Store.open(store_url)
    try:
        yield opened
    finally:
        # Before pg_url drops the database: no pooled connection outlives its database.
        opened.close()


# -- Chromium ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Path of a headless Chromium that was seen to start and load a page.

    Skipped outside CI when there is no binary or it cannot start (failed in CI).
    """
    from _chromium import chromium_binary, load_page

    exe = chromium_binary()
    if exe is None:
        unavailable("Chromium", "no chromium binary is on PATH", "Debian: apt-get install chromium")
    page = tmp_path_factory.mktemp("chromium-probe") / "probe.html"
    page.write_text("<html><body data-charts=''>probe</body></html>")
    try:
        result = load_page(page, render_timeout=30.0)
    except (OSError, RuntimeError, TimeoutError) as exc:
        unavailable(
            "Chromium",
            f"{exe} cannot start or load a page ({exc})",
            f"`{exe} --headless --no-sandbox --dump-dom about:blank` shows why",
        )
    if result.errors:
        unavailable("Chromium", f"{exe} reported errors on an empty page: {result.errors}", "check the installation")
    return exe
