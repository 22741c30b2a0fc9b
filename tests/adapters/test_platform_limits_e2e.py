"""The stand-in Slack and Discord refuse over-limit payloads the way the real platforms do, and an
extreme story goes through them end to end (alert, edit, follow-up, digest) with the real clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import discord as discord_py
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.discord import DiscordPlatform
from bot.adapters.slack import SlackPlatform
from bot.config import Settings
from bot.models import ChannelRef, EventType, KeyFact, Source, Story
from tests.support.commands import RecordingCommands
from tests.support.discord_fakes import running, settings_for
from tests.support.discord_server import DiscordStandIn
from tests.support.slack_server import TEAM_ID, SlackStandIn

SLACK_CHANNEL = ChannelRef("slack", TEAM_ID, "C0ALERTS")


def extreme_story(story_id: int = 1) -> Story:
    """Everything at once: a 6,000-character title of `&<>`, a 20,000-character summary, 2,000
    facts, 300 sources with 1,900-character URLs full of `&`, 200 vendors."""
    when = datetime(2026, 1, 1, tzinfo=UTC)
    sources = tuple(
        Source(f"Outlet & <{i}> " * 20, f"https://news{i}.example/?" + "a&" * 950, "t", when) for i in range(300)
    )
    facts = tuple(KeyFact("cve" if i % 7 == 0 else "statement", f"CVE-2026-{i:04d} <&> " * 30, (0,)) for i in range(2000))
    return Story(
        id=story_id,
        title="&<>" * 2000,
        summary="*bold* & <!channel> [x](https://evil.example) " * 500,
        key_facts=facts,
        sources=sources,
        vendors=tuple(f"Vendor {i} & Co" for i in range(200)),
        event_type=EventType.VULNERABILITY,
        first_seen=when,
        updated_at=when,
    )


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn() as standin:
        yield standin


async def test_stand_in_slack_refuses_what_slack_refuses(slack: SlackStandIn) -> None:
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    too_long_section = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    too_many_blocks = [{"type": "divider"}] * 51
    too_many_fields = [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}]
    long_header = [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]
    for blocks in (too_long_section, too_many_blocks, too_many_fields, long_header):
        with pytest.raises(SlackApiError) as refused:
            await client.chat_postMessage(channel="C0ALERTS", text="t", blocks=blocks)
        assert refused.value.response["error"] == "invalid_blocks"
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel="C0ALERTS", text="t" * 40001)
    assert refused.value.response["error"] == "msg_too_long"
    ok = await client.chat_postMessage(channel="C0ALERTS", text="t", blocks=[{"type": "divider"}] * 50)
    assert ok["ok"] and len(slack.messages["C0ALERTS"]) == 1


async def test_an_extreme_story_reaches_slack_as_alert_edit_followup_and_digest(slack: SlackStandIn) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        SLACK_BOT_TOKEN=slack.bot_token,
        SLACK_APP_TOKEN=slack.app_token,
        SLACK_API_URL=slack.api_url,
    )
    platform = SlackPlatform(settings, RecordingCommands())
    story = extreme_story()
    ref = await platform.post_alert(SLACK_CHANNEL, story, delivery_key="s1:sub1")
    await platform.edit_alert(ref, story)
    await platform.post_followup(ref, story, [s.outlet for s in story.sources], delivery_key="f1")
    await platform.post_digest(SLACK_CHANNEL, [extreme_story(i) for i in range(300)], delivery_key="d1")
    assert [call.ok for call in slack.calls if call.method.startswith("chat.")] == [True] * 4
    assert len(slack.messages["C0ALERTS"]) == 3


@pytest.fixture
async def discord() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn() as standin:
        yield standin


async def test_stand_in_discord_refuses_what_discord_refuses(discord: DiscordStandIn) -> None:
    platform = DiscordPlatform(settings_for(discord), RecordingCommands(typed_only=True))
    async with running(platform):
        target = platform._connected().get_partial_messageable(discord.channel_id)
        wide = discord_py.Embed(title="t")
        for _ in range(6):
            wide.add_field(name="n", value="v" * 1024)
        over = [
            {"embed": discord_py.Embed(title="t" * 257)},
            {"embed": discord_py.Embed(description="d" * 4097)},
            {"embed": wide},
            {"embed": discord_py.Embed(title="t").set_author(name="a" * 257)},
            {"content": "c" * 2001},
        ]
        for kwargs in over:
            with pytest.raises(discord_py.HTTPException) as refused:
                await target.send(**kwargs)  # type: ignore[call-overload]
            assert refused.value.status == 400 and refused.value.code == 50035
        assert discord.messages == {}


async def test_an_extreme_story_reaches_discord_as_alert_edit_followup_and_digest(discord: DiscordStandIn) -> None:
    platform = DiscordPlatform(settings_for(discord, THREAD_UPDATES=True), RecordingCommands(typed_only=True))
    channel = ChannelRef("discord", str(discord.guild_id), str(discord.channel_id))
    story = extreme_story()
    async with running(platform):
        ref = await platform.post_alert(channel, story, delivery_key="story:1:sub:1")
        await platform.edit_alert(ref, story)
        await platform.post_followup(ref, story, [s.outlet for s in story.sources], delivery_key="f:1")
        await platform.post_digest(channel, [extreme_story(i) for i in range(300)], delivery_key="d:1")
    messages = list(discord.messages.values())
    assert len(messages) == 3  # alert, thread follow-up, digest
    assert discord.edits and all(len(m.get("embeds") or []) <= 1 for m in messages)
