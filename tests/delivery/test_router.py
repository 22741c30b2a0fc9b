"""Routing: which subscriptions get a story, and the outbox rows a change writes (real SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.delivery.router import Router, subscription_matches
from bot.models import ChangeKind, ChannelRef, DeliveryMode, EventType, Story, StoryChange, Subscription
from bot.store.backends import open_database
from bot.store.db import Database
from bot.store.subscriptions import SubscriptionFilters, SubscriptionStore
from tests.support.delivery_fakes import add_subscriptions
from tests.support.stories import make_story

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
CHANNEL = ChannelRef("slack", "T1", "C1")


def sub(**kw: object) -> Subscription:
    base = Subscription(id=1, channel=CHANNEL, vendor="Acme Cloud", created_at=NOW - timedelta(days=1))
    return replace(base, **kw)  # type: ignore[arg-type]


def story(**kw: object) -> Story:
    return make_story(first_seen=NOW - timedelta(minutes=5), **kw)  # type: ignore[arg-type]


# -- the pure filter ---------------------------------------------------------------------------------


def test_matches_vendor_in_any_case() -> None:
    assert subscription_matches(sub(vendor="acme cloud"), story(), NOW)
    assert not subscription_matches(sub(vendor="Globex"), story(), NOW)


def test_no_backlog_only_stories_first_seen_after_subscribing() -> None:
    created = NOW - timedelta(minutes=1)
    assert not subscription_matches(sub(created_at=created), story(), NOW)  # story seen 5 min ago
    assert subscription_matches(sub(created_at=created), make_story(first_seen=NOW), NOW)


def test_naive_story_time_is_taken_as_utc() -> None:
    naive = (NOW - timedelta(minutes=5)).replace(tzinfo=None)
    assert subscription_matches(sub(), make_story(first_seen=naive), NOW)


def test_muted_and_disabled_get_nothing() -> None:
    assert not subscription_matches(sub(muted_until=NOW + timedelta(hours=1)), story(), NOW)
    assert subscription_matches(sub(muted_until=NOW - timedelta(seconds=1)), story(), NOW)
    assert not subscription_matches(sub(disabled_reason="channel unavailable: gone"), story(), NOW)


def test_event_type_filter_empty_means_all() -> None:
    assert subscription_matches(sub(event_types=()), story(event_type=EventType.LEGAL), NOW)
    assert subscription_matches(sub(event_types=(EventType.BREACH, EventType.ATTACK)), story(), NOW)
    assert not subscription_matches(sub(event_types=(EventType.LAYOFFS,)), story(), NOW)


def test_other_stories_sponsored_webinars_how_tos_only_when_asked_for() -> None:
    advertorial = story(event_type=EventType.OTHER)
    assert not subscription_matches(sub(event_types=()), advertorial, NOW)
    assert subscription_matches(sub(event_types=(EventType.OTHER,)), advertorial, NOW)
    assert subscription_matches(sub(event_types=()), story(event_type=EventType.OUTAGE), NOW)


def test_include_words_any_must_appear_in_title_summary_or_facts() -> None:
    assert subscription_matches(sub(include=("ransomware", "records")), story(), NOW)  # "records" in a fact
    assert subscription_matches(sub(include=("PORTAL",)), story(), NOW)  # case-insensitive, title
    assert not subscription_matches(sub(include=("ransomware",)), story(), NOW)


def test_words_match_whole_words_only() -> None:
    assert not subscription_matches(sub(include=("port",)), story(), NOW)  # "portal" is not "port"
    cpp = story(summary="A flaw in the C++ runtime of Acme Cloud agents.")
    assert subscription_matches(sub(include=("c++",)), cpp, NOW)


def test_exclude_words_none_may_appear() -> None:
    assert not subscription_matches(sub(exclude=("breach",)), story(), NOW)
    assert subscription_matches(sub(exclude=("layoffs",)), story(), NOW)


# -- Router against the real store ------------------------------------------------------------------


@pytest.fixture
async def db(db_target: str | Path) -> AsyncIterator[Database]:
    database = await open_database(db_target)
    yield database
    await database.close()


async def subscribe(db: Database, channels: list[ChannelRef], vendor: str, **columns: str) -> list[int]:
    return await add_subscriptions(db, channels, vendor, created_at=NOW - timedelta(days=1), **columns)


def make_router(db: Database, **settings: object) -> Router:
    values: dict[str, Any] = {"edit_coalesce_seconds": 60.0, "thread_updates": True, **settings}
    return Router(db, SubscriptionStore(db), Settings.model_construct(**values), clock=lambda: NOW)


async def outbox(db: Database) -> list[tuple[str, str, int, str]]:
    rows = await db.fetchall("SELECT kind, channel, story_version, payload FROM outbox ORDER BY id")
    return [(r["kind"], r["channel"], r["story_version"], r["payload"]) for r in rows]


async def routed(router: Router, db: Database, change: StoryChange) -> int:
    async with db.write():
        return await router.route(change)


async def test_one_post_per_matching_channel_and_digest_subscriptions_wait(db: Database) -> None:
    channels = [ChannelRef("slack", "T1", f"C{i}") for i in range(3)]
    await subscribe(db, channels, "Acme Cloud")
    await subscribe(db, [ChannelRef("slack", "T1", "CDIGEST")], "Acme Cloud", mode="digest")
    await subscribe(db, [ChannelRef("slack", "T1", "COTHER")], "Globex")
    count = await routed(make_router(db), db, StoryChange(story(), (ChangeKind.CREATED,)))
    rows = await outbox(db)
    assert [(k, c) for k, c, _, _ in rows] == [("post", "C0"), ("post", "C1"), ("post", "C2")]
    items = await db.fetchall("SELECT subscription_id, story_id FROM digest_items")
    assert len(items) == 1 and items[0]["story_id"] == 1
    assert count == 4


async def test_two_subscriptions_in_one_channel_give_one_post(db: Database) -> None:
    await subscribe(db, [CHANNEL], "Acme Cloud")
    await subscribe(db, [CHANNEL], "Globex")
    both = story(vendors=("Acme Cloud", "Globex"))
    await routed(make_router(db), db, StoryChange(both, (ChangeKind.CREATED,)))
    assert [k for k, *_ in await outbox(db)] == ["post"]


async def test_subscribing_after_the_story_sends_no_backlog(db: Database) -> None:
    store = SubscriptionStore(db)
    await store.upsert(CHANNEL, "Acme Cloud", SubscriptionFilters())  # created_at = real now, after NOW
    assert await routed(make_router(db), db, StoryChange(story(), (ChangeKind.CREATED,))) == 0
    assert await outbox(db) == []


async def test_changes_become_one_coalesced_edit_and_follow_ups_merge(db: Database) -> None:
    await subscribe(db, [CHANNEL], "Acme Cloud")
    router = make_router(db)
    first = story()
    await routed(router, db, StoryChange(first, (ChangeKind.CREATED,)))
    await routed(
        router, db, StoryChange(replace(first, version=2), (ChangeKind.NEW_SOURCE,), ("Daily Byte",))
    )
    await routed(router, db, StoryChange(replace(first, version=3), (ChangeKind.NEW_FACTS,)))
    await routed(
        router, db, StoryChange(replace(first, version=4), (ChangeKind.NEW_SOURCE,), ("Packet Weekly",))
    )
    rows = await outbox(db)
    assert [(k, v) for k, _, v, _ in rows] == [("post", 1), ("edit", 4), ("followup", 4)]
    assert '"Daily Byte", "Packet Weekly"' in rows[2][3]


async def test_no_follow_up_without_thread_updates(db: Database) -> None:
    await subscribe(db, [CHANNEL], "Acme Cloud")
    router = make_router(db, thread_updates=False)
    await routed(router, db, StoryChange(story(), (ChangeKind.CREATED,)))
    await routed(router, db, StoryChange(story(version=2), (ChangeKind.NEW_SOURCE,), ("Daily Byte",)))
    assert [k for k, *_ in await outbox(db)] == ["post", "edit"]


async def test_a_story_that_starts_matching_later_is_posted_then(db: Database) -> None:
    await subscribe(db, [CHANNEL], "Acme Cloud", include_words='["ransomware"]')
    router = make_router(db)
    await routed(router, db, StoryChange(story(), (ChangeKind.CREATED,)))
    assert await outbox(db) == []
    later = story(version=2, facts=("The attackers deployed ransomware on two servers",))
    await routed(router, db, StoryChange(later, (ChangeKind.NEW_FACTS,)))
    assert [(k, v) for k, _, v, _ in await outbox(db)] == [("post", 2)]


async def test_rows_are_part_of_the_callers_transaction(db: Database) -> None:
    await subscribe(db, [CHANNEL], "Acme Cloud")
    with pytest.raises(RuntimeError):
        async with db.write():
            assert await make_router(db).route(StoryChange(story(), (ChangeKind.CREATED,))) == 1
            raise RuntimeError("story change failed after routing")
    assert await outbox(db) == []


async def test_digest_mode_subscription_never_gets_a_post(db: Database) -> None:
    store = SubscriptionStore(db)
    created, _ = await store.upsert(CHANNEL, "Acme Cloud", SubscriptionFilters(mode=DeliveryMode.DIGEST))
    fresh = make_story(first_seen=datetime.now(UTC) + timedelta(seconds=1))
    router = Router(db, store, Settings.model_construct())
    await routed(router, db, StoryChange(fresh, (ChangeKind.CREATED,)))
    assert await outbox(db) == []
    items = await db.fetchall("SELECT subscription_id FROM digest_items")
    assert [r["subscription_id"] for r in items] == [created.id]
