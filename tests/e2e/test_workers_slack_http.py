"""Two workers behind a load balancer: Slack in HTTP mode, one PostgreSQL.

Slack sends each request to whichever worker the balancer picks, so a command must work on either
and see what the other did. The two `Application`s run in this process, each with its own HTTP
port and database pool, as two `bot run` would; requests are signed as Slack signs them.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack import SlackPlatform
from bot.app import Application
from bot.config import Settings
from tests.support.app_runner import running_app
from tests.support.slack_server import SlackStandIn

SECRET = "a-signing-secret"


def signed(body: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body),
        "Content-Type": "application/x-www-form-urlencoded",
    }


def worker(slack: SlackStandIn, url: str, stories: Path) -> Application:
    return Application(
        Settings(
            _env_file=None,
            BOT_DATABASE_URL=url,
            BOT_STORIES_DIR=stories,
            BOT_PARSE_WORKERS=1,
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=slack.api_url,
            SLACK_HTTP_HOST="127.0.0.1",
            SLACK_HTTP_PORT=0,
            SLACK_COMMAND_PREFIX="va-",
            BOT_HTTP_PORT=0,  # the health endpoints on Slack's port, for the balancer's checks
            BOT_HTTP_HOST="127.0.0.1",
        )
    )


def base_url(app: Application) -> str:
    platform = app.platforms["slack"]
    assert isinstance(platform, SlackPlatform) and platform.http_address is not None
    return f"http://127.0.0.1:{platform.http_address[1]}"


@pytest.mark.slow
async def test_two_http_workers_answer_commands_against_one_database(pg_url: str, stories_dir: Path) -> None:
    async with SlackStandIn() as slack, aiohttp.ClientSession() as http:

        async def command(app: Application, name: str, text: str) -> str:
            """A slash command sent to this worker (the balancer's pick); the text it answered."""
            before = len(slack.responses)
            body = urlencode(slack.slash_command_payload(f"/va-{name}", text))
            async with http.post(
                f"{base_url(app)}/slack/events", data=body.encode(), headers=signed(body)
            ) as resp:
                assert (resp.status, await resp.text()) == (200, "")
            responses = await slack.wait_responses(before + 1)
            return str(responses[before]["text"])

        first, second = worker(slack, pg_url, stories_dir), worker(slack, pg_url, stories_dir)
        async with running_app(first, within=60), running_app(second, within=60):
            assert base_url(first) != base_url(second)
            assert "kaspersky" in (await command(first, "subscribe", "kaspersky")).casefold()
            listed = await command(second, "subscriptions", "")
            assert "kaspersky" in listed.casefold()  # the other worker's subscription, from the database
            await command(second, "unsubscribe", "kaspersky")
            assert "kaspersky" not in (await command(first, "subscriptions", "")).casefold()
            # Both are ready behind the balancer: one reads the stories folder, the other stands by.
            for app in (first, second):
                async with http.get(f"{base_url(app)}/readyz") as resp:
                    assert resp.status == 200, await resp.text()
            assert first.worker is not None and second.worker is not None
            assert first.worker.id != second.worker.id
