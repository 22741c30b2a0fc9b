"""Neutral delivery failures. Adapters translate their platform's errors into these, so the
outbox can decide between waiting, retrying, and giving up without knowing any platform."""

from __future__ import annotations


class DeliveryError(Exception):
    """Base class. `str(err)` is a one-line reason fit for logs and `/subscriptions`."""


class RateLimited(DeliveryError):
    """The platform said 429. Wait `retry_after` seconds, then try the same call again."""

    def __init__(self, retry_after: float, scope: str = "channel") -> None:
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
