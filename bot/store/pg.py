"""PostgreSQL behind the same repositories, through asyncpg (`BOT_DATABASE_URL=postgresql://…`).

Why a thin imitation of aiosqlite and not a second copy of every query: the repositories write the
subset both databases accept, and this module rewrites what still differs at run time, once per
statement text (cached): `?` placeholders become `$1…$n`, and SQLite's two-argument scalar
`MAX(a, b)` becomes `GREATEST(a, b)`. The DDL differs more, so PostgreSQL has its own migrations
(bot/store/migrations_pg, the same versions and tables as bot/store/migrations; a test holds them
equal). Several processes may share one database: migrations take an advisory lock, and there is no
single-owner lock file as for SQLite; `listen` lets a process hear the others' new outbox rows
(LISTEN/NOTIFY on a connection of its own) instead of waiting for its next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.store.db import Database, StoreError, migrations, split_sql
from bot.store.dialect import Connection, Params, Row

log = logging.getLogger(__name__)

PG_MIGRATIONS = "bot.store.migrations_pg"
MIGRATION_LOCK = 0x62_6F_74_6D_69_67  # pg_advisory_lock key held while migrating ("botmig")
VERSION_TABLE = "bot_schema"
POOL_MAX = 10
LISTEN_MAX_BACKOFF = 30.0
# Tables whose ids the database generates: after rows were inserted with their ids given (bulk load,
# import), the sequences are moved past them.
ID_TABLES = ("articles", "stories", "subscriptions", "outbox", "dead_letters")
# Refusals that waiting will not cure: reported at once whatever BOT_STARTUP_RETRY says.
_PERMANENT = (
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidPasswordError,
    asyncpg.InvalidCatalogNameError,
    asyncpg.InsufficientPrivilegeError,
)
_SCALAR_MAX = re.compile(r"\bMAX\((\s*\w+\s*),", re.IGNORECASE)
_RETURNS_ROWS = re.compile(r"^\s*(SELECT|WITH|VALUES|EXPLAIN|SHOW)\b|\bRETURNING\b", re.IGNORECASE)
_CHANGES_ROWS = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """SQLite-flavoured statement text as PostgreSQL reads it (placeholders outside string literals)."""
    out: list[str] = []
    number = 0
    quoted = False
    for char in sql:
        if char == "'":
            quoted = not quoted
        elif char == "?" and not quoted:
            number += 1
            out.append(f"${number}")
            continue
        out.append(char)
    return _SCALAR_MAX.sub(r"GREATEST(\1,", "".join(out))


def shown_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _params(params: Params) -> Sequence[Any]:
    if isinstance(params, dict):
        raise StoreError("named SQL parameters are not supported on PostgreSQL; use ? placeholders")
    return params


class PgCursor:
    """The rows (or the count of rows changed) of one statement, as aiosqlite's cursor shows them."""

    def __init__(self, rows: list[asyncpg.Record], rowcount: int) -> None:
        self._rows = rows
        self._next = 0
        self.rowcount = rowcount

    async def fetchone(self) -> asyncpg.Record | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    async def fetchall(self) -> list[asyncpg.Record]:
        rows, self._next = self._rows[self._next :], len(self._rows)
        return rows

    async def close(self) -> None:
        self._rows = []


class _Result:
    """Await it for the cursor, or `async with` it: the two ways the repositories use aiosqlite."""

    def __init__(self, run: Any) -> None:
        self._run = run

    def __await__(self) -> Generator[Any, None, PgCursor]:
        cursor: PgCursor = yield from self._run.__await__()
        return cursor

    async def __aenter__(self) -> PgCursor:
        cursor: PgCursor = await self._run
        return cursor

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


