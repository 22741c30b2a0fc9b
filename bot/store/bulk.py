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


# Per table: columns that hold article ids, story ids, dates, and unique texts, in a replicated corpus.
_ARTICLE_IDS = {
    "articles": ("id",),
    "article_vendors": ("article_id",),
    "story_articles": ("article_id", "duplicate_of"),
    "story_versions": ("article_id",),
}
_STORY_IDS = {
    "stories": ("id",),
    "story_articles": ("story_id",),
    "story_vendors": ("story_id",),
    "story_versions": ("story_id",),
}
_DATES = {
    "articles": ("published", "fetched", "ingested_at"),
    "stories": ("first_seen", "updated_at", "first_published", "last_published", "last_seen"),
    "story_articles": ("published",),
    "story_vendors": ("first_published", "last_published", "last_seen", "recency", "updated_at"),
    "story_versions": ("created_at",),
}
_UNIQUE_TEXTS = {"articles": ("content_hash", "url", "path"), "story_articles": ("content_hash", "url")}


async def replicate_corpus(db: Database, copies: int, shift_days: int) -> None:
    """Grow a generated corpus `copies` more times over in SQL alone: every article, story, member,
    vendor row and version again under new ids, copy k moved `k * shift_days` days into the past
    (dates keep their text form), hashes and URLs made unique. Document frequencies scale with it.
    A million-article corpus in minutes, where generating each article takes far longer. SQLite's
    date functions: for the benchmark corpus (SQLite), not for PostgreSQL."""
    articles = await db.fetchone("SELECT COALESCE(MAX(id), 0) FROM articles")
    stories = await db.fetchone("SELECT COALESCE(MAX(id), 0) FROM stories")
    article_span, story_span = int(articles[0]) if articles else 0, int(stories[0]) if stories else 0
    tables = ("articles", "article_vendors", "stories", "story_articles", "story_vendors", "story_versions")
    columns = {t: await db.columns(t) for t in tables}
    for copy in range(1, copies + 1):
        async with db.write() as conn:
            for table in tables:
                values = []
                for column in columns[table]:
                    if column in _ARTICLE_IDS.get(table, ()):
                        values.append(f"{column} + {article_span * copy}")
                    elif column in _STORY_IDS.get(table, ()):
                        values.append(f"{column} + {story_span * copy}")
                    elif column in _DATES.get(table, ()):
                        shifted = f"strftime('%Y-%m-%dT%H:%M:%f', {column}, '-{shift_days * copy} days')"
                        values.append(f"{shifted} || '000+00:00'")
                    elif column in _UNIQUE_TEXTS.get(table, ()):
                        values.append(f"{column} || '#copy{copy}'")
                    else:
                        values.append(column)
                if table in _STORY_IDS:  # only the original rows, not copies made before this one
                    source = f"{table} WHERE {_STORY_IDS[table][0]} <= {story_span}"
                else:
                    source = f"{table} WHERE {_ARTICLE_IDS[table][0]} <= {article_span}"
                await conn.execute(
                    f"INSERT INTO {table} ({', '.join(columns[table])}) SELECT {', '.join(values)} FROM {source}"
                )
    await db.execute(f"UPDATE term_df SET df = df * {copies + 1}")
