"""End to end through the bot's own start-up path: `Application(settings).run()` with Slack enabled,
the stand-in Slack as the only outside world, the real seed stories dropped into the watched folder.

/subscribe goes in through Socket Mode; what must come out is one alert (`chat.postMessage`), then
one `chat.update` when the second outlet's article joins the story, and nothing else.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.app import Application
from bot.config import Settings
from tests.support.app_runner import drop, running_app
from tests.support.slack_server import ApiCall, SlackStandIn

pytestmark = pytest.mark.slow

STARTUP_CALLS = {"auth.test", "apps.connections.open"}
WAIT = 60.0  # generous: two shared cores, first-time imports of the ingest stack


def app_settings(slack: SlackStandIn, tmp_path: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "BOT_DB_PATH": str(tmp_path / "bot.sqlite3"),
        "BOT_STORIES_DIR": str(tmp_path / "stories"),
        "BOT_SETTLE_SECONDS": "0.05",
        "BOT_EDIT_COALESCE_SECONDS": "0.2",
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_APP_TOKEN": slack.app_token,
        "SLACK_API_URL": slack.api_url,
        **extra,
    }
    return Settings(_env_file=None, **values)


def after_startup(slack: SlackStandIn) -> list[ApiCall]:
    return [c for c in slack.calls if c.method not in STARTUP_CALLS]


async def subscribe(slack: SlackStandIn, vendor: str) -> dict[str, Any]:
    envelope_id = await slack.send_slash_command("/subscribe", vendor)
    await slack.wait_ack(envelope_id, within=3.0)
    (reply,) = await slack.wait_responses(1, within=WAIT)
    return reply


def context_text(call: ApiCall) -> str:
    return " ".join(e["text"] for b in call.blocks if b["type"] == "context" for e in b["elements"])


async def test_subscribe_then_two_outlets_give_one_alert_and_one_edit(
    tmp_path: Path, seeds: list[Path]
) -> None:
    async with SlackStandIn() as slack:
        settings = app_settings(slack, tmp_path, BOT_THREAD_UPDATES="false")
        async with running_app(Application(settings), WAIT):
            reply = await subscribe(slack, "kaspersky")
            assert "Kaspersky" in reply["text"] and "error" not in reply["text"].lower()

            drop(seeds[0], settings.stories_dir)
            (post,) = await slack.wait_calls("chat.postMessage", 1, within=WAIT)
            drop(seeds[1], settings.stories_dir)
            (update,) = await slack.wait_calls("chat.update", 1, within=WAIT)
            await asyncio.sleep(settings.edit_coalesce_seconds + 1.5)  # room for anything extra to show up
            await slack.wait_all_acked()

        assert [c.method for c in after_startup(slack)] == ["chat.postMessage", "chat.update"]
        assert post.params["channel"] == "C0ALERTS"
        assert "Kaspersky" in post.params["text"]
        assert post.metadata["event_type"] == "vendor_alert"
        assert context_text(post).count("1 source") == 1
        assert (update.params["channel"], update.params["ts"]) == (
            "C0ALERTS",
            slack.messages["C0ALERTS"][0]["ts"],
        )
        assert "2 sources" in context_text(update)


async def test_growing_story_gets_one_thread_reply(tmp_path: Path, seeds: list[Path]) -> None:
    async with SlackStandIn() as slack:
        settings = app_settings(slack, tmp_path)  # BOT_THREAD_UPDATES defaults to on
        async with running_app(Application(settings), WAIT):
            await subscribe(slack, "kaspersky")
            drop(seeds[0], settings.stories_dir)
            (alert,) = await slack.wait_calls("chat.postMessage", 1, within=WAIT)
            drop(seeds[1], settings.stories_dir)
            await slack.wait_calls("chat.update", 1, within=WAIT)
            posts = await slack.wait_calls("chat.postMessage", 2, within=WAIT)
            await asyncio.sleep(settings.edit_coalesce_seconds + 1.5)
            await slack.wait_all_acked()

        assert sorted(c.method for c in after_startup(slack)) == [
            "chat.postMessage",
            "chat.postMessage",
            "chat.update",
        ]
        thread_reply = posts[1]
        ts = slack.messages["C0ALERTS"][0]["ts"]
        assert thread_reply.params["thread_ts"] == ts
        assert "thread_ts" not in alert.params
        assert thread_reply.params["text"].startswith("New source")


async def test_rate_limited_alert_arrives_once_later(tmp_path: Path, seeds: list[Path]) -> None:
    async with SlackStandIn() as slack:
        settings = app_settings(slack, tmp_path)
        slack.fail("chat.postMessage", status=429, retry_after=1)
        async with running_app(Application(settings), WAIT):
            await subscribe(slack, "kaspersky")
            drop(seeds[0], settings.stories_dir)
            (delivered,) = await slack.wait_calls("chat.postMessage", 1, within=WAIT)
            await asyncio.sleep(1.5)
            await slack.wait_all_acked()

        attempts = slack.calls_to("chat.postMessage", ok=None)
        assert [c.status for c in attempts] == [429, 200]
        assert delivered.at - attempts[0].at >= 0.9
        assert len(slack.messages["C0ALERTS"]) == 1