class PgConnection:
    """One pooled asyncpg connection, spoken to as the repositories speak to aiosqlite."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    @property
    def in_transaction(self) -> bool:
        return bool(self._conn.is_in_transaction())

    def execute(self, sql: str, parameters: Params = (), /) -> _Result:
        return _Result(self._execute(sql, _params(parameters)))

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> _Result:
        return _Result(self._executemany(sql, [tuple(p) for p in parameters]))

    async def _execute(self, sql: str, params: Sequence[Any]) -> PgCursor:
        query = translate(sql)
        if _RETURNS_ROWS.search(query):
            rows = await self._conn.fetch(query, *params)
            return PgCursor(rows, len(rows))
        status: str = await self._conn.execute(query, *params)
        last = status.rsplit(" ", 1)[-1]
        return PgCursor([], int(last) if last.isdigit() else -1)

    async def _executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> PgCursor:
        if not rows:
            return PgCursor([], 0)
        query = translate(sql)
        if _RETURNS_ROWS.search(query):
            found = await self._conn.fetchmany(query, rows)
            return PgCursor(found, len(found))
        if _CHANGES_ROWS.match(query):
            # asyncpg's executemany discards the counts; one returned row per changed row gives them.
            changed = await self._conn.fetchmany(f"{query} RETURNING 1", rows)
            return PgCursor([], len(changed))
        await self._conn.executemany(query, rows)
        return PgCursor([], -1)


def _unreachable(exc: BaseException) -> bool:
    """The server is not there yet (down, starting, restarting): worth waiting for."""
    return isinstance(
        exc, OSError | asyncio.TimeoutError | asyncpg.CannotConnectNowError | asyncpg.TooManyConnectionsError
    ) or (isinstance(exc, asyncpg.PostgresConnectionError) and not isinstance(exc, _PERMANENT))


def passing_trouble(exc: BaseException) -> bool:
    """A failure that a later try may not meet: the connection was lost, the server is restarting, or
    the transaction lost a serialization race or a deadlock (the work is undone and can run again)."""
    return _unreachable(exc) or isinstance(
        exc,
        asyncpg.InterfaceError
        | asyncpg.SerializationError
        | asyncpg.DeadlockDetectedError
        | asyncpg.AdminShutdownError
        | asyncpg.CrashShutdownError,
    )


class PgDatabase(Database):
    """A pool of connections to one PostgreSQL database; writes go one at a time through `write()`."""

    dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        super().__init__(shown_url(url))
        self._pool = pool
        self._url = url  # for the listening connection, which stays out of the pool

    @classmethod
    async def connect(cls, url: str, *, retry: bool = False, max_backoff: float = 60.0) -> PgDatabase:
        """Connect and migrate. A server that is not reachable is waited for with exponential backoff
        when `retry` (BOT_STARTUP_RETRY), else refused at once; either way in one line."""
        delay = 1.0
        while True:
            try:
                pool = await asyncpg.create_pool(url, min_size=1, max_size=POOL_MAX, timeout=10)
                break
            except Exception as exc:
                reason = f"{type(exc).__name__}: {exc}".strip().splitlines()[0]
                if not _unreachable(exc):
                    raise StoreError(
                        f"PostgreSQL {shown_url(url)} refused the connection ({reason})"
                    ) from exc
                if not retry:
                    raise StoreError(
                        f"PostgreSQL {shown_url(url)} is not reachable ({reason}); BOT_STARTUP_RETRY=false"
                    ) from exc
                log.warning(
                    "PostgreSQL %s not reachable yet (%s); retrying in %.0fs", shown_url(url), reason, delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, max_backoff)
        db = cls(pool, url)
        try:
            await db._migrate()
        except BaseException:
            await pool.close()
            raise
        return db

    async def _migrate(self) -> None:
        shipped = migrations(PG_MIGRATIONS)
        known = shipped[-1][0] if shipped else 0
        async with self._pool.acquire() as conn:
            # Several workers may start together: one migrates, the others wait and find it done.
            await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            try:
                await conn.execute(f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version BIGINT NOT NULL)")
                current = await self._version(conn)
                if current > known:
                    raise StoreError(
                        f"database {self.path} has schema version {current}, newer than this bot knows "
                        f"({known}); upgrade the bot or use another BOT_DATABASE_URL"
                    )
                for version, name, sql in shipped:
                    if version <= current:
                        continue
                    try:
                        async with conn.transaction():
                            for statement in split_sql(sql):
                                await conn.execute(statement)
                            await conn.execute(f"DELETE FROM {VERSION_TABLE}")
                            await conn.execute(f"INSERT INTO {VERSION_TABLE} (version) VALUES ($1)", version)
                    except asyncpg.PostgresError as exc:
                        raise StoreError(f"migration {name} failed: {exc}") from exc
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)

    @staticmethod
    async def _version(conn: asyncpg.Connection) -> int:
        value = await conn.fetchval(f"SELECT MAX(version) FROM {VERSION_TABLE}")
        return int(value or 0)

    async def schema_version(self) -> int:
        async with self._pool.acquire() as conn:
            return await self._version(conn)

    async def close(self) -> None:
        await self._pool.close()

    async def columns(self, table: str) -> list[str]:
        rows = await self.fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [str(r[0]) for r in rows]

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Connection]:
        async with self._pool.acquire() as conn, conn.transaction():
            yield PgConnection(conn)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        inside = self._in_write()
        if inside is not None:
            async with inside.execute(sql, params) as cur:
                return list(await cur.fetchall())
        async with self._pool.acquire() as conn:
            rows: list[Row] = await conn.fetch(translate(sql), *_params(params))
            return rows

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def listen(
        self, channel: str, notice: Callable[[], None], *, listening: Callable[[], None] | None = None
    ) -> None:
        """LISTEN on a connection of its own (a pooled one would be reset on release), reconnecting
        with backoff when it is lost; `listening` runs after each (re)connect, since what was
        announced while no one listened is gone (the caller looks once, and polls meanwhile)."""
        delay = 1.0
        while True:
            try:
                conn = await asyncpg.connect(self._url, timeout=10)
            except Exception as exc:  # the pool's polling carries on; try again later
                log.warning("cannot LISTEN on %s (%s); polling only, retrying in %.0fs", self.path, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, LISTEN_MAX_BACKOFF)
                continue
            lost = asyncio.Event()
            try:
                conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                await conn.add_listener(channel, lambda *_args: notice())
                delay = 1.0
                if listening is not None:
                    listening()
                await lost.wait()
                log.warning("LISTEN connection to %s lost; reconnecting (polling meanwhile)", self.path)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("LISTEN on %s failed (%s); reconnecting", self.path, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, LISTEN_MAX_BACKOFF)
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.close(), 2.0)

    async def after_explicit_ids(self) -> None:
        async with self.write() as conn:
            for table in ID_TABLES:
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false)"
                    f" FROM {table}"
                )


def _identifier(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise StoreError(f"bad database name {name!r}: lower-case letters, digits and _ only")
    return name


async def create_database(admin_url: str, name: str, *, template: str | None = None) -> None:
    """CREATE DATABASE (a copy of `template` when given: how the tests get a fresh migrated one fast)."""
    conn = await asyncpg.connect(admin_url)
    try:
        # FILE_COPY: a small template is copied several times faster than through the WAL (the default).
        copy = f" TEMPLATE {_identifier(template)} STRATEGY = FILE_COPY" if template else ""
        await conn.execute(f"CREATE DATABASE {_identifier(name)}{copy}")
    finally:
        await conn.close()


async def drop_database(admin_url: str, name: str) -> None:
    """DROP DATABASE, closing whatever connections are still open to it."""
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {_identifier(name)} WITH (FORCE)")
    finally:
        await conn.close()
