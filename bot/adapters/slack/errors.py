"""slack_sdk failures translated into the neutral delivery errors.

The outbox decides between waiting, retrying and giving up from the error class alone, so every
Web API call the delivery path makes goes through `slack_call`. A 429 becomes `RateLimited` with
Slack's own Retry-After (read as a float: slack_sdk's handler rounds to whole seconds and would
sleep inside the call, hiding the wait from the outbox).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError, SlackRequestError

from bot.chat.errors import (
    ChannelUnavailable,
    DeliveryError,
    PermanentFailure,
    RateLimited,
    TransientFailure,
    sane_retry_after,
)

T = TypeVar("T")

CHANNEL_GONE = frozenset({"channel_not_found", "not_in_channel", "is_archived", "channel_is_archived"})
# Slack's own "try again later" answers, which come back as HTTP 200 with ok=false.
SERVER_TROUBLE = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})
DEFAULT_RETRY_AFTER = 1.0
PER_CHANNEL_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral"})


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    if not headers:
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if str(key).lower() == wanted:
            if isinstance(value, list | tuple):
                return str(value[0]) if value else None
            return str(value)
    return None


def retry_after_seconds(headers: Mapping[str, Any] | None) -> float:
    """Slack's Retry-After as seconds; missing, garbage or NaN is the default, `inf` stays (capped later)."""
    raw = _header(headers, "Retry-After")
    return sane_retry_after(raw, DEFAULT_RETRY_AFTER) if raw is not None else DEFAULT_RETRY_AFTER


def api_error_code(err: SlackApiError) -> str:
    data = getattr(err.response, "data", None)
    if isinstance(data, dict):
        return str(data.get("error") or "unknown_error")
    return "unknown_error"


def translate_api_error(err: SlackApiError, method: str = "") -> DeliveryError:
    """SlackApiError -> RateLimited / ChannelUnavailable / TransientFailure / PermanentFailure."""
    status = int(getattr(err.response, "status_code", 0) or 0)
    code = api_error_code(err)
    where = f"slack {method}: " if method else "slack: "
    if status == 429 or code == "ratelimited":
        # Posting is limited per channel (about one message a second); other methods per workspace.
        scope = "channel" if method in PER_CHANNEL_METHODS else "workspace"
        return RateLimited(retry_after_seconds(getattr(err.response, "headers", None)), scope)
    if code in CHANNEL_GONE:
        return ChannelUnavailable(f"{where}{code}")
    if status >= 500 or code in SERVER_TROUBLE:
        return TransientFailure(f"{where}HTTP {status} {code}")
    return PermanentFailure(f"{where}{code}")


def translate(err: BaseException, method: str = "") -> DeliveryError | None:
    """The neutral error for anything slack_sdk or aiohttp raise; None for what is not theirs."""
    where = f"slack {method}: " if method else "slack: "
    if isinstance(err, DeliveryError):
        return err
    if isinstance(err, SlackApiError):
        return translate_api_error(err, method)
    if isinstance(err, SlackRequestError):
        return PermanentFailure(f"{where}{err}")
    if isinstance(err, asyncio.TimeoutError):
        return TransientFailure(f"{where}timed out")
    if isinstance(err, aiohttp.ClientError | SlackClientError | ConnectionError):
        return TransientFailure(f"{where}{type(err).__name__}: {err}".splitlines()[0])
    return None


async def slack_call(call: Awaitable[T], method: str = "") -> T:
    """Await one Web API call; raise only `bot.chat.errors` types."""
    try:
        return await call
    except Exception as err:
        neutral = translate(err, method)
        if neutral is None:
            raise
        raise neutral from err
