"""Persistence. The only package that imports aiosqlite or asyncpg; the core sees these repositories only.

SQLite (a file, the default) and PostgreSQL (a `postgresql://` URL) serve the same repository classes
(see bot/store/db.py and bot/store/pg.py); nothing outside this package knows which one it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.store.articles import ArticleStore
from bot.store.backends import open_database
from bot.store.db import Database, StoreError
from bot.store.subscriptions import SubscriptionFilters, SubscriptionStore

__all__ = ["ArticleStore", "Database", "Store", "StoreError", "SubscriptionFilters", "SubscriptionStore"]


@dataclass
class Store:
    db: Database
    articles: ArticleStore
    subscriptions: SubscriptionStore

    @classmethod
    async def open(cls, target: str | Path, *, retry: bool = False, max_backoff: float = 60.0) -> Store:
        """`target`: a SQLite file path or a `postgresql://` URL. `retry`: wait for a PostgreSQL that
        is not reachable yet (BOT_STARTUP_RETRY), with backoff up to `max_backoff` seconds."""
        db = await open_database(target, retry=retry, max_backoff=max_backoff)
        return cls(db=db, articles=ArticleStore(db), subscriptions=SubscriptionStore(db))

    async def close(self) -> None:
        await self.db.close()
