"""Slack HTTP mode against requests that are not from Slack: missing or malformed signature headers,
timestamps from the future, a signature of the wrong version. Each gets 401 and runs nothing; none of
it puts the signing secret in the log. (Forged, tampered, replayed and oversized requests are in
tests/test_slack_http.py.)
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack import SlackPlatform
from bot.config import Settings
from tests.support.commands import RecordingCommands
from tests.support.slack_fakes import running
from tests.support.slack_server import SlackStandIn

pytestmark = pytest.mark.slow

SECRET = "SECRETsigning-2f9d77c1e0b84a6a"


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog
    text = "\n".join(caplog.text.splitlines()) + "".join(repr(r.args) for r in caplog.records)
    assert SECRET not in text and SECRET[-12:] not in text


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
        _env_file=None,  # type: ignore[call-arg]
        SLACK_BOT_TOKEN=slack.bot_token,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
        SLACK_HTTP_HOST="127.0.0.1",
        SLACK_HTTP_PORT=0,
    )
    platform = SlackPlatform(settings, commands)
    async with running(platform):
        assert platform.http_address is not None
        host, port = platform.http_address
        yield f"http://{host}:{port}{settings.slack_http_path}"


def body_for(slack: SlackStandIn) -> str:
    return urlencode(slack.slash_command_payload("/vendors", "kas"))


def headers(body: str, *, timestamp: str | None, signature: str | None) -> dict[str, str]:
    values = {"Content-Type": "application/x-www-form-urlencoded"}
    if timestamp is not None:
        values["X-Slack-Request-Timestamp"] = timestamp
    if signature is not None:
        values["X-Slack-Signature"] = signature
    return values


def good_signature(body: str, timestamp: str) -> str:
    return SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)


async def post(url: str, body: str, sent: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body.encode(), headers=sent) as resp,
    ):
        await resp.read()
        return resp.status


def cases(body: str) -> dict[str, dict[str, str]]:
    now = str(int(time.time()))
    future = str(int(time.time()) + 6 * 60)
    return {
        "no headers": headers(body, timestamp=None, signature=None),
        "no signature": headers(body, timestamp=now, signature=None),
        "no timestamp": headers(body, timestamp=None, signature=good_signature(body, now)),
        "empty signature": headers(body, timestamp=now, signature=""),
        "not a number": headers(body, timestamp="yesterday", signature=good_signature(body, "yesterday")),
        "unicode digits": headers(body, timestamp="١٧٠٠٠٠٠٠٠٠", signature=good_signature(body, "١٧٠٠٠٠٠٠٠٠")),
        "superscript": headers(body, timestamp="²", signature=good_signature(body, "²")),
        "from the future": headers(body, timestamp=future, signature=good_signature(body, future)),
        "wrong version": headers(body, timestamp=now, signature="v1=" + good_signature(body, now)[3:]),
        "signature of another body": headers(
            body, timestamp=now, signature=good_signature(body + "&x=1", now)
        ),
    }


async def test_requests_without_a_valid_signature_are_refused_and_run_nothing(
    logged: pytest.LogCaptureFixture, slack: SlackStandIn, commands: RecordingCommands, endpoint: str
) -> None:
    body = body_for(slack)
    statuses = {name: await post(endpoint, body, sent) for name, sent in cases(body).items()}
    assert statuses == dict.fromkeys(statuses, 401)
    # Unauthenticated traffic is not worth a traceback each (a cheap way to flood the log).
    assert not [r.getMessage() for r in logged.records if r.levelno >= logging.ERROR]
    await asyncio.sleep(0.3)  # time enough for a wrongly accepted command to show up
    assert commands.calls == [] and slack.responses == []
    assert [c.method for c in slack.calls] == ["auth.test"]
    # The same endpoint still serves a correctly signed request.
    now = str(int(time.time()))
    assert (
        await post(endpoint, body, headers(body, timestamp=now, signature=good_signature(body, now))) == 200
    )
    await slack.wait_responses(1)
    assert [c.name for c in commands.calls] == ["vendors"]
