"""Daily digests: each subscription's own time and timezone, missed digests on start, nothing when empty."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.delivery.digests import latest_slot, next_slot, parse_digest_time, zone
from bot.delivery.limits import RetryPolicy
from bot.delivery.router import Router
from bot.delivery.service import DeliveryService
from bot.models import ChangeKind, ChannelRef, Story, StoryChange
from bot.store.backends import open_database
from bot.store.db import Database
from bot.store.subscriptions import SubscriptionStore
from bot.store.timefmt import to_db
from tests.support.clock import FixedClock
from tests.support.delivery_fakes import FakePlatform, add_subscriptions
from tests.support.stories import make_story

CHANNEL = ChannelRef("fake", "W1", "CDIGEST")
SETTINGS = Settings.model_construct(delivery_max_age_seconds=60.0, uncertain_wait_seconds=0.05)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# -- slot arithmetic --------------------------------------------------------------------------------


def test_slots_follow_the_subscriptions_timezone_and_dst() -> None:
    # 09:00 in New York is 14:00 UTC in winter (EST) and 13:00 UTC in summer (EDT).
    assert latest_slot(utc(2025, 1, 15, 13, 0), "09:00", "America/New_York") == utc(2025, 1, 14, 14, 0)
    assert next_slot(utc(2025, 1, 15, 13, 0), "09:00", "America/New_York") == utc(2025, 1, 15, 14, 0)
    assert latest_slot(utc(2025, 7, 15, 13, 0), "09:00", "America/New_York") == utc(2025, 7, 15, 13, 0)
    # The day clocks spring forward (2025-03-09): 09:00 EDT.
    assert next_slot(utc(2025, 3, 9, 5, 0), "09:00", "America/New_York") == utc(2025, 3, 9, 13, 0)
    assert next_slot(utc(2025, 1, 15, 23, 0), "07:30", "Asia/Tokyo") == utc(2025, 1, 15, 22, 30) + timedelta(
        days=1
    )


def test_bad_time_or_timezone_fall_back_to_the_defaults() -> None:
    assert parse_digest_time("25:99").hour == 9
    assert parse_digest_time("garbage").minute == 0
    assert zone("Mars/Olympus_Mons").key == "UTC"
    assert latest_slot(utc(2025, 1, 15, 10, 0), "", "") == utc(2025, 1, 15, 9, 0)


# -- the scheduler in the running service ----------------------------------------------------------


class Digests:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock
        self.stories: dict[int, Story] = {}
        self.fake = FakePlatform()
        self._runs: list[asyncio.Task[None]] = []

    async def load(self, story_id: int) -> Story | None:
        return self.stories.get(story_id)

    async def route(self, story: Story) -> None:
        self.stories[story.id] = story
        async with self.db.write():
            router = Router(self.db, SubscriptionStore(self.db), SETTINGS, clock=self.clock)
            await router.route(StoryChange(story, (ChangeKind.CREATED,)))

    def start(self) -> DeliveryService:
        service = DeliveryService(
            self.db,
            {"fake": self.fake},
            SETTINGS,
            clock=self.clock,
            load_story=self.load,
            retry=RetryPolicy(0.02, 0.1, 2.0),
        )
        self._runs.append(asyncio.create_task(service.run()))
        return service

    async def stop(self) -> None:
        for task in self._runs:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._runs.clear()

    def digests(self) -> list[tuple[int, ...]]:
        return [s.story_ids for s in self.fake.of("post_digest")]


@pytest.fixture
async def db(db_target: str | Path) -> AsyncIterator[Database]:
    database = await open_database(db_target)
    yield database
    await database.close()


async def test_digest_goes_out_at_the_subscriptions_local_time(db: Database) -> None:
    clock = FixedClock(utc(2025, 1, 15, 13, 58))
    advance = clock.advance
    await add_subscriptions(
        db, [CHANNEL], "Acme Cloud", created_at=utc(2025, 1, 14, 15, 0), mode="digest",
        digest_time="09:00", timezone="America/New_York",
    )  # fmt: skip
    env = Digests(db, clock)
    await env.route(make_story(1, first_seen=utc(2025, 1, 15, 10, 0)))
    await env.route(make_story(2, title="Acme Cloud fixes gateway flaw", first_seen=utc(2025, 1, 15, 11, 0)))
    service = env.start()
    try:
        assert await service.drain(3)
        assert env.digests() == [] and env.fake.of("post_alert") == []  # 08:58 in New York: not yet
        advance(180)  # 09:01 New York time
        assert await service.drain(3)
        assert env.digests() == [(1, 2)]
        advance(3600)
        assert await service.drain(3)
        assert env.digests() == [(1, 2)]  # one a day
        advance(86400)  # the next day's slot, nothing new since: nothing is sent
        assert await service.drain(3)
        assert env.digests() == [(1, 2)]
        await env.route(make_story(3, title="Acme Cloud names new CISO", first_seen=clock()))
        advance(86400)
        assert await service.drain(3)
        assert env.digests() == [(1, 2), (3,)]  # only the stories since the last digest
    finally:
        await env.stop()


async def test_a_digest_missed_while_down_is_sent_once_on_start(db: Database) -> None:
    clock = FixedClock(utc(2025, 1, 15, 16, 0))
    [sub_id] = await add_subscriptions(
        db, [CHANNEL], "Acme Cloud", created_at=utc(2025, 1, 10), mode="digest"
    )
    env = Digests(db, clock)
    await env.route(make_story(1, first_seen=utc(2025, 1, 12, 20, 0)))
    await env.route(make_story(2, title="Acme Cloud outage report", first_seen=utc(2025, 1, 13, 20, 0)))
    # The bot last handled the 12 January digest, then was down for three slots (13th-15th at 09:00 UTC).
    await db.execute(
        "INSERT INTO digest_state (subscription_id, last_slot) VALUES (?, ?)",
        (sub_id, to_db(utc(2025, 1, 12, 9, 0))),
    )
    service = env.start()
    try:
        assert await service.drain(3)
        assert env.digests() == [(1, 2)]
    finally:
        await env.stop()
    again = env.start()  # another restart the same day
    try:
        assert await again.drain(3)
        assert env.digests() == [(1, 2)]
    finally:
        await env.stop()


async def test_an_empty_digest_sends_nothing_but_counts_as_handled(db: Database) -> None:
    clock = FixedClock(utc(2025, 1, 15, 8, 59))
    advance = clock.advance
    [sub_id] = await add_subscriptions(
        db, [CHANNEL], "Acme Cloud", created_at=utc(2025, 1, 14, 12), mode="digest"
    )
    env = Digests(db, clock)
    service = env.start()
    try:
        advance(120)
        assert await service.drain(3)
        assert env.fake.sent == []
        row = await db.fetchone("SELECT last_slot FROM digest_state WHERE subscription_id=?", (sub_id,))
        assert row is not None and row["last_slot"].startswith("2025-01-15T09:00")
    finally:
        await env.stop()


async def test_muted_digest_waits_and_keeps_its_stories(db: Database) -> None:
    clock = FixedClock(utc(2025, 1, 15, 8, 0))
    advance = clock.advance
    [sub_id] = await add_subscriptions(
        db, [CHANNEL], "Acme Cloud", created_at=utc(2025, 1, 14, 12), mode="digest"
    )
    env = Digests(db, clock)
    await env.route(make_story(1, first_seen=utc(2025, 1, 15, 7, 0)))
    await db.execute(
        "UPDATE subscriptions SET muted_until=? WHERE id=?", (to_db(utc(2025, 1, 15, 12)), sub_id)
    )
    service = env.start()
    try:
        advance(3600 + 60)  # 09:01, muted until noon
        assert await service.drain(3)
        assert env.digests() == []
        advance(86400)  # the next day, no longer muted
        assert await service.drain(3)
        assert env.digests() == [(1,)]
    finally:
        await env.stop()
