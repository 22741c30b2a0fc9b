"""Three `bot run` workers on one PostgreSQL, the stand-in Slack and Discord enforcing their limits.

Everything is the shipped program (`python -m bot run` child processes), as in test_crash_e2e.py.
A story is routed to 500 Slack and 500 Discord channels; the worker reading the stories folder is
SIGKILLed in the middle of the fan-out. What must hold:

* every channel on both platforms ends with exactly one alert, and after a second outlet's file,
  exactly one edit of it: the dead worker's in-flight rows were taken over after its lease and
  checked with the platform (Slack: message metadata; Discord: the same nonce) instead of resent;
* no stand-in answered a single 429: per-channel limits held because one worker owns a channel at a
  time, Slack's workspace budget and Discord's global 50/s because every send reserved its slot in
  the database, whichever worker made it;
* the dead worker's folder was taken over: the second file was read by another worker;
* the work was shared, and each worker ran its own Discord shard (DISCORD_SHARD_IDS).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import open_core
from bot.chat.ports import CommandContext
from bot.config import Settings
from bot.models import ChannelRef
from bot.store.backends import open_database
from tests.e2e.test_crash_e2e import DiscordWorld, SlackWorld
from tests.support.app_runner import drop
from tests.support.bot_process import BotProcess, Coverage, bot_running, child_environment
from tests.support.bot_process import until as until_any
from tests.support.delivery_fakes import add_subscriptions
from tests.support.discord_server import DiscordStandIn
from tests.support.slack_server import SlackStandIn

pytestmark = pytest.mark.slow

FAN_OUT = 500  # channels on each platform
WORKERS = 3
LEASE = 3.0  # seconds without a heartbeat before a worker is taken as dead
WAIT = 120.0  # generous: two shared cores; a normal run needs a fraction of it
# What the stand-ins enforce. Slack's workspace budget is raised from the bot's default 10/s,
# 300/min (Slack does not publish it) so that the test takes seconds, not minutes.
SLACK_PER_CHANNEL = ((3, 3.0),)
SLACK_PER_WORKSPACE = ((50, 1.0), (3000, 60.0))
DISCORD_PER_CHANNEL = (5, 5.0)
DISCORD_GLOBAL = (50, 1.0)
# The shared budgets the workers are given: 60% of what the stand-ins enforce. The stand-ins run in
# this test's process, and on a loaded two-core machine they see requests late and bunched by up to
# half a second of scheduling delay (a platform's edge does not). Three workers that did not share
# their budget would still send at over one and a half times the stand-ins' limits.
BUDGET_SHARE = 0.6


def worker_env(
    tmp_path: Path, url: str, slack: SlackWorld, discord: DiscordWorld, shard: int
) -> dict[str, str]:
    return child_environment(
        BOT_DATABASE_URL=url,
        BOT_STORIES_DIR=str(tmp_path / "stories"),
        BOT_SETTLE_SECONDS="0.05",
        BOT_PARSE_WORKERS="1",
        BOT_WORKER_LEASE_SECONDS=str(LEASE),
        BOT_EDIT_COALESCE_SECONDS="0.2",
        BOT_THREAD_UPDATES="false",  # one alert and one edit per channel, nothing else
        # A post left unknown by the kill is looked for once the platform has surely stored it.
        BOT_UNCERTAIN_WAIT_SECONDS="2.0",
        SLACK_HISTORY_CALLS_PER_MINUTE="1200",
        SLACK_SENDS_PER_SECOND=str(SLACK_PER_WORKSPACE[0][0] * BUDGET_SHARE),
        SLACK_SENDS_PER_MINUTE=str(SLACK_PER_WORKSPACE[1][0] * BUDGET_SHARE),
        DISCORD_REQUESTS_PER_SECOND=str(DISCORD_GLOBAL[0] * BUDGET_SHARE),
        DISCORD_SHARD_COUNT=str(WORKERS),
        DISCORD_SHARD_IDS=str(shard),
        **slack.env(),
        **discord.env(),
    )


async def query(url: str, sql: str) -> list[tuple[object, ...]]:
    db = await open_database(url)
    try:
        return [tuple(r) for r in await db.fetchall(sql)]
    finally:
        await db.close()


async def outbox_counts(url: str) -> dict[tuple[str, str], int]:
    rows = await query(url, "SELECT kind, state, COUNT(*) FROM outbox GROUP BY kind, state")
    return {(str(k), str(s)): int(str(n)) for k, s, n in rows}


async def settled(url: str) -> bool:
    counts = await outbox_counts(url)
    return bool(counts) and not any(state in ("pending", "in_flight") for _, state in counts)


async def folder_reader(url: str) -> str | None:
    rows = await query(url, "SELECT owner FROM leases WHERE name LIKE 'ingest:%'")
    return str(rows[0][0]) if rows else None


async def until(condition: Callable[[], object], what: str, bots: list[BotProcess]) -> None:
    """Until `condition` holds, while any worker lives; looked at every quarter second (a tally of
    a thousand channels would stall the stand-ins' event loop if taken more often)."""
    await until_any(condition, what, *bots, within=WAIT, every=0.25)


async def subscribe(tmp_path: Path, url: str, channels: list[ChannelRef], vendor: str) -> None:
    """/subscribe in the first channel through the command service (the vendor's catalog name),
    then the same subscription in bulk for the rest (a thousand commands would take a while)."""
    settings = Settings(_env_file=None, BOT_DATABASE_URL=url, BOT_STORIES_DIR=tmp_path / "stories")

    async def admin() -> bool:
        return True

    async with open_core(settings) as core:
        reply = await core.commands.run_text(
            CommandContext(channels[0], "U0USER", admin), "subscribe", vendor
        )
        assert not reply.error, reply.text
        [row] = await core.store.db.fetchall("SELECT vendor, created_at FROM subscriptions")
        for platform in ("slack", "discord"):
            await add_subscriptions(
                core.store.db,
                [c for c in channels[1:] if c.platform == platform],
                row["vendor"],
                created_at=datetime.fromisoformat(row["created_at"]),
            )


@pytest.fixture
async def stand_ins() -> AsyncIterator[tuple[SlackStandIn, DiscordStandIn]]:
    async with (
        SlackStandIn(send_limits=(SLACK_PER_CHANNEL, SLACK_PER_WORKSPACE)) as slack,
        DiscordStandIn(
            channel_limit=DISCORD_PER_CHANNEL, global_limit=DISCORD_GLOBAL, latency_seconds=0.05
        ) as discord,
    ):
        yield slack, discord


async def test_three_workers_one_killed_mid_fan_out_deliver_once_within_limits(
    tmp_path: Path, pg_url: str, coverage: Coverage, stand_ins: tuple[SlackStandIn, DiscordStandIn]
) -> None:
    slack, discord = stand_ins
    slack_world, discord_world = SlackWorld(slack), DiscordWorld(discord)
    channels = slack_world.new_channels(FAN_OUT) + discord_world.new_channels(FAN_OUT)
    await subscribe(tmp_path, pg_url, channels, coverage.vendor)
    stories = tmp_path / "stories"
    stories.mkdir()

    def tally() -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]:
        """(alerts, edits) per (platform, channel) as the stand-ins hold them: one pass over their
        records (a scan per channel would stall this event loop, which the stand-ins share)."""
        alerts: Counter[tuple[str, str]] = Counter()
        edits: Counter[tuple[str, str]] = Counter()
        for channel, messages in slack.messages.items():
            alerts["slack", channel] += sum(1 for m in messages if "thread_ts" not in m)
        for call in slack.calls_to("chat.update", ok=True):
            edits["slack", str(call.params["channel"])] += 1
        for message_id, message in discord.messages.items():
            alerts["discord", str(message["channel_id"])] += 1
            edits["discord", str(message["channel_id"])] += len(discord.edits.get(message_id, []))
        return alerts, edits

    keys = [(c.platform, c.channel) for c in channels]

    def everywhere(counts: Counter[tuple[str, str]]) -> bool:
        return all(counts[k] for k in keys)

    async with AsyncExitStack() as stack:
        bots = [
            await stack.enter_async_context(
                bot_running(
                    worker_env(tmp_path, pg_url, slack_world, discord_world, i), tmp_path, f"worker{i}"
                )
            )
            for i in range(WORKERS)
        ]
        await until(lambda: sum(not s.ws.closed for s in slack.sockets) >= WORKERS, "Slack sockets", bots)
        await until(lambda: sum(s.identified for s in discord.sessions) >= WORKERS, "Discord shards", bots)
        shards = sorted(s.shard for s in discord.sessions if s.identified)
        await until(lambda: folder_reader(pg_url), "a worker reading the folder", bots)
        reader = await folder_reader(pg_url)
        [doomed] = [b for b in bots if f":{b.proc.pid}:" in str(reader)]

        drop(coverage.first, stories)
        await until(lambda: sum(tally()[0].values()) >= 150, "150 alerts out", bots)
        await doomed.kill()
        in_flight = await query(
            pg_url, f"SELECT COUNT(*) FROM outbox WHERE state='in_flight' AND claimed_by='{reader}'"
        )
        at_kill = sum(tally()[0].values())
        survivors = [b for b in bots if b is not doomed]

        await until(lambda: everywhere(tally()[0]), "an alert in every channel", survivors)
        await until(lambda: settled(pg_url), "the alerts' outbox drained", survivors)
        drop(coverage.second, stories)  # read by whichever worker took the folder over
        await until(lambda: everywhere(tally()[1]), "an edit in every channel", survivors)
        await until(lambda: settled(pg_url), "the edits' outbox drained", survivors)
        new_reader = await folder_reader(pg_url)
        for bot in survivors:
            assert await bot.stop() == 0, bot.log()[-4000:]
            assert "Traceback" not in bot.log(), bot.log()[-4000:]

    alerts, edits = tally()
    assert {k: (alerts[k], edits[k]) for k in keys} == {k: (1, 1) for k in keys}
    assert (slack.rate_limited, discord.rate_limited) == (0, 0)
    assert at_kill < FAN_OUT * 2 and int(str(in_flight[0][0])) > 0, "the kill did not land mid fan-out"
    assert new_reader is not None and new_reader != reader
    assert await outbox_counts(pg_url) == {("post", "done"): 2 * FAN_OUT, ("edit", "done"): 2 * FAN_OUT}
    assert shards == [(i, WORKERS) for i in range(WORKERS)]  # each worker its own Discord shard
    # Every live worker sent something (rows are claimed per channel by whoever is free).
    senders = await query(
        pg_url, "SELECT COUNT(DISTINCT claimed_by) FROM outbox WHERE claimed_by IS NOT NULL"
    )
    assert int(str(senders[0][0])) >= 2
