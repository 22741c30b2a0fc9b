"""What the outbox calls on the Discord adapter (post, edit, thread follow-up, digest) and how
failures reach it: the real discord.py client against the stand-in, with injected faults."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.adapters.discord import DiscordPlatform
from bot.adapters.discord.escape import ZERO_WIDTH_SPACE
from bot.chat.errors import ChannelUnavailable, PermanentFailure, RateLimited, TransientFailure
from bot.models import ChannelRef, MessageRef, Source
from tests.support.commands import RecordingCommands
from tests.support.discord_fakes import running, settings_for
from tests.support.discord_server import DiscordStandIn
from tests.support.stories import KASPERSKY_UK, kaspersky_story

ONE_SOURCE = KASPERSKY_UK["sources"][:1]  # the Discord tests' story starts with one outlet

TWO_SOURCES = (
    ("Example Tech News", "https://news.example.com/2024/10/kaspersky-uk"),
    ("Register Sample", "https://register.example.org/kaspersky-uk-office"),
)


@pytest.fixture
async def discord() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn() as standin:
        yield standin


@pytest.fixture
async def bot(discord: DiscordStandIn) -> AsyncIterator[DiscordPlatform]:
    async with running(DiscordPlatform(settings_for(discord), RecordingCommands(typed_only=True))) as platform:
        yield platform


def channel_of(discord: DiscordStandIn, channel_id: int | None = None) -> ChannelRef:
    return ChannelRef("discord", str(discord.guild_id), str(channel_id or discord.channel_id))


def message_posts(discord: DiscordStandIn) -> int:
    return len(discord.calls("POST", r"/channels/\d+/messages"))


async def test_alert_is_one_embed_without_mentions(discord: DiscordStandIn, bot: DiscordPlatform) -> None:
    ref = await bot.post_alert(channel_of(discord), kaspersky_story(sources=ONE_SOURCE), delivery_key="story:7:sub:1")
    assert ref.channel == channel_of(discord)
    stored = discord.messages[int(ref.message_id)]
    [embed] = stored["embeds"]
    assert embed["footer"]["text"] == "Kaspersky · Layoffs / closure · 1 source"
    [request] = discord.calls("POST", rf"/channels/{discord.channel_id}/messages")
    assert request.body["allowed_mentions"] == {"parse": []}  # no users, roles, everyone or here
    assert request.body["enforce_nonce"] is True and len(request.body["nonce"]) <= 25


async def test_resend_after_a_crash_returns_the_same_message(
    discord: DiscordStandIn, bot: DiscordPlatform
) -> None:
    first = await bot.post_alert(channel_of(discord), kaspersky_story(sources=ONE_SOURCE), delivery_key="story:7:sub:1")
    again = await bot.post_alert(channel_of(discord), kaspersky_story(sources=ONE_SOURCE), delivery_key="story:7:sub:1")
    other = await bot.post_alert(channel_of(discord), kaspersky_story(sources=ONE_SOURCE), delivery_key="story:7:sub:2")
    assert again.message_id == first.message_id != other.message_id
    assert len(discord.messages) == 2 and discord.nonce_hits == 1
    assert await bot.find_delivered(channel_of(discord), "story:7:sub:1") is None


async def test_edit_adds_the_second_source(discord: DiscordStandIn, bot: DiscordPlatform) -> None:
    ref = await bot.post_alert(channel_of(discord), kaspersky_story(sources=ONE_SOURCE), delivery_key="k")
    await bot.edit_alert(ref, kaspersky_story(sources=TWO_SOURCES))
    [edit] = discord.calls("PATCH", rf"/channels/{discord.channel_id}/messages/{ref.message_id}")
    assert edit.body["allowed_mentions"]["parse"] == []
    [embed] = discord.messages[int(ref.message_id)]["embeds"]
    assert embed["footer"]["text"].endswith("2 sources")
    assert "register.example.org" in embed["fields"][1]["value"]
    assert message_posts(discord) == 1


async def test_followups_go_to_one_thread_on_the_alert(discord: DiscordStandIn, bot: DiscordPlatform) -> None:
    ref = await bot.post_alert(channel_of(discord), kaspersky_story(sources=ONE_SOURCE), delivery_key="k")
    story = kaspersky_story(sources=TWO_SOURCES)
    await bot.post_followup(ref, story, ["Register Sample"])
    await bot.post_followup(ref, story, ["Register Sample"])
    [thread] = discord.threads()
    assert thread["id"] == ref.message_id and thread["name"] == story.title
    assert len(discord.calls("POST", r"/channels/\d+/messages/\d+/threads")) == 1
    in_thread = [m for m in discord.messages.values() if m["channel_id"] == thread["id"]]
    assert len(in_thread) == 2
    assert in_thread[0]["content"].startswith(
        "More coverage: [Register Sample](https://register.example.org/"
    )


async def test_thread_started_before_a_restart_is_reused(discord: DiscordStandIn) -> None:
    async with running(DiscordPlatform(settings_for(discord), RecordingCommands(typed_only=True))) as before:
        ref = await before.post_alert(channel_of(discord), kaspersky_story(sources=ONE_SOURCE), delivery_key="k")
        await before.post_followup(ref, kaspersky_story(sources=TWO_SOURCES), ["Register Sample"])
    async with running(DiscordPlatform(settings_for(discord), RecordingCommands(typed_only=True))) as after:
        await after.post_followup(ref, kaspersky_story(sources=TWO_SOURCES), ["Register Sample"])
    in_thread = [m for m in discord.messages.values() if m["channel_id"] == ref.message_id]
    assert len(in_thread) == 2 and len(discord.threads()) == 1


async def test_no_thread_when_thread_updates_is_off(discord: DiscordStandIn) -> None:
    settings = settings_for(discord, BOT_THREAD_UPDATES=False)
    async with running(DiscordPlatform(settings, RecordingCommands(typed_only=True))) as platform:
        ref = await platform.post_alert(channel_of(discord), kaspersky_story(sources=ONE_SOURCE), delivery_key="k")
        await platform.post_followup(ref, kaspersky_story(sources=TWO_SOURCES), ["Register Sample"])
    assert discord.threads() == [] and message_posts(discord) == 1


async def test_digest_is_one_message(discord: DiscordStandIn, bot: DiscordPlatform) -> None:
    stories = [kaspersky_story(sources=ONE_SOURCE, story_id=1), kaspersky_story(sources=ONE_SOURCE, story_id=2, title="Okta support system breached")]
    ref = await bot.post_digest(channel_of(discord), stories, delivery_key="digest:1")
    [embed] = discord.messages[int(ref.message_id)]["embeds"]
    assert embed["title"] == "Digest: 2 stories" and "Okta support system breached" in embed["description"]


async def test_hostile_story_text_cannot_ping_or_spoof(discord: DiscordStandIn, bot: DiscordPlatform) -> None:
    story = replace(
        kaspersky_story(sources=ONE_SOURCE, title="@everyone [Log in](https://evil.example/phish) <@&42>"),
        sources=(Source("paypal.com", "https://evil.example/x", "t", None),),
    )
    ref = await bot.post_alert(channel_of(discord), story, delivery_key="k")
    [embed] = discord.messages[int(ref.message_id)]["embeds"]
    assert "@everyone" not in embed["title"] and f"@{ZERO_WIDTH_SPACE}everyone" in embed["title"]
    assert "](https://evil.example/phish)" not in embed["title"].replace("\\]", "")
    assert "<@&" not in embed["title"].replace("\\<", "")
    assert "[evil.example](https://evil.example/x)" in embed["fields"][1]["value"]
    assert "paypal" not in embed["fields"][1]["value"]


async def test_short_rate_limit_is_waited_out_once(discord: DiscordStandIn, bot: DiscordPlatform) -> None:
    discord.fail_next("POST", r"/channels/\d+/messages", 429, retry_after=0.3)
    ref = await bot.post_alert(channel_of(discord), kaspersky_story(sources=ONE_SOURCE), delivery_key="k")
    assert message_posts(discord) == 2 and list(discord.messages) == [int(ref.message_id)]


async def test_channel_bucket_spaces_a_burst_without_losing_or_doubling_any() -> None:
    async with DiscordStandIn(channel_limit=(2, 0.6)) as discord:
        bot = DiscordPlatform(settings_for(discord), RecordingCommands(typed_only=True))
        async with running(bot):
            started = time.monotonic()
            refs = await asyncio.gather(
                *(bot.post_alert(channel_of(discord), kaspersky_story(sources=ONE_SOURCE), delivery_key=f"k{i}") for i in range(5))
            )
            elapsed = time.monotonic() - started
    assert len({ref.message_id for ref in refs}) == 5 and len(discord.messages) == 5
    assert elapsed >= 1.0  # 5 messages at 2 per 0.6 s window: two waits at least
    assert discord.rate_limited == 0  # discord.py read the X-RateLimit headers and waited before sending


async def test_long_rate_limit_reaches_the_outbox(discord: DiscordStandIn, bot: DiscordPlatform) -> None:
    discord.fail_next("POST", r"/channels/\d+/messages", 429, retry_after=120.0)
    with pytest.raises(RateLimited) as limited:
        await bot.post_alert(channel_of(discord), kaspersky_story(sources=ONE_SOURCE), delivery_key="k")
    assert limited.value.retry_after == 120.0 and discord.messages == {}


async def test_cloudflare_429_without_via_is_rate_limited(
    discord: DiscordStandIn, bot: DiscordPlatform
) -> None:
    discord.fail_next("POST", r"/channels/\d+/messages", 429, retry_after=7.0, via=False)
    with pytest.raises(RateLimited) as limited:
        await bot.post_alert(channel_of(discord), kaspersky_story(sources=ONE_SOURCE), delivery_key="k")
    assert limited.value.retry_after == 7.0


async def test_server_errors(discord: DiscordStandIn, bot: DiscordPlatform) -> None:
    discord.fail_next("POST", r"/channels/\d+/messages", 500)  # discord.py retries this one itself
    await bot.post_alert(channel_of(discord), kaspersky_story(sources=ONE_SOURCE), delivery_key="k")
    assert len(discord.messages) == 1
    discord.fail_next("POST", r"/channels/\d+/messages", 503)
    with pytest.raises(TransientFailure):
        await bot.post_alert(channel_of(discord), kaspersky_story(sources=ONE_SOURCE), delivery_key="k2")


async def test_dropped_connection_is_transient(discord: DiscordStandIn, bot: DiscordPlatform) -> None:
    discord.fail_next("POST", r"/channels/\d+/messages", 500, disconnect=True)
    with pytest.raises(TransientFailure):
        await bot.post_alert(channel_of(discord), kaspersky_story(sources=ONE_SOURCE), delivery_key="k")


@pytest.mark.parametrize("code", [50001, 50013])
async def test_forbidden_channel_is_unavailable(
    discord: DiscordStandIn, bot: DiscordPlatform, code: int
) -> None:
    discord.forbidden[discord.channel_id] = code
    with pytest.raises(ChannelUnavailable, match=str(code)):
        await bot.post_alert(channel_of(discord), kaspersky_story(sources=ONE_SOURCE), delivery_key="k")


async def test_deleted_channel_is_unavailable(discord: DiscordStandIn, bot: DiscordPlatform) -> None:
    with pytest.raises(ChannelUnavailable, match="10003"):
        await bot.post_alert(channel_of(discord, 123456789), kaspersky_story(sources=ONE_SOURCE), delivery_key="k")


async def test_refused_payloads_are_permanent(discord: DiscordStandIn, bot: DiscordPlatform) -> None:
    discord.fail_next("POST", r"/channels/\d+/messages", 400, code=50035, message="Invalid Form Body")
    with pytest.raises(PermanentFailure, match="50035"):
        await bot.post_alert(channel_of(discord), kaspersky_story(sources=ONE_SOURCE), delivery_key="k")
    gone = MessageRef(channel_of(discord), "987654321")
    with pytest.raises(PermanentFailure, match="10008"):
        await bot.edit_alert(gone, kaspersky_story(sources=ONE_SOURCE))
    with pytest.raises(PermanentFailure):
        await bot.post_alert(ChannelRef("discord", "dm", "not-a-number"), kaspersky_story(sources=ONE_SOURCE), delivery_key="k")


async def test_not_connected_yet_is_transient(discord: DiscordStandIn) -> None:
    platform = DiscordPlatform(settings_for(discord), RecordingCommands(typed_only=True))
    with pytest.raises(TransientFailure):
        await platform.post_alert(channel_of(discord), kaspersky_story(sources=ONE_SOURCE), delivery_key="k")
    assert discord.requests == []
