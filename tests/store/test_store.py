"""The store: SQLite's WAL, migrations, refusal of newer or corrupt files; copy recognition and rollback
on both backends (`db_target`)."""

from __future__ import annotations

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
