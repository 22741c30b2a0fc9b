"""SIGKILL while edits and thread follow-ups are inside the platform, then restart: every alert ends
with its edit shown and exactly one follow-up, on both platforms.

Follow-ups go through the outbox like alerts: one whose answer the kill swallowed is looked for in
the alert's thread (Slack: message metadata via conversations.replies, after
BOT_UNCERTAIN_WAIT_SECONDS) or resent with the same nonce (Discord: enforce_nonce), never dropped
and never doubled. Reuses the child-process machinery of tests/test_crash_e2e.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_crash_e2e import (
    DiscordWorld,
    SlackWorld,
    child_env,
    outbox_settled,
    stand_in,
    subscribe_all,
)
from tests.support.app_runner import drop
from tests.support.bot_process import Coverage, bot_running, until

pytestmark = pytest.mark.slow


CHANNELS = 20
IN_FLIGHT_AT_KILL = 5  # follow-ups received by the platform, not yet answered, when the bot dies
SLOW = 1.5  # seconds the platform holds each follow-up before storing and answering it


def followups_received(world: SlackWorld | DiscordWorld) -> int:
    if isinstance(world, SlackWorld):
        return world.slack.received.count("chat.postMessage") - CHANNELS
    threads = {str(m["id"]) for m in world.discord.messages.values()}  # a thread's id is its alert's
    return len(
        [r for r in world.discord.calls("POST", r"/channels/\d+/messages") if r.path.split("/")[2] in threads]
    )


@pytest.mark.parametrize("platform", ["slack", "discord"])
async def test_sigkill_with_followups_in_flight_loses_and_doubles_none(
    tmp_path: Path, coverage: Coverage, platform: str
) -> None:
    async with stand_in(platform) as world:
        assert isinstance(world, SlackWorld | DiscordWorld)
        channels = world.new_channels(CHANNELS)
        await subscribe_all(tmp_path, channels, coverage.vendor)
        env = child_env(tmp_path, **world.env())
        stories = tmp_path / "stories"
        async with bot_running(env, tmp_path, "first") as bot:
            await until(world.connected, "connected to the platform", bot)
            drop(coverage.first, stories)
            await until(lambda: outbox_settled(tmp_path), "the first alerts sent", bot)
            if isinstance(world, SlackWorld):
                world.slack.fail("chat.postMessage", delay=SLOW, times=10_000)
            else:
                world.discord.latency_seconds = SLOW
            drop(coverage.second, stories)
            await until(lambda: followups_received(world) >= IN_FLIGHT_AT_KILL, "follow-ups inside", bot)
            await bot.kill()
        assert sum(len(world.followups(a)) for c in channels for a in world.alerts(c.channel)) < CHANNELS

        async with bot_running(env, tmp_path, "restart") as bot:
            await until(lambda: outbox_settled(tmp_path), "the outbox drained", bot, within=120)
            assert await bot.stop() == 0, bot.log()[-4000:]
            assert "Traceback" not in bot.log()

        for channel in channels:
            [alert] = world.alerts(channel.channel)
            assert len(world.followups(alert)) == 1, channel
            assert world.edits(channel.channel) and "2 sources" in world.edits(channel.channel)[-1]
