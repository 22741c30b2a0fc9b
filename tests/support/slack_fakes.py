"""Test doubles for the Slack adapter tests that are not Slack itself: a recording fake of the
`Commands` port (the core side of the adapter) and a runner for any ChatPlatform. Stories come from
tests/support/stories.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

from bot.chat.ports import CommandContext, Reply
from bot.chat.specs import CommandSpec


@asynccontextmanager
async def running(platform: Any, *, within: float = 10.0) -> AsyncIterator[asyncio.Task[None]]:
    """Run a ChatPlatform's `run()` until it is ready; cancel and await it on exit.

    If `run()` fails before it is ready, its exception is raised here instead of a timeout.
    """
    task: asyncio.Task[None] = asyncio.create_task(platform.run())
    ready = asyncio.create_task(platform.ready.wait())
    try:
        done, _ = await asyncio.wait({task, ready}, timeout=within, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # raises what run() raised
            raise AssertionError("run() returned before the platform was ready")
        if ready not in done:
            raise AssertionError(f"platform not ready within {within}s")
        yield task
    finally:
        ready.cancel()
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


@dataclass
class CommandCall:
    ctx: CommandContext
    name: str
    text: str


class RecordingCommands:
    """A fake of the `bot.chat.specs.Commands` port (the core side of the adapter).

    Records every call; answers from `replies` (name -> Reply or callable(ctx, text) -> Reply), and
    can hold a command at `gate` to prove the ack does not wait for the work.
    """

    def __init__(self, specs: Sequence[CommandSpec] | None = None) -> None:
        self._specs = tuple(specs) if specs is not None else DEFAULT_SPECS
        self.calls: list[CommandCall] = []
        self.replies: dict[str, Any] = {}
        self.gate: asyncio.Event | None = None
        self.finished = 0
        self.admin_answers: list[bool] = []

    @property
    def specs(self) -> Sequence[CommandSpec]:
        return self._specs

    async def run_text(self, ctx: CommandContext, name: str, text: str) -> Reply:
        self.calls.append(CommandCall(ctx, name, text))
        if self.gate is not None:
            await self.gate.wait()
        spec = next((s for s in self._specs if s.name == name), None)
        if spec is not None and spec.changes_subscriptions:
            allowed = await ctx.is_admin()
            self.admin_answers.append(allowed)
            if not allowed:
                self.finished += 1
                return Reply("Only workspace admins can change subscriptions here.", error=True)
        answer = self.replies.get(name, Reply(f"ran /{name} {text}".strip()))
        reply: Reply = answer(ctx, text) if callable(answer) else answer
        self.finished += 1
        return reply

    async def run(self, ctx: CommandContext, name: str, args: Mapping[str, str]) -> Reply:
        return await self.run_text(ctx, name, " ".join(args.values()))

    async def autocomplete(self, ctx: CommandContext, source: str, prefix: str) -> list[str]:
        return []


DEFAULT_SPECS: tuple[CommandSpec, ...] = (
    CommandSpec("subscribe", "Alert this channel about a vendor", changes_subscriptions=True),
    CommandSpec("story", "The latest story about a vendor"),
    CommandSpec("vendors", "Browse the vendor catalog"),
)



