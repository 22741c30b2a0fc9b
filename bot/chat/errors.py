"""Neutral delivery failures. Adapters translate their platform's errors into these, so the
outbox can decide between waiting, retrying, and giving up without knowing any platform."""

from __future__ import annotations

import math

# What a Retry-After that is not a usable number (garbage, NaN) is taken as.
UNREADABLE_RETRY_AFTER = 5.0


def sane_retry_after(value: object, default: float = UNREADABLE_RETRY_AFTER) -> float:
    """A platform's Retry-After as seconds we can schedule with: garbage and NaN become `default`,
    negatives 0, and infinity stays infinite (the caller caps it; `inf` means "a very long time")."""
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return default
    if math.isnan(seconds):
        return default
    return max(seconds, 0.0)


class DeliveryError(Exception):
    """Base class. `str(err)` is a one-line reason fit for logs and `/subscriptions`."""


class RateLimited(DeliveryError):
    """The platform said 429. Wait `retry_after` seconds, then try the same call again."""

    def __init__(self, retry_after: float, scope: str = "channel") -> None:
        retry_after = sane_retry_after(retry_after)
        super().__init__(f"rate limited for {retry_after:.2f}s ({scope})")
        self.retry_after = retry_after
        self.scope = scope


class TransientFailure(DeliveryError):
    """5xx, timeout, connection reset: retry with backoff until the delivery's maximum age."""


class ChannelUnavailable(DeliveryError):
    """The channel is gone or forbids the bot (Slack channel_not_found / not_in_channel, Discord
    10003 / 50001 / 50013). The subscription is disabled with this reason; never retried."""


class PermanentFailure(DeliveryError):
    """Anything else the platform refuses for good (bad payload): dead-lettered at once."""
