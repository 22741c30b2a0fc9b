"""The store: SQLite's WAL, migrations, refusal of newer or corrupt files; copy recognition and rollback
on both backends (`db_target`)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from bot.models import Article, ChannelRef
from bot.store import Store, StoreError, SubscriptionFilters


def article(body: str = "Body text.", url: str | None = "https://example.com/a", **kw: object) -> Article:
    return Article(path="x.md", title="T", body=body, raw=body, content_hash=f"h-{body}", url=url, **kw)  # type: ignore[arg-type]


async def test_wal_and_migrations(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db" / "bot.sqlite3")
    try:
        row = await store.db.fetchone("PRAGMA journal_mode")
        assert row is not None and row[0] == "wal"
        version = await store.db.fetchone("PRAGMA user_version")
        assert version is not None and version[0] >= 3
    finally:
        await store.close()
    reopened = await Store.open(tmp_path / "db" / "bot.sqlite3")  # migrating twice is a no-op
    await reopened.close()


async def test_copy_is_recognised(db_target: str | Path) -> None:
    store = await Store.open(db_target)
    try:
        first, new = await store.articles.add(article(subjects=("Okta",)))
        assert new and first.id is not None and first.subjects == ("Okta",)
        same_body, new = await store.articles.add(article(url="https://mirror.example/a"))
        assert not new and same_body.id == first.id
        same_url, new = await store.articles.add(article(body="Other words."))
        assert not new and same_url.id == first.id
        other, new = await store.articles.add(article(body="Other words.", url=None))
        assert new and other.id != first.id
        assert await store.articles.count() == 2
    finally:
        await store.close()


async def test_newer_schema_is_refused_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE keep (x)")
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(StoreError, match="newer than this bot knows"):
        await Store.open(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 999
        assert conn.execute("SELECT name FROM sqlite_master WHERE name='keep'").fetchone()


async def test_corrupt_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not usable"):
        await Store.open(path)
    assert path.read_bytes().startswith(b"this is not a database")


async def test_failed_transaction_rolls_back(db_target: str | Path) -> None:
    store = await Store.open(db_target)
    channel = ChannelRef("slack", "T1", "C1")
    try:
        with pytest.raises(RuntimeError):
            async with store.db.write():
                await store.subscriptions.upsert(channel, "Okta", SubscriptionFilters())
                raise RuntimeError("crash mid-write")
        assert await store.subscriptions.find(channel, "Okta") is None
        sub, created = await store.subscriptions.upsert(channel, "Okta", SubscriptionFilters(include=("uk",)))
        again, created_again = await store.subscriptions.upsert(channel, "Okta", SubscriptionFilters())
        assert created and not created_again and again.created_at == sub.created_at and again.include == ()
    finally:
        await store.close()


async def _filled_and_closed(path: Path) -> None:
    store = await Store.open(path)
    try:
        async with store.db.write():
            await store.db.execute("CREATE TABLE filler (x TEXT)")
            await store.db.executemany(
                "INSERT INTO filler VALUES (?)", [(f"row {i} " * 20,) for i in range(3000)]
            )
    finally:
        await store.close()


def _damage_tail_keeping_stat(path: Path) -> None:
    """Overwrite the filler's last pages in place, then put size and mtime back: only reading every
    page can tell."""
    before = path.stat()
    data = bytearray(path.read_bytes())
    data[-40960:-8192] = b"\xde\xad\xbe\xef" * ((40960 - 8192) // 4)
    path.write_bytes(bytes(data))

    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


async def test_clean_start_skips_the_full_read_unclean_start_does_it(tmp_path: Path) -> None:
    from bot.store.db import SqliteDatabase

    path = tmp_path / "bot.sqlite3"
    await _filled_and_closed(path)
    assert (tmp_path / "bot.sqlite3.clean").is_file(), "a clean close stamps the file"
    _damage_tail_keeping_stat(path)
    store = await Store.open(path)  # unchanged since a clean close: header and schema only
    await store.close()
    with pytest.raises(StoreError, match=r"integrity check|damaged"):
        await SqliteDatabase.open_file(path, full_check=True)  # `bot check`
    assert not (tmp_path / "bot.sqlite3.clean").exists(), "a refused file is checked in full next time"
    with pytest.raises(StoreError, match=r"integrity check|damaged"):
        await Store.open(path)


async def test_a_wal_left_behind_or_a_changed_file_means_a_full_check(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await _filled_and_closed(path)
    _damage_tail_keeping_stat(path)
    Path(f"{path}-wal").write_bytes(b"\0" * 64)  # a crash (or another process) left a WAL
    with pytest.raises(StoreError, match=r"integrity check|damaged"):
        await Store.open(path)
    Path(f"{path}-wal").unlink(missing_ok=True)  # SQLite drops a WAL it cannot use
    other = tmp_path / "other.sqlite3"
    await _filled_and_closed(other)
    data = bytearray(other.read_bytes())
    data[-40960:-8192] = b"\xde\xad\xbe\xef" * ((40960 - 8192) // 4)
    other.write_bytes(bytes(data))  # written by something else: mtime moved
    with pytest.raises(StoreError, match=r"integrity check|damaged"):
        await Store.open(other)


def test_bot_check_reads_every_page(tmp_path: Path) -> None:
    import asyncio

    from typer.testing import CliRunner

    from bot.cli import app

    path = tmp_path / "bot.sqlite3"
    asyncio.run(_filled_and_closed(path))
    env = {"BOT_DB_PATH": str(path), "BOT_DATABASE_URL": ""}
    intact = CliRunner().invoke(app, ["check"], env=env)
    assert intact.exit_code == 0 and "passed its integrity check" in intact.output, intact.output
    _damage_tail_keeping_stat(path)  # a start-up would accept it (stamp matches); `bot check` must not
    damaged = CliRunner().invoke(app, ["check"], env=env)
    assert damaged.exit_code == 1, damaged.output
    assert "passed" not in damaged.output
