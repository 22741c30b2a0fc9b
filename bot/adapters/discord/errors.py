"""discord.py failures translated into the neutral delivery errors the outbox understands.

discord.py already waits out 429s whose `retry_after` is within the client's
`max_ratelimit_timeout` (and retries 500/502/504 a few times) before anything reaches us; longer
waits surface as `discord.RateLimited`, which becomes our `RateLimited` so the outbox can park the
delivery instead of holding a worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
import discord

from bot.chat.errors import (
    ChannelUnavailable,
    DeliveryError,
    PermanentFailure,
    RateLimited,
    TransientFailure,
    sane_retry_after,
)

# Unknown Channel, Missing Access, Cannot send messages to this user, Missing Permissions.
CHANNEL_GONE_CODES = frozenset({10003, 50001, 50007, 50013})
DEFAULT_RETRY_AFTER = 5.0


def _retry_after(error: discord.HTTPException) -> float:
    header = error.response.headers.get("Retry-After") if error.response is not None else None
    return sane_retry_after(header, DEFAULT_RETRY_AFTER) if header is not None else DEFAULT_RETRY_AFTER


def translate_http_error(error: discord.HTTPException) -> DeliveryError:
    reason = f"Discord {error.status}" + (f" ({error.code})" if error.code else "")
    if error.text:
        reason += f": {error.text[:200]}"
    if error.status == 429:  # only when discord.py gave up on it (no Via header: Cloudflare)
        return RateLimited(_retry_after(error), scope="cloudflare")
    if error.status >= 500:
        return TransientFailure(reason)
    if error.code in CHANNEL_GONE_CODES:
        return ChannelUnavailable(reason)
    return PermanentFailure(reason)


def translate(error: BaseException) -> DeliveryError | None:
    """The neutral error for a platform failure, or None if `error` is not one (a bug: re-raise)."""
    if isinstance(error, DeliveryError):
        return error
    if isinstance(error, discord.RateLimited):
        return RateLimited(error.retry_after, scope="bucket")
    if isinstance(error, discord.HTTPException):
        return translate_http_error(error)
    if isinstance(error, aiohttp.ClientError | OSError | asyncio.TimeoutError):
        return TransientFailure(f"network: {type(error).__name__}: {error}"[:300])
    return None


@contextmanager
def delivery_errors() -> Iterator[None]:
    """Run a Discord call; raise only `bot.chat.errors` subclasses for platform failures."""
    try:
        yield
    except Exception as error:
        neutral = translate(error)
        if neutral is None or neutral is error:
            raise
        raise neutral from error
