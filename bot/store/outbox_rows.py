"""What an outbox row is, and how one is read from and addressed in the database.

Shared by the outbox itself (`bot.store.outbox`) and the digest bookkeeping (`bot.store.digests`),
which queues its digest rows into the same table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.models import ChannelRef, MessageRef
from bot.store.dialect import Row


class OutboxKind(StrEnum):
    POST = "post"
    EDIT = "edit"
    FOLLOWUP = "followup"
    DIGEST = "digest"


class OutboxState(StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    DEAD = "dead"
    CANCELLED = "cancelled"


OPEN_STATES = (OutboxState.PENDING, OutboxState.IN_FLIGHT)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    kind: OutboxKind
    subscription_id: int
    story_id: int  # 0 for digests
    story_version: int
    channel: ChannelRef
    state: OutboxState
    attempts: int
    maybe_sent: bool
    created_at: float
    not_before: float
    new_outlets: tuple[str, ...] = ()
    story_ids: tuple[int, ...] = ()  # digests: the stories listed
    last_error: str | None = None
    subscription_active: bool = True  # the owning subscription exists and is not disabled
    first_attempt_at: float | None = None  # when first handed to the platform (Unix seconds)
    last_attempt_at: float | None = None  # when last handed to the platform

    @property
    def delivery_key(self) -> str:
        """Stable per delivery across retries and restarts; at most 25 chars (Discord nonce limit)."""
        if self.kind is OutboxKind.DIGEST:
            return f"d{self.subscription_id}r{self.id}"
        return f"s{self.story_id}p{self.id}"

    @property
    def channel_key(self) -> str:
        return f"{self.channel.workspace}\x1f{self.channel.channel}"


@dataclass(frozen=True, slots=True)
class StoredRef:
    """The alert message of one (story, channel): what later edits and follow-ups act on."""

    ref: MessageRef
    subscription_id: int
    posted_version: int  # the story version the first post showed (follow-ups older than it are moot)
    version: int  # the story version the message shows now


@dataclass(frozen=True, slots=True)
class DeadLetter:
    outbox_id: int
    kind: OutboxKind
    subscription_id: int
    story_id: int
    channel: ChannelRef
    attempts: int
    reason: str
    dead_at: datetime | None


ROW_SELECT = (
    "SELECT o.*, (s.id IS NOT NULL AND s.disabled_reason IS NULL) AS sub_active"
    " FROM outbox o LEFT JOIN subscriptions s ON s.id = o.subscription_id"
)


def outbox_row(r: Row) -> OutboxRow:
    payload = json.loads(r["payload"] or "{}")
    return OutboxRow(
        id=r["id"],
        kind=OutboxKind(r["kind"]),
        subscription_id=r["subscription_id"],
        story_id=r["story_id"],
        story_version=r["story_version"],
        channel=ChannelRef(r["platform"], r["workspace"], r["channel"]),
        state=OutboxState(r["state"]),
        attempts=r["attempts"],
        maybe_sent=bool(r["maybe_sent"]),
        created_at=r["created_at"],
        not_before=r["not_before"],
        new_outlets=tuple(payload.get("outlets", ())),
        story_ids=tuple(int(i) for i in payload.get("stories", ())),
        last_error=r["last_error"],
        subscription_active=bool(r["sub_active"]),
        first_attempt_at=r["first_attempt_at"],
        last_attempt_at=r["last_attempt_at"],
    )


def where_channel(story_id: int, channel: ChannelRef) -> tuple[str, tuple[Any, ...]]:
    return (
        "story_id=? AND platform=? AND workspace=? AND channel=?",
        (story_id, channel.platform, channel.workspace, channel.channel),
    )


def channel_params(channel: ChannelRef) -> tuple[str, str, str]:
    return (channel.platform, channel.workspace, channel.channel)
