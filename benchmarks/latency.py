"""Figure 3: alert latency, story file written -> message received by the stand-in Slack and Discord.

The real service runs as `python -m bot run` in a subprocess with SLACK_API_URL / DISCORD_API_URL /
DISCORD_GATEWAY_URL pointing at stand-ins served by this process, so the bot uses the real slack-bolt
and discord.py clients over Socket Mode, the gateway and REST. Each story is about its own vendor, and
each vendor has its own subscribed channel on both platforms (subscribed through the command layer),
so every story is a new alert and no per-channel rate limit is ever in play. Stories are sent one at a
time, no faster than Slack's shared budget allows, so the figure is the bot's own latency, not queueing.

"Written" is the moment a finished file appears in the watched folder (renamed in from a staging
folder, as a download or sync tool finishes a file); the stand-ins stamp each request on arrival.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import Result, bench_settings, distribution_ms, python, service_env
from benchmarks.corpus import ArticleFactory
from bot.app import open_core
from bot.chat.ports import CommandContext
from bot.ingest import article_from_bytes
from bot.intel.vendors import VendorCatalog, VendorMatcher
from bot.models import ChannelRef, Salience
from tests.support.discord_server import DiscordStandIn
from tests.support.slack_server import SlackStandIn

TARGET = "p99 <= 500 ms (polling bots: 2-20 min)"
WARMUP_STORIES = 5
MIN_INTERVAL = 0.15  # Slack's shared budget: 10 posts a second per workspace
START_TIMEOUT = 60.0
STORY_TIMEOUT = 30.0
POLLING_BOTS_SECONDS = (120, 1200)


def skeleton() -> Result:
    empty = distribution_ms([])
    return {
        "unit": "ms",
        "stories": None,
        "slack": {**empty, "lost": None},
        "discord": {**empty, "lost": None},
        "settle_seconds": None,
        "polling_bots_ms": [s * 1000 for s in POLLING_BOTS_SECONDS],
        "target": TARGET,
        "missing": None,
    }


async def _admin() -> bool:
    return True


def alert_stories(count: int, factory: ArticleFactory) -> list[tuple[str, str]]:
    """(vendor, story file text) for `count` catalog vendors whose file the ingest path reads as being
    about that vendor alone (some names are also ordinary words and need more context than the
    generated text gives; those are skipped)."""
    catalog = VendorCatalog.load()
    matcher = VendorMatcher(catalog)
    chosen: list[tuple[str, str]] = []
    for vendor in (v.name for v in catalog.vendors):
        text = factory.story_file(vendor, len(chosen))
        article = article_from_bytes(text.encode("utf-8"), f"{vendor}.md")
        matches = matcher.match(article.title, article.body)
        if [(m.vendor, m.salience) for m in matches] == [(vendor, Salience.SUBJECT)]:
            chosen.append((vendor, text))
            if len(chosen) == count:
                return chosen
    raise RuntimeError(f"only {len(chosen)} catalog vendors usable for the latency run, {count} needed")


class ServiceProcess:
    """`python -m bot run` with its output in a log file (shown when it fails)."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.log = folder / "service.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [python(), "-m", "bot", "run"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=service_env(env),
                cwd=folder,
            )

    def check(self) -> None:
        if self.proc.poll() is not None:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the service exited with {self.proc.returncode}:\n{tail}")

    async def stop(self) -> None:
        """SIGTERM, then wait without blocking the loop: the stand-ins in this process must keep answering
        while the service closes its connections (a blocked loop makes it wait out its timeouts)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                await asyncio.to_thread(self.proc.wait, 15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                await asyncio.to_thread(self.proc.wait)


async def _until(condition: Callable[[], bool], within: float, service: ServiceProcess) -> bool:
    deadline = time.monotonic() + within
    while not condition():
        service.check()
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


async def bench_alert_latency(stories: int) -> tuple[Result, dict[str, list[float]]]:
    """The figure, and the latencies in seconds per platform (for the plot)."""
    factory = ArticleFactory(seed=21)
    total = stories + WARMUP_STORIES
    stories_to_send = alert_stories(total, factory)
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        folder = Path(tmp)
        settings = bench_settings(folder)
        staging = folder / "staging"
        staging.mkdir()
        settings.stories_dir.mkdir()
        async with SlackStandIn() as slack, DiscordStandIn() as discord:
            slack_channels = [f"CB{i:05d}" for i in range(total)]
            discord_channels = [discord.add_channel(name=f"alerts-{i}") for i in range(total)]
            async with open_core(settings) as core:
                for i, (vendor, _) in enumerate(stories_to_send):
                    for ref in (
                        ChannelRef("slack", slack.team_id, slack_channels[i]),
                        ChannelRef("discord", str(discord.guild_id), str(discord_channels[i])),
                    ):
                        ctx = CommandContext(ref, user="bench", is_admin=_admin)
                        reply = await core.commands.run_text(ctx, "subscribe", vendor)
                        if reply.error:
                            raise RuntimeError(f"/subscribe {vendor} failed: {reply.text}")
            staged = []
            for i, (_, text) in enumerate(stories_to_send):
                path = staging / f"story-{i:04d}.md"
                path.write_text(text, encoding="utf-8")
                staged.append(path)
            await asyncio.sleep(settings.settle_seconds)  # every staged file is older than the settle time
            service = ServiceProcess(
                folder,
                {
                    "BOT_DB_PATH": str(settings.db_path),
                    "BOT_STORIES_DIR": str(settings.stories_dir),
                    "BOT_LOG_LEVEL": "WARNING",
                    "SLACK_BOT_TOKEN": slack.bot_token,
                    "SLACK_APP_TOKEN": slack.app_token,
                    "SLACK_API_URL": slack.api_url,
                    "DISCORD_TOKEN": discord.token,
                    "DISCORD_API_URL": discord.api_url,
                    "DISCORD_GATEWAY_URL": discord.gateway_url,
                },
            )
            try:
                connected = await _until(
                    lambda: (
                        any(not c.ws.closed for c in slack.sockets)
                        and any(s.identified for s in discord.sessions)
                    ),
                    START_TIMEOUT,
                    service,
                )
                if not connected:
                    raise RuntimeError(f"the service did not connect within {START_TIMEOUT:.0f}s")
                latencies = await _drop_all(
                    staged, settings.stories_dir, slack, discord, slack_channels, discord_channels, service
                )
            finally:
                await service.stop()
    result = skeleton()
    result["stories"] = stories
    result["settle_seconds"] = settings.settle_seconds
    for name in ("slack", "discord"):
        measured = latencies[name][WARMUP_STORIES:]
        result[name] = {
            **distribution_ms([x for x in measured if x is not None]),
            "lost": sum(x is None for x in measured),
        }
    samples = {
        name: [x for x in values[WARMUP_STORIES:] if x is not None] for name, values in latencies.items()
    }
    return result, samples


async def _drop_all(
    staged: list[Path],
    stories_dir: Path,
    slack: Any,
    discord: Any,
    slack_channels: list[str],
    discord_channels: list[int],
    service: ServiceProcess,
) -> dict[str, list[float | None]]:
    """Move each staged file into the watched folder, one at a time; latency per platform (None: lost)."""
    latencies: dict[str, list[float | None]] = {"slack": [], "discord": []}
    for i, path in enumerate(staged):
        slack_channel = slack_channels[i]
        discord_path = f"/channels/{discord_channels[i]}/messages"

        def slack_post(channel: str = slack_channel) -> Any:
            return next(
                (c for c in slack.calls_to("chat.postMessage") if c.params.get("channel") == channel), None
            )

        def discord_post(wanted: str = discord_path) -> Any:
            return next(
                (r for r in reversed(discord.requests) if r.method == "POST" and r.path == wanted), None
            )

        written = time.monotonic()
        os.replace(path, stories_dir / path.name)
        within = START_TIMEOUT if i == 0 else STORY_TIMEOUT  # the first file waits for the watcher to go live
        await _until(lambda: slack_post() is not None and discord_post() is not None, within, service)
        for name, found in (("slack", slack_post()), ("discord", discord_post())):
            latencies[name].append(found.at - written if found is not None else None)
        pause = written + MIN_INTERVAL - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
    return latencies
