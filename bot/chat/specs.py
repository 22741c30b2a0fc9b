"""The neutral command model that every adapter speaks: specs as data, a context in, a reply out.

Adapters register `CommandSpec`s as slash commands (Slack), application commands (Discord) or
lines (console), build a `CommandContext` from the platform event, call `Commands.run(...)`, and
render the `Reply`. They never re-implement a command.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.models import ChannelRef, Story


class OptionKind(StrEnum):
    TEXT = "text"
    VENDOR = "vendor"  # a vendor name; autocomplete source "vendors"
    CHOICE = "choice"  # one of `choices`
    CHOICES = "choices"  # comma-separated subset of `choices`
    DURATION = "duration"  # 30m, 2h, 3d, 1w
    WORDS = "words"  # comma-separated keywords


@dataclass(frozen=True, slots=True)
class OptionSpec:
    name: str
    description: str
    kind: OptionKind = OptionKind.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    autocomplete: str | None = None  # "vendors" | "subscribed_vendors"
    keyword: bool = False  # given as `name:value` (filters) rather than by position
    max_length: int = 200


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str  # without the slash
    description: str
    options: tuple[OptionSpec, ...] = ()
    changes_subscriptions: bool = False  # gated by the subscription_permission setting

    @property
    def usage(self) -> str:
        parts = [f"/{self.name}"]
        for opt in self.options:
            shown = f"{opt.name}:…" if opt.keyword else opt.name.upper()
            parts.append(shown if opt.required else f"[{shown}]")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Who asked, where. `is_admin` is lazy: Slack pays a `users.info` call only when it matters."""

    channel: ChannelRef
    user: str
    is_admin: Callable[[], Awaitable[bool]]
    user_name: str = ""

    @property
    def platform(self) -> str:
        return self.channel.platform

    @property
    def workspace(self) -> str:
        return self.channel.workspace


@dataclass(frozen=True, slots=True)
class Reply:
    """A neutral answer. `text` is always a complete plain-text reply (console, fallbacks);
    `story` asks the adapter to render that story in full; `lines` are list items."""

    text: str
    story: Story | None = None
    lines: tuple[str, ...] = ()
    ephemeral: bool = True
    error: bool = False
    shareable: bool = False  # /story: the adapter may offer a "share to channel" button
    extra: Mapping[str, str] = field(default_factory=dict)


class Commands(Protocol):
    """What adapters call. Implemented by `bot.chat.commands.CommandService`."""

    @property
    def specs(self) -> Sequence[CommandSpec]: ...

    async def run(self, ctx: CommandContext, name: str, args: Mapping[str, str]) -> Reply:
        """Typed options already split (Discord). Unknown option names are an error reply."""
        ...

    async def run_text(self, ctx: CommandContext, name: str, text: str) -> Reply:
        """The raw argument text of a slash command (Slack, console): parsed against the spec."""
        ...

    async def autocomplete(self, ctx: CommandContext, source: str, prefix: str) -> list[str]:
        """Up to 25 suggestions for an option's autocomplete source."""
        ...
