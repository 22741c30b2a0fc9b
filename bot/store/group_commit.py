"""Group commit: many units of work in one transaction, each still all-or-nothing on its own.

`GroupCommit` batches the outbox workers' writes: many claims and results share one transaction, so
fan-out to thousands of channels costs a few dozen commits rather than thousands. It runs in its own
task, so callers must not hold `db.write()` while submitting (the flush would wait on the write lock
they hold).

`run_grouped` does the same for ingest: a group of articles in one transaction, each article (with its
story change and outbox rows) inside its own SAVEPOINT, so one article that fails is undone alone and
the others still land, while the group pays for one BEGIN/COMMIT instead of one per article.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from bot.store.db import Database
from bot.store.dialect import Connection

T = TypeVar("T")

_Op = Callable[[Connection], Awaitable[Any]]


class GroupCommit:
    """Queued write operations run together in one transaction; each caller awaits its own result
    only after COMMIT, so "committed before sending" still holds for every single row."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._queue: list[tuple[_Op, asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, op: Callable[[Connection], Awaitable[T]]) -> T:
        fut: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append((op, fut))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="outbox-group-commit")
        return await fut

    async def _flush(self) -> None:
        while self._queue:
            batch = [item for item in self._queue if not item[1].cancelled()]
            self._queue = []
            if not batch:
                continue
            results: list[Any] = []
            try:
                async with self._db.write() as conn:
                    for op, _ in batch:
                        results.append(await op(conn))
            except Exception as exc:
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            for (_, fut), result in zip(batch, results, strict=True):
                if not fut.done():
                    fut.set_result(result)

    async def close(self) -> None:
        if self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)


_savepoints = itertools.count()


class GroupLost(Exception):
    """The group's transaction ended under it (SQLite rolls back by itself after SQLITE_FULL or an I/O
    error), so no unit of the group was kept; `cause` is the error that ended it."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


async def run_grouped(db: Database, units: Sequence[Callable[[], Awaitable[T]]]) -> list[T | Exception]:
    """Run each unit in its own savepoint inside one write transaction (joined if the caller holds
    one). A unit that raises an Exception is rolled back to its savepoint and its exception returned in
    its place; the others are kept. Raises (and nothing was kept) when the transaction as a whole
    fails: the COMMIT, or a unit's error that ended the transaction (GroupLost)."""
    results: list[T | Exception] = []
    async with db.write() as conn:
        for unit in units:
            name = f"unit_{next(_savepoints)}"
            await conn.execute(f"SAVEPOINT {name}")
            try:
                result = await unit()
            except Exception as exc:
                if not conn.in_transaction:
                    raise GroupLost(exc) from exc
                await conn.execute(f"ROLLBACK TO {name}")
                await conn.execute(f"RELEASE {name}")
                results.append(exc)
                continue
            await conn.execute(f"RELEASE {name}")
            results.append(result)
    return results
