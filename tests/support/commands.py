"""The one fake of the `Commands` port (bot/chat/ports.py), the core side of an adapter, for the adapter
tests: it records every call and answers from `replies`, so a test sees exactly what the adapter
passed in and renders what it got back.

Slack and the console call `run_text` (raw argument text); Discord calls `run` (typed options) and is
built with `typed_only=True`, so a raw-text call from it fails the test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.chat.ports import CommandContext, Reply
from bot.chat.specs import CommandSpec, OptionKind, OptionSpec
from bot.models import EventType


@dataclass
class CommandCall:
    ctx: CommandContext
    name: str
    text: str = ""  # the raw argument text (run_text) or the typed values joined (run)
    args: dict[str, str] = field(default_factory=dict)  # typed options (run)
    is_admin: bool | None = None  # asked on every typed call


class RecordingCommands:
    """Records every call; answers from `replies` (name -> Reply, or callable(ctx, text) -> Reply);
    can hold a raw-text command at `gate` (to prove the ack does not wait for the work); completes
    vendor names from `vendors`."""

    def __init__(self, specs: Sequence[CommandSpec] | None = None, *, typed_only: bool = False) -> None:
        self._specs = tuple(specs) if specs is not None else (TYPED_SPECS if typed_only else TEXT_SPECS)
        self.typed_only = typed_only
        self.calls: list[CommandCall] = []
        self.replies: dict[str, Any] = {}
        self.gate: asyncio.Event | None = None
        self.finished = 0
        self.admin_answers: list[bool] = []
        self.vendors = ["Kaspersky", "Kape Technologies", "Okta", "Oracle"]
        self.completions: list[tuple[str, str]] = []

    @property
    def specs(self) -> Sequence[CommandSpec]:
        return self._specs

    async def run_text(self, ctx: CommandContext, name: str, text: str) -> Reply:
        if self.typed_only:
            raise AssertionError("Discord passes typed options, never raw text")
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
        if not self.typed_only:
            return await self.run_text(ctx, name, " ".join(args.values()))
        self.calls.append(CommandCall(ctx, name, " ".join(args.values()), dict(args), await ctx.is_admin()))
        reply: Reply = self.replies.get(name, Reply(f"ran /{name}"))
        return reply

    async def autocomplete(self, ctx: CommandContext, source: str, prefix: str) -> list[str]:
        self.completions.append((source, prefix))
        return [v for v in self.vendors if v.lower().startswith(prefix.lower())]


# Raw-text commands (Slack, console): names only.
TEXT_SPECS: tuple[CommandSpec, ...] = (
    CommandSpec("subscribe", "Alert this channel about a vendor", changes_subscriptions=True),
    CommandSpec("story", "The latest story about a vendor"),
    CommandSpec("vendors", "Browse the vendor catalog"),
)


# Typed commands (Discord): with options, autocomplete and keyword filters.
TYPED_SPECS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "subscribe",
        "Alert this channel about a vendor's new stories",
        (
            OptionSpec(
                "vendor", "Vendor name or alias", OptionKind.VENDOR, required=True, autocomplete="vendors"
            ),
            OptionSpec(
                "types", "Only these event types", OptionKind.CHOICES, choices=tuple(EventType), keyword=True
            ),
            OptionSpec(
                "mode", "instant or digest", OptionKind.CHOICE, choices=("instant", "digest"), keyword=True
            ),
            OptionSpec("include", "Only stories with these words", OptionKind.WORDS, keyword=True),
        ),
        changes_subscriptions=True,
    ),
    CommandSpec(
        "story",
        "The latest story about a vendor",
        (
            OptionSpec(
                "vendor", "Vendor name or alias", OptionKind.VENDOR, required=True, autocomplete="vendors"
            ),
        ),
    ),
    CommandSpec("subscriptions", "This channel's subscriptions"),
)
