"""Moving a whole database between backends: SQLite to PostgreSQL (or back), every table, every row.

Why rows as JSON lines and not SQL text: the two dialects read values the same way through their
drivers, so a row read from one is written to the other unchanged, with the ids it had (stories,
outbox rows and message references keep pointing at each other). A file lets an operator move a
database between machines (`bot export` / `bot import`); `bot migrate --from-sqlite` copies directly.

The first line names the format and the schema version; then one line per row, table by table in an
order where every row comes after the rows it refers to. Importing happens in one transaction, into a
database that holds nothing yet, so a failed import leaves it as empty as it was.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.store.db import Database, StoreError

FORMAT = "vendor-alert-bot-export"
BATCH = 500
# Every table the migrations create, parents before children, with a key that orders its rows
# (export reads them in key order, page by page, never all at once).
TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("articles", ("id",)),
    ("article_vendors", ("article_id", "vendor")),
    ("processed_files", ("file_hash",)),
    ("stories", ("id",)),
    ("story_articles", ("article_id",)),
    ("story_vendors", ("story_id", "vendor")),
    ("story_versions", ("story_id", "version")),
    ("term_df", ("term",)),
    ("subscriptions", ("id",)),
    ("tracked_vendors", ("platform", "workspace", "name")),
    ("outbox", ("id",)),
    ("message_refs", ("story_id", "platform", "workspace", "channel")),
    ("dead_letters", ("id",)),
    ("digest_items", ("subscription_id", "story_id")),
    ("digest_state", ("subscription_id",)),
)
# Who is running right now (worker leases, channel owners, shared send budgets): state of the processes
# of the moment, not of the bot. It is not moved; the workers of the target rebuild it as they start,
# and an outbox row that was in flight moves with it and is taken over as maybe sent.
TRANSIENT_TABLES = ("workers", "channel_owners", "leases", "rate_budgets")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass
class Moved:
    """Rows per table, for the command's report."""

    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def __str__(self) -> str:
        return ", ".join(f"{table} {count}" for table, count in self.rows.items() if count) or "no rows"


async def table_rows(db: Database, table: str, key: tuple[str, ...]) -> AsyncIterator[dict[str, Any]]:
    """Every row of a table as a dict, in key order, a page at a time (keyset paging)."""
    order = ", ".join(key)
    after: tuple[Any, ...] | None = None
    while True:
        if after is None:
            sql, params = f"SELECT * FROM {table} ORDER BY {order} LIMIT ?", [BATCH]
        else:
            marks = ", ".join("?" * len(key))
            sql = f"SELECT * FROM {table} WHERE ({order}) > ({marks}) ORDER BY {order} LIMIT ?"
            params = [*after, BATCH]
        page = await db.fetchall(sql, params)
        for row in page:
            yield {name: row[i] for i, name in enumerate(row.keys())}
        if len(page) < BATCH:
            return
        after = tuple(page[-1][k] for k in key)


async def export_lines(db: Database) -> AsyncIterator[str]:
    """The database as JSON lines: a header, then {"table": …, "row": {…}} per row."""
    header = {"format": FORMAT, "schema_version": await db.schema_version(), "from": db.dialect}
    yield json.dumps(header)
    for table, key in TABLES:
        async for row in table_rows(db, table, key):
            yield json.dumps({"table": table, "row": row}, ensure_ascii=False)


async def file_lines(lines: Iterable[str]) -> AsyncIterator[str]:
    """A file's lines (or any list of them) as import_lines reads them."""
    for line in lines:
        yield line


async def _parse(lines: AsyncIterable[str]) -> AsyncIterator[tuple[int, dict[str, Any]]]:
    number = 0
    async for line in lines:
        number += 1
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise StoreError(f"line {number} is not JSON ({exc.msg}); nothing was imported") from None
        if not isinstance(item, dict):
            raise StoreError(f"line {number} is not a JSON object; nothing was imported")
        yield number, item


async def _check_empty(db: Database) -> None:
    for table, _ in TABLES:
        if table == "term_df":  # holds the document counter row from the migration
            row = await db.fetchone("SELECT COUNT(*) FROM term_df WHERE term <> ''")
        else:
            row = await db.fetchone(f"SELECT COUNT(*) FROM {table}")
        if row is not None and int(row[0]):
            raise StoreError(
                f"the target database {db.path} already holds {table}; import only into an empty one"
            )


async def import_lines(db: Database, lines: AsyncIterable[str]) -> Moved:
    """Load an export into an empty database of the same schema version, in one transaction."""
    parsed = _parse(lines)
    first = await anext(parsed, None)
    if first is None or first[1].get("format") != FORMAT:
        raise StoreError(f"not a {FORMAT} file (its first line must name the format); nothing was imported")
    version = await db.schema_version()
    if first[1].get("schema_version") != version:
        raise StoreError(
            f"the export is schema version {first[1].get('schema_version')}, this database is {version}: "
            "export with the same bot version; nothing was imported"
        )
    await _check_empty(db)
    known = {table: await db.columns(table) for table, _ in TABLES}
    moved = Moved({table: 0 for table, _ in TABLES})
    pending: list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]] = []
    async with db.write():
        async for number, item in parsed:
            table, row = item.get("table"), item.get("row")
            if table not in known or not isinstance(row, dict):
                raise StoreError(f"line {number}: unknown table {table!r} or no row; nothing was imported")
            columns = tuple(row)
            if not set(columns) <= set(known[table]) or not all(_NAME.match(c) for c in columns):
                raise StoreError(
                    f"line {number}: columns of {table} do not match this database; nothing was imported"
                )
            if (
                not pending
                or pending[-1][0] != table
                or pending[-1][1] != columns
                or len(pending[-1][2]) >= BATCH
            ):
                await _flush(db, pending)
                pending = [(table, columns, [])]
            pending[-1][2].append(tuple(row[c] for c in columns))
            moved.rows[table] += 1
        await _flush(db, pending)
        await db.after_explicit_ids()
    return moved


async def _flush(db: Database, pending: list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]]) -> None:
    for table, columns, rows in pending:
        if not rows:
            continue
        marks = ",".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        if table == "term_df":  # the document counter row exists already: take the exported count
            sql += " ON CONFLICT(term) DO UPDATE SET df = excluded.df"
        await db.executemany(sql, rows)
    pending.clear()


async def copy_database(source: Database, target: Database) -> Moved:
    """Every row of `source` into the empty `target` (`bot migrate --from-sqlite`), streamed."""
    return await import_lines(target, export_lines(source))
