"""Slack HTTP mode against a hostile network: replayed signatures, malformed signed payloads, and a
pile of idle connections, with the real bolt/aiohttp server and slack_sdk's signatures."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import resource
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack import SlackPlatform
from bot.adapters.slack.blocks import SHARE_ACTION_ID, share_value
from bot.adapters.slack.http_guard import SeenSignatures, well_formed
from bot.app import Application, open_core
from bot.chat.ports import CommandContext
from bot.config import Settings
from bot.models import ChannelRef
from tests.support.app_runner import drop, running_app
from tests.support.commands import RecordingCommands
from tests.support.slack_fakes import running
from tests.support.slack_server import SlackStandIn

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
STORY = Path(__file__).resolve().parents[2] / "bot" / "samples" / "stories" / "2026-03-10-breachwire-okta-support-breach.md"
IDLE = 1100


def signed(body: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body),
        "Content-Type": "application/x-www-form-urlencoded",
    }


async def post(url: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.post(url, data=body.encode(), headers=headers) as resp:
        return resp.status, await resp.text()


def http_settings(slack: SlackStandIn, **extra: str) -> Settings:
    values = {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "SLACK_HTTP_HOST": "127.0.0.1",
        "SLACK_HTTP_PORT": "0",
        **extra,
    }
    return Settings(_env_file=None, **values)


@pytest.fixture
async def standin() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn() as slack:
        yield slack


async def test_a_signed_request_is_accepted_once(standin: SlackStandIn) -> None:
    commands = RecordingCommands()
    platform = SlackPlatform(http_settings(standin), commands)
    async with running(platform):
        assert platform.http_address is not None
        url = "http://{}:{}/slack/events".format(*platform.http_address)
        body = urlencode(standin.slash_command_payload("/subscribe", "okta types:breach"))
        headers = signed(body)
        assert (await post(url, body, headers))[0] == 200
        status, text = await post(url, body, headers)  # the same bytes again, inside the 5 minutes
        assert (status, text) == (401, "replayed request")
        await standin.wait_responses(1)
        await asyncio.sleep(0.3)
    assert [(c.name, c.text) for c in commands.calls] == [("subscribe", "okta types:breach")]


@pytest.mark.parametrize(
    "body",
    [
        urlencode({"payload": "{not json"}),
        urlencode({"payload": json.dumps(["a", "list"])}),
        urlencode({"payload": "1"}) + "&" + urlencode({"payload": "{}"}),
        "%ff%fe=%00",
    ],
    ids=["payload-not-json", "payload-not-object", "payload-twice", "not-utf8"],
)
async def test_malformed_signed_payload_is_400_without_a_traceback(
    standin: SlackStandIn, body: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    commands = RecordingCommands()
    platform = SlackPlatform(http_settings(standin), commands)
    async with running(platform):
        assert platform.http_address is not None
        url = "http://{}:{}/slack/events".format(*platform.http_address)
        status, text = await post(url, body, signed(body))
        # And the server keeps answering proper requests afterwards.
        share = urlencode(
            {"payload": json.dumps(standin.block_action_payload(SHARE_ACTION_ID, share_value("story", "okta")))}
        )
        ok_status, _ = await post(url, share, signed(share))
    assert (status, text) == (400, "malformed payload")
    assert ok_status == 200
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.exc_info]


def test_seen_signatures_forget_after_the_window_and_stay_bounded() -> None:
    now = [1000.0]
    seen = SeenSignatures(clock=lambda: now[0], limit=3)
    assert seen.claim("a") and not seen.claim("a")
    now[0] += 601
    assert seen.claim("a"), "a signature older than the window is refused by its timestamp anyway"
    for name in "bcde":
        assert seen.claim(name)
    assert not seen.claim("e")
    assert seen.claim("b"), "bounded: the oldest entries made room for newer ones"


def test_well_formed_accepts_what_slack_sends() -> None:
    assert well_formed(b"command=%2Fstory&text=okta", "application/x-www-form-urlencoded")
    assert well_formed(b"payload=%7B%22type%22%3A%22block_actions%22%7D", "application/x-www-form-urlencoded")
    assert well_formed(b'{"type":"url_verification","challenge":"x"}', "application/json")
    assert not well_formed(b"[1]", "application/json")


@contextmanager
def descriptor_limit(extra: int) -> Iterator[None]:
    """A soft descriptor limit of what is open now plus `extra`, as on a host with a low `ulimit -n`."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    in_use = len(os.listdir("/proc/self/fd"))
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(in_use + extra, hard), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts descriptors through /proc")
async def test_idle_connections_never_lock_out_commands_or_stories(tmp_path: Path, standin: SlackStandIn) -> None:
    settings = http_settings(
        standin,
        BOT_DB_PATH=str(tmp_path / "bot.sqlite3"),
        BOT_STORIES_DIR=str(tmp_path / "stories"),
        BOT_SETTLE_SECONDS="0.05",
        SLACK_HTTP_MAX_CONNECTIONS="64",
    )
    channel = ChannelRef("slack", standin.team_id, "C0ALERTS")

    async def admin() -> bool:
        return True

    async with open_core(settings) as core:
        reply = await core.commands.run_text(CommandContext(channel, "U0USER", admin), "subscribe", "okta")
        assert not reply.error
    settings.stories_dir.mkdir()
    app = Application(settings)
    async with running_app(app, 60.0):
        platform = app.platforms["slack"]
        assert isinstance(platform, SlackPlatform) and platform.http_address is not None
        host, port = platform.http_address
        idle: list[asyncio.StreamWriter] = []
        # Room for our own 1,100 client ends and ~250 more: without a cap the server's 1,100 ends
        # would not fit, and the story file and the command below would fail for want of one.
        with descriptor_limit(IDLE + 250):
            try:
                for _ in range(IDLE):
                    _, writer = await asyncio.open_connection(host, port)
                    idle.append(writer)
                await asyncio.sleep(0.2)
                drop(STORY, settings.stories_dir)
                body = urlencode(standin.slash_command_payload("/subscriptions", ""))
                status, _ = await post(f"http://{host}:{port}/slack/events", body, signed(body))
                assert status == 200
                (response,) = await standin.wait_responses(1, within=20)
                assert "okta" in response["text"].lower()
                alert = await standin.wait_calls("chat.postMessage", 1, within=30)
                assert alert[0].params["channel"] == channel.channel
            finally:
                for writer in idle:
                    writer.close()
    assert len(standin.messages[channel.channel]) == 1
