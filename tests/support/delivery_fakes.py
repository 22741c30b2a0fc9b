"""An in-process chat platform that enforces rate limits like the real ones and records every call.

Used by the fan-out benchmark and the delivery tests (it stands in for the external port only: our
own code runs for real). It answers 429 with Retry-After when its windows are exceeded, can be told
to fail calls (transient, permanent, channel gone, accepted-then-timed-out) and, like Slack message
metadata or Discord's nonce, remembers delivery keys so that `find_delivered` and idempotent resends
can be checked.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.chat.errors import RateLimited
from bot.delivery.limits import PlatformLimits, Window
from bot.models import ChannelRef, MessageRef, Story
from bot.store.bulk import insert_subscriptions
from bot.store.db import Database
from bot.store.timefmt import to_db


@dataclass
class Fault:
    op: str  # post_alert | edit_alert | post_followup | post_digest | find_delivered | "*"
    error: BaseException
    times: int | None = 1  # None: every call
    channel: str | None = None  # only calls to this channel id
    after_delivery: bool = False  # the platform accepts the message, then the call fails (lost reply)


@dataclass(frozen=True, slots=True)
class Sent:
    op: str
    channel: ChannelRef
    message_id: str
    story_ids: tuple[int, ...]
    version: int
    delivery_key: str | None
    at: float  # loop time when the platform accepted it
    outlets: tuple[str, ...] = ()


@dataclass
class _Enforcer:
    windows: tuple[Window, ...]
    times: deque[float] = field(default_factory=deque)

    def check(self, now: float) -> float:
        """0 if one more request fits, else seconds until it would (the Retry-After)."""
        for w in self.windows:
            if len(self.times) >= w.count:
                wait = self.times[-w.count] + w.seconds - now
                if wait > 0:
                    return wait
        return 0.0

    def add(self, now: float) -> None:
        self.times.append(now)
        keep = max((w.count for w in self.windows), default=0)
        while len(self.times) > keep:
            self.times.popleft()


class FakePlatform:
    """A `ChatPlatform` whose "server" is this object. `find_delivered` behaves like Slack (looks the
    key up) unless `finds_delivered=False` (Discord: returns None, but `idempotent_keys` makes a
    resend with the same key return the first message, as nonce + enforce_nonce does)."""

    def __init__(
        self,
        name: str = "fake",
        *,
        limits: PlatformLimits | None = None,
        latency: float = 0.0,
        finds_delivered: bool = True,
        idempotent_keys: bool = False,
    ) -> None:
        self.name = name
        self.ready = asyncio.Event()
        self.ready.set()
        self.limits = limits or PlatformLimits()
        self.latency = latency
        self.finds_delivered = finds_delivered
        self.idempotent_keys = idempotent_keys
        self.sent: list[Sent] = []
        self.rate_limited = 0  # 429s answered
        self.calls: list[tuple[str, str]] = []  # (op, channel) of every call, accepted or not
        self.faults: list[Fault] = []
        self.by_key: dict[str, MessageRef] = {}
        self.hold: asyncio.Event | None = None  # when set to an unset Event, accepted calls wait on it
        self.max_concurrent = 0  # most calls under way at once (parallel fan-out shows here)
        self._active = 0
        self._ids = itertools.count(1)
        self._channel_windows: dict[str, _Enforcer] = {}
        self._shared_windows: dict[str, _Enforcer] = {}

    # -- what tests look at ----------------------------------------------------------------------------

    def of(self, op: str) -> list[Sent]:
        return [s for s in self.sent if s.op == op]

    def posts_per_channel(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for s in self.of("post_alert"):
            counts[s.channel.channel] = counts.get(s.channel.channel, 0) + 1
        return counts

    def fail(
        self,
        op: str,
        error: BaseException,
        *,
        times: int | None = 1,
        channel: str | None = None,
        after_delivery: bool = False,
    ) -> Fault:
        """Make the next `times` calls of `op` (None: all of them) raise `error`."""
        fault = Fault(op, error, times, channel, after_delivery)
        self.faults.append(fault)
        return fault

    # -- the ChatPlatform protocol -----------------------------------------------------------------------

    async def run(self) -> None:
        await asyncio.Event().wait()

    async def post_alert(self, channel: ChannelRef, story: Story, *, delivery_key: str) -> MessageRef:
        return await self._accept("post_alert", channel, (story.id,), story.version, delivery_key)

    async def edit_alert(self, ref: MessageRef, story: Story) -> None:
        await self._accept(
            "edit_alert", ref.channel, (story.id,), story.version, None, message_id=ref.message_id
        )

    async def post_followup(
        self, ref: MessageRef, story: Story, new_outlets: Sequence[str], *, delivery_key: str | None = None
    ) -> None:
        await self._accept(
            "post_followup", ref.channel, (story.id,), story.version, None, outlets=tuple(new_outlets)
        )

    async def post_digest(
        self, channel: ChannelRef, stories: Sequence[Story], *, delivery_key: str
    ) -> MessageRef:
        return await self._accept("post_digest", channel, tuple(s.id for s in stories), 0, delivery_key)

    async def find_delivered(
        self,
        channel: ChannelRef,
        delivery_key: str,
        *,
        since: float | None = None,
        until: float | None = None,
        thread: MessageRef | None = None,
    ) -> MessageRef | None:
        self.calls.append(("find_delivered", channel.channel))
        self._maybe_fail("find_delivered", channel, after=False)
        return self.by_key.get(delivery_key) if self.finds_delivered else None

    # -- the "server" -------------------------------------------------------------------------------------

    def _maybe_fail(self, op: str, channel: ChannelRef, *, after: bool) -> None:
        for fault in self.faults:
            if fault.op not in (op, "*") or fault.after_delivery != after:
                continue
            if fault.channel is not None and fault.channel != channel.channel:
                continue
            if fault.times is not None:
                if fault.times <= 0:
                    continue
                fault.times -= 1
            raise fault.error

    def _enforce(self, channel: ChannelRef) -> None:
        now = asyncio.get_running_loop().time()
        own = self._channel_windows.setdefault(
            f"{channel.workspace}/{channel.channel}", _Enforcer(self.limits.per_channel)
        )
        scope_key = channel.workspace if self.limits.shared_scope == "workspace" else ""
        shared = self._shared_windows.setdefault(scope_key, _Enforcer(self.limits.shared))
        for enforcer, scope in ((shared, "global"), (own, "channel")):
            wait = enforcer.check(now)
            if wait > 0:
                self.rate_limited += 1
                raise RateLimited(wait, scope)
        own.add(now)
        shared.add(now)

    async def _accept(
        self,
        op: str,
        channel: ChannelRef,
        story_ids: tuple[int, ...],
        version: int,
        delivery_key: str | None,
        *,
        message_id: str | None = None,
        outlets: tuple[str, ...] = (),
    ) -> MessageRef:
        self.calls.append((op, channel.channel))
        self._maybe_fail(op, channel, after=False)
        self._active += 1
        self.max_concurrent = max(self.max_concurrent, self._active)
        try:
            return await self._deliver(op, channel, story_ids, version, delivery_key, message_id, outlets)
        finally:
            self._active -= 1

    async def _deliver(
        self,
        op: str,
        channel: ChannelRef,
        story_ids: tuple[int, ...],
        version: int,
        delivery_key: str | None,
        message_id: str | None,
        outlets: tuple[str, ...],
    ) -> MessageRef:
        if delivery_key and self.idempotent_keys and delivery_key in self.by_key:
            return self.by_key[delivery_key]  # Discord: same nonce within the window, same message
        self._enforce(channel)
        ref = MessageRef(channel, message_id or str(next(self._ids)))
        self.sent.append(
            Sent(
                op,
                channel,
                ref.message_id,
                story_ids,
                version,
                delivery_key,
                asyncio.get_running_loop().time(),
                outlets,
            )
        )
        if delivery_key:
            self.by_key[delivery_key] = ref
        if self.hold is not None:
            await self.hold.wait()
        if self.latency:
            await asyncio.sleep(self.latency)
        self._maybe_fail(op, channel, after=True)
        return ref


async def add_subscriptions(
    db: Database,
    channels: Sequence[ChannelRef],
    vendor: str,
    *,
    created_at: datetime | None = None,
    mode: str = "instant",
    **columns: str,
) -> list[int]:
    """Insert subscriptions in bulk (fast for thousands of channels); returns their ids."""
    created = to_db(created_at or datetime.now(UTC) - timedelta(days=1))
    names = ["platform", "workspace", "channel", "vendor", "mode", "created_at", *columns]
    rows = [(c.platform, c.workspace, c.channel, vendor, mode, created, *columns.values()) for c in channels]
    return await insert_subscriptions(db, names, rows)
