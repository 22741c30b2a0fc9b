"""The shipped program as a child process for the end-to-end tests, and what they feed it.

Why one helper: every test that starts `python -m bot run` (or another `bot` command) needs the same
three things: an environment without the developer's own SLACK_/DISCORD_/BOT_ settings and with
this tree's code first on the path; output in a file, so that no pipe fills up or stays open; and
waits that poll without blocking, since the stand-in servers share the test's event loop, and fail
early with the log when the bot died instead of running out the clock.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO.parent / "shared" / "data" / "seeds"
SAMPLES = REPO / "bot" / "samples" / "stories"
BOT = (sys.executable, "-m", "bot")


def child_environment(**settings: str) -> dict[str, str]:
    """This process's environment without any SLACK_, DISCORD_ or BOT_ variable (a developer's
    tokens never reach a test's child), then `settings`; output unbuffered, this tree's code first."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "BOT_"))}
    path = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env | {"PYTHONUNBUFFERED": "1", "PYTHONPATH": path} | settings


class BotProcess:
    """`python -m bot run` (or `args`), its output in `<workdir>/<name>.log`."""

    def __init__(self, env: dict[str, str], workdir: Path, name: str, *args: str) -> None:
        self.log_path = workdir / f"{name}.log"
        with self.log_path.open("wb") as out:
            self.proc = subprocess.Popen(
                [*BOT, *(args or ("run",))],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=workdir,
            )

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    async def wait_exit(self, within: float) -> int:
        """Poll, never block: the stand-in servers share this thread's event loop."""
        deadline = time.monotonic() + within
        while (code := self.proc.poll()) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"bot did not exit within {within}s")
            await asyncio.sleep(0.02)
        return code

    async def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        assert await self.wait_exit(10.0) == -signal.SIGKILL

    async def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return await self.wait_exit(20.0)


@asynccontextmanager
async def bot_running(env: dict[str, str], workdir: Path, name: str, *args: str) -> AsyncIterator[BotProcess]:
    """A `BotProcess`, killed on the way out if the test left it running."""
    bot = BotProcess(env, workdir, name, *args)
    try:
        yield bot
    finally:
        if bot.alive():
            bot.proc.kill()
            await bot.wait_exit(10.0)


async def until(
    condition: Callable[[], object | Awaitable[object]],
    what: str,
    *bots: BotProcess,
    within: float = 120.0,
    every: float = 0.1,
) -> None:
    """Poll `condition` (plain or async) until it holds. Fails at once, with the logs, when every
    one of `bots` has exited, and after `within` seconds (generous: two shared cores)."""
    deadline = time.monotonic() + within
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if not any(bot.alive() for bot in bots) or time.monotonic() > deadline:
            logs = "\n".join(f"-- {bot.log_path.name} (exit {bot.proc.poll()}):\n{bot.log()[-3000:]}" for bot in bots)
            raise AssertionError(f"not within {within}s, or every bot exited: {what}\n{logs}")
        await asyncio.sleep(every)


@dataclass(frozen=True)
class Coverage:
    """Two outlets' files about one event, and the vendor they are about."""

    vendor: str
    first: Path
    second: Path


def two_outlets() -> Coverage:
    """The real seed stories when present, else two bundled samples that form one Okta story."""
    seeds = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if len(seeds) >= 2:
        return Coverage("kaspersky", seeds[0], seeds[1])
    return Coverage(
        "okta",
        SAMPLES / "2026-03-10-breachwire-okta-support-breach.md",
        SAMPLES / "2026-03-11-patchreport-okta-support-breach.txt",
    )
