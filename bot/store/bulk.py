"""Bulk loading of generated data (benchmark corpora, test fixtures): thousands of rows, one statement per
table, instead of the pipeline's one-by-one inserts that check each article for copies.

Why here: the SQL depends on the schema in migrations/, so it lives beside it; benchmarks and tests
hand over rows and never write SQL themselves. Values are stored as given (dates already `to_db`
text, lists already JSON), in the column order named below.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.store.db import Database

Row = Sequence[object]

ARTICLE_COLUMNS = (
    "id",
    "path",
    "title",
    "body",
    "raw",
    "content_hash",
    "outlet",
    "url",
    "published",
    "fetched",
    "credits",
    "subjects",
    "mentions",
    "ingested_at",
)
SUBSCRIPTION_COLUMNS = frozenset(
    {
        "platform",
        "workspace",
        "channel",
        "vendor",
        "event_types",
        "include_words",
        "exclude_words",
        "mode",
        "digest_time",
        "timezone",
        "created_at",
        "created_by",
        "muted_until",
        "disabled_reason",
    }
)


def _marks(count: int) -> str:
    return ",".join("?" * count)


async def insert_articles(db: Database, rows: Sequence[Row], vendors: Sequence[Row] = ()) -> None:
    """Article rows in ARTICLE_COLUMNS order, and (article_id, vendor, salience) rows."""
    async with db.write():
        await db.executemany(
            f"INSERT INTO articles ({', '.join(ARTICLE_COLUMNS)}) VALUES ({_marks(len(ARTICLE_COLUMNS))})",
            rows,
        )
        if vendors:
            await db.executemany(
                "INSERT INTO article_vendors (article_id, vendor, salience) VALUES (?,?,?)", vendors
            )
        await db.after_explicit_ids()


async def insert_story_rows(
    db: Database,
    stories: Sequence[Row],
    members: Sequence[Row],
    story_vendors: Sequence[Row],
    term_counts: Mapping[str, int],
    documents: int,
) -> None:
    """Stories, their members and (vendor, time) index rows in the tables' own column order, plus the
    TF-IDF document frequencies and document count: a clustered corpus without clustering it."""
    async with db.write() as conn:
        await conn.executemany(f"INSERT INTO stories VALUES ({_marks(16)})", stories)
        await conn.executemany(f"INSERT INTO story_articles VALUES ({_marks(12)})", members)
        await conn.executemany(f"INSERT INTO story_vendors VALUES ({_marks(7)})", story_vendors)
        await conn.executemany("INSERT INTO term_df VALUES (?,?)", sorted(term_counts.items()))
        await conn.execute("UPDATE term_df SET df = ? WHERE term = ''", (documents,))
        await db.after_explicit_ids()


async def insert_subscriptions(db: Database, columns: Sequence[str], rows: Sequence[Row]) -> list[int]:
    """Subscriptions with the named columns (the rest keep their defaults); their ids in row order.
    Each row must start with platform, workspace, channel, vendor."""
    unknown = set(columns) - SUBSCRIPTION_COLUMNS
    if unknown or tuple(columns[:4]) != ("platform", "workspace", "channel", "vendor"):
        raise ValueError(f"bad subscription columns: {', '.join(columns)}")
    await db.executemany(
        f"INSERT INTO subscriptions ({', '.join(columns)}) VALUES ({_marks(len(columns))})", rows
    )
    found = await db.fetchall("SELECT id, platform, workspace, channel, vendor FROM subscriptions")
    by_key = {(r["platform"], r["workspace"], r["channel"], r["vendor"]): int(r["id"]) for r in found}
    return [by_key[(r[0], r[1], r[2], r[3])] for r in rows]


async def corpus_counts(db: Database) -> tuple[int, int, int, int]:
    """(articles, stories, vendors with stories, highest article id)."""
    row = await db.fetchone(
        "SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM stories),"
        " (SELECT COUNT(DISTINCT vendor) FROM story_vendors), (SELECT COALESCE(MAX(id), 0) FROM articles)"
    )
    return (int(row[0]), int(row[1]), int(row[2]), int(row[3])) if row else (0, 0, 0, 0)
