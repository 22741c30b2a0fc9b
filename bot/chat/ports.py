"""The one interface every chat platform implements for outgoing messages and for running.

The core (outbox workers, digests, routing) talks only to this; `bot/adapters/*` implement it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

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

    async def post_followup(self, ref: MessageRef, story: Story, new_outlets: Sequence[str]) -> None:
        """A thread reply (Slack) / thread message (Discord) naming the outlets that joined."""
        ...

    async def post_digest(
        self, channel: ChannelRef, stories: Sequence[Story], *, delivery_key: str
    ) -> MessageRef: ...

    async def find_delivered(self, channel: ChannelRef, delivery_key: str) -> MessageRef | None:
        """The message already posted with this key, if the platform can tell (else None)."""
        ...
