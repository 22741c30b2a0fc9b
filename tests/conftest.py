from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # imported where used: this file is also copied alone by tests/test_shared_data_note.py
    from tests.support.postgres import PostgresServer

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SEEDS = SHARED_DATA / "seeds"

# Tests never read a developer's .env or the process environment's tokens by accident.
for _name in list(os.environ):
    if _name.startswith(("SLACK_", "DISCORD_", "BOT_")):
        del os.environ[_name]
# The Slack adapter tests send the bare command names (/subscribe …); the prefix (default "va-") has
# tests of its own in tests/test_slack_prefix.py, which set it explicitly.
os.environ["SLACK_COMMAND_PREFIX"] = ""


def seed_files() -> list[Path]:
    return sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []


needs_seeds = pytest.mark.skipif(not seed_files(), reason="../shared/data/seeds is not present")


@pytest.fixture
def seeds() -> list[Path]:
    files = seed_files()
    if not files:
        pytest.skip("../shared/data/seeds is not present")
    return files


@pytest.fixture
def stories_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "stories"
    path.mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


# -- PostgreSQL: one server per session, a fresh database per test -----------------------------------

PG_TEMPLATE = "bot_template"
_pg_names = itertools.count(1)


def _in_thread(coro: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine to the end from a synchronous session fixture (no loop may be running here)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


async def _migrated_template(server: PostgresServer) -> None:
    from bot.store.backends import open_database
    from bot.store.pg import create_database, drop_database

    await drop_database(server.admin_url, PG_TEMPLATE)
    await create_database(server.admin_url, PG_TEMPLATE)
    db = await open_database(server.url(PG_TEMPLATE))
    await db.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL with a migrated template database. Not available: an error in CI
    (CI=true), a skip with the reason elsewhere; never a silent pass."""
    from tests.support.postgres import PostgresUnavailable, start, unavailable

    try:
        server = start()
    except PostgresUnavailable as exc:
        unavailable(str(exc))
    try:
        _in_thread(_migrated_template(server))
        yield server
    finally:
        server.stop()


@pytest.fixture
async def pg_url(postgres_server: PostgresServer) -> AsyncIterator[str]:
    """A fresh, migrated PostgreSQL database for one test (a copy of the template), dropped after."""
    from bot.store.pg import create_database, drop_database

    name = f"t{os.getpid()}_{next(_pg_names)}"
    await create_database(postgres_server.admin_url, name, template=PG_TEMPLATE)
    yield postgres_server.url(name)
    await drop_database(postgres_server.admin_url, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a repository test opens its store: every such test runs on both backends."""
    if request.param == "sqlite":
        return tmp_path / "bot.sqlite3"
    url: str = request.getfixturevalue("pg_url")
    return url


# -- a word in the test output about the shared real data ---------------------------------------------

SHARED_SKIP_WORDS = ("shared/data", "../shared", "/work/devdata", "devdata")


def pytest_report_header(config: pytest.Config) -> str:
    if SHARED_DATA.is_dir():
        return f"shared real data: {SHARED_DATA}"
    return f"shared real data: {SHARED_DATA} is absent; the tests that read it will be skipped"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many tests were skipped for want of the shared data, and how to get them run, rather
    than leaving a bare skip count."""
    skipped = terminalreporter.stats.get("skipped", [])
    missing = [r for r in skipped if any(word in str(r.longrepr) for word in SHARED_SKIP_WORDS)]
    if missing:
        terminalreporter.write_line(
            f"note: {len(missing)} test(s) skipped because shared real data is absent "
            f"({SHARED_DATA} or /work/devdata); see each reason with -rs"
        )
