"""The delivery service: a worker per platform draining the outbox, plus the digest scheduler.

Start it with `run()` (until cancelled). Call `wake()` after committing new outbox rows (the pipeline's
`on_routed`) so an alert leaves within milliseconds; a slow poll is only the fallback. When a platform's
worker starts, rows left in flight are marked `maybe_sent` before anything is claimed, so they are
checked with the platform (`find_delivered`) instead of being sent blindly a second time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, datetime
from typing import Any

from bot.chat.ports import ChatPlatform
from bot.config import Settings
from bot.delivery.digests import DigestScheduler, DigestSubscriptions
from bot.delivery.limits import PlatformLimits, RetryPolicy, configured_limits, limits_for
from bot.delivery.sender import StoryCache, StoryLoader, StoryScope
from bot.delivery.worker import PlatformWorker
from bot.store.cluster import ChannelClaims, SharedBudgets, WorkerRegistry
from bot.store.db import Database
from bot.store.digests import DigestStore
from bot.store.outbox import OUTBOX_CHANNEL, OutboxStore
from bot.store.story_store import StoryStore
from bot.store.subscriptions import SubscriptionStore

log = logging.getLogger(__name__)

KEEP_FINISHED_ROWS_SECONDS = 7 * 24 * 3600


def default_story_loader(db: Database) -> StoryLoader:
    return StoryStore(db).get_story


class DeliveryService:
    def __init__(
        self,
        db: Database,
        platforms: Mapping[str, ChatPlatform],
        settings: Settings,
        *,
        limits: Mapping[str, PlatformLimits] | None = None,
        clock: Callable[[], datetime] | None = None,
        load_story: StoryLoader | None = None,
        scope_story: StoryScope | None = None,
        subscriptions: DigestSubscriptions | None = None,
        retry: RetryPolicy | None = None,
        poll_interval: float | None = None,
        digest_poll_interval: float = 60.0,
        worker: WorkerRegistry | None = None,
    ) -> None:
        """`worker`: this process among several on one database. Each platform's worker then sends
        only to channels it owns, shares the workspace / global budgets through the database, and
        looks for rows queued by the other workers as soon as their commit announces them (PostgreSQL
        LISTEN/NOTIFY), and every `poll_interval` seconds whatever happens (default 1 s; 5 s alone)."""
        self._db = db
        self._settings = settings
        self._clock = clock or (lambda: datetime.now(UTC))
        self.outbox = OutboxStore(db)
        stories = StoryCache(load_story or default_story_loader(db), scope=scope_story)
        if limits is None:
            limits = configured_limits(
                settings.slack_sends_per_second,
                settings.slack_sends_per_minute,
                settings.discord_requests_per_second,
            )
        claims = ChannelClaims(db, worker) if worker is not None else None
        budgets = SharedBudgets(db) if worker is not None else None
        if poll_interval is None:
            poll_interval = 1.0 if worker is not None else 5.0
        self.listening = asyncio.Event()  # set once other processes' new rows wake this one at once
        self._workers = {
            name: PlatformWorker(
                name,
                platform,
                self.outbox,
                stories,
                settings,
                limits=limits_for(name, limits),
                retry=retry or RetryPolicy(send_timeout_seconds=settings.send_timeout_seconds),
                clock=self._clock,
                poll_interval=poll_interval,
                claims=claims,
                budget=budgets,
            )
            for name, platform in platforms.items()
        }
        self._digests = DigestScheduler(
            DigestStore(db),
            subscriptions or SubscriptionStore(db),
            clock=self._clock,
            on_queued=self._wake_workers,
            poll_interval=digest_poll_interval,
        )

    def _wake_workers(self) -> None:
        for worker in self._workers.values():
            worker.wake()

    def wake(self) -> None:
        """New outbox rows were committed (or the clock moved): look now, not at the next poll."""
        self._wake_workers()
        self._digests.wake()

    async def run(self) -> None:
        try:
            async with asyncio.TaskGroup() as group:
                for name, worker in self._workers.items():
                    group.create_task(_supervised(f"delivery to {name}", worker.run), name=f"worker-{name}")
                group.create_task(_supervised("digest scheduler", self._digests.run), name="digests")
                group.create_task(_supervised("outbox pruning", self._prune), name="outbox-prune")
                group.create_task(_supervised("outbox notices", self._listen), name="outbox-listen")
        finally:
            await self.outbox.close()

    async def _listen(self) -> None:
        """Rows committed by other processes wake the workers at once (PostgreSQL); returns at once
        on SQLite, where this process's own pipeline wakes them."""

        def listening() -> None:
            self.listening.set()
            self._wake_workers()  # notices sent while no one listened are gone: look once

        await self._db.listen(OUTBOX_CHANNEL, self._wake_workers, listening=listening)

    async def _prune(self) -> None:
        while True:
            await self.outbox.prune(self._clock().timestamp() - KEEP_FINISHED_ROWS_SECONDS)
            await asyncio.sleep(3600)

    async def drain(self, timeout: float = 10.0) -> bool:  # noqa: ASYNC109 - returns False, not raises
        """Wait until nothing is owed on any running platform (tests, orderly shutdown). False on timeout."""
        self.wake()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        names = list(self._workers)
        while True:
            idle = self._digests.settled and not any(w.active for w in self._workers.values())
            if idle and await self.outbox.open_count(names) == 0:
                return True
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.01)


async def _supervised(what: str, run: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Keep a loop alive: a bug in one platform's worker must not stop the others or the digests."""
    while True:
        try:
            await run()
            return
        except Exception:
            log.exception("%s crashed; restarting in 1s", what)
            await asyncio.sleep(1.0)
