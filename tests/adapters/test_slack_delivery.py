"""Outgoing messages of the Slack adapter (what the outbox calls) and their failure translation,
with slack_sdk's real web client against the stand-in."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.adapters.slack import SlackPlatform
from bot.chat.errors import ChannelUnavailable, PermanentFailure, RateLimited, TransientFailure
from bot.config import Settings
from bot.models import ChannelRef, MessageRef, Source
from tests.support.commands import RecordingCommands
from tests.support.slack_server import TEAM_ID, SlackStandIn
from tests.support.stories import kaspersky_story

CHANNEL = ChannelRef("slack", TEAM_ID, "C0ALERTS")


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn() as standin:
        yield standin


def make_platform(api_url: str, slack: SlackStandIn) -> SlackPlatform:
    settings = Settings(
        _env_file=None,
        SLACK_BOT_TOKEN=slack.bot_token,
        SLACK_APP_TOKEN=slack.app_token,
        SLACK_API_URL=api_url,
        SLACK_HISTORY_CALLS_PER_MINUTE=6000,  # these tests look up several times in a row
    )
    return SlackPlatform(settings, RecordingCommands())


@pytest.fixture
def platform(slack: SlackStandIn) -> SlackPlatform:
    return make_platform(slack.api_url, slack)


async def test_post_alert_carries_blocks_fallback_metadata_and_no_unfurls(
    slack: SlackStandIn, platform: SlackPlatform
) -> None:
    story = kaspersky_story()
    ref = await platform.post_alert(CHANNEL, story, delivery_key="s7:sub3")
    (call,) = slack.calls_to("chat.postMessage")
    assert ref == MessageRef(CHANNEL, call_ts := slack.messages["C0ALERTS"][0]["ts"])
    assert call_ts.count(".") == 1
    assert call.token == slack.bot_token
    assert call.params["channel"] == "C0ALERTS"
    assert call.params["unfurl_links"] is False and call.params["unfurl_media"] is False
    assert call.params["text"].startswith("Kaspersky: Kaspersky to close its UK office")
    assert call.blocks[0]["type"] == "header"
    assert call.metadata == {
        "event_type": "vendor_alert",
        "event_payload": {"delivery_key": "s7:sub3", "story_id": 7},
    }


async def test_a_base_url_without_trailing_slash_still_reaches_the_api(slack: SlackStandIn) -> None:
    platform = make_platform(slack.api_url.rstrip("/"), slack)
    await platform.post_alert(CHANNEL, kaspersky_story(), delivery_key="k")
    assert slack.methods() == ["chat.postMessage"]


async def test_edit_alert_updates_the_posted_message_in_place(
    slack: SlackStandIn, platform: SlackPlatform
) -> None:
    story = kaspersky_story(sources=(("Example Tech News", "https://news.example.com/a"),))
    ref = await platform.post_alert(CHANNEL, story, delivery_key="k")
    grown = replace(
        story,
        sources=(*story.sources, Source("Register Sample", "https://register.example.org/b", "t", None)),
        version=2,
    )
    await platform.edit_alert(ref, grown)
    (update,) = slack.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == ("C0ALERTS", ref.message_id)
    context = update.blocks[-1]["elements"][0]["text"]
    assert "<https://register.example.org/b|Register Sample>" in context and context.endswith("2 sources")
    assert slack.messages["C0ALERTS"][0]["blocks"] == update.blocks


async def test_followup_is_one_thread_reply_naming_the_new_outlet(
    slack: SlackStandIn, platform: SlackPlatform
) -> None:
    story = kaspersky_story()
    ref = await platform.post_alert(CHANNEL, story, delivery_key="k")
    await platform.post_followup(ref, story, ["Register Sample"])
    reply = slack.calls_to("chat.postMessage")[1]
    assert reply.params["thread_ts"] == ref.message_id
    assert "Register Sample" in reply.params["text"] and reply.params["unfurl_links"] is False


async def test_digest_is_one_message_with_metadata(slack: SlackStandIn, platform: SlackPlatform) -> None:
    stories = [kaspersky_story(story_id=n, title=f"Story number {n}") for n in range(1, 4)]
    ref = await platform.post_digest(CHANNEL, stories, delivery_key="digest:C0ALERTS:2024-10-09")
    (call,) = slack.calls_to("chat.postMessage")
    assert call.blocks[0]["text"]["text"] == "Vendor digest: 3 stories"
    assert call.metadata["event_payload"]["delivery_key"] == "digest:C0ALERTS:2024-10-09"
    assert await platform.find_delivered(CHANNEL, "digest:C0ALERTS:2024-10-09") == ref


async def test_find_delivered_looks_for_the_key_in_recent_history(
    slack: SlackStandIn, platform: SlackPlatform
) -> None:
    first = await platform.post_alert(CHANNEL, kaspersky_story(), delivery_key="s7:sub3")
    await platform.post_alert(CHANNEL, kaspersky_story(story_id=8), delivery_key="s8:sub3")
    assert await platform.find_delivered(CHANNEL, "s7:sub3") == first
    assert await platform.find_delivered(CHANNEL, "s9:sub3") is None
    history = slack.calls_to("conversations.history")[0]
    assert history.params["channel"] == "C0ALERTS"
    assert history.params["include_all_metadata"] in ("1", "true", True)


async def test_find_delivered_cannot_tell_without_history_scope(
    slack: SlackStandIn, platform: SlackPlatform
) -> None:
    slack.fail("conversations.history", error="missing_scope")
    assert await platform.find_delivered(CHANNEL, "k") is None


async def test_rate_limit_becomes_rate_limited_and_the_retry_posts_exactly_once(
    slack: SlackStandIn, platform: SlackPlatform
) -> None:
    slack.fail("chat.postMessage", status=429, retry_after=2)
    with pytest.raises(RateLimited) as raised:
        await platform.post_alert(CHANNEL, kaspersky_story(), delivery_key="k")
    assert (raised.value.retry_after, raised.value.scope) == (2.0, "channel")
    assert slack.messages["C0ALERTS"] == []
    await platform.post_alert(CHANNEL, kaspersky_story(), delivery_key="k")  # what the outbox does later
    assert len(slack.messages["C0ALERTS"]) == 1
    assert [c.status for c in slack.calls_to("chat.postMessage", ok=None)] == [429, 200]


async def test_fractional_retry_after_is_kept(slack: SlackStandIn, platform: SlackPlatform) -> None:
    slack.fail("chat.update", status=429, retry_after=0.5)
    with pytest.raises(RateLimited) as raised:
        await platform.edit_alert(MessageRef(CHANNEL, "1.000001"), kaspersky_story())
    assert raised.value.retry_after == 0.5


async def test_rate_limited_history_holds_lookups_not_the_workspace(
    slack: SlackStandIn, platform: SlackPlatform
) -> None:
    """A 429 on conversations.history limits lookups only (it used to hold every post in the
    workspace): the outbox parks that one row, other channels keep posting."""
    slack.fail("conversations.history", status=429, retry_after=30)
    with pytest.raises(RateLimited) as raised:
        await platform.find_delivered(CHANNEL, "k")
    assert (raised.value.retry_after, raised.value.scope) == (30.0, "lookup")
    with pytest.raises(RateLimited) as again:  # the budget remembers Slack's answer: no call meanwhile
        await platform.find_delivered(CHANNEL, "k2")
    assert again.value.scope == "lookup" and again.value.retry_after > 29
    assert len(slack.calls_to("conversations.history", ok=None)) == 1
    await platform.post_alert(CHANNEL, kaspersky_story(), delivery_key="k3")


@pytest.mark.parametrize(
    "code", ["channel_not_found", "not_in_channel", "is_archived", "channel_is_archived"]
)
async def test_gone_channels_become_channel_unavailable(
    slack: SlackStandIn, platform: SlackPlatform, code: str
) -> None:
    slack.unavailable_channels["C0ALERTS"] = code
    with pytest.raises(ChannelUnavailable, match=code):
        await platform.post_alert(CHANNEL, kaspersky_story(), delivery_key="k")


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, "<html>Bad gateway</html>", None),
        (503, None, "service_unavailable"),
        (200, None, "internal_error"),
    ],
)
async def test_server_trouble_becomes_transient(
    slack: SlackStandIn, platform: SlackPlatform, status: int, body: str | None, error: str | None
) -> None:
    slack.fail("chat.postMessage", status=status, body=body, error=error)
    with pytest.raises(TransientFailure):
        await platform.post_alert(CHANNEL, kaspersky_story(), delivery_key="k")


async def test_refused_payload_becomes_permanent(slack: SlackStandIn, platform: SlackPlatform) -> None:
    slack.fail("chat.postMessage", error="invalid_blocks")
    with pytest.raises(PermanentFailure, match="invalid_blocks"):
        await platform.post_alert(CHANNEL, kaspersky_story(), delivery_key="k")


async def test_deleted_message_edit_is_permanent(slack: SlackStandIn, platform: SlackPlatform) -> None:
    with pytest.raises(PermanentFailure, match="message_not_found"):
        await platform.edit_alert(MessageRef(CHANNEL, "1.999999"), kaspersky_story())


async def test_timeout_becomes_transient(slack: SlackStandIn, platform: SlackPlatform) -> None:
    platform.client.timeout = 0.3  # type: ignore[assignment]  # seconds; aiohttp takes floats
    slack.fail("chat.postMessage", delay=1)
    with pytest.raises(TransientFailure, match="timed out"):
        await platform.post_alert(CHANNEL, kaspersky_story(), delivery_key="k")


async def test_unreachable_slack_becomes_transient(slack: SlackStandIn) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    platform = make_platform(f"http://127.0.0.1:{port}/api/", slack)
    with pytest.raises(TransientFailure):
        await asyncio.wait_for(platform.post_alert(CHANNEL, kaspersky_story(), delivery_key="k"), 10)
