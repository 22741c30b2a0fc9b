"""Delivery reports into the service's metrics: a 429 and its wait, a dead letter, sends and the alert
latency, counted by platform and outcome (the real delivery service over a real SQLite outbox and the
fake chat platform, the external port)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from bot.chat.errors import PermanentFailure, RateLimited
from bot.config import Settings
from bot.delivery.limits import PlatformLimits, RetryPolicy
from bot.delivery.router import Router
from bot.delivery.service import DeliveryService
from bot.models import ChangeKind, ChannelRef, Story, StoryChange
from bot.observability import using_telemetry
from bot.observability.metrics import PrometheusTelemetry
from bot.store.backends import open_database
from bot.store.subscriptions import SubscriptionStore
from tests.support.delivery_fakes import FakePlatform, add_subscriptions
from tests.support.stories import make_story

CHANNELS = [ChannelRef("fake", "W1", f"C{i}") for i in range(3)]


async def test_outcomes_429s_dead_letters_and_latency_are_counted(db_target: str | Path) -> None:
    db = await open_database(db_target)
    settings = Settings.model_construct(edit_coalesce_seconds=0.05, delivery_max_age_seconds=10.0)
    stories: dict[int, Story] = {}

    async def load(story_id: int) -> Story | None:
        return stories.get(story_id)

    await add_subscriptions(db, CHANNELS, "Acme Cloud")
    fake = FakePlatform()
    fake.fail("post_alert", RateLimited(0.2, "channel"), channel="C0")
    fake.fail("post_alert", PermanentFailure("invalid_blocks"), channel="C1", times=None)
    metrics = PrometheusTelemetry()
    service = DeliveryService(
        db, {fake.name: fake}, settings, limits={fake.name: PlatformLimits(max_parallel=8)}, load_story=load,
        retry=RetryPolicy(base_seconds=0.02, max_seconds=0.1, send_timeout_seconds=2.0),
    )
    with using_telemetry(metrics):
        task = asyncio.create_task(service.run())
    try:
        story = make_story(1)
        async with db.write():
            stories[story.id] = story
            await Router(db, SubscriptionStore(db), settings).route(StoryChange(story, (ChangeKind.CREATED,), ()))
        service.wake()
        assert await service.drain(5)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await db.close()

    def value(name: str, **labels: str) -> float:
        found = metrics.registry.get_sample_value(name, labels)
        return 0.0 if found is None else found

    assert fake.posts_per_channel() == {"C0": 1, "C2": 1}
    assert value("bot_deliveries_total", platform="fake", kind="post", outcome="sent") == 2
    assert value("bot_deliveries_total", platform="fake", kind="post", outcome="rate_limited") == 1
    assert value("bot_rate_limited_total", platform="fake") == 1
    assert value("bot_rate_limit_wait_seconds_sum", platform="fake") == 0.2
    assert value("bot_deliveries_total", platform="fake", kind="post", outcome="dead") == 1
    assert value("bot_dead_letters_total", platform="fake") == 1
    assert value("bot_alert_latency_seconds_count", platform="fake") == 2
    assert value("bot_alert_latency_seconds_sum", platform="fake") >= 0.2  # C0 waited out its 429
