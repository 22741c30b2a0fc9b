"""Crash and restart of the real service: `python -m bot run` as a child process, SIGKILLed, started again.

Unlike tests/test_delivery_restart.py (fake platform, outbox only), everything here is the shipped
program: watcher, pipeline, router, outbox and the real slack-bolt / discord.py adapters, talking to
the stand-in Slack or Discord that lives in this test process, so what those servers accepted
survives the kill as it would on the real platforms. What must hold:

* SIGKILL in the middle of a fan-out to 200 channels, then restart: every channel ends with exactly
  one alert. Both platforms are made slow, so that at the kill a batch of posts is inside the
  platform: accepted after the bot is gone and missing from its outbox. The restart must find them
  (Slack: message metadata via conversations.history; Discord: the same nonce with enforce_nonce).
* Edits owed when the bot dies (queued in the outbox, or caused by a file dropped while it is down)
  happen after the restart, once, on the one alert message.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import pytest

from bot.app import open_core
from bot.chat.ports import CommandContext
from bot.config import Settings
from bot.models import ChannelRef
from bot.store.backends import open_database
from tests.support.app_runner import drop
from tests.support.bot_process import Coverage, bot_running, child_environment, until
from tests.support.discord_server import DiscordStandIn
from tests.support.slack_server import SlackStandIn

pytestmark = pytest.mark.slow

FAN_OUT = 200
KILL_AFTER = 20  # alerts accepted by the platform before the kill
WAIT = 60.0  # generous: two shared cores; a normal run needs a fraction of it
# Longer than the bot's 1 s Slack rate window, so a whole batch of posts is inside Slack at any moment.
SLACK_POST_DELAY = 1.5
DISCORD_LATENCY = 0.3  # a burst of creates stays this long inside Discord


def child_env(tmp_path: Path, **platform: str) -> dict[str, str]:
    """The bot's settings here; `platform` adds the stand-in's and may override any of them."""
    settings = {
        "BOT_DB_PATH": str(tmp_path / "bot.sqlite3"),
        "BOT_STORIES_DIR": str(tmp_path / "stories"),
        "BOT_SETTLE_SECONDS": "0.05",
        "BOT_EDIT_COALESCE_SECONDS": "0.2",
        # Look for a post left unknown by the kill only once the slow stand-in has stored it (it
        # holds posts SLACK_POST_DELAY); history calls scaled up like every other time here.
        "BOT_UNCERTAIN_WAIT_SECONDS": "2.0",
        "SLACK_HISTORY_CALLS_PER_MINUTE": "1200",
    }
    return child_environment(**(settings | platform))


# -- the database, through the bot's own code ----------------------------------------------------------


async def subscribe_all(tmp_path: Path, channels: list[ChannelRef], vendor: str) -> None:
    """What /subscribe in each channel would do, through the same command service."""
    settings = Settings(
        _env_file=None, BOT_DB_PATH=tmp_path / "bot.sqlite3", BOT_STORIES_DIR=tmp_path / "stories"
    )

    async def admin() -> bool:
        return True

    async with open_core(settings) as core:
        for channel in channels:
            reply = await core.commands.run_text(
                CommandContext(channel, "U0USER", admin), "subscribe", vendor
            )
            assert not reply.error, reply.text
    (tmp_path / "stories").mkdir(exist_ok=True)


async def outbox_counts(tmp_path: Path) -> dict[tuple[str, str], int]:
    """(kind, state) -> rows. Safe while the bot runs: WAL lets a reader in beside the writer."""
    db = await open_database(tmp_path / "bot.sqlite3")
    try:
        rows = await db.fetchall("SELECT kind, state, COUNT(*) AS n FROM outbox GROUP BY kind, state")
        return {(r["kind"], r["state"]): int(r["n"]) for r in rows}
    finally:
        await db.close()


async def message_refs(tmp_path: Path) -> dict[str, str]:
    db = await open_database(tmp_path / "bot.sqlite3")
    try:
        return {
            r["channel"]: r["message_id"]
            for r in await db.fetchall("SELECT channel, message_id FROM message_refs")
        }
    finally:
        await db.close()


async def outbox_settled(tmp_path: Path) -> bool:
    counts = await outbox_counts(tmp_path)
    return bool(counts) and not any(state in ("pending", "in_flight") for _, state in counts)


# -- the two platforms, seen the same way ---------------------------------------------------------------


class World(Protocol):
    """A stand-in platform as these tests look at it."""

    def env(self) -> dict[str, str]: ...
    def new_channels(self, n: int) -> list[ChannelRef]: ...
    def connected(self) -> bool: ...
    def alerts(self, channel: str) -> list[dict[str, Any]]: ...
    def alert_id(self, message: dict[str, Any]) -> str: ...
    def followups(self, alert: dict[str, Any]) -> list[Any]: ...
    def edits(self, channel: str) -> list[str]: ...  # the source-count line of each edit


class SlackWorld:
    def __init__(self, slack: SlackStandIn) -> None:
        self.slack = slack

    def env(self) -> dict[str, str]:
        s = self.slack
        return {"SLACK_BOT_TOKEN": s.bot_token, "SLACK_APP_TOKEN": s.app_token, "SLACK_API_URL": s.api_url}

    def new_channels(self, n: int) -> list[ChannelRef]:
        return [ChannelRef("slack", self.slack.team_id, f"C{i:03d}") for i in range(n)]

    def connected(self) -> bool:
        return any(not c.ws.closed for c in self.slack.sockets)

    def alerts(self, channel: str) -> list[dict[str, Any]]:
        return [m for m in self.slack.messages.get(channel, []) if "thread_ts" not in m]

    def alert_id(self, message: dict[str, Any]) -> str:
        return str(message["ts"])

    def followups(self, alert: dict[str, Any]) -> list[Any]:
        return [m for ms in self.slack.messages.values() for m in ms if m.get("thread_ts") == alert["ts"]]

    def edits(self, channel: str) -> list[str]:
        return [
            " ".join(e["text"] for b in c.blocks if b["type"] == "context" for e in b["elements"])
            for c in self.slack.calls_to("chat.update")
            if c.params["channel"] == channel
        ]


class DiscordWorld:
    def __init__(self, discord: DiscordStandIn) -> None:
        self.discord = discord

    def env(self) -> dict[str, str]:
        d = self.discord
        return {"DISCORD_TOKEN": d.token, "DISCORD_API_URL": d.api_url, "DISCORD_GATEWAY_URL": d.gateway_url}

    def new_channels(self, n: int) -> list[ChannelRef]:
        guild = str(self.discord.guild_id)
        return [
            ChannelRef("discord", guild, str(self.discord.add_channel(name=f"alerts-{i}"))) for i in range(n)
        ]

    def connected(self) -> bool:
        return any(s.identified for s in self.discord.sessions)

    def alerts(self, channel: str) -> list[dict[str, Any]]:
        return [m for m in self.discord.messages.values() if m["channel_id"] == channel]

    def alert_id(self, message: dict[str, Any]) -> str:
        return str(message["id"])

    def followups(self, alert: dict[str, Any]) -> list[Any]:
        return [m for m in self.discord.messages.values() if m["channel_id"] == alert["id"]]

    def edits(self, channel: str) -> list[str]:
        return [
            body["embeds"][0]["footer"]["text"]
            for message in self.alerts(channel)
            for body in self.discord.edits.get(int(message["id"]), [])
        ]


# -- SIGKILL mid fan-out ----------------------------------------------------------------------------------


async def kill_mid_fan_out_and_restart(
    world: World,
    tmp_path: Path,
    coverage: Coverage,
    *,
    kill_now: Callable[[], bool],
    settle_after_kill: Callable[[], Awaitable[None]],
) -> tuple[list[ChannelRef], int, int]:
    """Fan out, SIGKILL after KILL_AFTER posts, let the platform finish what it already received,
    restart and wait until the outbox is empty. Returns (channels, posts accepted by the platform
    at the kill, posts the outbox had recorded as done at the kill)."""
    channels = world.new_channels(FAN_OUT)
    await subscribe_all(tmp_path, channels, coverage.vendor)
    env = child_env(tmp_path, **world.env())
    async with bot_running(env, tmp_path, "first") as bot:
        await until(world.connected, "connected to the platform", bot)
        drop(coverage.first, tmp_path / "stories")
        await until(kill_now, f"{KILL_AFTER} alerts posted and more on their way", bot)
        await bot.kill()
    await settle_after_kill()
    accepted = sum(len(world.alerts(c.channel)) for c in channels)
    counts = await outbox_counts(tmp_path)
    recorded = counts.get(("post", "done"), 0)
    assert KILL_AFTER <= accepted < FAN_OUT, "the kill did not land mid fan-out"
    # The hard window was hit: the platform holds alerts the outbox still has in flight.
    assert accepted > recorded
    assert counts.get(("post", "in_flight"), 0) >= accepted - recorded

    async with bot_running(env, tmp_path, "restart") as bot:
        await until(lambda: all(world.alerts(c.channel) for c in channels), "an alert in every channel", bot)
        await until(lambda: outbox_settled(tmp_path), "the outbox drained", bot)
        assert await bot.stop() == 0, bot.log()[-4000:]
        assert "Traceback" not in bot.log()

    per_channel = {c.channel: len(world.alerts(c.channel)) for c in channels}
    assert per_channel == {c.channel: 1 for c in channels}
    assert await outbox_counts(tmp_path) == {("post", "done"): FAN_OUT}
    # The outbox points at the one message in each channel, so later edits land on it.
    refs = await message_refs(tmp_path)
    assert refs == {c.channel: world.alert_id(world.alerts(c.channel)[0]) for c in channels}
    return channels, accepted, recorded


async def test_slack_sigkill_mid_fan_out_then_restart_leaves_one_alert_per_channel(
    tmp_path: Path, coverage: Coverage
) -> None:
    async with SlackStandIn() as slack:
        slack.fail("chat.postMessage", delay=SLACK_POST_DELAY, times=10 * FAN_OUT)  # slow, not failing

        async def settle() -> None:
            # Posts that reached Slack before the kill finish their delay there; same event loop,
            # so a longer sleep started later ends after every one of them.
            await asyncio.sleep(SLACK_POST_DELAY + 1.0)

        _, accepted, recorded = await kill_mid_fan_out_and_restart(
            SlackWorld(slack),
            tmp_path,
            coverage,
            # Every post takes longer than the rate window, so some are always inside Slack.
            kill_now=lambda: len(slack.calls_to("chat.postMessage")) >= KILL_AFTER,
            settle_after_kill=settle,
        )
        keys = {m["metadata"]["event_payload"]["delivery_key"] for ms in slack.messages.values() for m in ms}
        assert len(keys) == FAN_OUT
        # Each alert the outbox had not recorded was looked up rather than re-posted.
        assert len(slack.calls_to("conversations.history")) >= accepted - recorded


async def test_discord_sigkill_mid_fan_out_then_restart_leaves_one_alert_per_channel(
    tmp_path: Path, coverage: Coverage
) -> None:
    async with DiscordStandIn(latency_seconds=DISCORD_LATENCY) as discord:

        def creates() -> int:
            return len(discord.calls("POST", r"/channels/\d+/messages"))

        async def settle() -> None:
            # Every create that reached the stand-in before the kill is answered (stored) by now.
            await discord.wait_until(lambda: len(discord.messages) == creates(), within=WAIT)

        _, accepted, recorded = await kill_mid_fan_out_and_restart(
            DiscordWorld(discord),
            tmp_path,
            coverage,
            # The bot sends in bursts (50 per second): kill while one is inside Discord.
            kill_now=lambda: KILL_AFTER <= len(discord.messages) < creates(),
            settle_after_kill=settle,
        )
        # Exactly the alerts Discord had but the outbox had not recorded were re-sent with their nonce
        # and answered with the existing message.
        assert discord.nonce_hits == accepted - recorded
        assert all(r.body["enforce_nonce"] is True for r in discord.calls("POST", r"/channels/\d+/messages"))


# -- edits owed across a restart --------------------------------------------------------------------------


@asynccontextmanager
async def stand_in(platform: str) -> AsyncIterator[World]:
    if platform == "slack":
        async with SlackStandIn() as slack:
            yield SlackWorld(slack)
    else:
        async with DiscordStandIn() as discord:
            yield DiscordWorld(discord)


@pytest.mark.parametrize("moment", ["queued_at_kill", "dropped_while_down"])
@pytest.mark.parametrize("platform", ["slack", "discord"])
async def test_edits_owed_at_a_kill_happen_once_after_restart(
    tmp_path: Path, coverage: Coverage, platform: str, moment: str
) -> None:
    """queued_at_kill: the second outlet arrived, its edits wait out the coalescing window in the
    outbox, and the bot is killed then. dropped_while_down: the file lands while nothing runs."""
    coalesce = "4.0" if moment == "queued_at_kill" else "0.2"
    async with stand_in(platform) as world:
        channels = world.new_channels(3)
        await subscribe_all(tmp_path, channels, coverage.vendor)
        env = child_env(tmp_path, BOT_EDIT_COALESCE_SECONDS=coalesce, **world.env())
        stories = tmp_path / "stories"
        async with bot_running(env, tmp_path, "first") as bot:
            await until(world.connected, "connected to the platform", bot)
            drop(coverage.first, stories)
            await until(lambda: outbox_settled(tmp_path), "the first alerts sent", bot)
            assert all(len(world.alerts(c.channel)) == 1 for c in channels)
            if moment == "queued_at_kill":
                drop(coverage.second, stories)

                async def edits_queued() -> bool:
                    return (await outbox_counts(tmp_path)).get(("edit", "pending"), 0) == len(channels)

                await until(edits_queued, "edits queued", bot)
            await bot.kill()
        if moment == "dropped_while_down":
            drop(coverage.second, stories)
        assert not any(world.edits(c.channel) for c in channels)

        async with bot_running(env, tmp_path, "restart") as bot:
            await until(
                lambda: all(world.edits(c.channel) for c in channels), "an edit in every channel", bot
            )
            await until(lambda: outbox_settled(tmp_path), "the outbox drained", bot)
            assert await bot.stop() == 0, bot.log()[-4000:]
            assert "Traceback" not in bot.log()

        for channel in channels:
            [alert] = world.alerts(channel.channel)
            [edit] = world.edits(channel.channel)
            assert "2 sources" in edit, edit
            assert len(world.followups(alert)) == 1  # the thread note about the new outlet, once
        counts = await outbox_counts(tmp_path)
        assert counts == {(kind, "done"): len(channels) for kind in ("post", "edit", "followup")}
