"""Delivering one outbox row: claim, send through the rate gate, record, or decide what a failure means.

Order matters for exactly-once: the row is committed in_flight before the platform is called, and the
message reference is committed together with `done`. Anything between those two commits (crash,
timeout, 5xx) leaves `maybe_sent`, and a post or digest then asks `find_delivered` before sending
again (Slack finds it by message metadata; Discord's nonce + enforce_nonce makes the resend a no-op).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from bot.chat.errors import ChannelUnavailable, DeliveryError, PermanentFailure, RateLimited
from bot.chat.ports import ChatPlatform
from bot.config import Settings
from bot.delivery.limits import RateGate, RetryPolicy
from bot.models import ChannelRef, MessageRef, Story
from bot.observability import telemetry
from bot.store.outbox import OutboxKind, OutboxRow, OutboxState, OutboxStore, StoredRef

log = logging.getLogger(__name__)

T = TypeVar("T")
# A channel held by a 429 for longer than this is not waited for inside a delivery: the row is parked.
HOLD_INSTEAD_OF_WAITING = 2.0
# Platform message times against our clock: the lookup window is widened by this much each side.
CLOCK_SKEW_SECONDS = 5.0


class LookupRateLimited(Exception):
    """`find_delivered` (a history read) was rate limited: that budget, not the channel's sends."""

    def __init__(self, limited: RateLimited) -> None:
        super().__init__(str(limited))
        self.limited = limited
StoryLoader = Callable[[int], Awaitable[Story | None]]
StoryScope = Callable[[Story, ChannelRef], Story]  # the story as one channel's workspace may see it


class StoryCache:
    """Fan-out renders one story thousands of times: load it once. A row asks for at least the
    version it was routed with, so a cached older version is never used for a newer change."""

    def __init__(self, load: StoryLoader, size: int = 256, *, scope: StoryScope | None = None) -> None:
        self._load = load
        self._scope = scope
        self._size = size
        self._cache: OrderedDict[int, Story] = OrderedDict()
        self._lock = asyncio.Lock()  # loads share one connection anyway; this stops N loads of one story

    def _hit(self, story_id: int, min_version: int) -> Story | None:
        cached = self._cache.get(story_id)
        if cached is not None and cached.version >= min_version:
            self._cache.move_to_end(story_id)
            return cached
        return None

    async def get(self, story_id: int, min_version: int = 0) -> Story | None:
        hit = self._hit(story_id, min_version)
        if hit is not None:
            return hit
        async with self._lock:
            hit = self._hit(story_id, min_version)
            if hit is not None:
                return hit
            story = await self._load(story_id)
            if story is not None:
                self._cache[story_id] = story
                self._cache.move_to_end(story_id)
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
            return story

    async def shown_in(self, channel: ChannelRef, story_id: int, min_version: int = 0) -> Story | None:
        """The story as `channel` may see it (its workspace's view of the vendor names)."""
        story = await self.get(story_id, min_version)
        if story is None or self._scope is None:
            return story
        return self._scope(story, channel)


