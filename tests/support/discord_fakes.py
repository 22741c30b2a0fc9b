"""The bot side of adapter tests: a recording fake of the `bot.chat.specs.Commands` port, its
command specs, and running a `DiscordPlatform` against a stand-in (stories: tests/support/stories.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.adapters.discord import DiscordPlatform
from bot.chat.ports import CommandContext, Reply
from bot.chat.specs import CommandSpec, OptionKind, OptionSpec
from bot.config import Settings
from bot.models import EventType

if TYPE_CHECKING:
    from tests.support.discord_server import DiscordStandIn

ALL_SPECS: tuple[CommandSpec, ...] = (
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


@dataclass
class CommandCall:
    ctx: CommandContext
    name: str
    args: dict[str, str]
    is_admin: bool


class RecordingCommands:
    """A fake of the `bot.chat.specs.Commands` port (the core side of the adapter): records every
    call, answers from `replies` (name -> Reply), completes vendors from `vendors`."""

    def __init__(self, specs: Sequence[CommandSpec] = ALL_SPECS) -> None:
        self._specs = tuple(specs)
        self.calls: list[CommandCall] = []
        self.replies: dict[str, Reply] = {}
        self.vendors = ["Kaspersky", "Kape Technologies", "Okta", "Oracle"]
        self.completions: list[tuple[str, str]] = []

    @property
    def specs(self) -> Sequence[CommandSpec]:
        return self._specs

    async def run(self, ctx: CommandContext, name: str, args: Mapping[str, str]) -> Reply:
        self.calls.append(CommandCall(ctx, name, dict(args), await ctx.is_admin()))
        return self.replies.get(name, Reply(f"ran /{name}"))

    async def run_text(self, ctx: CommandContext, name: str, text: str) -> Reply:
        raise AssertionError("Discord passes typed options, never raw text")

    async def autocomplete(self, ctx: CommandContext, source: str, prefix: str) -> list[str]:
        self.completions.append((source, prefix))
        return [v for v in self.vendors if v.lower().startswith(prefix.lower())]


# -- running the adapter against a stand-in ------------------------------------------------------


def settings_for(discord: DiscordStandIn, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "DISCORD_TOKEN": discord.token,
        "DISCORD_API_URL": discord.api_url,
        "DISCORD_GATEWAY_URL": discord.gateway_url,
    }
    return Settings(_env_file=None, **{**values, **extra})  # type: ignore[call-arg]


@asynccontextmanager
async def running(platform: DiscordPlatform) -> AsyncIterator[DiscordPlatform]:
    """Run the platform until the block ends; a start-up failure is raised, not hidden."""
    task = asyncio.create_task(platform.run())
    ready = asyncio.create_task(platform.ready.wait())
    try:
        await asyncio.wait({task, ready}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()
        assert platform.ready.is_set(), "platform did not become ready"
        yield platform
    finally:
        ready.cancel()
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
