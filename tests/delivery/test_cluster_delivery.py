"""Several delivery workers on one database (in one process here, each with its own connection):
channels split between them, shared budgets kept, a dead worker's rows taken over after its lease.

Every test runs on SQLite (three connections to one file stand for three processes) and on a real
PostgreSQL (tests/e2e/test_workers_e2e.py runs real `bot run` processes there).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.config import Settings
from bot.delivery.limits import PlatformLimits, RetryPolicy, Window
from bot.delivery.router import Router
from bot.delivery.service import DeliveryService
from bot.models import ChangeKind, ChannelRef, MessageRef, Story, StoryChange
from bot.store.backends import open_database
from bot.store.cluster import Leases, SharedBudgets, WorkerRegistry
from bot.store.db import Database
from bot.store.subscriptions import SubscriptionStore
from tests.support.delivery_fakes import FakePlatform, add_subscriptions
from tests.support.stories import make_story

SETTINGS = Settings.model_construct(
    edit_coalesce_seconds=0.05, delivery_max_age_seconds=60.0, uncertain_wait_seconds=0.05
)
FAST_RETRY = RetryPolicy(base_seconds=0.02, max_seconds=0.1, send_timeout_seconds=5.0)
STORY = make_story(1)
LIMITS = PlatformLimits(per_channel=(Window(2, 0.5),), shared=(Window(20, 0.5),), max_parallel=8)
LEASE = 0.6


async def load(story_id: int) -> Story | None:
    return STORY if story_id == STORY.id else None


class Counted:
    """One worker's view of the shared platform: forwards every call, counts this worker's posts."""

    def __init__(self, platform: FakePlatform) -> None:
        self._platform = platform
        self.name = platform.name
        self.ready = platform.ready
        self.posts = 0
        self.stuck = False  # set: every later post hangs, as a process stopped mid-send

    async def run(self) -> None:
        await self._platform.run()

    async def post_alert(self, channel: ChannelRef, story: Story, *, delivery_key: str) -> MessageRef:
        self.posts += 1
        if self.stuck:
            await asyncio.Event().wait()  # until the worker is killed: its row stays in flight
        return await self._platform.post_alert(channel, story, delivery_key=delivery_key)

    async def edit_alert(self, ref: MessageRef, story: Story) -> None:
        await self._platform.edit_alert(ref, story)

    async def post_followup(
        self, ref: MessageRef, story: Story, new_outlets: Sequence[str], *, delivery_key: str | None = None
    ) -> None:
        await self._platform.post_followup(ref, story, new_outlets, delivery_key=delivery_key)

    async def post_digest(
        self, channel: ChannelRef, stories: Sequence[Story], *, delivery_key: str
    ) -> MessageRef:
        return await self._platform.post_digest(channel, stories, delivery_key=delivery_key)

    async def find_delivered(
        self,
        channel: ChannelRef,
        delivery_key: str,
        *,
        since: float | None = None,
        until: float | None = None,
        thread: MessageRef | None = None,
    ) -> MessageRef | None:
        return await self._platform.find_delivered(
            channel, delivery_key, since=since, until=until, thread=thread
        )


class Worker:
    """A delivery service on its own connection with its own lease, as one `bot run` would have."""

    def __init__(self, db: Database, platform: Counted, registry: WorkerRegistry) -> None:
        self.db = db
        self.platform = platform
        self.registry = registry
        self.service = DeliveryService(
            db,
            {"fake": platform},  # type: ignore[dict-item]
            SETTINGS,
            limits={"fake": LIMITS},
            load_story=load,
            retry=FAST_RETRY,
            worker=registry,
        )
        self.tasks: list[asyncio.Task[None]] = []

    @classmethod
    async def start(cls, path: str | Path, platform: FakePlatform) -> Worker:
        db = await open_database(path)
        registry = WorkerRegistry(db, LEASE)
        await registry.register()
        worker = cls(db, Counted(platform), registry)
        worker.tasks = [asyncio.create_task(worker.service.run()), asyncio.create_task(registry.run())]
        return worker

    async def stop(self) -> None:
        """Cancel everything without retiring: what SIGKILL leaves behind (rows in flight, a lease)."""
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.db.close()


async def prepare(path: str | Path, channels: list[ChannelRef]) -> None:
    db = await open_database(path)
    await add_subscriptions(db, channels, "Acme Cloud")
    async with db.write():
        await Router(db, SubscriptionStore(db), SETTINGS).route(StoryChange(STORY, (ChangeKind.CREATED,)))
    await db.close()


async def open_rows(path: str | Path) -> int:
    db = await open_database(path)
    try:
        row = await db.fetchone("SELECT COUNT(*) FROM outbox WHERE state IN ('pending','in_flight')")
        return int(row[0]) if row else -1
    finally:
        await db.close()


async def until(condition: object, within: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = condition()  # type: ignore[operator]
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        assert loop.time() < deadline, f"not within {within}s: {what}"
        await asyncio.sleep(0.02)


async def test_three_workers_split_channels_keep_shared_limits_and_take_over_a_dead_one(
    db_target: str | Path,
) -> None:
    path = db_target
    channels = [ChannelRef("fake", "W1", f"C{i:03d}") for i in range(120)]
    await prepare(path, channels)
    platform = FakePlatform("fake", limits=LIMITS, latency=0.05)
    workers = [await Worker.start(path, platform) for _ in range(3)]
    try:
        await until(lambda: len(platform.of("post_alert")) >= 30, 20.0, "30 posts")
        doomed = max(workers, key=lambda w: w.platform.posts)
        # Killed with rows in flight, not between two sends (a race the test once lost on a busy CI):
        # its next sends hang until the kill.
        doomed.platform.stuck = True
        await until(lambda: doomed_rows(path, doomed.registry.id), 20.0, "the chosen worker mid-send")
        await doomed.stop()
        in_flight_at_kill = await doomed_rows(path, doomed.registry.id)
        survivors = [w for w in workers if w is not doomed]
        await until(lambda: _no_open(path), 30.0, "every row delivered")
    finally:
        for worker in workers:
            if worker.tasks and not all(t.done() for t in worker.tasks):
                await worker.stop()
    per_channel = Counter(s.channel.channel for s in platform.of("post_alert"))
    assert per_channel == {c.channel: 1 for c in channels}  # one alert each, none twice
    assert platform.rate_limited == 0  # three workers, one channel and shared budget: no 429
    assert all(w.platform.posts > 0 for w in survivors)  # the work was shared
    # The dead worker's in-flight rows were taken over and looked for before any resend.
    lookups = sum(1 for op, _ in platform.calls if op == "find_delivered")
    assert lookups >= in_flight_at_kill > 0


async def doomed_rows(path: str | Path, worker_id: str) -> int:
    db = await open_database(path)
    try:
        row = await db.fetchone(
            "SELECT COUNT(*) FROM outbox WHERE claimed_by=? AND state='in_flight'", (worker_id,)
        )
        return int(row[0]) if row else 0
    finally:
        await db.close()


async def _no_open(path: str | Path) -> bool:
    return await open_rows(path) == 0


async def test_a_lease_moves_only_when_its_holder_stops_renewing(db_target: str | Path) -> None:
    path = db_target
    a_db, b_db = await open_database(path), await open_database(path)
    try:
        a, b = WorkerRegistry(a_db, 0.3, name="a"), WorkerRegistry(b_db, 0.3, name="b")
        await a.register()
        await b.register()
        assert await Leases(a_db, a).hold("ingest:/stories")
        assert not await Leases(b_db, b).hold("ingest:/stories")
        await asyncio.sleep(0.2)
        assert await a.heartbeat()
        assert await b.heartbeat()
        await asyncio.sleep(0.2)  # past a's first lease, but a renewed it
        assert await b.heartbeat()
        assert not await Leases(b_db, b).hold("ingest:/stories")
        await asyncio.sleep(0.2)  # a stopped renewing: its lease ran out
        assert await b.heartbeat()
        assert await Leases(b_db, b).hold("ingest:/stories")
        assert await Leases(b_db, b).holder("ingest:/stories") == "b"
        assert not await a.heartbeat()  # a finds it was given up on, and lets go
        assert a.generation == 1  # (a delivery worker drops the rows it had queued then)
        assert not await Leases(a_db, a).hold("ingest:/stories")
    finally:
        await a_db.close()
        await b_db.close()


async def test_shared_budget_spaces_sends_of_every_worker(db_target: str | Path) -> None:
    path = db_target
    dbs = [await open_database(path) for _ in range(3)]
    try:
        budgets = [SharedBudgets(db, clock=lambda: 1000.0) for db in dbs]
        slots = [await budgets[i % 3].reserve("slack:T1", 0.1) for i in range(9)]
        assert all(abs(slot - (1000.0 + 0.1 * i)) < 1e-6 for i, slot in enumerate(slots)), slots
        await budgets[0].hold("slack:T1", 5.0)  # a 429 for the workspace
        assert abs(await budgets[1].reserve("slack:T1", 0.1) - 1005.0) < 1e-6
        assert await budgets[2].reserve("discord:", 0.02) == 1000.0  # another scope is not held
    finally:
        for db in dbs:
            await db.close()


async def test_a_worker_that_missed_its_lease_claims_afresh_and_delivers_once(
    db_target: str | Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A stalled worker (heartbeat late) may have lost its channels: it drops what it had queued and
    claims again; nothing is lost or sent twice."""
    path = db_target
    channels = [ChannelRef("fake", "W1", f"C{i:03d}") for i in range(40)]
    await prepare(path, channels)
    platform = FakePlatform("fake", limits=LIMITS, latency=0.02)
    worker = await Worker.start(path, platform)
    heartbeat = worker.tasks.pop()
    heartbeat.cancel()  # the stall: no heartbeat for longer than the lease
    try:
        await until(lambda: len(platform.of("post_alert")) >= 5, 20.0, "5 posts")
        await asyncio.sleep(LEASE * 1.5)
        assert not await worker.registry.heartbeat()
        worker.service.wake()
        await until(lambda: _no_open(path), 30.0, "every row delivered")
    finally:
        await worker.stop()
    assert Counter(s.channel.channel for s in platform.of("post_alert")) == {c.channel: 1 for c in channels}
    assert "lease had run out; its channels are claimed afresh" in caplog.text
