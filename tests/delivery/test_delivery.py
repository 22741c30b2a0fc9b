"""Delivery service end to end over a real SQLite outbox and a fake chat platform (the external port).

Times are scaled down (coalesce windows, backoff, Retry-After of tenths of a second).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from bot.chat.errors import ChannelUnavailable, PermanentFailure, RateLimited, TransientFailure
from bot.config import Settings
from bot.delivery.limits import PlatformLimits, RetryPolicy, Window
from bot.delivery.router import Router
from bot.delivery.service import DeliveryService
from bot.models import ChangeKind, ChannelRef, Story, StoryChange
from bot.store.backends import open_database
from bot.store.db import Database
from bot.store.subscriptions import SubscriptionStore
from tests.support.delivery_fakes import FakePlatform, add_subscriptions
from tests.support.stories import make_story

FAST_RETRY = RetryPolicy(base_seconds=0.02, max_seconds=0.1, send_timeout_seconds=2.0)


def channels(n: int, platform: str = "fake") -> list[ChannelRef]:
    return [ChannelRef(platform, "W1", f"C{i}") for i in range(n)]


class Env:
    """A database, the stories the fake store knows, and delivery services running over them."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.stories: dict[int, Story] = {}
        self.settings = Settings.model_construct(
            edit_coalesce_seconds=0.05,
            delivery_max_age_seconds=10.0,
            thread_updates=True,
            uncertain_wait_seconds=0.05,
        )
        self._running: list[tuple[DeliveryService, asyncio.Task[None]]] = []

    async def load(self, story_id: int) -> Story | None:
        return self.stories.get(story_id)

    def start(
        self, platform: FakePlatform, *, limits: PlatformLimits | None = None, **kw: object
    ) -> DeliveryService:
        service = DeliveryService(
            self.db,
            {platform.name: platform},
            self.settings,
            limits={platform.name: limits or PlatformLimits(max_parallel=32)},
            load_story=self.load,
            retry=kw.pop("retry", FAST_RETRY),  # type: ignore[arg-type]
            **kw,  # type: ignore[arg-type]
        )
        self._running.append((service, asyncio.create_task(service.run())))
        return service

    async def stop(self, service: DeliveryService) -> None:
        for entry in list(self._running):
            if entry[0] is service:
                entry[1].cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await entry[1]
                self._running.remove(entry)

    async def stop_all(self) -> None:
        for service, _ in list(self._running):
            await self.stop(service)

    async def publish(
        self, story: Story, kinds: Sequence[ChangeKind] = (ChangeKind.CREATED,), outlets: Sequence[str] = ()
    ) -> int:
        """What the pipeline does: change the story and route it in one transaction, then wake delivery."""
        async with self.db.write():
            self.stories[story.id] = story
            written = await Router(self.db, SubscriptionStore(self.db), self.settings).route(
                StoryChange(story, tuple(kinds), tuple(outlets))
            )
        for service, _ in self._running:
            service.wake()
        return written


@pytest.fixture
async def env(db_target: str | Path) -> AsyncIterator[Env]:
    db = await open_database(db_target)
    environment = Env(db)
    yield environment
    await environment.stop_all()
    await db.close()


async def test_posts_once_per_channel_and_records_the_message(env: Env) -> None:
    await add_subscriptions(env.db, channels(3), "Acme Cloud")
    await add_subscriptions(env.db, channels(1), "Globex")  # a second subscription in C0
    fake = FakePlatform()
    service = env.start(fake)
    await env.publish(make_story(1, vendors=("Acme Cloud", "Globex")))
    assert await service.drain(5)
    assert fake.posts_per_channel() == {"C0": 1, "C1": 1, "C2": 1}
    refs = await env.db.fetchall("SELECT channel, message_id, version FROM message_refs ORDER BY channel")
    by_channel = {s.channel.channel: s.message_id for s in fake.of("post_alert")}
    assert {r["channel"]: r["message_id"] for r in refs} == by_channel
    keys = [s.delivery_key for s in fake.of("post_alert")]
    assert len(set(keys)) == 3 and all(k and len(k) <= 25 for k in keys)


async def test_wake_delivers_in_milliseconds_not_at_the_next_poll(env: Env) -> None:
    await add_subscriptions(env.db, channels(1), "Acme Cloud")
    fake = FakePlatform()
    service = env.start(fake, poll_interval=30.0)
    await asyncio.sleep(0.05)  # the worker is now asleep on its 30 s poll
    loop = asyncio.get_running_loop()
    started = loop.time()
    await env.publish(make_story(1))
    assert await service.drain(5)
    assert fake.of("post_alert")[0].at - started < 0.5


async def test_waits_for_the_platform_to_be_ready(env: Env) -> None:
    await add_subscriptions(env.db, channels(1), "Acme Cloud")
    fake = FakePlatform()
    fake.ready.clear()
    service = env.start(fake)
    await env.publish(make_story(1))
    assert not await service.drain(0.2)
    assert fake.sent == []
    fake.ready.set()
    assert await service.drain(5)
    assert len(fake.of("post_alert")) == 1


