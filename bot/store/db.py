"""The database behind every repository: SQLite (the default, one file) or PostgreSQL (`BOT_DATABASE_URL`).

`Database` is what repositories (articles, stories, subscriptions, outbox) take and run their SQL
through; `bot.store.backends.open_database` picks the implementation from the target: a file path
opens SQLite here (WAL, busy timeout, versioned migrations from bot/store/migrations), a
`postgresql://` URL opens bot/store/pg.py, which builds on this module (never the other way round).
`write()` gives one transaction on either, so that a story change and its outbox rows commit
together or not at all; only one task writes at a time in a process (on PostgreSQL the database
itself arbitrates between processes). Only `bot/store/` imports aiosqlite or asyncpg.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, TypeVar, cast

import aiosqlite

from bot.store.dialect import Connection, Params, Row

BUSY_TIMEOUT_MS = 5000


class StoreError(Exception):
    """The database cannot be used as it is (corrupt, newer schema, unwritable). One-line message."""


def migrations(package: str = "bot.store.migrations") -> list[tuple[int, str, str]]:
    """(version, name, sql) for every `NNNN_name.sql` shipped in `package`, in order. SQLite's are in
    bot/store/migrations, PostgreSQL's in bot/store/migrations_pg: same versions, each in its DDL."""
    found: list[tuple[int, str, str]] = []
    for entry in resources.files(package).iterdir():
        name = entry.name
        if not name.endswith(".sql") or not name[:4].isdigit():
            continue
        found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise StoreError(f"two migrations share a version: {versions}")
    return found


