"""One worker per platform: takes due outbox rows and runs them in parallel, one at a time per channel.

Why lanes: rows of one channel must go in order (the post before its edit and follow-up) and the
channel's rate limit is easiest to keep with a single sender, while fan-out to many channels should
use every send the shared limit allows. So due rows are grouped per channel (a lane); up to
`max_parallel` lanes send at once, and a lane with more rows goes to the back of the queue after
each send so that one busy channel cannot hold a slot while others wait.

Several workers on one database (`claims` given): a worker queues rows only of channels it owns
(bot.store.cluster.ChannelClaims), takes at most twice `max_parallel` busy channels at a time so the
others get theirs, lets a channel go once it has been idle for the longest per-channel window (the
next owner then starts with that window empty), and takes over in-flight rows of dead workers.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime
from functools import partial

from bot.chat.ports import ChatPlatform, SharedBudget
from bot.config import Settings
from bot.delivery.limits import PlatformLimits, RateGate, RetryPolicy
from bot.delivery.sender import RowSender, StoryCache
from bot.models import ChannelRef
from bot.store.cluster import ChannelClaims
from bot.store.outbox import OutboxRow, OutboxStore

log = logging.getLogger(__name__)


class PlatformWorker:
    FETCH = 500  # rows read per query; refilled when half of them are gone

    def __init__(
        self,
        name: str,
        platform: ChatPlatform,
        outbox: OutboxStore,
        stories: StoryCache,
        settings: Settings,
        *,
        limits: PlatformLimits,
        retry: RetryPolicy,
        clock: Callable[[], datetime],
        poll_interval: float,
        claims: ChannelClaims | None = None,
        budget: SharedBudget | None = None,
    ) -> None:
        self.name = name
        self.platform = platform
        self._outbox = outbox
        self._stories = stories
        self._settings = settings
        self._limits = limits
        self._retry = retry
        self._clock = clock
        self._poll = poll_interval
        self._lanes: dict[str, deque[OutboxRow]] = {}
        self._ready: deque[str] = deque()  # lanes with rows and nothing in flight, oldest first
        self._busy: set[str] = set()
        self._known: set[int] = set()  # row ids queued here or being sent
        self._queued = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._kick = asyncio.Event()
        self._dirty = True
        self._more_waiting = False
        self._next_due: float | None = None
        self._claims = claims
        self._budget = budget
        self._owned: dict[str, tuple[ChannelRef, float]] = {}  # channel key -> (channel, last active)
        self._idle_after = max((w.seconds for w in limits.per_channel), default=0.0)
        self._last_takeover = 0.0
        self._generation = claims.worker.generation if claims is not None else 0

    @property
    def active(self) -> bool:
        return bool(self._tasks) or self._queued > 0

    def wake(self) -> None:
        """New or changed rows: look again now rather than at the next poll."""
        self._dirty = True
        self._kick.set()

    def _now(self) -> float:
        return self._clock().timestamp()

    async def run(self) -> None:
        sender = RowSender(
            self.platform,
            self._outbox,
            self._stories,
            RateGate(self._limits, budget=self._budget),
            self._settings,
            self._retry,
            self._clock,
            self._claims.worker.id if self._claims is not None else None,
        )
        if self._claims is not None:
            recovered = await self._claims.take_over(self.name)
            self._last_takeover = self._now()
        else:
            recovered = await self._outbox.recover_in_flight(self.name, self._now())
        if recovered:
            log.warning(
                "%d %s delivery(ies) were in flight when last stopped; checking before resending",
                recovered,
                self.name,
            )
        await self.platform.ready.wait()
        log.info("delivery to %s started", self.name)
        try:
            while True:
                if self._dirty:
                    self._dirty = False
                    await self._refill()
                self._dispatch(sender)
                await self._sleep()
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._lanes.clear()
            self._ready.clear()
            self._busy.clear()
            self._known.clear()
            self._queued = 0
            self._owned.clear()

    def _forget_claims(self) -> None:
        """This worker missed its lease: its channels may be someone else's now. Rows queued here
        (not yet claimed) are dropped and fetched again only for channels it owns again."""
        assert self._claims is not None
        self._generation = self._claims.worker.generation
        for lane in self._lanes.values():
            for row in lane:
                self._known.discard(row.id)
            self._queued -= len(lane)
            lane.clear()
        self._ready.clear()
        self._owned.clear()
        log.warning("%s: this worker's lease had run out; its channels are claimed afresh", self.name)

    async def _due(self, now: float) -> list[OutboxRow]:
        if self._claims is None:
            return await self._outbox.due(self.name, now, self.FETCH)
        if self._claims.worker.generation != self._generation:
            self._forget_claims()
        if now - self._last_takeover >= self._claims.worker.lease_seconds / 3:
            self._last_takeover = now
            if taken := await self._claims.take_over(self.name):
                log.warning("%d %s delivery(ies) of a stopped worker taken over", taken, self.name)
        active = {key for key, lane in self._lanes.items() if lane} | self._busy
        idle = [
            ch
            for key, (ch, seen) in self._owned.items()
            if key not in active and now - seen > self._idle_after
        ]
        if idle:
            await self._claims.release(idle)
            for ch in idle:
                self._owned.pop(f"{ch.workspace}\x1f{ch.channel}", None)
        capacity = max(2 * self._limits.max_parallel - len(active), 0)
        rows = await self._claims.due(self.name, capacity, self.FETCH)
        for row in rows:
            self._owned[row.channel_key] = (row.channel, now)
        return rows

    async def _refill(self) -> None:
        now = self._now()
        rows = await self._due(now)
        self._more_waiting = len(rows) >= self.FETCH
        for row in rows:
            if row.id in self._known:
                continue
            self._known.add(row.id)
            key = row.channel_key
            lane = self._lanes.setdefault(key, deque())
            lane.append(row)
            self._queued += 1
            if len(lane) == 1 and key not in self._busy:
                self._ready.append(key)
        self._next_due = await self._outbox.next_due(self.name, now)

    def _dispatch(self, sender: RowSender) -> None:
        while self._ready and len(self._tasks) < self._limits.max_parallel:
            key = self._ready.popleft()
            row = self._lanes[key].popleft()
            self._queued -= 1
            self._busy.add(key)
            task = asyncio.create_task(self._deliver(sender, row), name=f"deliver-{row.id}")
            self._tasks.add(task)
            task.add_done_callback(partial(self._finished, key, row.id))

    async def _deliver(self, sender: RowSender, row: OutboxRow) -> None:
        not_before = await sender.deliver(row)
        if not_before is not None and (self._next_due is None or not_before < self._next_due):
            self._next_due = not_before

    def _finished(self, key: str, row_id: int, task: asyncio.Task[None]) -> None:
        if key in self._owned:
            self._owned[key] = (self._owned[key][0], self._now())
        self._tasks.discard(task)
        self._busy.discard(key)
        self._known.discard(row_id)
        if self._lanes.get(key):
            self._ready.append(key)
        else:
            self._lanes.pop(key, None)
        if not task.cancelled() and (exc := task.exception()) is not None:
            # Only the outbox store itself failing gets here; the row stays open and is retried.
            log.error("delivering row %s on %s failed: %s", row_id, self.name, exc, exc_info=exc)
            self._next_due = min(self._next_due or float("inf"), self._now() + self._poll)
        if self._more_waiting and self._queued < self.FETCH // 2:
            self._dirty = True
        self._kick.set()

    async def _sleep(self) -> None:
        timeout = self._poll
        if self._next_due is not None:
            timeout = min(timeout, max(self._next_due - self._now(), 0.001))
        try:
            async with asyncio.timeout(timeout):
                await self._kick.wait()
        except TimeoutError:
            self._dirty = True  # a row came due, or the fallback poll
            self._next_due = None
        self._kick.clear()
