"""Bounded waits: a platform's Retry-After on one channel is honoured up to BOT_MAX_RETRY_AFTER_SECONDS;
a longer one (100,000 s, `inf`) holds that channel's delivery, shown in /subscriptions and the log, and
never delays the other channels. Unreadable values (`nan`, garbage, negative) are a short wait.

The real Application with the real slack_sdk / discord.py clients against the stand-ins.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.app import Application, open_core
from bot.chat.ports import CommandContext
from bot.config import Settings
from bot.models import ChannelRef
from tests.support.app_runner import drop, running_app
from tests.support.discord_server import DiscordStandIn
from tests.support.slack_server import SlackStandIn

pytestmark = pytest.mark.slow

SAMPLE = Path(__file__).resolve().parents[2] / "bot" / "samples" / "stories"
STORY = SAMPLE / "2026-03-10-breachwire-okta-support-breach.md"
VENDOR = "okta"
WAIT = 60.0  # start-up on two shared cores
PROMPT = 10.0  # "within seconds" for the channels that are not held


async def admin() -> bool:
    return True


def settings_for(tmp_path: Path, **platform: str) -> Settings:
    values: dict[str, Any] = {
        "BOT_DB_PATH": str(tmp_path / "bot.sqlite3"),
        "BOT_STORIES_DIR": str(tmp_path / "stories"),
        "BOT_SETTLE_SECONDS": "0.05",
        "BOT_MAX_RETRY_AFTER_SECONDS": "30",
        **platform,
    }
    return Settings(_env_file=None, **values)


async def subscribe_all(settings: Settings, channels: list[ChannelRef]) -> None:
    async with open_core(settings) as core:
        for channel in channels:
            reply = await core.commands.run_text(CommandContext(channel, "U0USER", admin), "subscribe", VENDOR)
            assert not reply.error, reply.text
    settings.stories_dir.mkdir(exist_ok=True)


async def until(condition: Callable[[], bool], what: str, within: float) -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > within:
            raise AssertionError(f"not within {within}s: {what}")
        await asyncio.sleep(0.05)
    return time.monotonic() - start


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[Application]:
    app = Application(settings)
    async with running_app(app, WAIT):
        yield app


async def subscriptions_text(app: Application, channel: ChannelRef) -> str:
    assert app.core is not None
    reply = await app.core.commands.run_text(CommandContext(channel, "U0USER", admin), "subscriptions", "")
    return reply.text


@pytest.mark.parametrize("retry_after", ["100000", "inf"])
async def test_slack_huge_retry_after_holds_one_channel_only(
    tmp_path: Path, retry_after: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.delivery")
    async with SlackStandIn() as slack:
        channels = [ChannelRef("slack", slack.team_id, f"C{i:03d}") for i in range(4)]
        stuck = channels[0]
        settings = settings_for(
            tmp_path, SLACK_BOT_TOKEN=slack.bot_token, SLACK_APP_TOKEN=slack.app_token, SLACK_API_URL=slack.api_url
        )
        await subscribe_all(settings, channels)
        slack.fail("chat.postMessage", status=429, retry_after=retry_after, channel=stuck.channel, times=100)
        async with serving(settings) as app:
            drop(STORY, settings.stories_dir)
            others = channels[1:]
            await until(lambda: all(slack.messages.get(c.channel) for c in others), "the other channels' alerts", WAIT)
            # The held channel's 429 came first or alongside: the others still got theirs promptly.
            first_429 = slack.calls_to("chat.postMessage", ok=False)[0].at
            delivered = [c.at for c in slack.calls_to("chat.postMessage", ok=True)]
            assert max(delivered) - first_429 < PROMPT
            await until(lambda: "held" in caplog.text, "the hold logged", PROMPT)
            text = await subscriptions_text(app, stuck)
            assert "waiting" in text and "1 message(s) owed" in text, text
            asked = "forever" if retry_after == "inf" else "100000s"
            assert f"asked to wait {asked}" in text, text
            assert "waiting" not in await subscriptions_text(app, others[0])
        assert not slack.messages.get(stuck.channel)
        assert all(len(slack.messages[c.channel]) == 1 for c in others)
        assert len(slack.calls_to("chat.postMessage", ok=False)) == 1, "asked again before the cap"


@pytest.mark.parametrize("retry_after", ["nan", "soon", "-5"])
async def test_slack_unreadable_retry_after_is_a_short_wait(tmp_path: Path, retry_after: str) -> None:
    async with SlackStandIn() as slack:
        channel = ChannelRef("slack", slack.team_id, "C000")
        settings = settings_for(
            tmp_path, SLACK_BOT_TOKEN=slack.bot_token, SLACK_APP_TOKEN=slack.app_token, SLACK_API_URL=slack.api_url
        )
        await subscribe_all(settings, [channel])
        slack.fail("chat.postMessage", status=429, retry_after=retry_after, channel=channel.channel)
        async with serving(settings):
            drop(STORY, settings.stories_dir)
            await until(lambda: bool(slack.messages.get(channel.channel)), "the alert after the 429", WAIT)
        assert [c.status for c in slack.calls_to("chat.postMessage", ok=None)] == [429, 200]
        assert len(slack.messages[channel.channel]) == 1


async def test_discord_huge_retry_after_holds_one_channel_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.delivery")
    async with DiscordStandIn() as discord:
        guild = str(discord.guild_id)
        channels = [ChannelRef("discord", guild, str(discord.add_channel(name=f"a{i}"))) for i in range(4)]
        stuck = channels[0]
        settings = settings_for(
            tmp_path,
            DISCORD_TOKEN=discord.token,
            DISCORD_API_URL=discord.api_url,
            DISCORD_GATEWAY_URL=discord.gateway_url,
        )
        await subscribe_all(settings, channels)
        discord.fail_next("POST", rf"/channels/{stuck.channel}/messages", 429, retry_after=100_000.0, times=100)
        async with serving(settings) as app:
            drop(STORY, settings.stories_dir)

            def posted(channel: ChannelRef) -> int:
                return sum(1 for m in discord.messages.values() if m["channel_id"] == channel.channel)

            others = channels[1:]
            await until(lambda: all(posted(c) == 1 for c in others), "the other channels' alerts", WAIT)
            refused = discord.calls("POST", rf"/channels/{stuck.channel}/messages")
            delivered = [r.at for c in others for r in discord.calls("POST", rf"/channels/{c.channel}/messages")]
            assert refused and max(delivered) - refused[0].at < PROMPT
            await until(lambda: "held" in caplog.text, "the hold logged", PROMPT)
            text = await subscriptions_text(app, stuck)
            assert "waiting" in text and "asked to wait 100000s" in text, text
        assert posted(stuck) == 0
        assert len(discord.calls("POST", rf"/channels/{stuck.channel}/messages")) == 1
