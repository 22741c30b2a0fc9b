"""Figure 4: `/story` latency over a big stored corpus, through the command layer and through a signed
Slack HTTP request end to end, and how it grows with the corpus (1k -> 10k -> 100k -> 1M articles).

The corpus is generated (benchmarks/corpus.py) into one database that grows step by step (past 100k
articles by whole copies of the generated corpus, each a year further back: `grow_to`); at each step
`/story <vendor>` runs through `CommandService.run_text` for random vendors that have stories. At the
largest size the real service runs in-process in Slack HTTP mode against the stand-in Slack: each
request is a slash-command form signed with the signing secret as Slack signs it, POSTed to the bot's
own endpoint; the time is until the reply reaches the stand-in's response_url.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import random
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchmarks.common import Result, Sizes, bench_settings, distribution_ms
from benchmarks.corpus import CorpusVendors, corpus_size, grow_to
from bot.app import Application, open_core
from bot.chat.ports import CommandContext
from bot.config import Settings
from bot.models import ChannelRef
from tests.support.slack_server import SlackStandIn

TARGET = "p99 <= 20 ms at 1,000,000 articles"
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
START_TIMEOUT = 600.0  # start-up checks the whole database first (quick_check): minutes at 1M articles
REPLY_TIMEOUT = 10.0


def skeleton() -> Result:
    empty = distribution_ms([])
    return {
        "unit": "ms",
        "articles": None,
        "stories": None,
        "vendors": None,
        "command": dict(empty),
        "slack_http": dict(empty),
        "slack_http_ack": dict(empty),
        "growth": [],
        "target": TARGET,
        "missing": None,
    }


async def _admin() -> bool:
    return True


def signed_headers(body: str, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Slack's v0 request signature (HMAC-SHA256 of `v0:<timestamp>:<body>`)."""
    timestamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


async def vendors_with_stories(settings: Settings) -> list[str]:
    async with open_core(settings) as core:
        rows = await core.store.db.fetchall("SELECT DISTINCT vendor FROM story_vendors ORDER BY vendor")
    return [str(r["vendor"]) for r in rows]


async def command_latency(settings: Settings, queries: int, seed: int) -> list[float]:
    """Seconds per `/story <vendor>` through the command layer, vendors asked for in lower case."""
    async with open_core(settings) as core:
        rows = await core.store.db.fetchall("SELECT DISTINCT vendor FROM story_vendors")
        names = sorted(str(r["vendor"]) for r in rows)
        rng = random.Random(seed)
        ctx = CommandContext(ChannelRef("console", "bench", "bench"), user="bench", is_admin=_admin)
        for name in names[:5]:  # first-use costs (lookup tables, statement cache) outside the figure
            await core.commands.run_text(ctx, "story", name.lower())
        times: list[float] = []
        for _ in range(queries):
            vendor = rng.choice(names).lower()
            started = time.perf_counter()
            reply = await core.commands.run_text(ctx, "story", vendor)
            times.append(time.perf_counter() - started)
            if reply.story is None:
                raise RuntimeError(f"/story {vendor} found no story: {reply.text[:120]}")
    return times


@contextlib.asynccontextmanager
async def running(app: Application) -> AsyncIterator[None]:
    """Run the service in this event loop until the block ends."""
    task = asyncio.create_task(app.run())
    waiter = asyncio.create_task(app.started.wait())
    try:
        done, _ = await asyncio.wait(
            {task, waiter}, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if task in done:
            task.result()
            raise RuntimeError("the service stopped before it started")
        if waiter not in done:
            raise RuntimeError(f"the service did not start within {START_TIMEOUT:.0f}s")
        yield
    finally:
        waiter.cancel()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def slack_http_latency(settings: Settings, queries: int, seed: int) -> tuple[list[float], list[float]]:
    """(end-to-end seconds, ack seconds) of signed `/story` slash commands over Slack HTTP mode."""
    import aiohttp

    names = await vendors_with_stories(settings)
    rng = random.Random(seed)
    async with SlackStandIn() as slack:
        app_settings = bench_settings(
            settings.db_path.parent,
            BOT_DB_PATH=str(settings.db_path),
            BOT_VENDORS_FILE=str(settings.vendors_file) if settings.vendors_file else None,
            BOT_STORIES_DIR=str(settings.stories_dir),
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.api_url,
            SLACK_HTTP_HOST="127.0.0.1",
            SLACK_HTTP_PORT=0,
        )
        app = Application(app_settings, console=False)
        async with running(app), aiohttp.ClientSession() as session:
            platform: Any = app.platforms["slack"]
            host, port = platform.http_address
            url = f"http://{host}:{port}{app_settings.slack_http_path}"
            totals: list[float] = []
            acks: list[float] = []
            for index in range(queries + 3):
                command = f"/{app_settings.slack_command_prefix}story"  # /va-story by default
                body = urlencode(slack.slash_command_payload(command, rng.choice(names).lower()))
                expected = len(slack.responses) + 1
                started = time.perf_counter()
                async with session.post(url, data=body.encode(), headers=signed_headers(body)) as response:
                    await response.read()
                    acked = time.perf_counter()
                    if response.status != 200:
                        raise RuntimeError(f"the bot answered HTTP {response.status} to a signed request")
                await slack.wait_responses(expected, within=REPLY_TIMEOUT)
                finished = time.perf_counter()
                if index >= 3:  # the first requests pay for connection set-up and first use
                    totals.append(finished - started)
                    acks.append(acked - started)
    return totals, acks


async def bench_story_latency(folder: Path, sizes: Sizes) -> tuple[Result, Settings]:
    """The figure, and the settings of the grown corpus (the memory figure reuses the database)."""
    result = skeleton()
    folder.mkdir(parents=True, exist_ok=True)
    vendors = CorpusVendors.prepare(folder)
    settings = bench_settings(
        folder, BOT_VENDORS_FILE=str(vendors.vendors_file), BOT_DB_PATH=str(folder / "corpus.sqlite3")
    )
    growth: list[Result] = []
    command: list[float] = []
    for step, articles in enumerate(sizes.corpus_steps):
        async with open_core(settings) as core:
            size = await grow_to(core.store.db, articles, vendors.names)
        command = await command_latency(settings, sizes.story_queries, seed=step)
        row = distribution_ms(command)
        growth.append(
            {
                "articles": size.articles,
                "stories": size.stories,
                "command_p50_ms": row["p50_ms"],
                "command_p99_ms": row["p99_ms"],
            }
        )
    async with open_core(settings) as core:
        final = await corpus_size(core.store.db)
    result.update(
        articles=final.articles,
        stories=final.stories,
        vendors=final.vendors,
        growth=growth,
        command=distribution_ms(command),
    )
    totals, acks = await slack_http_latency(settings, sizes.slack_http_queries, seed=99)
    result["slack_http"] = distribution_ms(totals)
    result["slack_http_ack"] = distribution_ms(acks)
    return result, settings
