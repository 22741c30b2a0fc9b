"""The SQLite connection: WAL, busy timeout, versioned migrations, one writer at a time.

Only `bot/store/` imports aiosqlite. Repositories (articles, stories, subscriptions, outbox) take a
`Database` and run their SQL through it; `write()` gives one IMMEDIATE transaction so that a story
change and its outbox rows commit together or not at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 5000


class StoreError(Exception):
    """The database cannot be used as it is (corrupt, newer schema, unwritable). One-line message."""


def _migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every `NNNN_name.sql` shipped in bot/store/migrations, in order."""
    found: list[tuple[int, str, str]] = []
    for entry in resources.files("bot.store.migrations").iterdir():
        name = entry.name
        if not name.endswith(".sql") or not name[:4].isdigit():
            continue
        found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise StoreError(f"two migrations share a version: {versions}")
    return found


class Database:
    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()
        self._writer: asyncio.Task[Any] | None = None  # the task whose transaction is open

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        """Open (creating parent folders), check integrity and schema version, migrate."""
        path_str = str(path)
        if path_str != ":memory:":
            try:
                Path(path_str).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create database folder {Path(path_str).parent} ({exc.strerror}): fix its permissions"
                ) from exc
        try:
            conn = await aiosqlite.connect(path_str, isolation_level=None)
        except sqlite3.DatabaseError as exc:
            raise StoreError(_explain(path_str, exc)) from exc
        conn.row_factory = sqlite3.Row
        db = cls(conn, path_str)
        try:
            await db._configure()
            await db._migrate()
        except sqlite3.DatabaseError as exc:
            await conn.close()
            raise StoreError(_explain(path_str, exc)) from exc
        except StoreError:
            await conn.close()
            raise
        return db

    async def _configure(self) -> None:
        await self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        row = await (await self._conn.execute("PRAGMA quick_check")).fetchone()
        if row is None or row[0] != "ok":
            raise StoreError(f"database {self.path} failed its integrity check: {row[0] if row else '?'}")
        await self._schema_version()  # refuse a newer file before WAL mode rewrites its header
        if self.path != ":memory:":
            await self._conn.execute("PRAGMA journal_mode = WAL")
        await self._conn.execute("PRAGMA synchronous = NORMAL")
        await self._conn.execute("PRAGMA foreign_keys = ON")

    async def _schema_version(self) -> int:
        """The file's schema version; StoreError when it is newer than the migrations shipped."""
        migrations = _migrations()
        known = migrations[-1][0] if migrations else 0
        current: int = (await (await self._conn.execute("PRAGMA user_version")).fetchone())[0]  # type: ignore[index]
        if current > known:
            raise StoreError(
                f"database {self.path} has schema version {current}, newer than this bot knows ({known}); "
                "upgrade the bot or use another BOT_DB_PATH"
            )
        return current

    async def _migrate(self) -> None:
        migrations = _migrations()
        current = await self._schema_version()
        for version, name, sql in migrations:
            if version <= current:
                continue
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                for statement in _split_sql(sql):
                    await self._conn.execute(statement)
                await self._conn.execute(f"PRAGMA user_version = {version}")
                await self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                await self._conn.execute("ROLLBACK")
                raise StoreError(f"migration {name} failed: {exc}") from exc

    async def close(self) -> None:
        await self._conn.close()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One IMMEDIATE transaction; nested use *by the same task* joins the outer one, any other
        task waits its turn (so one task's rollback never takes another task's writes with it)."""
        current = asyncio.current_task()
        if self._writer is not None and self._writer is current:
            yield self._conn
            return
        async with self._write_lock:
            self._writer = current
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    await self._rollback()
                    raise
                try:
                    await self._conn.execute("COMMIT")
                except sqlite3.Error:  # disk full, I/O error: end the transaction so the next one can begin
                    await self._rollback()
                    raise
            finally:
                self._writer = None

    async def _rollback(self) -> None:
        """Undo the open transaction. SQLite has already rolled it back itself after some errors
        (SQLITE_FULL, SQLITE_IOERR): a second ROLLBACK would then hide the real error."""
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                await self._conn.execute("ROLLBACK")

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        async with self._conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        async with self._conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one statement in its own write transaction (or the current one); returns lastrowid."""
        async with self.write() as conn, conn.execute(sql, params) as cur:
            return cur.lastrowid or 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.write() as conn:
            await conn.executemany(sql, rows)


def _explain(path: str, exc: sqlite3.DatabaseError) -> str:
    """A one-line reason and what to do. Only a file that really is damaged gets "restore a backup":
    telling someone with a permissions problem to move the database aside invites starting over empty."""
    text = str(exc)
    code = getattr(exc, "sqlite_errorcode", None)
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or "malformed" in text or "not a database" in text:
        return f"database {path} is not usable, it is damaged ({text}); restore a backup, or move it aside to start empty"
    if code == sqlite3.SQLITE_READONLY or "readonly" in text or "read-only" in text:
        return f"database {path} or its folder is read-only for this user ({text}): fix their permissions"
    if code == sqlite3.SQLITE_CANTOPEN or "unable to open" in text:
        return f"cannot open database {path} ({text}): check that its folder exists and is writable"
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in text:
        return f"database {path} is locked by another program ({text}): stop it and start again"
    if code == sqlite3.SQLITE_FULL or "disk is full" in text:
        return f"database {path}: the disk is full ({text}): free some space"
    return f"database {path} cannot be used ({text}); nothing was changed"


def _split_sql(sql: str) -> list[str]:
    """Split a migration file into statements (no semicolons inside our string literals or triggers)."""
    statements: list[str] = []
    buf: list[str] = []
    for line in sql.splitlines():
        stripped = line.strip()
        if stripped.startswith("--"):
            continue
        buf.append(line)
        if stripped.endswith(";") and sqlite3.complete_statement("\n".join(buf)):
            statements.append("\n".join(buf).strip())
            buf = []
    tail = "\n".join(buf).strip()
    if tail:
        statements.append(tail)
    return statements