class Database(abc.ABC):
    """One database and its single in-process writer. Subclasses give the connection and the dialect."""

    dialect: ClassVar[str]

    def __init__(self, path: str) -> None:
        self.path = path  # the SQLite file, or the URL without its password: for messages
        self._write_lock = asyncio.Lock()
        self._writer: asyncio.Task[Any] | None = None  # the task whose transaction is open
        self._writer_conn: Connection | None = None

    @abc.abstractmethod
    def _transaction(self) -> AbstractAsyncContextManager[Connection]:
        """Begin, yield the connection, commit; roll back on any exception."""

    @abc.abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    @abc.abstractmethod
    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    @abc.abstractmethod
    async def schema_version(self) -> int:
        """The version of the last migration applied."""

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def columns(self, table: str) -> list[str]:
        """The table's column names in their order ([] for no such table)."""

    async def listen(
        self, channel: str, notice: Callable[[], None], *, listening: Callable[[], None] | None = None
    ) -> None:
        """Until cancelled, call `notice` whenever a commit announces `channel` (PostgreSQL's
        LISTEN/NOTIFY: other processes' new outbox rows), and `listening` each time the listener is
        (again) in place. SQLite serves one process, which wakes its own workers: returns at once."""
        return None

    async def after_explicit_ids(self) -> None:
        """Rows were inserted with their ids given (bulk load, import): let generated ids follow them.
        SQLite needs nothing (its next rowid is the largest plus one)."""
        return None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Connection]:
        """One transaction; nested use *by the same task* joins the outer one, any other task waits its
        turn (so one task's rollback never takes another task's writes with it)."""
        current = asyncio.current_task()
        if self._writer is not None and self._writer is current and self._writer_conn is not None:
            yield self._writer_conn
            return
        async with self._write_lock:
            self._writer = current
            try:
                async with self._transaction() as conn:
                    self._writer_conn = conn
                    yield conn
            finally:
                self._writer = None
                self._writer_conn = None

    def _in_write(self) -> Connection | None:
        """The open transaction's connection when the calling task holds it (reads see its writes)."""
        if self._writer is not None and self._writer is asyncio.current_task():
            return self._writer_conn
        return None

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement in its own write transaction (or the current one); returns rows changed."""
        async with self.write() as conn, conn.execute(sql, params) as cur:
            return cur.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.write() as conn:
            await conn.executemany(sql, rows)


class SqliteDatabase(Database):
    """One SQLite file through aiosqlite: WAL, busy timeout, PRAGMA user_version as schema version."""

    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        super().__init__(path)
        self._conn = conn

    @classmethod
    async def open_file(cls, path: str | Path, *, full_check: bool = False) -> SqliteDatabase:
        """Open (creating parent folders), check integrity and schema version, migrate.

        Why start-up does not always read the whole file: `PRAGMA quick_check` reads every page (tens
        of seconds at a million articles). It runs when the file may have changed since this bot last
        closed it cleanly: no clean-close stamp (`<db>.clean`: inode, size and mtime recorded on a
        close that left no WAL behind), a stamp that no longer matches the file, or a WAL left by a
        crash or by another process still using it; and always with `full_check` (`bot check`).
        Otherwise the header and schema are read (a file that is not a database is still refused in
        one line) and start-up costs the same at any size."""
        path_str = str(path)
        full_check = full_check or path_str == ":memory:" or not _clean_since_stamp(path_str)
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
            await db._configure(full_check)
            await db._migrate()
        except sqlite3.DatabaseError as exc:
            await conn.close()
            raise StoreError(_explain(path_str, exc)) from exc
        except StoreError:
            await conn.close()
            raise
        return db

    async def _configure(self, full_check: bool) -> None:
        await self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _forget_stamp(self.path)  # from here on the file may change: only a clean close stamps it again
        if full_check:
            row = await (await self._conn.execute("PRAGMA quick_check")).fetchone()
            if row is None or row[0] != "ok":
                raise StoreError(f"database {self.path} failed its integrity check: {row[0] if row else '?'}")
        else:  # header and schema only: reads a few pages whatever the size
            await (await self._conn.execute("SELECT count(*) FROM sqlite_master")).fetchone()
        await self._schema_version()  # refuse a newer file before WAL mode rewrites its header
        if self.path != ":memory:":
            await self._conn.execute("PRAGMA journal_mode = WAL")
        await self._conn.execute("PRAGMA synchronous = NORMAL")
        await self._conn.execute("PRAGMA foreign_keys = ON")

    async def schema_version(self) -> int:
        return await self._schema_version()

    async def _schema_version(self) -> int:
        """The file's schema version; StoreError when it is newer than the migrations shipped."""
        shipped = migrations()
        known = shipped[-1][0] if shipped else 0
        current: int = (await (await self._conn.execute("PRAGMA user_version")).fetchone())[0]  # type: ignore[index]
        if current > known:
            raise StoreError(
                f"database {self.path} has schema version {current}, newer than this bot knows ({known}); "
                "upgrade the bot or use another BOT_DB_PATH"
            )
        return current

    async def _migrate(self) -> None:
        current = await self._schema_version()
        for version, name, sql in migrations():
            if version <= current:
                continue
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                for statement in split_sql(sql):
                    await self._conn.execute(statement)
                await self._conn.execute(f"PRAGMA user_version = {version}")
                await self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                await self._conn.execute("ROLLBACK")
                raise StoreError(f"migration {name} failed: {exc}") from exc

    async def close(self) -> None:
        await self._conn.close()
        _stamp_clean(self.path)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Connection]:
        """BEGIN IMMEDIATE: the write lock is taken at once, so a busy file waits here, not mid-way."""
        await self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield cast(Connection, self._conn)
        except BaseException:
            await self._rollback()
            raise
        try:
            await self._conn.execute("COMMIT")
        except sqlite3.Error:  # disk full, I/O error: end the transaction so the next one can begin
            await self._rollback()
            raise

    async def _rollback(self) -> None:
        """Undo the open transaction. SQLite has already rolled it back itself after some errors
        (SQLITE_FULL, SQLITE_IOERR): a second ROLLBACK would then hide the real error."""
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                await self._conn.execute("ROLLBACK")

    async def columns(self, table: str) -> list[str]:
        return [
            str(r["name"]) for r in await self.fetchall("SELECT name FROM pragma_table_info(?)", (table,))
        ]

    # One trip to aiosqlite's thread per call, not three (execute, fetch, close through `Cursor`): each
    # trip is a queue hand-off and a loop wake-up, and 4-6 reads per stored article made those hops
    # most of the main process's CPU per article. `_execute` runs a function on the connection's own
    # thread (aiosqlite pinned in constraints.txt; tests/store exercise every path through it).
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._on_thread(_all_rows, sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return await self._on_thread(_first_row, sql, params)

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self.write():
            return await self._on_thread(_row_count, sql, params)

    async def _on_thread(
        self, fn: Callable[[sqlite3.Connection, str, Params], _T], sql: str, params: Params
    ) -> _T:
        run = cast(Callable[..., Awaitable[_T]], self._conn._execute)
        return await run(fn, self._conn._conn, sql, params)


_T = TypeVar("_T")


def _all_rows(conn: sqlite3.Connection, sql: str, params: Params) -> list[Row]:
    cur = conn.execute(sql, params)
    try:
        return cast(list[Row], cur.fetchall())
    finally:
        cur.close()


def _first_row(conn: sqlite3.Connection, sql: str, params: Params) -> Row | None:
    cur = conn.execute(sql, params)
    try:
        return cast(Row | None, cur.fetchone())
    finally:
        cur.close()


def _row_count(conn: sqlite3.Connection, sql: str, params: Params) -> int:
    cur = conn.execute(sql, params)
    try:
        return cur.rowcount
    finally:
        cur.close()


def _stamp_path(path: str) -> Path:
    return Path(path + ".clean")


def _file_stamp(path: str) -> str | None:
    """inode, size, mtime of the file when no WAL is beside it (a WAL means unfinished business)."""
    try:
        wal = Path(path + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            return None
        st = Path(path).stat()
    except OSError:
        return None
    return f"{st.st_ino} {st.st_size} {st.st_mtime_ns}"


def _clean_since_stamp(path: str) -> bool:
    """True when the file is exactly as this bot left it on a clean close."""
    try:
        recorded = _stamp_path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return False
    return recorded != "" and recorded == _file_stamp(path)


def _forget_stamp(path: str) -> None:
    if path != ":memory:":
        with contextlib.suppress(OSError):
            _stamp_path(path).unlink(missing_ok=True)


def _stamp_clean(path: str) -> None:
    """After the last connection closed (SQLite checkpointed and removed the WAL), record the file."""
    if path == ":memory:":
        return
    stamp = _file_stamp(path)
    if stamp is None or Path(path + "-wal").exists():
        return  # another connection is still open, or the close did not finish: check next time
    with contextlib.suppress(OSError):
        _stamp_path(path).write_text(stamp + "\n", encoding="ascii")


def _explain(path: str, exc: sqlite3.DatabaseError) -> str:
    """A one-line reason and what to do. Only a file that really is damaged gets "restore a backup":
    telling someone with a permissions problem to move the database aside invites starting over empty."""
    text = str(exc)
    code = getattr(exc, "sqlite_errorcode", None)
    if (
        code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
        or "malformed" in text
        or "not a database" in text
    ):
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


def split_sql(sql: str) -> list[str]:
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
