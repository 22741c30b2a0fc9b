"""The Slack adapter in Socket Mode, with the real slack_bolt / slack_sdk code against the stand-in."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.adapters.slack import SlackConfigError, SlackPlatform, SlackStartupError
from bot.adapters.slack.blocks import SHARE_ACTION_ID
from bot.chat.ports import Reply
from bot.chat.render import story_plain_text
from bot.config import Settings
from bot.models import ChannelRef
from tests.support.commands import RecordingCommands
from tests.support.slack_fakes import running
from tests.support.slack_server import DEFAULT_CHANNEL, DEFAULT_USER, TEAM_ID, SlackStandIn
from tests.support.stories import kaspersky_story


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn() as standin:
        yield standin


def socket_settings(slack: SlackStandIn, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_APP_TOKEN": slack.app_token,
        "SLACK_API_URL": slack.api_url,
        **extra,
    }
    return Settings(_env_file=None, **values)


async def test_connects_through_the_configured_api_url_with_the_right_tokens(slack: SlackStandIn) -> None:
    platform = SlackPlatform(socket_settings(slack), RecordingCommands())
    async with running(platform):
        assert platform.ready.is_set()
        assert slack.methods()[:2] == ["auth.test", "apps.connections.open"]
        assert slack.calls_to("auth.test")[0].token == slack.bot_token
        assert slack.calls_to("apps.connections.open")[0].token == slack.app_token
        connection = await slack.wait_connected()
        assert not connection.ws.closed
    # Cancelling run() closes the websocket and clears readiness.
    await slack.wait_for(lambda: all(c.ws.closed for c in slack.sockets))
    assert not platform.ready.is_set()


async def test_reconnects_when_slack_asks_and_keeps_serving(slack: SlackStandIn) -> None:
    commands = RecordingCommands()
    async with running(SlackPlatform(socket_settings(slack), commands)):
        first = await slack.wait_connected()
        await slack.request_reconnect()
        await slack.wait_for(lambda: len(slack.calls_to("apps.connections.open")) == 2 and first.ws.closed)
        await slack.wait_connected()
        envelope_id = await slack.send_slash_command("/vendors", "after reconnect")
        await slack.wait_ack(envelope_id)
        await slack.wait_responses(1)
        await slack.wait_all_acked()
    assert [c.text for c in commands.calls] == ["after reconnect"]


async def test_one_slash_command_registered_per_spec(slack: SlackStandIn) -> None:
    platform = SlackPlatform(socket_settings(slack), RecordingCommands())
    assert platform.command_names == ["/subscribe", "/story", "/vendors"]


async def test_slash_command_is_acked_then_answered_ephemerally(slack: SlackStandIn) -> None:
    commands = RecordingCommands()
    commands.replies["vendors"] = Reply("Vendors matching 'kas': Kaspersky", lines=("Kaspersky",))
    async with running(SlackPlatform(socket_settings(slack), commands)):
        envelope_id = await slack.send_slash_command("/vendors", "kas")
        ack = await slack.wait_ack(envelope_id)
        assert ack == {"envelope_id": envelope_id}
        (response,) = await slack.wait_responses(1)
        await slack.wait_all_acked()
    assert response["response_type"] == "ephemeral"
    assert response["unfurl_links"] is False and response["unfurl_media"] is False
    assert "• Kaspersky" in json.dumps(response["blocks"], ensure_ascii=False)
    (call,) = commands.calls
    assert (call.name, call.text) == ("vendors", "kas")
    assert call.ctx.channel == ChannelRef("slack", TEAM_ID, DEFAULT_CHANNEL)
    assert call.ctx.user == DEFAULT_USER and call.ctx.user_name == "alice"
    assert not slack.calls_to("users.info"), "is_admin is lazy: no users.info unless a command asks"


async def test_ack_does_not_wait_for_a_slow_command(slack: SlackStandIn) -> None:
    commands = RecordingCommands()
    commands.gate = asyncio.Event()
    async with running(SlackPlatform(socket_settings(slack), commands)):
        envelope_id = await slack.send_slash_command("/story", "kaspersky")
        await slack.wait_ack(envelope_id, within=3.0)
        assert len(commands.calls) == 1 and commands.finished == 0 and not slack.responses
        commands.gate.set()
        (response,) = await slack.wait_responses(1)
        await slack.wait_all_acked()
    assert response["text"] == "ran /story kaspersky"


async def test_public_replies_go_in_channel(slack: SlackStandIn) -> None:
    commands = RecordingCommands()
    commands.replies["vendors"] = Reply("Unsubscribed this channel from Kaspersky.", ephemeral=False)
    async with running(SlackPlatform(socket_settings(slack), commands)):
        await slack.send_slash_command("/vendors", "")
        (response,) = await slack.wait_responses(1)
        await slack.wait_all_acked()
    assert response["response_type"] == "in_channel"


async def test_subscription_changes_check_admin_with_users_info(slack: SlackStandIn) -> None:
    slack.add_user("U0ADMIN", name="root", is_admin=True)
    slack.add_user("U0OWNER", name="boss", is_owner=True)
    commands = RecordingCommands()
    async with running(SlackPlatform(socket_settings(slack), commands)):
        for user in ("U0ADMIN", "U0OWNER", DEFAULT_USER, "U0GHOST"):
            await slack.send_slash_command("/subscribe", "kaspersky", user_id=user)
            await slack.wait_for(
                lambda: commands.finished == len(commands.calls) == len(commands.admin_answers)
            )
        await slack.wait_responses(4)
        await slack.wait_all_acked()
    assert commands.admin_answers == [True, True, False, False]  # unknown user: fail closed
    assert [c.params["user"] for c in slack.calls_to("users.info", ok=None)] == [
        "U0ADMIN",
        "U0OWNER",
        DEFAULT_USER,
        "U0GHOST",
    ]
    refused = [r for r in slack.responses if "Only workspace admins" in r["text"]]
    assert len(refused) == 2 and all(r["response_type"] == "ephemeral" for r in refused)


async def test_a_failing_command_gets_an_ephemeral_error(slack: SlackStandIn) -> None:
    commands = RecordingCommands()

    def boom(ctx: object, text: str) -> Reply:
        raise RuntimeError("database is locked")

    commands.replies["story"] = boom
    async with running(SlackPlatform(socket_settings(slack), commands)):
        envelope_id = await slack.send_slash_command("/story", "x")
        await slack.wait_ack(envelope_id)
        (response,) = await slack.wait_responses(1)
        await slack.wait_all_acked()
    assert response["response_type"] == "ephemeral"
    assert response["text"].startswith(":warning: Sorry, that command failed")
    assert "database" not in response["text"]


async def test_story_reply_can_be_shared_in_channel(slack: SlackStandIn) -> None:
    story = kaspersky_story()
    commands = RecordingCommands()
    commands.replies["story"] = Reply(story_plain_text(story), story=story, shareable=True)
    async with running(SlackPlatform(socket_settings(slack), commands)):
        await slack.send_slash_command("/story", "kaspersky")
        (reply,) = await slack.wait_responses(1)
        assert reply["response_type"] == "ephemeral"
        assert reply["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": story.title}}
        button = reply["blocks"][-1]["elements"][0]
        assert button["action_id"] == SHARE_ACTION_ID

        envelope_id = await slack.click_button(SHARE_ACTION_ID, button["value"])
        await slack.wait_ack(envelope_id)
        (post,) = await slack.wait_calls("chat.postMessage")
        responses = await slack.wait_responses(2)
        await slack.wait_all_acked()
    assert post.params["channel"] == DEFAULT_CHANNEL
    assert post.params["unfurl_links"] is False and post.params["unfurl_media"] is False
    assert post.blocks[0]["text"]["text"] == story.title
    assert post.blocks[-1]["elements"][0]["text"] == f"Shared by <@{DEFAULT_USER}>"
    assert not [b for b in post.blocks if b["type"] == "actions"]
    assert responses[1]["delete_original"] is True
    # The share re-ran the same question, so a grown story is shared as it is now.
    assert [(c.name, c.text) for c in commands.calls] == [("story", "kaspersky"), ("story", "kaspersky")]


async def test_share_where_the_bot_is_not_a_member_explains_how_to_fix_it(slack: SlackStandIn) -> None:
    story = kaspersky_story()
    commands = RecordingCommands()
    commands.replies["story"] = Reply(story_plain_text(story), story=story, shareable=True)
    slack.unavailable_channels[DEFAULT_CHANNEL] = "not_in_channel"
    async with running(SlackPlatform(socket_settings(slack), commands)):
        await slack.send_slash_command("/story", "kaspersky")
        (reply,) = await slack.wait_responses(1)
        await slack.click_button(SHARE_ACTION_ID, reply["blocks"][-1]["elements"][0]["value"])
        responses = await slack.wait_responses(2)
        await slack.wait_all_acked()
    assert "/invite" in responses[1]["text"] and responses[1]["response_type"] == "ephemeral"
    assert [c.error for c in slack.calls_to("chat.postMessage", ok=None)] == ["not_in_channel"]


async def test_forged_share_of_a_subscription_command_runs_nothing(slack: SlackStandIn) -> None:
    commands = RecordingCommands()
    async with running(SlackPlatform(socket_settings(slack), commands)):
        await slack.click_button(SHARE_ACTION_ID, json.dumps({"c": "subscribe", "t": "kaspersky"}))
        (response,) = await slack.wait_responses(1)
        await slack.wait_all_acked()
    assert "Nothing to share" in response["text"]
    assert commands.calls == [] and not slack.calls_to("chat.postMessage", ok=None)


async def test_missing_transport_settings_are_a_clear_error() -> None:
    with pytest.raises(SlackConfigError, match="SLACK_APP_TOKEN"):
        SlackPlatform(Settings(_env_file=None, SLACK_BOT_TOKEN="xoxb-1"), RecordingCommands())


async def test_a_rejected_bot_token_stops_start_up_with_a_clear_error() -> None:
    async with SlackStandIn(bot_token="xoxb-the-real-one") as slack:
        settings = socket_settings(slack, SLACK_BOT_TOKEN="xoxb-wrong")
        with pytest.raises(SlackStartupError, match=r"SLACK_BOT_TOKEN.*invalid_auth"):
            await asyncio.wait_for(SlackPlatform(settings, RecordingCommands()).run(), 5)


async def test_a_rejected_app_token_stops_start_up_with_a_clear_error() -> None:
    async with SlackStandIn(app_token="xapp-the-real-one") as slack:
        settings = socket_settings(slack, SLACK_APP_TOKEN="xapp-wrong")
        with pytest.raises(SlackStartupError, match=r"SLACK_APP_TOKEN.*invalid_auth"):
            await asyncio.wait_for(SlackPlatform(settings, RecordingCommands()).run(), 5)


async def test_start_up_retries_while_slack_is_down(slack: SlackStandIn) -> None:
    slack.fail("auth.test", status=503, times=1)
    platform = SlackPlatform(socket_settings(slack), RecordingCommands())
    async with running(platform):
        assert [c.status for c in slack.calls_to("auth.test", ok=None)] == [503, 200]
