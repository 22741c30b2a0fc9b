"""The Discord adapter's start-up and slash commands: the real discord.py client logs in, syncs the
commands built from the neutral specs, connects to the stand-in gateway (zlib-stream), and answers
INTERACTION_CREATE events by deferring, calling the command layer and following up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

from bot.adapters.discord import DiscordPlatform, DiscordStartupError
from bot.adapters.discord.escape import escape
from bot.chat.commands import COMMAND_SPECS
from bot.chat.ports import Reply
from bot.config import Settings
from tests.support.commands import RecordingCommands
from tests.support.discord_fakes import running, settings_for
from tests.support.discord_payloads import MESSAGE_FLAG_EPHEMERAL, PRIVILEGED_INTENTS
from tests.support.discord_server import DiscordStandIn
from tests.support.stories import KASPERSKY_UK, kaspersky_story

ONE_SOURCE = KASPERSKY_UK["sources"][:1]  # the Discord tests' story starts with one outlet

MANAGE_CHANNELS = 1 << 4
MEMBER = (1 << 10) | (1 << 11)  # view channel, send messages


@pytest.fixture
async def discord() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn() as standin:
        yield standin


@pytest.fixture
def commands() -> RecordingCommands:
    return RecordingCommands(typed_only=True)


@pytest.fixture
async def bot(discord: DiscordStandIn, commands: RecordingCommands) -> AsyncIterator[DiscordPlatform]:
    async with running(DiscordPlatform(settings_for(discord), commands)) as platform:
        yield platform


async def test_logs_in_syncs_and_connects_without_privileged_intents(
    discord: DiscordStandIn, bot: DiscordPlatform
) -> None:
    paths = [(r.method, r.path) for r in discord.requests]
    assert paths[:2] == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]
    assert ("PUT", f"/applications/{discord.app_id}/commands") in paths
    assert all(r.authorized for r in discord.requests)
    [identify] = discord.identifies
    assert int(identify["intents"]) & PRIVILEGED_INTENTS == 0
    [session] = discord.sessions
    assert session.compressor is not None  # zlib-stream was asked for and used
    await discord.wait_until(lambda: session.heartbeats >= 1)


async def test_commands_are_typed_from_the_specs(discord: DiscordStandIn, bot: DiscordPlatform) -> None:
    synced = {c["name"]: c for c in discord.commands[None]}
    assert set(synced) == {"subscribe", "story", "subscriptions"}
    options = {o["name"]: o for o in synced["subscribe"]["options"]}
    assert list(options) == ["vendor", "types", "mode", "include"]  # required first
    assert options["vendor"]["required"] and options["vendor"]["autocomplete"]
    assert [c["value"] for c in options["mode"]["choices"]] == ["instant", "digest"]
    assert options["types"]["autocomplete"] and not options["include"].get("autocomplete")
    assert options["include"]["max_length"] == 200
    # The setting defaults to "anyone": no default permission on any command.
    assert all(c["default_member_permissions"] is None for c in synced.values())


async def test_the_real_command_list_is_accepted_by_discord(discord: DiscordStandIn) -> None:
    """Every spec of bot.chat.commands becomes a command the stand-in (with Discord's schema rules) accepts."""
    async with running(DiscordPlatform(settings_for(discord), RecordingCommands(COMMAND_SPECS, typed_only=True))):
        synced = {c["name"]: c for c in discord.commands[None]}
    assert set(synced) == {spec.name for spec in COMMAND_SPECS}
    for spec in COMMAND_SPECS:
        required_first = [o.name for o in spec.options if o.required] + [
            o.name for o in spec.options if not o.required
        ]
        assert [o["name"] for o in synced[spec.name].get("options", [])] == required_first


async def test_admin_setting_gates_subscription_commands(discord: DiscordStandIn) -> None:
    settings = settings_for(discord, BOT_SUBSCRIPTION_PERMISSION="admins", DISCORD_DEV_GUILD=discord.guild_id)
    async with running(DiscordPlatform(settings, RecordingCommands(typed_only=True))):
        synced = {c["name"]: c for c in discord.commands[None]}
        assert synced["subscribe"]["default_member_permissions"] == str(MANAGE_CHANNELS)
        assert synced["story"]["default_member_permissions"] is None
        # DISCORD_DEV_GUILD: the same commands, synced to that guild as well (instant there).
        assert {c["name"] for c in discord.commands[discord.guild_id]} == set(synced)


async def test_command_defers_then_answers_privately(
    discord: DiscordStandIn, bot: DiscordPlatform, commands: RecordingCommands
) -> None:
    commands.replies["subscribe"] = Reply("Subscribed to Kaspersky. @everyone *now*")
    interaction = await discord.send_command("subscribe", {"vendor": "kaspersky", "mode": "digest"})
    await asyncio.wait_for(interaction.answered.wait(), 10)

    [call] = commands.calls
    assert call.name == "subscribe" and call.args == {"vendor": "kaspersky", "mode": "digest"}
    assert call.ctx.channel.platform == "discord"
    assert call.ctx.channel.workspace == str(discord.guild_id)
    assert call.ctx.channel.channel == str(discord.channel_id)
    assert call.ctx.user == discord.user["id"] and call.is_admin
    assert interaction.callbacks == [{"type": 5, "data": {"flags": MESSAGE_FLAG_EPHEMERAL}}]
    assert interaction.original is not None
    assert interaction.original["content"] == escape("Subscribed to Kaspersky. @everyone *now*")
    assert interaction.original["flags"] & MESSAGE_FLAG_EPHEMERAL
    [followup] = discord.calls("POST", rf"/webhooks/{discord.app_id}/.+")
    assert followup.body["allowed_mentions"]["parse"] == []
    assert not followup.authorized  # interaction routes are authenticated by their token only


async def test_public_reply_is_posted_for_the_channel(
    discord: DiscordStandIn, bot: DiscordPlatform, commands: RecordingCommands
) -> None:
    commands.replies["subscribe"] = Reply("Subscribed this channel to Kaspersky.", ephemeral=False)
    interaction = await discord.send_command("subscribe", {"vendor": "kaspersky"})
    await discord.wait_until(lambda: len(interaction.followups) == 1)
    assert interaction.original is not None and interaction.original["flags"] & MESSAGE_FLAG_EPHEMERAL
    [public] = interaction.followups
    assert public["content"] == "Subscribed this channel to Kaspersky."
    assert not public["flags"] & MESSAGE_FLAG_EPHEMERAL


async def test_errors_stay_private_and_stories_become_embeds(
    discord: DiscordStandIn, bot: DiscordPlatform, commands: RecordingCommands
) -> None:
    commands.replies["subscribe"] = Reply("No vendor 'kasperski'.", ephemeral=False, error=True)
    failed = await discord.send_command("subscribe", {"vendor": "kasperski"})
    await asyncio.wait_for(failed.answered.wait(), 10)
    assert failed.original is not None and failed.original["flags"] & MESSAGE_FLAG_EPHEMERAL
    assert failed.followups == []

    story = kaspersky_story(sources=ONE_SOURCE)
    commands.replies["story"] = Reply("ignored plain text", story=story)
    shown = await discord.send_command("story", {"vendor": "kaspersky"})
    await asyncio.wait_for(shown.answered.wait(), 10)
    assert shown.original is not None
    [embed] = shown.original["embeds"]
    assert embed["title"] == escape(story.title) and embed["url"] == story.sources[0].url


async def test_members_without_manage_channels_are_not_admins(
    discord: DiscordStandIn, bot: DiscordPlatform, commands: RecordingCommands
) -> None:
    member = await discord.send_command("subscriptions", permissions=MEMBER)
    dm = await discord.send_command("subscriptions", guild_id=None)
    await asyncio.wait_for(member.answered.wait(), 10)
    await asyncio.wait_for(dm.answered.wait(), 10)
    by_workspace = {c.ctx.channel.workspace: c.is_admin for c in commands.calls}
    assert by_workspace == {str(discord.guild_id): False, "dm": True}


async def test_vendor_and_type_autocomplete(
    discord: DiscordStandIn, bot: DiscordPlatform, commands: RecordingCommands
) -> None:
    vendors = await discord.autocomplete("subscribe", "vendor", "ka")
    assert [c["value"] for c in vendors] == ["Kaspersky", "Kape Technologies"]
    assert commands.completions == [("vendors", "ka")]
    types = await discord.autocomplete("subscribe", "types", "breach,vu", {"vendor": "okta"})
    assert [c["value"] for c in types] == ["breach,vulnerability"]


async def test_a_failing_command_still_gets_an_answer(
    discord: DiscordStandIn, bot: DiscordPlatform, commands: RecordingCommands
) -> None:
    async def broken(*args: Any) -> Reply:
        raise RuntimeError("database is locked")

    commands.run = broken  # type: ignore[method-assign]
    interaction = await discord.send_command("subscriptions")
    await asyncio.wait_for(interaction.answered.wait(), 10)
    assert interaction.original is not None
    assert "failed on our side" in interaction.original["content"]
    assert interaction.original["flags"] & MESSAGE_FLAG_EPHEMERAL


async def test_endpoint_overrides_touch_no_other_client(discord: DiscordStandIn) -> None:
    base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    async with running(DiscordPlatform(settings_for(discord), RecordingCommands(typed_only=True))):
        assert base == Route.BASE and gateway == DiscordWebSocket.DEFAULT_GATEWAY
        assert type(async_context.get()) is AsyncWebhookAdapter  # this task's context is untouched
    assert discord.sessions == []  # the gateway connection was closed on shutdown


async def test_gateway_found_through_the_api_url(discord: DiscordStandIn) -> None:
    """Without DISCORD_GATEWAY_URL the gateway is what GET /gateway/bot says (here: the stand-in)."""
    settings = Settings(_env_file=None, DISCORD_TOKEN=discord.token, DISCORD_API_URL=discord.api_url)  # type: ignore[call-arg]
    async with running(DiscordPlatform(settings, RecordingCommands(typed_only=True))):
        assert len(discord.identifies) == 1


async def test_bad_token_is_a_clear_startup_error(discord: DiscordStandIn) -> None:
    settings = settings_for(discord, DISCORD_TOKEN="not-the-token")
    with pytest.raises(DiscordStartupError, match="rejected DISCORD_TOKEN") as failure:
        await asyncio.wait_for(DiscordPlatform(settings, RecordingCommands(typed_only=True)).run(), 10)
    assert "not-the-token" not in str(failure.value)


async def test_fatal_gateway_close_stops_with_a_clear_error() -> None:
    async with DiscordStandIn(identify_close_code=4013) as discord:  # 4013: invalid intents
        platform = DiscordPlatform(settings_for(discord), RecordingCommands(typed_only=True))
        with pytest.raises(DiscordStartupError, match="code 4013"):
            await asyncio.wait_for(platform.run(), 10)
        assert not platform.ready.is_set()


@pytest.mark.slow
async def test_shards_when_discord_recommends_them() -> None:
    async with DiscordStandIn(recommended_shards=2) as discord:
        async with running(DiscordPlatform(settings_for(discord), RecordingCommands(typed_only=True))):
            await discord.wait_connected(2, within=20)  # discord.py spaces IDENTIFYs 5 s apart
        assert sorted(tuple(i["shard"]) for i in discord.identifies) == [(0, 2), (1, 2)]
