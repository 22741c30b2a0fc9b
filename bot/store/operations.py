"""What operators ask of the database: is it answering, how much is owed, and a consistent copy.

Kept apart from the outbox's own module: these are read-only looks for /readyz and /metrics, and the
online backup behind `bot backup`, none of which the delivery path needs.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from bot.store.db import Database, StoreError


@dataclass(frozen=True, slots=True)
class OutboxBacklog:
    """One platform's outbox at a glance."""

    platform: str
    open_rows: int  # pending or in flight
    oldest_open_created_at: float | None  # epoch seconds of the oldest open row
    dead_rows: int  # dead letters still kept (finished rows are pruned after a week)


async def ping(db: Database) -> None:
    """Raise if the database does not answer a trivial query."""
    await db.fetchone("SELECT 1")


async def outbox_backlog(db: Database) -> list[OutboxBacklog]:
    rows = await db.fetchall(
        "SELECT platform,"
        " SUM(CASE WHEN state IN ('pending','in_flight') THEN 1 ELSE 0 END) AS open_rows,"
        " MIN(CASE WHEN state IN ('pending','in_flight') THEN created_at END) AS oldest,"
        " SUM(CASE WHEN state = 'dead' THEN 1 ELSE 0 END) AS dead_rows"
        " FROM outbox GROUP BY platform ORDER BY platform"
    )
    return [
        OutboxBacklog(r["platform"], int(r["open_rows"] or 0), r["oldest"], int(r["dead_rows"] or 0))
        for r in rows
    ]


async def backup_to(source: Path, target: Path) -> None:
    """A consistent copy of a live database (WAL included) in a new file, with `VACUUM INTO` on a
    connection of its own: safe while the service writes, unlike copying the file. The copy is
    checked before this returns."""
    await asyncio.to_thread(_backup, source, target)


def _backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise StoreError(f"no database at {source}")
    if target.exists():
        raise StoreError(f"{target} already exists; back up to a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(source)) as live:
            live.execute("PRAGMA busy_timeout = 10000")
            live.execute("VACUUM INTO ?", (str(target),))
        with closing(sqlite3.connect(target)) as copy:
            verdict = copy.execute("PRAGMA quick_check").fetchone()
    except sqlite3.Error as exc:
        raise StoreError(f"backup of {source} to {target} failed: {exc}") from exc
    if not verdict or verdict[0] != "ok":
        raise StoreError(f"the backup {target} failed its integrity check: {verdict}")
