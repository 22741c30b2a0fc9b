"""Finding our own earlier post in a channel on a rationed `conversations.history`.

Since 2025 Slack gives apps outside its Marketplace one `conversations.history` call a minute per
workspace, with at most 15 messages each. So the lookup after an uncertain post
* reads only the stretch in which that post can be (`oldest`/`latest` around the attempts),
  page by page, never "the last 100 messages";
* never sleeps for budget: when the workspace's next call is not due yet it reserves the next free
  slot for this delivery and raises `RateLimited` (scope "lookup") so the outbox parks the row and
  other channels keep flowing; lookups are served in the order they asked (a queue of slots);
* keeps a paged search's cursor, so a busy stretch is read once across several slots.

The ration is the workspace's, not the process's: with several workers on one database the slots
and the last call are kept in the database (a `SharedBudget`, bot.store.cluster.SharedBudgets), so
N workers call as often as one would. Without one (a platform built alone) `LocalBudgets` keeps
them in memory with the same rules.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.chat.errors import RateLimited
from bot.chat.ports import SharedBudget

HistoryCall = Callable[..., Awaitable[Any]]
SHORT_WAIT_SECONDS = 0.5
ON_TIME = 0.01  # a reserved slot this close is due: the call may go


@dataclass
class _Search:
    cursor: str | None = None
    slot: float | None = None  # reserved call time (the budget's clock), if waiting for one


class LocalBudgets:
    """`SharedBudget` kept in this process (monotonic clock): one process alone on its ration."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._next: dict[str, float] = {}

    def now(self) -> float:
        return self._clock()

    async def reserve(self, scope: str, interval: float) -> float:
        now = self._clock()
        slot = max(self._next.get(scope, now), now)
        self._next[scope] = slot + interval
        return slot

    async def hold(self, scope: str, seconds: float) -> None:
        until = self._clock() + seconds
        self._next[scope] = max(self._next.get(scope, until), until)

    async def claim(self, scope: str, interval: float) -> float:
        now = self._clock()
        free = self._next.get(scope, now)
        if now >= free:
            self._next[scope] = now + interval
            return 0.0
        return free - now


class HistoryBudget:
    """Per-workspace spacing of history calls: a queue of reserved slots, and a guard on the calls.

    Why two scopes: the queue ("slack-history:T") hands out slots one interval apart in the order
    lookups asked, so a parked row comes back at its turn; the guard ("slack-history-call:T") lets
    a call go only an interval after the last one that went, so a lookup that comes back late to
    its slot (a busy worker, a long park) pushes the next ones back instead of crowding them."""

    def __init__(
        self,
        calls_per_minute: float,
        *,
        shared: SharedBudget | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # A little over Slack's spacing: calls reach Slack a moment after we count them, not evenly.
        self.interval = 60.0 / calls_per_minute * 1.05 + 0.05
        self._budgets: SharedBudget = shared if shared is not None else LocalBudgets(clock)
        self._searches: dict[tuple[str, str], _Search] = {}

    def search(self, workspace: str, key: str) -> _Search:
        return self._searches.setdefault((workspace, key), _Search())

    def done(self, workspace: str, key: str) -> None:
        self._searches.pop((workspace, key), None)

    async def take(self, workspace: str, search: _Search) -> float:
        """0 when this search may call now (and the call is counted); else the seconds until its
        reserved slot, or until the last call is an interval old."""
        budgets = self._budgets
        if search.slot is None:
            search.slot = await budgets.reserve(f"slack-history:{workspace}", self.interval)
        wait = search.slot - budgets.now()
        if wait > ON_TIME:
            return wait
        wait = await budgets.claim(f"slack-history-call:{workspace}", self.interval)
        if wait <= 0:
            search.slot = None
        return wait

    async def hold(self, workspace: str, seconds: float) -> None:
        """Slack answered 429: no history call in this workspace for `seconds`, from any worker."""
        await self._budgets.hold(f"slack-history:{workspace}", seconds)
        await self._budgets.hold(f"slack-history-call:{workspace}", seconds)


def slack_ts(seconds: float) -> str:
    return f"{seconds:.6f}"


async def find_by_metadata(
    budget: HistoryBudget,
    history: HistoryCall,
    *,
    workspace: str,
    channel: str,
    key: str,
    event_types: tuple[str, ...],
    page_size: int,
    since: float | None,
    until: float | None,
) -> str | None:
    """The ts of the message in `channel` whose metadata carries `key`, looked for in [since, until]
    (the newest `page_size` messages when no window is known); None when it is not there.
    Raises RateLimited(scope="lookup") when the workspace's history budget has no call for us now."""
    search = budget.search(workspace, key)
    while True:
        wait = await budget.take(workspace, search)
        if 0 < wait <= SHORT_WAIT_SECONDS:
            await asyncio.sleep(wait)  # cheaper than parking the row for a moment
            continue
        if wait > 0:
            raise RateLimited(wait, scope="lookup")
        params: dict[str, Any] = {"channel": channel, "limit": page_size, "include_all_metadata": True}
        if since is not None:
            params["oldest"] = slack_ts(since)
            params["inclusive"] = True
        if until is not None:
            params["latest"] = slack_ts(until)
        if search.cursor:
            params["cursor"] = search.cursor
        try:
            page = await history(**params)
        except RateLimited as limited:
            await budget.hold(workspace, limited.retry_after)
            raise RateLimited(limited.retry_after, scope="lookup") from limited
        for message in page.get("messages") or []:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") not in event_types:
                continue
            payload = metadata.get("event_payload") or {}
            if payload.get("delivery_key") == key and message.get("ts"):
                budget.done(workspace, key)
                return str(message["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if since is None or not page.get("has_more") or not cursor:
            budget.done(workspace, key)
            return None
        search.cursor = str(cursor)
