"""Slack's history ration (1 `conversations.history` call a minute per workspace for apps outside
the Marketplace) kept once for every worker on one database, not once per worker.

Two workers here are two SlackPlatform instances, each with its own connection to one database (as
two `bot run` processes have), against one stand-in Slack that answers 429 past the ration and
counts those answers. Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.adapters.slack import SlackPlatform
from bot.adapters.slack.history import HistoryBudget
from bot.chat.errors import RateLimited
from bot.config import Settings
from bot.models import ChannelRef
from bot.store.backends import open_database
from bot.store.cluster import SharedBudgets
from bot.store.db import Database
from tests.support.commands import RecordingCommands
from tests.support.slack_server import TEAM_ID, SlackStandIn
from tests.support.stories import kaspersky_story

FIRST = ChannelRef("slack", TEAM_ID, "C0FIRST")
SECOND = ChannelRef("slack", TEAM_ID, "C0SECOND")


@pytest.fixture
async def two_connections(db_target: str | Path) -> AsyncIterator[list[Database]]:
    dbs = [await open_database(db_target) for _ in range(2)]
    try:
        yield dbs
    finally:
        for db in dbs:
            await db.close()


def worker(slack: SlackStandIn, db: Database, calls_per_minute: float) -> SlackPlatform:
    settings = Settings(
        _env_file=None,
        SLACK_BOT_TOKEN=slack.bot_token,
        SLACK_APP_TOKEN=slack.app_token,
        SLACK_API_URL=slack.api_url,
        SLACK_HISTORY_CALLS_PER_MINUTE=calls_per_minute,
    )
    return SlackPlatform(settings, RecordingCommands(), budgets=SharedBudgets(db))


async def test_two_workers_make_one_history_call_a_minute_between_them(two_connections: list[Database]) -> None:
    """The second worker's lookup within the minute is parked (RateLimited "lookup", its slot a
    minute away) without calling Slack; each worker with its own ration would have called and met
    a 429."""
    async with SlackStandIn() as slack:
        slack.history_rate = (1, 60.0)
        slack.workspace.history_page_cap = 15
        a, b = (worker(slack, db, 1) for db in two_connections)
        ref = await a.post_alert(FIRST, kaspersky_story(), delivery_key="s1:first")
        await b.post_alert(SECOND, kaspersky_story(), delivery_key="s1:second")
        assert await a.find_delivered(FIRST, "s1:first") == ref
        with pytest.raises(RateLimited) as parked:
            await b.find_delivered(SECOND, "s1:second")
        assert parked.value.scope == "lookup"
        assert 55 < parked.value.retry_after <= 64
        assert len(slack.calls_to("conversations.history", ok=None)) == 1
        assert slack.history_limited == 0


async def test_workers_take_turns_and_each_finds_its_post(two_connections: list[Database]) -> None:
    """Scaled down (the bot's ration: one call per 1.1 s; the stand-in's: one per 0.8 s): the
    parked lookup comes back at its slot and is answered; Slack never says 429."""
    async with SlackStandIn() as slack:
        slack.history_rate = (1, 0.8)
        a, b = (worker(slack, db, 60) for db in two_connections)
        first = await a.post_alert(FIRST, kaspersky_story(), delivery_key="s1:first")
        second = await b.post_alert(SECOND, kaspersky_story(), delivery_key="s1:second")
        assert await a.find_delivered(FIRST, "s1:first") == first
        with pytest.raises(RateLimited) as parked:
            await b.find_delivered(SECOND, "s1:second")
        await asyncio.sleep(parked.value.retry_after)  # what the outbox does with the parked row
        assert await b.find_delivered(SECOND, "s1:second") == second
        calls = slack.calls_to("conversations.history", ok=None)
        assert [c.status for c in calls] == [200, 200]
        assert slack.history_limited == 0


def budgets_at(dbs: list[Database], clock: Callable[[], float]) -> list[HistoryBudget]:
    return [HistoryBudget(1, shared=SharedBudgets(db, clock=clock)) for db in dbs]


async def test_slots_queue_across_workers_and_a_late_call_pushes_the_next_back(
    two_connections: list[Database],
) -> None:
    now = [1000.0]
    a, b = budgets_at(two_connections, lambda: now[0])
    interval = a.interval  # 63.05 s: a little over Slack's minute
    first, second, third = a.search("T1", "k1"), b.search("T1", "k2"), a.search("T1", "k3")
    assert await a.take("T1", first) == 0.0
    assert await b.take("T1", second) == pytest.approx(interval)  # the next slot, reserved for it
    assert await a.take("T1", third) == pytest.approx(2 * interval)  # queued behind the other worker
    now[0] += interval + 10.0  # the second lookup comes back 10 s after its slot: it may still call
    assert await b.take("T1", second) == 0.0
    now[0] = 1000.0 + 2 * interval  # the third's slot: a full interval after the late call, not before
    assert await a.take("T1", third) == pytest.approx(10.0)
    now[0] += 10.0
    assert await a.take("T1", third) == 0.0
    await b.hold("T1", 300.0)  # Slack answered 429 to someone: every worker keeps off
    assert await a.take("T1", a.search("T1", "k4")) == pytest.approx(300.0)
    assert await b.take("T1", b.search("T1", "k5")) == pytest.approx(300.0 + interval)
