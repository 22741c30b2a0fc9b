"""Which database a target names, and opening it: the one place that knows both backends.

Why a module of its own: `bot/store/db.py` holds what every backend shares (the `Database` base,
SQLite) and `bot/store/pg.py` builds on it; choosing between them here keeps the arrows one way
(backends -> pg -> db) instead of db.py reaching back into pg.py. PostgreSQL's module (and asyncpg)
is imported only when a `postgresql://` target is opened or one of its errors is looked at, so a
SQLite-only run never pays for it.
"""

from __future__ import annotations

from pathlib import Path

from bot.store.db import Database, SqliteDatabase, StoreError

SQLITE_SCHEMES = ("", "sqlite")
POSTGRES_SCHEMES = ("postgresql", "postgres")


def is_url(target: str | Path) -> bool:
    """A `scheme://…` database URL rather than a SQLite file path."""
    return isinstance(target, str) and "://" in target


async def open_database(target: str | Path, *, retry: bool = False, max_backoff: float = 60.0) -> Database:
    """Open a SQLite file (path) or a PostgreSQL database (`postgresql://` URL), check its schema
    version and migrate it. Any other URL is refused with a one-line StoreError. `retry`: wait for a
    PostgreSQL that is not reachable yet, with backoff up to `max_backoff` seconds."""
    text = str(target)
    scheme = text.split("://", 1)[0].lower() if is_url(target) else ""
    if scheme in POSTGRES_SCHEMES:
        from bot.store.pg import PgDatabase

        return await PgDatabase.connect(text, retry=retry, max_backoff=max_backoff)
    if scheme not in SQLITE_SCHEMES:
        raise StoreError(
            f"unsupported database URL scheme {scheme}://: use postgresql://… in BOT_DATABASE_URL, "
            "or a SQLite file in BOT_DB_PATH"
        )
    return await SqliteDatabase.open_file(text.split("://", 1)[1] if scheme else text)


def passing_trouble(exc: BaseException) -> bool:
    """A PostgreSQL failure that a later try may not meet (see bot/store/pg.py); SQLite's passing
    troubles (locked, busy, disk full) are told by the caller from sqlite3.OperationalError."""
    if type(exc).__module__.startswith("asyncpg"):
        from bot.store.pg import passing_trouble as pg_trouble

        return pg_trouble(exc)
    return False
