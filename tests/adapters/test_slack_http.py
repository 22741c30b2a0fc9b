"""The Slack adapter in HTTP mode: bolt's aiohttp app, Slack's request signatures, the body limit.

Requests are signed with slack_sdk's own SignatureVerifier, as Slack would sign them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack import SlackPlatform
from bot.adapters.slack.blocks import SHARE_ACTION_ID, share_value
from bot.chat.ports import Reply
from bot.chat.render import story_plain_text
from bot.config import Settings
from tests.support.commands import RecordingCommands
from tests.support.slack_fakes import running
from tests.support.slack_server import SlackStandIn
from tests.support.stories import kaspersky_story

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
MAX_BODY = 4000


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def commands() -> RecordingCommands:
    return RecordingCommands()


@pytest.fixture
async def endpoint(slack: SlackStandIn, commands: RecordingCommands) -> AsyncIterator[str]:
    settings = Settings(
        _env_file=None,
        SLACK_BOT_TOKEN=slack.bot_token,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
        SLACK_HTTP_HOST="127.0.0.1",
        SLACK_HTTP_PORT=0,
        SLACK_HTTP_PATH="/slack/events",
        SLACK_MAX_BODY_BYTES=MAX_BODY,
    )
    platform = SlackPlatform(settings, commands)
    assert platform.mode == "http"
    async with running(platform):
        assert platform.http_address is not None
        host, port = platform.http_address
        yield f"http://{host}:{port}/slack/events"
    assert not slack.calls_to("apps.connections.open", ok=None), "HTTP mode never opens a socket"


def signed(body: str, *, secret: str = SECRET, age: float = 0.0) -> dict[str, str]:
    timestamp = str(int(time.time() - age))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }


async def post(url: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body.encode(), headers=headers) as resp,
    ):
        return resp.status, await resp.text()


def command_body(slack: SlackStandIn, command: str, text: str) -> str:
    return urlencode(slack.slash_command_payload(command, text))


async def test_signed_slash_command_is_acked_and_run(
    slack: SlackStandIn, commands: RecordingCommands, endpoint: str
) -> None:
    body = command_body(slack, "/vendors", "kas")
    status, text = await post(endpoint, body, signed(body))
    assert (status, text) == (200, "")
    (response,) = await slack.wait_responses(1)
    assert response["text"] == "ran /vendors kas" and response["response_type"] == "ephemeral"
    assert [(c.name, c.text) for c in commands.calls] == [("vendors", "kas")]


async def assert_nothing_ran(slack: SlackStandIn, commands: RecordingCommands) -> None:
    await asyncio.sleep(0.3)  # time enough for a wrongly accepted command to show up
    assert commands.calls == [] and slack.responses == []
    assert not [c for c in slack.calls if c.method != "auth.test"]


async def test_wrong_signature_is_refused(
    slack: SlackStandIn, commands: RecordingCommands, endpoint: str
) -> None:
    body = command_body(slack, "/vendors", "kas")
    status, _ = await post(endpoint, body, signed(body, secret="not-the-signing-secret"))
    assert status == 401
    await assert_nothing_ran(slack, commands)


async def test_tampered_body_is_refused(
    slack: SlackStandIn, commands: RecordingCommands, endpoint: str
) -> None:
    body = command_body(slack, "/vendors", "kas")
    status, _ = await post(endpoint, body.replace("kas", "okta"), signed(body))
    assert status == 401
    await assert_nothing_ran(slack, commands)


async def test_replayed_old_request_is_refused(
    slack: SlackStandIn, commands: RecordingCommands, endpoint: str
) -> None:
    body = command_body(slack, "/vendors", "kas")
    status, _ = await post(endpoint, body, signed(body, age=5 * 60 + 30))
    assert status == 401
    await assert_nothing_ran(slack, commands)


async def test_oversized_body_is_refused_before_it_is_read(
    slack: SlackStandIn, commands: RecordingCommands, endpoint: str
) -> None:
    body = command_body(slack, "/vendors", "k" * (MAX_BODY + 100))
    status, _ = await post(endpoint, body, signed(body))
    assert status == 413
    await assert_nothing_ran(slack, commands)


async def test_body_of_unknown_length_is_refused(
    slack: SlackStandIn, commands: RecordingCommands, endpoint: str
) -> None:
    body = command_body(slack, "/vendors", "kas")

    async def chunks() -> AsyncIterator[bytes]:
        yield body.encode()

    async with (
        aiohttp.ClientSession() as session,
        session.post(endpoint, data=chunks(), headers=signed(body)) as resp,
    ):
        assert resp.status == 411
    await assert_nothing_ran(slack, commands)


async def test_share_button_over_http_posts_the_story(
    slack: SlackStandIn, commands: RecordingCommands, endpoint: str
) -> None:
    story = kaspersky_story()
    commands.replies["story"] = Reply(story_plain_text(story), story=story, shareable=True)
    payload: dict[str, Any] = slack.block_action_payload(SHARE_ACTION_ID, share_value("story", "kaspersky"))
    body = urlencode({"payload": json.dumps(payload)})
    status, _ = await post(endpoint, body, signed(body))
    assert status == 200
    (call,) = await slack.wait_calls("chat.postMessage")
    assert call.blocks[0]["text"]["text"] == story.title
    await slack.wait_responses(1)
