"""Rows that another process commits wake an idle worker at once on PostgreSQL (LISTEN/NOTIFY),
not at its next poll; the poll stays as the fallback.

The real PostgreSQL of the tests: one connection stands for another `bot run` (its pipeline routes a
story), another carries the worker. The worker polls once an hour here, so a delivery within the
test's wait can only come from the notice. The listener's connection is also killed (as a server
restart or a network cut would) to show that it comes back.
"""

from __future__ import annotations

import asyncio
import contextlib

from bot.config import Settings
from bot.delivery.limits import PlatformLimits, RetryPolicy, Window
from bot.delivery.router import Router
from bot.delivery.service import DeliveryService
from bot.models import ChangeKind, ChannelRef, Story, StoryChange
from bot.store.backends import open_database
from bot.store.cluster import WorkerRegistry
from bot.store.db import Database
from bot.store.outbox import OUTBOX_CHANNEL
from bot.store.subscriptions import SubscriptionStore
from tests.support.delivery_fakes import FakePlatform, add_subscriptions
from tests.support.stories import make_story

SETTINGS = Settings.model_construct(
    edit_coalesce_seconds=0.05, delivery_max_age_seconds=60.0, uncertain_wait_seconds=0.05
)
LIMITS = PlatformLimits(per_channel=(Window(5, 0.5),), shared=(Window(50, 0.5),), max_parallel=8)
STORIES = {i: make_story(i) for i in (1, 2, 3)}
HOUR = 3600.0
WAIT = 20.0  # far below the poll: only a notice can deliver within it
SETTLE = 0.5  # lets the worker finish what it was woken for before the next row comes


async def load(story_id: int) -> Story | None:
    return STORIES.get(story_id)


async def route(db: Database, story_id: int) -> None:
    """What another worker's pipeline does: a story change and its outbox rows in one commit."""
    async with db.write():
        await Router(db, SubscriptionStore(db), SETTINGS).route(
            StoryChange(STORIES[story_id], (ChangeKind.CREATED,))
        )


async def delivered(platform: FakePlatform, count: int) -> None:
    async with asyncio.timeout(WAIT):
        while len(platform.of("post_alert")) < count:  # noqa: ASYNC110 - polls the fake, not the bot
            await asyncio.sleep(0.01)


async def test_a_row_committed_elsewhere_wakes_an_idle_worker_without_its_poll(pg_url: str) -> None:
    other = await open_database(pg_url)  # another process: routes stories
    mine = await open_database(pg_url)  # this worker's
    registry = WorkerRegistry(mine, 30.0)
    await registry.register()
    platform = FakePlatform("fake", limits=LIMITS)
    service = DeliveryService(
        mine,
        {"fake": platform},  # type: ignore[dict-item]
        SETTINGS,
        limits={"fake": LIMITS},
        load_story=load,
        retry=RetryPolicy(base_seconds=0.02, max_seconds=0.1, send_timeout_seconds=5.0),
        worker=registry,
        poll_interval=HOUR,
    )
    await add_subscriptions(other, [ChannelRef("fake", "W1", "C001")], "Acme Cloud")
    await route(other, 1)  # queued before the worker starts: its first look finds it
    task = asyncio.create_task(service.run())
    try:
        async with asyncio.timeout(WAIT):
            await service.listening.wait()
        await delivered(platform, 1)
        await asyncio.sleep(SETTLE)

        await route(other, 2)
        await delivered(platform, 2)

        # The listening connection dies: the worker listens again and still wakes at once.
        service.listening.clear()
        killed = await other.fetchone(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND query = ?",
            (f'LISTEN "{OUTBOX_CHANNEL}"',),
        )
        assert killed is not None and killed[0] == 1
        async with asyncio.timeout(WAIT):
            await service.listening.wait()
        await asyncio.sleep(SETTLE)
        await route(other, 3)
        await delivered(platform, 3)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await mine.close()
        await other.close()
    assert [s.story_ids for s in platform.of("post_alert")] == [(1,), (2,), (3,)]
