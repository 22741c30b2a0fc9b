"""End to end through the bot's own start-up path: `Application(settings).run()` with Discord enabled,
the stand-in Discord (REST + gateway) as the only outside world, the real seed stories dropped into
the watched folder one after the other.

`/subscribe kaspersky` goes in as an INTERACTION_CREATE; what must come out on the channel is one
message with the alert embed, then one edit adding the second source, and nothing else.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.app import Application
from bot.config import Settings
from tests.support.app_runner import drop, running_app
from tests.support.discord_payloads import MESSAGE_FLAG_EPHEMERAL
from tests.support.discord_server import DiscordStandIn, RecordedRequest

pytestmark = pytest.mark.slow

WAIT = 60.0  # generous: two shared cores, first-time imports of the ingest stack
STARTUP = {
    ("GET", "/users/@me"),
    ("GET", "/oauth2/applications/@me"),
    ("GET", "/gateway/bot"),
}


def app_settings(discord: DiscordStandIn, tmp_path: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "BOT_DB_PATH": str(tmp_path / "bot.sqlite3"),
        "BOT_STORIES_DIR": str(tmp_path / "stories"),
        "BOT_SETTLE_SECONDS": "0.05",
        "BOT_EDIT_COALESCE_SECONDS": "0.2",
        "DISCORD_TOKEN": discord.token,
        "DISCORD_API_URL": discord.api_url,
        "DISCORD_GATEWAY_URL": discord.gateway_url,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def channel_traffic(discord: DiscordStandIn) -> list[RecordedRequest]:
    """Every REST call after start-up that is not part of answering an interaction."""
    return [
        r
        for r in discord.requests
        if (r.method, r.path) not in STARTUP
        and not r.path.startswith(("/interactions/", "/webhooks/", f"/applications/{discord.app_id}/"))
    ]


async def subscribe(discord: DiscordStandIn, vendor: str) -> str:
    interaction = await discord.send_command("subscribe", {"vendor": vendor})
    await discord.wait_until(lambda: bool(interaction.followups), within=WAIT)
    assert interaction.callbacks[0]["type"] == 5  # deferred first
    [reply] = interaction.followups
    assert not reply["flags"] & MESSAGE_FLAG_EPHEMERAL  # the channel sees who subscribed it
    return str(reply["content"])


async def test_subscribe_then_two_outlets_give_one_message_and_one_edit(
    tmp_path: Path, seeds: list[Path]
) -> None:
    async with DiscordStandIn() as discord:
        settings = app_settings(discord, tmp_path, BOT_THREAD_UPDATES="false")
        async with running_app(Application(settings), WAIT):
            reply = await subscribe(discord, "kaspersky")
            assert "Kaspersky" in reply

            drop(seeds[0], settings.stories_dir)
            await discord.wait_until(lambda: len(discord.messages) == 1, within=WAIT)
            drop(seeds[1], settings.stories_dir)
            await discord.wait_until(lambda: len(discord.calls("PATCH", r"/channels/.+")) == 1, within=WAIT)
            await asyncio.sleep(settings.edit_coalesce_seconds + 1.5)  # room for anything extra to show up

        channel = discord.channel_id
        [post, edit] = channel_traffic(discord)
        assert (post.method, post.path) == ("POST", f"/channels/{channel}/messages")
        [message] = discord.messages.values()
        assert (edit.method, edit.path) == ("PATCH", f"/channels/{channel}/messages/{message['id']}")
        [created] = post.body["embeds"]
        [edited] = edit.body["embeds"]
        assert "Kaspersky" in created["footer"]["text"] and created["footer"]["text"].endswith("· 1 source")
        assert edited["footer"]["text"].endswith("· 2 sources")
        assert created["url"].startswith("https://") and created["title"]
        assert post.body["allowed_mentions"] == {"parse": []} == edit.body["allowed_mentions"]
        assert post.body["enforce_nonce"] is True


async def test_growing_story_gets_one_thread_message(tmp_path: Path, seeds: list[Path]) -> None:
    async with DiscordStandIn() as discord:
        settings = app_settings(discord, tmp_path)  # BOT_THREAD_UPDATES defaults to on
        async with running_app(Application(settings), WAIT):
            await subscribe(discord, "kaspersky")
            drop(seeds[0], settings.stories_dir)
            await discord.wait_until(lambda: len(discord.messages) == 1, within=WAIT)
            [alert_id] = discord.messages
            drop(seeds[1], settings.stories_dir)
            await discord.wait_until(lambda: len(discord.messages) == 2, within=WAIT)
            await asyncio.sleep(settings.edit_coalesce_seconds + 1.5)

        [thread] = discord.threads()
        assert thread["id"] == str(alert_id)
        in_thread = [m for m in discord.messages.values() if m["channel_id"] == thread["id"]]
        assert len(in_thread) == 1 and in_thread[0]["content"].startswith("More coverage: ")
        assert len(discord.calls("PATCH", r"/channels/.+")) == 1
