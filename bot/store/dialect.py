"""What the repositories may rely on from a connection, whichever database is behind it.

Why protocols and not a query builder: the repositories keep their SQL as text, written in the
subset SQLite and PostgreSQL both accept (`?` placeholders, ON CONFLICT … DO NOTHING/UPDATE,
RETURNING, CASE rather than boolean arithmetic). aiosqlite's connection already has this shape; the
PostgreSQL one (bot/store/pg.py) imitates it and rewrites placeholders, so one repository serves both.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Sequence
from types import TracebackType
from typing import Any, Protocol

Params = Sequence[Any] | dict[str, Any]


class Row(Protocol):
    """A result row: by column name or position (sqlite3.Row, asyncpg.Record)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> Any: ...


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> Iterable[Any]: ...

    async def close(self) -> None: ...


class CursorResult(Protocol):
    """Awaitable for its cursor, or `async with` it (aiosqlite's Result)."""

    def __await__(self) -> Generator[Any, None, Cursor]: ...

    async def __aenter__(self) -> Cursor: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Any: ...


class Connection(Protocol):
    """The connection a write transaction hands its body (`async with db.write() as conn`)."""

    @property
    def in_transaction(self) -> bool:
        """False once the database ended the transaction by itself (SQLite after SQLITE_FULL)."""

    def execute(self, sql: str, parameters: Any = ..., /) -> CursorResult: ...

    def executemany(self, sql: str, parameters: Any, /) -> CursorResult: ...
