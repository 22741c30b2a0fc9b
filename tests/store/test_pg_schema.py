"""The two dialects stay one schema, and PostgreSQL's own failure modes read as one line each.

The repository tests themselves run on both backends through the `db_target` fixture (tests/conftest.py);
here: the migrations of each dialect give the same versions, tables and columns in the same order; a
URL of another database is refused; a PostgreSQL that is down at start is waited for (BOT_STARTUP_RETRY)
or refused at once, as Slack and Discord are.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.store.backends import open_database
from bot.store.db import Database, StoreError, migrations
from bot.store.pg import PG_MIGRATIONS, VERSION_TABLE, PgDatabase, translate
from tests.support.bot_process import BOT, child_environment


async def _sqlite_columns(db: Database) -> dict[str, list[str]]:
    tables = [
        r[0]
        for r in await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {t: [r["name"] for r in await db.fetchall(f"PRAGMA table_info({t})")] for t in tables}


async def _pg_columns(db: Database) -> dict[str, list[str]]:
    rows = await db.fetchall(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
        " ORDER BY table_name, ordinal_position"
    )
    out: dict[str, list[str]] = {}
    for r in rows:
        if r["table_name"] != VERSION_TABLE:
            out.setdefault(r["table_name"], []).append(r["column_name"])
    return out


def test_both_dialects_ship_the_same_migration_versions() -> None:
    sqlite = [(v, name) for v, name, _ in migrations()]
    postgres = [(v, name) for v, name, _ in migrations(PG_MIGRATIONS)]
    assert sqlite == postgres and len(sqlite) >= 7


async def test_both_dialects_build_the_same_tables_and_columns(tmp_path: Path, pg_url: str) -> None:
    sqlite = await open_database(tmp_path / "bot.sqlite3")
    postgres = await open_database(pg_url)
    try:
        sqlite_columns, pg_columns = await _sqlite_columns(sqlite), await _pg_columns(postgres)
        assert "outbox" in sqlite_columns and "story_vendors" in sqlite_columns
        assert pg_columns == sqlite_columns
        assert await postgres.schema_version() == await sqlite.schema_version() == migrations()[-1][0]
    finally:
        await sqlite.close()
        await postgres.close()


async def test_reopening_and_a_newer_schema(pg_url: str) -> None:
    db = await open_database(pg_url)  # the template is migrated already: opening again is a no-op
    try:
        await db.execute(f"UPDATE {VERSION_TABLE} SET version = 999")
    finally:
        await db.close()
    with pytest.raises(StoreError, match="newer than this bot knows"):
        await open_database(pg_url)


async def test_export_names_every_table_as_moved_or_transient(tmp_path: Path) -> None:
    """A migration that adds a table must say whether `bot export` moves it."""
    from bot.store.transfer import TABLES, TRANSIENT_TABLES

    db = await open_database(tmp_path / "bot.sqlite3")
    try:
        tables = set(await _sqlite_columns(db))
    finally:
        await db.close()
    moved = {table for table, _ in TABLES}
    assert not moved & set(TRANSIENT_TABLES)
    assert tables == moved | set(TRANSIENT_TABLES)


def test_placeholders_are_rewritten_outside_string_literals() -> None:
    assert translate("SELECT '?' , x FROM t WHERE a=? AND b IN (?,?)") == (
        "SELECT '?' , x FROM t WHERE a=$1 AND b IN ($2,$3)"
    )
    assert (
        translate("UPDATE o SET v=MAX(v, ?), n=? WHERE id=?")
        == "UPDATE o SET v=GREATEST(v, $1), n=$2 WHERE id=$3"
    )
    assert translate("SELECT MAX(id) FROM t") == "SELECT MAX(id) FROM t"


@pytest.mark.parametrize("url", ["mysql://bot@localhost/bot", "mongodb://x", "oracle://a/b"])
async def test_another_database_url_is_refused_in_one_line(url: str) -> None:
    with pytest.raises(StoreError) as caught:
        await open_database(url)
    message = str(caught.value)
    assert "\n" not in message and "unsupported database URL" in message and "postgresql://" in message


async def test_a_postgres_that_is_down_is_refused_at_once_without_retry(tmp_path: Path) -> None:
    url = f"postgresql://postgres@/bot?host={tmp_path}"  # no server listens there
    with pytest.raises(StoreError) as caught:
        await asyncio.wait_for(open_database(url, retry=False), 10)
    message = str(caught.value)
    assert "\n" not in message and "not reachable" in message and "BOT_STARTUP_RETRY=false" in message


async def test_a_postgres_that_is_down_is_waited_for_with_backoff(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"postgresql://postgres@/bot?host={tmp_path}"
    caplog.set_level(logging.WARNING, logger="bot.store.pg")
    opening = asyncio.create_task(PgDatabase.connect(url, retry=True, max_backoff=1.0))
    for _ in range(100):
        if len(caplog.records) >= 2:
            break
        await asyncio.sleep(0.05)
    assert not opening.done()  # still waiting, not failed
    opening.cancel()
    with pytest.raises(asyncio.CancelledError):
        await opening
    waits = [r.getMessage() for r in caplog.records]
    assert len(waits) >= 2 and all("not reachable yet" in w and "retrying in 1s" in w for w in waits), waits


async def test_bot_migrate_says_the_version_on_both_backends(tmp_path: Path, pg_url: str) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    latest = migrations()[-1][0]
    for env in ({"BOT_DB_PATH": str(tmp_path / "m.sqlite3")}, {"BOT_DATABASE_URL": pg_url}):
        result = await asyncio.to_thread(CliRunner().invoke, app, ["migrate"], env=env)
        assert result.exit_code == 0 and f"at schema version {latest}" in result.output, result.output
    refused = await asyncio.to_thread(
        CliRunner().invoke, app, ["migrate"], env={"BOT_DATABASE_URL": "mysql://bot@localhost/bot"}
    )
    assert refused.exit_code == 1 and "unsupported database URL" in str(refused.exception)
    backup = await asyncio.to_thread(
        CliRunner().invoke, app, ["backup", str(tmp_path / "copy.sqlite3")], env={"BOT_DATABASE_URL": pg_url}
    )
    assert backup.exit_code == 1 and "pg_dump" in str(backup.exception)


def test_no_server_fails_in_ci_and_skips_with_the_reason_elsewhere() -> None:
    from tests.support.postgres import unavailable

    with pytest.raises(pytest.fail.Exception, match="PostgreSQL is needed in CI: initdb failed"):
        unavailable("initdb failed", {"CI": "true"})
    with pytest.raises(pytest.skip.Exception, match=r"BOT_TEST_POSTGRES.*initdb failed"):
        unavailable("initdb failed", {})


def test_bot_run_on_a_postgres_that_is_down_exits_with_one_line(tmp_path: Path) -> None:
    """BOT_STARTUP_RETRY=false: `bot run` stops at once with one error line (no traceback)."""
    import subprocess

    env = child_environment(
        BOT_DATABASE_URL=f"postgresql://bot:secret@/bot?host={tmp_path}",  # nobody listens there
        BOT_STARTUP_RETRY="false",
        BOT_STORIES_DIR=str(tmp_path / "stories"),
    )
    done = subprocess.run(
        [*BOT, "run"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1, done.stderr
    assert lines and lines[-1].startswith("error: PostgreSQL") and "not reachable" in lines[-1], done.stderr
    assert "secret" not in done.stderr and "Traceback" not in done.stderr