class RowSender:
    def __init__(
        self,
        platform: ChatPlatform,
        outbox: OutboxStore,
        stories: StoryCache,
        gate: RateGate,
        settings: Settings,
        retry: RetryPolicy,
        clock: Callable[[], datetime],
        claimer: str | None = None,
    ) -> None:
        """`claimer`: this worker's id when several share the database (marks its in-flight rows)."""
        self._claimer = claimer
        self._platform = platform
        self._outbox = outbox
        self._stories = stories
        self._gate = gate
        self._settings = settings
        self._retry = retry
        self._clock = clock

    def _now(self) -> float:
        return self._clock().timestamp()

    async def deliver(self, row: OutboxRow) -> float | None:
        """Handle one due row. Returns the row's new `not_before` when it was put off, else None."""
        if not row.subscription_active:
            await self._outbox.cancel(row.id, "subscription removed or disabled", self._now())
            return None
        stored: StoredRef | None = None
        if row.kind in (OutboxKind.EDIT, OutboxKind.FOLLOWUP):
            stored = await self._outbox.message_ref(row.story_id, row.channel)
            if stored is None:
                return await self._wait_for_post(row)
        held = self._gate.held_for(row.channel)
        if held > HOLD_INSTEAD_OF_WAITING:
            # Parked rather than slept on: a sleeping delivery would hold one of the parallel slots
            # that other channels need.
            now = self._now()
            await self._outbox.reschedule(
                row.id, now + held, now, error=None, maybe_sent=row.maybe_sent, failed=False
            )
            return now + held
        settle = self._unknown_outcome_settles(row)
        if settle is not None:
            now = self._now()
            await self._outbox.reschedule(row.id, settle, now, error=None, maybe_sent=True, failed=False)
            return settle
        claimed = await self._outbox.claim(row.id, self._now(), self._claimer)
        if claimed is None:
            return None  # cancelled or taken meanwhile
        platform, kind = claimed.channel.platform, str(claimed.kind)
        try:
            await self._send(claimed, stored, self._lookup_window(row))
            telemetry().delivery(platform, kind, "sent")
        except LookupRateLimited as exc:
            # Only the history lookup was refused: the channel's sends are not held for it.
            wait = min(exc.limited.retry_after, self._settings.max_retry_after_seconds)
            return await self._retry_later(claimed, wait, f"lookup {exc.limited}", failed=False)
        except RateLimited as exc:
            telemetry().rate_limited(platform, min(exc.retry_after, self._settings.max_retry_after_seconds))
            telemetry().delivery(platform, kind, "rate_limited")
            return await self._rate_limited(claimed, exc)
        except ChannelUnavailable as exc:
            telemetry().delivery(platform, kind, "channel_gone")
            reason = f"channel unavailable: {exc}"
            disabled = await self._outbox.channel_unavailable(claimed, reason, self._now())
            log.warning("%s: %s; %d subscription(s) there disabled", claimed.channel, reason, disabled)
        except PermanentFailure as exc:
            await self._dead_letter(claimed, f"refused: {exc}", claimed.attempts + 1)
        except (DeliveryError, TimeoutError, OSError) as exc:
            telemetry().delivery(platform, kind, "retry")
            reason = str(exc) or type(exc).__name__
            return await self._retry_later(
                claimed, self._retry.delay(claimed.attempts + 1), reason, failed=True
            )
        except Exception as exc:  # an adapter bug must not lose the alert: retried like a 5xx, loudly
            log.exception(
                "unexpected error delivering %s %s to %s", claimed.kind, claimed.id, claimed.channel
            )
            reason = f"{type(exc).__name__}: {exc}"
            return await self._retry_later(
                claimed, self._retry.delay(claimed.attempts + 1), reason, failed=True
            )
        return None

    def _unknown_outcome_settles(self, row: OutboxRow) -> float | None:
        """A post or digest that may have reached the platform is not looked for until
        `uncertain_wait_seconds` after that attempt: a platform that answers late (or not at all) may
        still be storing it, and a lookup before then would miss it and post a second copy."""
        if not row.maybe_sent or row.kind is OutboxKind.EDIT:  # an edit is simply done again
            return None
        attempted = row.last_attempt_at if row.last_attempt_at is not None else row.created_at
        ready = attempted + self._settings.uncertain_wait_seconds
        if self._now() >= ready:
            return None
        return ready

    def _lookup_window(self, row: OutboxRow) -> tuple[float, float] | None:
        """(since, until) in which an earlier attempt of this row can have been posted."""
        if not row.maybe_sent:
            return None
        first = row.first_attempt_at if row.first_attempt_at is not None else row.created_at
        last = row.last_attempt_at if row.last_attempt_at is not None else self._now()
        return first - CLOCK_SKEW_SECONDS, last + self._settings.uncertain_wait_seconds + CLOCK_SKEW_SECONDS

    async def _rate_limited(self, row: OutboxRow, exc: RateLimited) -> float | None:
        """Honour a 429 up to `max_retry_after_seconds`; beyond that the delivery is held (rescheduled
        at the cap, the reason recorded on the row for /subscriptions, a warning logged) instead of
        freezing the channel for however long the platform said."""
        cap = self._settings.max_retry_after_seconds
        wait = min(exc.retry_after, cap)
        self._gate.penalize(row.channel, wait, exc.scope)
        if exc.retry_after <= cap:
            return await self._retry_later(row, wait, str(exc), failed=False)
        asked = "forever" if math.isinf(exc.retry_after) else f"{exc.retry_after:.0f}s"
        reason = f"held: {self._platform.name} asked to wait {asked} ({exc.scope} rate limit); asking again in {cap:.0f}s"
        log.warning("%s %s to %s %s", row.kind, row.id, row.channel, reason)
        return await self._retry_later(row, wait, reason, failed=False)

    async def _wait_for_post(self, row: OutboxRow) -> float | None:
        """An edit or follow-up before its alert has a message: wait for the post, or drop it if the
        post was given up on."""
        now = self._now()
        post = await self._outbox.post_state(row.story_id, row.channel)
        if post in (None, OutboxState.DEAD, OutboxState.CANCELLED):
            await self._outbox.cancel(row.id, "no alert message to update", now)
            return None
        not_before = now + max(self._settings.edit_coalesce_seconds, 0.05)
        await self._outbox.reschedule(row.id, not_before, now, error=None, maybe_sent=False, failed=False)
        return not_before

    def _resending(self, row: OutboxRow) -> Callable[[], Awaitable[None]] | None:
        """A maybe-sent row that was not found goes out again: its attempt is recorded first (while
        the gate waits for the send's turn), so a crash during it leaves the lookup window covering it."""
        if not row.maybe_sent:
            return None

        async def note() -> None:
            await self._outbox.note_attempt(row.id, self._now())

        return note

    async def _call(self, call: Awaitable[T]) -> T:
        # asyncio.timeout runs the call in this task (wait_for would start another one a loop turn later,
        # which blurs the spacing the rate gate just arranged).
        async with asyncio.timeout(self._retry.send_timeout_seconds):
            return await call

    async def _find_delivered(
        self, row: OutboxRow, window: tuple[float, float] | None, *, thread: MessageRef | None = None
    ) -> MessageRef | None:
        """The message a previous attempt may have posted; None when the platform cannot tell (Discord
        relies on its nonce making the resend harmless instead)."""
        since, until = window if window is not None else (None, None)
        try:
            return await self._call(
                self._platform.find_delivered(row.channel, row.delivery_key, since=since, until=until, thread=thread)
            )
        except NotImplementedError:
            return None
        except RateLimited as exc:
            raise LookupRateLimited(exc) from exc

    async def _send(self, row: OutboxRow, stored: StoredRef | None, window: tuple[float, float] | None) -> None:
        if row.kind is OutboxKind.DIGEST:
            await self._send_digest(row, window)
            return
        story = await self._stories.shown_in(row.channel, row.story_id, row.story_version)
        if story is None:
            await self._outbox.cancel(row.id, "story no longer exists", self._now())
            return
        key = row.delivery_key
        if row.kind is OutboxKind.POST:
            if row.maybe_sent:
                found = await self._find_delivered(row, window)
                if found is not None:
                    log.info(
                        "alert %s for story %s was already in %s; not sent again", key, story.id, row.channel
                    )
                    await self._outbox.complete(row, self._now(), ref=found, shown_version=row.story_version)
                    return
            await self._gate.acquire(row.channel, prepare=self._resending(row))
            ref = await self._call(self._platform.post_alert(row.channel, story, delivery_key=key))
            await self._outbox.complete(row, self._now(), ref=ref, shown_version=story.version)
            telemetry().alert_latency(row.channel.platform, self._now() - row.created_at)
            return
        assert stored is not None
        if row.kind is OutboxKind.EDIT:
            if stored.version >= story.version:
                await self._outbox.complete(row, self._now())  # the message already shows this version
                return
            await self._gate.acquire(row.channel)
            await self._call(self._platform.edit_alert(stored.ref, story))
            await self._outbox.complete(row, self._now(), shown_version=story.version)
            return
        # Follow-up. Moot if the first post already listed these outlets. One that may have gone out
        # before a crash or a lost answer is looked for in the alert's thread (Slack: its metadata)
        # and otherwise sent again with the same key (Discord: the same nonce, so never twice).
        if stored.posted_version >= row.story_version or not row.new_outlets:
            await self._outbox.complete(row, self._now())
            return
        if row.maybe_sent and await self._find_delivered(row, window, thread=stored.ref) is not None:
            await self._outbox.complete(row, self._now())
            return
        await self._gate.acquire(row.channel, prepare=self._resending(row))
        await self._call(
            self._platform.post_followup(stored.ref, story, row.new_outlets, delivery_key=row.delivery_key)
        )
        await self._outbox.complete(row, self._now())

    async def _send_digest(self, row: OutboxRow, window: tuple[float, float] | None) -> None:
        stories = [s for s in [await self._stories.shown_in(row.channel, i) for i in row.story_ids] if s is not None]
        if not stories:
            await self._outbox.cancel(row.id, "the digest's stories no longer exist", self._now())
            return
        key = row.delivery_key
        if row.maybe_sent:
            found = await self._find_delivered(row, window)
            if found is not None:
                await self._outbox.complete(row, self._now(), ref=found)
                return
        await self._gate.acquire(row.channel, prepare=self._resending(row))
        ref = await self._call(self._platform.post_digest(row.channel, stories, delivery_key=key))
        await self._outbox.complete(row, self._now(), ref=ref)

    async def _retry_later(self, row: OutboxRow, delay: float, reason: str, *, failed: bool) -> float | None:
        """Try again after `delay`, but never past the row's maximum age: then dead-letter it."""
        now = self._now()
        attempts = row.attempts + int(failed)
        deadline = row.created_at + self._settings.delivery_max_age_seconds
        if now >= deadline:
            await self._dead_letter(row, f"gave up after {now - row.created_at:.1f}s: {reason}", attempts)
            return None
        not_before = min(now + delay, deadline)
        # A 429 proves the platform refused; anything else might have been accepted.
        await self._outbox.reschedule(row.id, not_before, now, error=reason, maybe_sent=failed, failed=failed)
        log.debug("%s %s to %s retried in %.2fs: %s", row.kind, row.id, row.channel, not_before - now, reason)
        return not_before

    async def _dead_letter(self, row: OutboxRow, reason: str, attempts: int) -> None:
        telemetry().delivery(row.channel.platform, str(row.kind), "dead")
        await self._outbox.dead_letter(row, reason, self._now(), attempts)
        log.error(
            "dead letter: %s of story %s to %s after %d attempt(s): %s",
            row.kind,
            row.story_id if row.kind is not OutboxKind.DIGEST else list(row.story_ids),
            row.channel,
            attempts,
            reason,
        )
