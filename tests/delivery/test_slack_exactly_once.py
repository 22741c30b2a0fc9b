"""Exactly one alert per channel on Slack when Slack is slow, loses answers, or the bot restarts,
with history read the way Slack now rations it (1 call per window per workspace, 15 messages).

The real Application and slack_sdk client against the stand-in Slack, which enforces that ration
(429 past it). Times are scaled: Slack "answers after 25 s" is an answer after 2.2 s against a 1 s
client timeout; the bot waits BOT_UNCERTAIN_WAIT_SECONDS (3 s here, 90 s by default) before it
looks for a post whose answer never came.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import Application, open_core
from bot.chat.ports import CommandContext
from bot.config import Settings
from bot.models import ChannelRef
from tests.support.app_runner import drop, running_app
from tests.support.slack_server import SlackStandIn

pytestmark = pytest.mark.slow

STORY = Path(__file__).resolve().parents[2] / "bot" / "samples" / "stories" / "2026-03-10-breachwire-okta-support-breach.md"
WAIT = 60.0
HISTORY_WINDOW = 0.4  # seconds standing for Slack's minute
SLOW_ANSWER = 2.2  # standing for Slack's 25 s: later than the client timeout plus a first backoff


def settings_for(slack: SlackStandIn, tmp_path: Path) -> Settings:
    values: dict[str, Any] = {
        "BOT_DB_PATH": str(tmp_path / "bot.sqlite3"),
        "BOT_STORIES_DIR": str(tmp_path / "stories"),
        "BOT_SETTLE_SECONDS": "0.05",
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_APP_TOKEN": slack.app_token,
        "SLACK_API_URL": slack.api_url,
        "SLACK_API_TIMEOUT_SECONDS": "1",
        "BOT_SEND_TIMEOUT_SECONDS": "3",
        "BOT_UNCERTAIN_WAIT_SECONDS": "3",
        "SLACK_HISTORY_CALLS_PER_MINUTE": str(60 / HISTORY_WINDOW),
        "SLACK_HISTORY_PAGE_SIZE": "15",
    }
    return Settings(_env_file=None, **values)


def rationed(slack: SlackStandIn) -> None:
    slack.history_rate = (1, HISTORY_WINDOW)
    slack.workspace.history_page_cap = 15


async def subscribe_all(settings: Settings, channels: list[ChannelRef]) -> None:
    async def admin() -> bool:
        return True

    async with open_core(settings) as core:
        for channel in channels:
            reply = await core.commands.run_text(CommandContext(channel, "U0USER", admin), "subscribe", "okta")
            assert not reply.error, reply.text
    settings.stories_dir.mkdir(exist_ok=True)


async def until(condition: Callable[[], bool], what: str, within: float = WAIT) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"not within {within}s: {what}"
        await asyncio.sleep(0.05)


def alerts(slack: SlackStandIn, channel: str) -> list[dict[str, Any]]:
    return [m for m in slack.messages.get(channel, []) if m.get("metadata")]


def assert_lookups_were_rationed(slack: SlackStandIn) -> None:
    history = slack.calls_to("conversations.history", ok=None)
    assert all(int(c.params["limit"]) <= 15 and c.params.get("oldest") for c in history), history
    assert not [c for c in history if c.status == 429], "the bot kept within the history ration"


async def settled(app: Application) -> bool:
    assert app.core is not None
    row = await app.core.store.db.fetchone("SELECT COUNT(*) FROM outbox WHERE state IN ('pending','in_flight')")
    return row is not None and row[0] == 0


async def until_settled(app: Application) -> None:
    deadline = time.monotonic() + WAIT
    while not await settled(app):
        assert time.monotonic() < deadline, "outbox not drained"
        await asyncio.sleep(0.1)


async def test_late_answers_never_double_post(tmp_path: Path) -> None:
    """Slack stores each post only after the client gave up waiting: the bot must not look (and
    re-post) before that."""
    async with SlackStandIn() as slack:
        rationed(slack)
        channels = [ChannelRef("slack", slack.team_id, f"C{i:03d}") for i in range(5)]
        settings = settings_for(slack, tmp_path)
        await subscribe_all(settings, channels)
        for channel in channels:
            slack.fail("chat.postMessage", delay=SLOW_ANSWER, channel=channel.channel)
        app = Application(settings)
        async with running_app(app, WAIT):
            drop(STORY, settings.stories_dir)
            await until(lambda: all(alerts(slack, c.channel) for c in channels), "an alert everywhere")
            await until_settled(app)
            await asyncio.sleep(1.0)  # room for a second copy to show up
        assert {c.channel: len(alerts(slack, c.channel)) for c in channels} == {c.channel: 1 for c in channels}
        assert_lookups_were_rationed(slack)


async def test_stored_then_500_is_found_not_reposted(tmp_path: Path) -> None:
    async with SlackStandIn() as slack:
        rationed(slack)
        channels = [ChannelRef("slack", slack.team_id, f"C{i:03d}") for i in range(3)]
        settings = settings_for(slack, tmp_path)
        await subscribe_all(settings, channels)
        for channel in channels:
            slack.fail("chat.postMessage", status=500, error="internal_error", channel=channel.channel, store_first=True)
        app = Application(settings)
        async with running_app(app, WAIT):
            drop(STORY, settings.stories_dir)
            await until(lambda: len(slack.calls_to("conversations.history")) >= 3, "three lookups")
            await until_settled(app)
        assert all(len(alerts(slack, c.channel)) == 1 for c in channels)
        assert len(slack.calls_to("chat.postMessage", ok=None)) == 3, "no second post anywhere"
        assert_lookups_were_rationed(slack)


async def test_110_messages_after_a_lost_answer_are_paged_within_the_ration(tmp_path: Path) -> None:
    async with SlackStandIn() as slack:
        rationed(slack)
        busy, quiet = (ChannelRef("slack", slack.team_id, name) for name in ("CBUSY", "CQUIET"))
        settings = settings_for(slack, tmp_path)
        await subscribe_all(settings, [busy, quiet])
        slack.fail("chat.postMessage", status=500, error="internal_error", channel=busy.channel, store_first=True)
        app = Application(settings)
        async with running_app(app, WAIT):
            drop(STORY, settings.stories_dir)
            await slack.wait_calls("chat.postMessage", 1, ok=False, within=WAIT)
            slack.workspace.add_other_messages(busy.channel, 110)
            await until_settled(app)
        assert len(alerts(slack, busy.channel)) == 1 and len(alerts(slack, quiet.channel)) == 1
        history = slack.calls_to("conversations.history")
        assert len(history) >= 8, "111 messages in pages of 15"
        assert_lookups_were_rationed(slack)
        gaps = [b.at - a.at for a, b in itertools.pairwise(history)]
        assert min(gaps) >= HISTORY_WINDOW * 0.9


async def test_restart_while_slack_is_slow_leaves_one_alert(tmp_path: Path) -> None:
    async with SlackStandIn() as slack:
        rationed(slack)
        channels = [ChannelRef("slack", slack.team_id, f"C{i:03d}") for i in range(4)]
        settings = settings_for(slack, tmp_path)
        await subscribe_all(settings, channels)
        for channel in channels:
            slack.fail("chat.postMessage", delay=SLOW_ANSWER, channel=channel.channel)
        first = Application(settings)
        async with running_app(first, WAIT):
            drop(STORY, settings.stories_dir)
            # Stop while every post is inside Slack: their answers never reach this process.
            await until(lambda: slack.received.count("chat.postMessage") == len(channels), "posts inside Slack")
        assert not any(alerts(slack, c.channel) for c in channels), "stopped before Slack stored them"
        second = Application(settings)
        async with running_app(second, WAIT):
            await until_settled(second)
        assert {c.channel: len(alerts(slack, c.channel)) for c in channels} == {c.channel: 1 for c in channels}
        assert_lookups_were_rationed(slack)
