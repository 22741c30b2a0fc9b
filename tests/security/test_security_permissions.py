"""`BOT_SUBSCRIPTION_PERMISSION=admins` enforced on both platforms, end to end: the real adapter (real
slack-bolt / discord.py against the stand-ins) in front of the real `CommandService` and store, one
admin and one ordinary member. A refused command changes nothing in the database, and the check is
made by the bot itself (Discord's default_member_permissions only hides commands in the client).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord import DiscordPlatform
from bot.adapters.slack import SlackPlatform
from bot.app import Core, open_core
from bot.config import Settings
from bot.models import ChannelRef
from tests.support.discord_fakes import running as running_discord
from tests.support.discord_fakes import settings_for
from tests.support.discord_payloads import MESSAGE_FLAG_EPHEMERAL
from tests.support.discord_server import DiscordStandIn, StandInInteraction
from tests.support.slack_fakes import running as running_slack
from tests.support.slack_server import DEFAULT_USER, TEAM_ID, SlackStandIn

pytestmark = pytest.mark.slow

ADMIN = "U0ADMIN"
REFUSED = "Only workspace admins"
MANAGE_CHANNELS = 1 << 4
MEMBER = (1 << 10) | (1 << 11)  # View Channel, Send Messages


def core_settings(tmp_path: Path, **platform: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_DB_PATH=tmp_path / "bot.sqlite3",
        BOT_STORIES_DIR=tmp_path / "stories",
        BOT_SUBSCRIPTION_PERMISSION="admins",
        **platform,
    )


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn() as standin:
        standin.add_user(ADMIN, name="admin", is_admin=True)
        yield standin


async def slack_command(slack: SlackStandIn, command: str, text: str, user: str) -> dict[str, Any]:
    before = len(slack.responses)
    envelope = await slack.send_slash_command(command, text, user_id=user)
    await slack.wait_ack(envelope)
    responses = await slack.wait_responses(before + 1)
    return responses[before]


async def test_slack_admin_may_and_member_may_not_change_subscriptions(
    slack: SlackStandIn, tmp_path: Path
) -> None:
    settings = core_settings(
        tmp_path,
        SLACK_BOT_TOKEN=slack.bot_token,
        SLACK_APP_TOKEN=slack.app_token,
        SLACK_API_URL=slack.api_url,
    )
    channel = ChannelRef("slack", TEAM_ID, "C0ALERTS")
    async with open_core(settings) as core, running_slack(SlackPlatform(settings, core.commands)):
        refused = await slack_command(slack, "/subscribe", "okta", DEFAULT_USER)
        assert REFUSED in refused["text"] and refused["response_type"] == "ephemeral"
        assert await core.store.subscriptions.count() == 0

        allowed = await slack_command(slack, "/subscribe", "okta", ADMIN)
        assert "Subscribed this channel to Okta" in allowed["text"], allowed["text"]
        assert await core.store.subscriptions.find(channel, "Okta") is not None

        for command, text in [("/unsubscribe", "okta"), ("/mute", "okta 2h"), ("/track", "Acme Widgets")]:
            reply = await slack_command(slack, command, text, DEFAULT_USER)
            assert REFUSED in reply["text"], (command, reply["text"])
        sub = await core.store.subscriptions.find(channel, "Okta")
        assert sub is not None and sub.muted_until is None

        # Reading is open to everyone.
        listing = await slack_command(slack, "/subscriptions", "", DEFAULT_USER)
        assert "Okta" in listing["text"] and REFUSED not in listing["text"]

        # users.info failing (a user Slack does not know) fails closed.
        ghost = await slack_command(slack, "/unsubscribe", "okta", "U0GHOST")
        assert REFUSED in ghost["text"]
        assert await core.store.subscriptions.find(channel, "Okta") is not None
        await slack.wait_all_acked()


async def discord_command(
    discord: DiscordStandIn, name: str, options: dict[str, Any], permissions: int
) -> StandInInteraction:
    interaction = await discord.send_command(name, options, permissions=permissions)
    await discord.wait_until(lambda: bool(interaction.replies) and interaction.answered.is_set())
    await asyncio.sleep(0.05)  # a public reply is a second message after the private note
    return interaction


def last_text(interaction: StandInInteraction) -> str:
    return str(interaction.replies[-1].get("content") or "")


async def test_discord_admin_may_and_member_may_not_change_subscriptions(tmp_path: Path) -> None:
    async with DiscordStandIn() as discord:
        base = settings_for(discord)
        settings = core_settings(
            tmp_path,
            DISCORD_TOKEN=discord.token,
            DISCORD_API_URL=base.discord_api_url,
            DISCORD_GATEWAY_URL=base.discord_gateway_url,
        )
        channel = ChannelRef("discord", str(discord.guild_id), str(discord.channel_id))
        core: Core
        async with open_core(settings) as core, running_discord(DiscordPlatform(settings, core.commands)):
            synced = {c["name"]: c for c in discord.commands[None]}
            assert synced["subscribe"]["default_member_permissions"] == str(MANAGE_CHANNELS)

            # A member whose client still sends the command (or a forged interaction) is refused.
            refused = await discord_command(discord, "subscribe", {"vendor": "okta"}, MEMBER)
            assert REFUSED in last_text(refused)
            assert refused.replies[-1]["flags"] & MESSAGE_FLAG_EPHEMERAL
            assert await core.store.subscriptions.count() == 0

            allowed = await discord_command(
                discord, "subscribe", {"vendor": "okta"}, MANAGE_CHANNELS | MEMBER
            )
            await discord.wait_until(lambda: len(allowed.replies) == 2)
            assert "Subscribed this channel to Okta" in last_text(allowed), allowed.replies
            assert await core.store.subscriptions.find(channel, "Okta") is not None

            gone = await discord_command(discord, "unsubscribe", {"vendor": "okta"}, MEMBER)
            assert REFUSED in last_text(gone)
            assert await core.store.subscriptions.find(channel, "Okta") is not None

            listing = await discord_command(discord, "subscriptions", {}, MEMBER)
            assert "Okta" in last_text(listing) and REFUSED not in last_text(listing)
