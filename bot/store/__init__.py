"""Persistence. The only package that imports aiosqlite; the core sees these repositories only.

A Postgres backend would provide the same repository classes; nothing outside this package changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.store.articles import ArticleStore
from bot.store.db import Database, StoreError
from bot.store.subscriptions import SubscriptionFilters, SubscriptionStore

__all__ = ["ArticleStore", "Database", "Store", "StoreError", "SubscriptionFilters", "SubscriptionStore"]


@dataclass
class Store:
    db: Database
    articles: ArticleStore
    subscriptions: SubscriptionStore

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        db = await Database.open(path)
        return cls(db=db, articles=ArticleStore(db), subscriptions=SubscriptionStore(db))

    async def close(self) -> None:
        await self.db.close()
