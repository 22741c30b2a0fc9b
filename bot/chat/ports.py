"""The platform interface, both halves, and the budgets workers share.

Outgoing: `ChatPlatform`, which every chat platform implements for messages and for running; the core
(outbox workers, digests, routing) talks only to it, `bot/adapters/*` implement it.
Shared: `SharedBudget`, the rate budgets that several workers keep together (the store implements it,
the delivery core and adapters use it).
Incoming: `Commands`, which adapters call with a `CommandContext` built from the platform event, and
the `Reply` they render. They never re-implement a command (bot/chat/commands.py does).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.chat.specs import CommandSpec
from bot.models import ChannelRef, MessageRef, Story


class ChatPlatform(Protocol):
    """A connected chat platform.

    `delivery_key` is a stable id for one (story, subscription) post: adapters use it to make a post
    idempotent (Discord message `nonce` + `enforce_nonce`, Slack message `metadata`), and
    `find_delivered` looks it up after a crash left a delivery in flight.
    Methods raise `bot.chat.errors.DeliveryError` subclasses, nothing platform-specific.
    """

    name: str  # "slack" | "discord" | "console"; equals ChannelRef.platform of its channels
    ready: asyncio.Event  # set once connected and able to send

    async def run(self) -> None:
        """Connect, serve commands, and keep running until cancelled; clean up on cancel."""
        ...

    async def post_alert(self, channel: ChannelRef, story: Story, *, delivery_key: str) -> MessageRef: ...

    async def edit_alert(self, ref: MessageRef, story: Story) -> None: ...

    async def post_followup(
        self, ref: MessageRef, story: Story, new_outlets: Sequence[str], *, delivery_key: str | None = None
    ) -> None:
        """A thread reply (Slack) / thread message (Discord) naming the outlets that joined."""
        ...

    async def post_digest(
        self, channel: ChannelRef, stories: Sequence[Story], *, delivery_key: str
    ) -> MessageRef: ...

    async def find_delivered(
        self,
        channel: ChannelRef,
        delivery_key: str,
        *,
        since: float | None = None,
        until: float | None = None,
        thread: MessageRef | None = None,
    ) -> MessageRef | None:
        """The message already posted with this key, if the platform can tell (else None); with
        `thread`, among the replies to that alert (a follow-up) instead of the channel's messages.

        `since`/`until` (Unix seconds) bound when it can have been posted: the first attempt and a
        while after the last, so a platform that rations history reads looks at that stretch only.
        Raises `RateLimited` when the platform's lookup budget is spent (the outbox asks again later).
        """
        ...


class SharedBudget(Protocol):
    """Rate budgets kept where every worker sees them (bot.store.cluster.SharedBudgets, a database
    table), so that N workers on one database together keep a limit that one process would keep.

    A scope is a name ("slack:T1", "slack-history:T1"); times are `now()`'s clock (Unix seconds)."""

    def now(self) -> float: ...

    async def reserve(self, scope: str, interval: float) -> float:
        """Take the scope's next free slot, `interval` after the one before: the moment it may go."""
        ...

    async def hold(self, scope: str, seconds: float) -> None:
        """A 429 for the whole scope: no slot in it for `seconds`."""
        ...

    async def claim(self, scope: str, interval: float) -> float:
        """One call of the scope now, if `interval` has passed since the last one claimed (0.0:
        taken); else the seconds until it has. For limits that a late caller must not crowd."""
        ...


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
