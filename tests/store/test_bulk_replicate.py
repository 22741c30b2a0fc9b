"""`bulk.replicate_corpus`, how the benchmarks reach a million stored articles: every row of a generated
corpus again under new ids, each copy a year further back, with nothing dangling and nothing that a
unique index refuses; `/story` still finds the newest story of a vendor."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from benchmarks.corpus import CorpusVendors, corpus_size, grow_corpus
from bot.store import Database
from bot.store.backends import open_database
from bot.store.bulk import replicate_corpus
from bot.store.story_store import StoryStore
from bot.store.timefmt import from_db

TABLES = ("articles", "article_vendors", "stories", "story_articles", "story_vendors", "story_versions")


async def count(db: Database, table: str) -> int:
    row = await db.fetchone(f"SELECT COUNT(*) FROM {table}")
    assert row is not None
    return int(row[0])


async def test_copies_keep_every_row_shape_and_move_into_the_past(tmp_path: Path) -> None:
    vendors = CorpusVendors.prepare(tmp_path, total=20).names
    db = await open_database(tmp_path / "corpus.sqlite3")
    try:
        before = await grow_corpus(db, 300, vendors)
        rows_before = {t: await count(db, t) for t in TABLES}
        newest = {v: await StoryStore(db).latest_story_for_vendor(v) for v in vendors[:5]}
        first = await db.fetchone("SELECT first_seen, title FROM stories WHERE id = 1")
        assert first is not None
        await replicate_corpus(db, 2, 365)
        after = await corpus_size(db)
        assert (after.articles, after.stories, after.vendors) == (
            3 * before.articles,
            3 * before.stories,
            before.vendors,
        )
        assert {t: await count(db, t) for t in TABLES} == {t: 3 * n for t, n in rows_before.items()}
        assert await db.fetchall("PRAGMA foreign_key_check") == []
        copy = await db.fetchone(
            "SELECT first_seen, title FROM stories WHERE id = ?", (1 + 2 * before.stories,)
        )
        assert copy is not None and copy["title"] == first["title"]
        moved = from_db(first["first_seen"]) - from_db(copy["first_seen"])  # type: ignore[operator]
        assert abs(moved - timedelta(days=730)) < timedelta(milliseconds=1)
        for vendor, story in newest.items():  # the copies are older: the newest story is unchanged
            latest = await StoryStore(db).latest_story_for_vendor(vendor)
            assert (latest.id if latest else None) == (story.id if story else None)
    finally:
        await db.close()
