"""Group commit for the outbox workers' writes.

Many claims and results share one transaction, so fan-out to thousands of channels costs a few dozen
commits rather than thousands. The group commit runs in its own task, so callers must not hold
`db.write()` while submitting (the flush would wait on the write lock they hold).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiosqlite

from bot.store.db import Database

T = TypeVar("T")

_Op = Callable[[aiosqlite.Connection], Awaitable[Any]]


class GroupCommit:
    """Queued write operations run together in one transaction; each caller awaits its own result
    only after COMMIT, so "committed before sending" still holds for every single row."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._queue: list[tuple[_Op, asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, op: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
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