async def test_later_versions_coalesce_into_one_edit(env: Env) -> None:
    env.settings = env.settings.model_copy(update={"edit_coalesce_seconds": 0.3})
    await add_subscriptions(env.db, channels(2), "Acme Cloud")
    fake = FakePlatform()
    service = env.start(fake)
    story = make_story(1)
    await env.publish(story)
    assert await service.drain(5)
    for version in (2, 3, 4):
        await env.publish(
            replace(story, version=version, summary=f"Update {version}."), (ChangeKind.NEW_SUMMARY,)
        )
    assert await service.drain(5)
    edits = fake.of("edit_alert")
    assert sorted((e.channel.channel, e.version) for e in edits) == [("C0", 4), ("C1", 4)]
    post_ids = {s.channel.channel: s.message_id for s in fake.of("post_alert")}
    assert all(e.message_id == post_ids[e.channel.channel] for e in edits)
    await env.publish(replace(story, version=5), (ChangeKind.NEW_FACTS,))
    assert await service.drain(5)
    assert [e.version for e in fake.of("edit_alert")].count(5) == 2


async def test_a_new_source_gives_one_follow_up_in_the_thread(env: Env) -> None:
    await add_subscriptions(env.db, channels(1), "Acme Cloud")
    fake = FakePlatform()
    service = env.start(fake)
    story = make_story(1)
    await env.publish(story)
    assert await service.drain(5)
    grown = replace(
        story, version=2, sources=(*story.sources, replace(story.sources[0], outlet="Daily Byte"))
    )
    await env.publish(grown, (ChangeKind.NEW_SOURCE,), ("Daily Byte",))
    assert await service.drain(5)
    followups = fake.of("post_followup")
    assert [(f.outlets, f.version) for f in followups] == [(("Daily Byte",), 2)]
    assert [e.version for e in fake.of("edit_alert")] == [2]


async def test_channel_429_is_honoured_then_delivered_once(env: Env) -> None:
    await add_subscriptions(env.db, channels(2), "Acme Cloud")
    fake = FakePlatform()
    fake.fail("post_alert", RateLimited(0.3, "channel"), channel="C0")
    service = env.start(fake)
    started = asyncio.get_running_loop().time()
    await env.publish(make_story(1))
    assert await service.drain(5)
    posts = {s.channel.channel: s.at - started for s in fake.of("post_alert")}
    assert fake.posts_per_channel() == {"C0": 1, "C1": 1}
    assert posts["C0"] >= 0.3  # waited for Retry-After
    assert posts["C1"] < 0.25  # another channel was not held up by it
    row = await env.db.fetchone("SELECT attempts, maybe_sent FROM outbox WHERE channel='C0'")
    assert row is not None and row["attempts"] == 0 and row["maybe_sent"] == 0  # a 429 is not a failure


async def test_global_429_holds_every_channel(env: Env) -> None:
    await add_subscriptions(env.db, channels(3), "Acme Cloud")
    fake = FakePlatform()
    fake.fail("post_alert", RateLimited(0.3, "global"))
    service = env.start(fake, limits=PlatformLimits(max_parallel=1))
    started = asyncio.get_running_loop().time()
    await env.publish(make_story(1))
    assert await service.drain(5)
    assert fake.posts_per_channel() == {"C0": 1, "C1": 1, "C2": 1}
    assert min(s.at for s in fake.of("post_alert")) - started >= 0.3


async def test_transient_failures_are_retried_then_delivered(env: Env) -> None:
    await add_subscriptions(env.db, channels(1), "Acme Cloud")
    fake = FakePlatform()
    fake.fail("post_alert", TransientFailure("HTTP 503"), times=1)
    fake.fail("post_alert", ConnectionResetError("connection reset by peer"), times=1)
    service = env.start(fake)
    await env.publish(make_story(1))
    assert await service.drain(5)
    assert len(fake.of("post_alert")) == 1
    assert [op for op, _ in fake.calls].count("post_alert") == 3
    row = await env.db.fetchone("SELECT state, attempts FROM outbox")
    assert row is not None and (row["state"], row["attempts"]) == ("done", 2)


@pytest.mark.parametrize("style", ["slack", "discord"])
async def test_accepted_but_unanswered_post_is_not_sent_twice(env: Env, style: str) -> None:
    """The platform took the message but the reply was lost (timeout): the retry must not double it.
    Slack finds it by key (find_delivered); Discord's nonce makes the resend return the first message."""
    await add_subscriptions(env.db, channels(1), "Acme Cloud")
    fake = FakePlatform(finds_delivered=style == "slack", idempotent_keys=style == "discord")
    fake.fail("post_alert", TimeoutError(), after_delivery=True)
    service = env.start(fake)
    await env.publish(make_story(1))
    assert await service.drain(5)
    assert len(fake.of("post_alert")) == 1
    assert ("find_delivered", "C0") in fake.calls
    ref = await env.db.fetchone("SELECT message_id FROM message_refs")
    assert ref is not None and ref["message_id"] == fake.of("post_alert")[0].message_id


