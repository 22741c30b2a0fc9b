"""Articles and processed files. A re-delivered or syndicated copy (same `content_hash`, or the same
URL) is recognised and returns the stored article instead of a second row. The hash is the normalised
body's, with the headline added when the body is too short to identify an article by itself
(`bot.ingest.article.content_hash`): pages that share only boilerplate are not copies of each other."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import cast, get_args

from bot.models import Article, PublishedPrecision
from bot.store.db import Database
from bot.store.dialect import Connection, Row
from bot.store.timefmt import from_db, to_db, utcnow


def _precision(value: str | None) -> PublishedPrecision | None:
    for known in get_args(PublishedPrecision):
        if value == known:
            return cast(PublishedPrecision, known)
    return None


def _row_to_article(row: Row) -> Article:
    return Article(
        id=row["id"],
        path=row["path"],
        title=row["title"],
        body=row["body"],
        raw=row["raw"],
        content_hash=row["content_hash"],
        outlet=row["outlet"],
        url=row["url"],
        published=from_db(row["published"]),
        fetched=from_db(row["fetched"]),
        published_precision=_precision(row["published_precision"]),
        credits=tuple(json.loads(row["credits"])),
        subjects=tuple(json.loads(row["subjects"])),
        mentions=tuple(json.loads(row["mentions"])),
    )


def _stored_values(article: Article) -> tuple[object, ...]:
    """The article's columns after `path`, in the order add() and revise() write them."""
    return (
        article.title,
        article.body,
        article.raw,
        article.content_hash,
        article.outlet,
        article.url,
        to_db(article.published),
        to_db(article.fetched),
        article.published_precision,
        json.dumps(list(article.credits)),
        json.dumps(list(article.subjects)),
        json.dumps(list(article.mentions)),
        to_db(utcnow()),
    )


async def _index_vendors(conn: Connection, article_id: int, article: Article) -> None:
    """The article's vendors as rows of article_vendors (the index /story and clustering look up)."""
    vendors = [(article_id, v, "subject") for v in article.subjects]
    vendors += [(article_id, v, "mention") for v in article.mentions if v not in article.subjects]
    if vendors:
        await conn.executemany(
            "INSERT INTO article_vendors (article_id, vendor, salience) VALUES (?,?,?) ON CONFLICT DO NOTHING",
            vendors,
        )


class ArticleStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def find_copy(self, article: Article) -> Article | None:
        """The stored article this one is a copy of (same body hash, or same URL), if any."""
        row = await self._db.fetchone(
            "SELECT * FROM articles WHERE content_hash = ?", (article.content_hash,)
        )
        if row is None and article.url:
            row = await self._db.fetchone("SELECT * FROM articles WHERE url = ? LIMIT 1", (article.url,))
        return _row_to_article(row) if row else None

    async def add(self, article: Article) -> tuple[Article, bool]:
        """Store an article; returns (stored article with id, True) or (the existing copy, False)."""
        async with self._db.write() as conn:
            existing = await self.find_copy(article)
            if existing is not None:
                return existing, False
            inserted = await self._db.fetchone(  # in this transaction; one round trip on SQLite
                "INSERT INTO articles (path, title, body, raw, content_hash, outlet, url, published, fetched,"
                " published_precision, credits, subjects, mentions, ingested_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                (article.path, *_stored_values(article)),
            )
            assert inserted is not None
            article_id = int(inserted[0])
            await _index_vendors(conn, article_id, article)
        return replace(article, id=article_id), True

    async def stored_from(self, path: str) -> Article | None:
        """The article last stored from this file path: a later, different text of the same file is an
        edit of it (an update, or the rest of a file first read half written), not a new article."""
        row = await self._db.fetchone(
            "SELECT * FROM articles WHERE path = ? ORDER BY id DESC LIMIT 1", (path,)
        )
        return _row_to_article(row) if row else None

    async def revise(self, article_id: int, article: Article) -> Article:
        """Replace a stored article's text and metadata with a new version of it (same id)."""
        async with self._db.write() as conn:
            await conn.execute(
                "UPDATE articles SET title = ?, body = ?, raw = ?, content_hash = ?, outlet = ?, url = ?,"
                " published = ?, fetched = ?, published_precision = ?, credits = ?, subjects = ?, mentions = ?,"
                " ingested_at = ? WHERE id = ?",
                (*_stored_values(article), article_id),
            )
            await conn.execute("DELETE FROM article_vendors WHERE article_id = ?", (article_id,))
            await _index_vendors(conn, article_id, article)
        return replace(article, id=article_id)

    async def get(self, article_id: int) -> Article | None:
        row = await self._db.fetchone("SELECT * FROM articles WHERE id = ?", (article_id,))
        return _row_to_article(row) if row else None

    async def count(self) -> int:
        row = await self._db.fetchone("SELECT COUNT(*) FROM articles")
        return int(row[0]) if row else 0

    async def file_seen(self, file_hash: str) -> bool:
        row = await self._db.fetchone("SELECT 1 FROM processed_files WHERE file_hash = ?", (file_hash,))
        return row is not None

    async def files_seen(self, file_hashes: Sequence[str]) -> set[str]:
        """Which of these file hashes were processed before: one query for a group of files."""
        seen: set[str] = set()
        unique = sorted(set(file_hashes))
        for start in range(0, len(unique), 500):  # well under SQLite's limit on bound parameters
            part = unique[start : start + 500]
            rows = await self._db.fetchall(
                f"SELECT file_hash FROM processed_files WHERE file_hash IN ({','.join('?' * len(part))})",
                part,
            )
            seen.update(str(row[0]) for row in rows)
        return seen

    async def record_file(
        self, file_hash: str, path: str, status: str, article_id: int | None = None, reason: str | None = None
    ) -> None:
        await self._db.execute(
            "INSERT INTO processed_files (file_hash, path, status, article_id, reason, processed_at)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT(file_hash) DO UPDATE SET path=excluded.path, status=excluded.status,"
            " article_id=excluded.article_id, reason=excluded.reason, processed_at=excluded.processed_at",
            (file_hash, path, status, article_id, reason, to_db(utcnow())),
        )
