"""Daily digests: at each digest subscription's own time and timezone, queue one digest row listing
the stories gathered for it since its last digest.

A slot (one day's digest time, as a UTC instant) is handled exactly once, in the same transaction as
the digest row it queues, so a restart neither repeats nor skips one; a slot missed while the bot was
down is handled on start (only the latest missed one, so a week offline gives one digest, not seven).
The digest row is then delivered like any other outbox row (rate limits, retries, exactly once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.models import Subscription
from bot.store.digests import DigestStore

log = logging.getLogger(__name__)

DEFAULT_DIGEST_TIME = time(9, 0)


class DigestSubscriptions(Protocol):
    async def digest_subscriptions(self) -> Sequence[Subscription]: ...


def parse_digest_time(value: str) -> time:
    """ "HH:MM" (24 h); anything else falls back to 09:00 rather than never sending."""
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except (ValueError, AttributeError):
        return DEFAULT_DIGEST_TIME


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _slot_on(day: datetime, at: time, tz: ZoneInfo) -> datetime:
    # combine() with tzinfo gives that date's own UTC offset (DST-aware).
    return datetime.combine(day.date(), at, tzinfo=tz).astimezone(UTC)


def latest_slot(now: datetime, digest_time: str, timezone: str) -> datetime:
    """The most recent scheduled digest instant at or before `now` (UTC)."""
    tz = zone(timezone)
    at = parse_digest_time(digest_time)
    local = now.astimezone(tz)
    slot = _slot_on(local, at, tz)
    if slot > now:
        slot = _slot_on(local - timedelta(days=1), at, tz)
    return slot


def next_slot(now: datetime, digest_time: str, timezone: str) -> datetime:
    """The first scheduled digest instant after `now` (UTC)."""
    tz = zone(timezone)
    at = parse_digest_time(digest_time)
    local = now.astimezone(tz)
    for days in range(3):
        slot = _slot_on(local + timedelta(days=days), at, tz)
        if slot > now:
            return slot
    return now + timedelta(days=1)  # unreachable: one of the three days has a later slot


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class DigestScheduler:
    def __init__(
        self,
        digests: DigestStore,
        subscriptions: DigestSubscriptions,
        *,
        clock: Callable[[], datetime],
        on_queued: Callable[[], None],
        poll_interval: float = 60.0,
    ) -> None:
        self._digests = digests
        self._subscriptions = subscriptions
        self._clock = clock
        self._on_queued = on_queued
        self._poll = poll_interval
        self._kick = asyncio.Event()
        self._requested = 0  # wake() calls so far
        self._completed = -1  # the wake() count the last finished pass had seen

    def wake(self) -> None:
        self._requested += 1
        self._kick.set()

    @property
    def settled(self) -> bool:
        """A pass has finished since the last wake() (so drain() does not miss a digest just queued)."""
        return self._completed >= self._requested

    async def run_due(self) -> tuple[int, datetime | None]:
        """Handle every digest slot that has come; returns (digests queued, next slot time)."""
        now = self._clock()
        queued = 0
        upcoming: datetime | None = None
        for sub in await self._subscriptions.digest_subscriptions():
            slot = latest_slot(now, sub.digest_time, sub.timezone)
            handled = await self._digests.digest_last_slot(sub.id) or _aware(sub.created_at)
            if slot > handled:
                muted = sub.muted_until is not None and now < _aware(sub.muted_until)
                row_id = await self._digests.close_digest_slot(
                    sub.id, sub.channel, slot, now.timestamp(), send=not muted
                )
                if row_id is not None:
                    queued += 1
                    log.info("digest for subscription %s (%s, %s) queued", sub.id, sub.vendor, sub.channel)
            following = next_slot(now, sub.digest_time, sub.timezone)
            upcoming = following if upcoming is None else min(upcoming, following)
        return queued, upcoming

    async def run(self) -> None:
        while True:
            seen = self._requested
            try:
                queued, upcoming = await self.run_due()
            except Exception:
                log.exception("digest scheduling failed; trying again in %.0fs", self._poll)
                queued, upcoming = 0, None
            if queued:
                self._on_queued()
            self._completed = seen
            timeout = self._poll
            if upcoming is not None:
                timeout = min(timeout, max((upcoming - self._clock()).total_seconds(), 0.01))
            try:
                async with asyncio.timeout(timeout):
                    await self._kick.wait()
            except TimeoutError:
                pass
            self._kick.clear()