async def test_a_hung_call_times_out_and_is_retried(env: Env) -> None:
    await add_subscriptions(env.db, channels(1), "Acme Cloud")
    fake = FakePlatform()
    fake.hold = asyncio.Event()  # accepted, then never answers
    service = env.start(fake, retry=RetryPolicy(base_seconds=0.2, max_seconds=0.2, send_timeout_seconds=0.1))
    await env.publish(make_story(1))
    await asyncio.sleep(0.15)
    fake.hold = None
    assert await service.drain(5)
    assert len(fake.of("post_alert")) == 1  # found by key on the retry, not posted again
    row = await env.db.fetchone("SELECT state, attempts, last_error FROM outbox")
    assert row is not None and (row["state"], row["attempts"]) == ("done", 1)


async def test_too_old_deliveries_become_dead_letters_with_a_log_line(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    env.settings = env.settings.model_copy(update={"delivery_max_age_seconds": 0.3})
    await add_subscriptions(env.db, channels(1), "Acme Cloud")
    fake = FakePlatform()
    fake.fail("post_alert", TransientFailure("HTTP 502 bad gateway"), times=None)
    service = env.start(fake)
    with caplog.at_level(logging.ERROR, logger="bot.delivery"):
        await env.publish(make_story(1))
        assert await service.drain(5)
    assert fake.sent == []
    dead = await service.outbox.dead_letters()
    assert len(dead) == 1 and "502" in dead[0].reason and dead[0].attempts >= 3
    assert any("dead letter" in r.getMessage() and "C0" in r.getMessage() for r in caplog.records)


async def test_permanent_failure_is_dead_lettered_at_once(env: Env) -> None:
    await add_subscriptions(env.db, channels(1), "Acme Cloud")
    fake = FakePlatform()
    fake.fail("post_alert", PermanentFailure("invalid_blocks"), times=None)
    service = env.start(fake)
    await env.publish(make_story(1))
    assert await service.drain(5)
    assert [op for op, _ in fake.calls].count("post_alert") == 1
    dead = await service.outbox.dead_letters()
    assert [d.reason for d in dead] == ["refused: invalid_blocks"]


async def test_unavailable_channel_disables_its_subscriptions_and_is_not_retried(env: Env) -> None:
    sub_ids = await add_subscriptions(env.db, channels(2), "Acme Cloud")
    fake = FakePlatform()
    fake.fail("post_alert", ChannelUnavailable("channel_not_found"), channel="C0", times=None)
    service = env.start(fake)
    await env.publish(make_story(1))
    assert await service.drain(5)
    subs = SubscriptionStore(env.db)
    gone = await subs.get(sub_ids[0])
    assert (
        gone is not None and gone.disabled_reason is not None and "channel_not_found" in gone.disabled_reason
    )
    still = await subs.get(sub_ids[1])
    assert still is not None and still.disabled_reason is None
    await env.publish(make_story(2, title="Acme Cloud patches gateway flaw"))
    assert await service.drain(5)
    assert [c for op, c in fake.calls if op == "post_alert"].count("C0") == 1
    assert fake.posts_per_channel() == {"C1": 2}


async def test_subscription_disabled_before_sending_gets_nothing(env: Env) -> None:
    sub_ids = await add_subscriptions(env.db, channels(1), "Acme Cloud")
    await env.publish(make_story(1))  # routed while nothing delivers
    await SubscriptionStore(env.db).disable(sub_ids[0], "disabled by an admin")
    fake = FakePlatform()
    service = env.start(fake)
    assert await service.drain(5)
    assert fake.sent == []


async def test_parallel_fan_out_to_200_channels_keeps_per_channel_limits(env: Env) -> None:
    limits = PlatformLimits(per_channel=(Window(1, 0.25),), shared=(Window(400, 0.05),), max_parallel=100)
    await add_subscriptions(env.db, channels(200), "Acme Cloud")
    fake = FakePlatform(limits=limits, latency=0.01)
    service = env.start(fake, limits=limits)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await env.publish(make_story(1))
    await env.publish(make_story(2, title="Acme Cloud discloses second incident"))
    assert await service.drain(8)
    elapsed = loop.time() - started
    assert fake.posts_per_channel() == {f"C{i}": 2 for i in range(200)}
    assert fake.rate_limited == 0  # stayed under the limits instead of bouncing off them
    assert fake.max_concurrent >= 20  # many channels at once, not one at a time
    per_channel: dict[str, list[float]] = {}
    for sent in fake.of("post_alert"):
        per_channel.setdefault(sent.channel.channel, []).append(sent.at)
    assert all(b - a >= 0.25 for a, b in per_channel.values())
    assert elapsed < 4.0  # one channel at a time would take 200 x 2 x 10 ms + waits


async def test_a_platform_that_cannot_look_messages_up_relies_on_its_idempotent_resend(env: Env) -> None:
    await add_subscriptions(env.db, channels(1), "Acme Cloud")
    fake = FakePlatform(idempotent_keys=True)
    fake.fail("post_alert", TimeoutError(), after_delivery=True)
    fake.fail("find_delivered", NotImplementedError(), times=None)
    service = env.start(fake)
    await env.publish(make_story(1))
    assert await service.drain(5)
    assert len(fake.of("post_alert")) == 1
    assert await service.outbox.dead_letters() == []
