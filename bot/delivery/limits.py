"""Platform rate limits as data, the gate that keeps sends under them, and the retry policy.

Why sliding windows ("at most N sends in any T seconds") rather than token buckets: a platform that
counts in fixed windows (Discord: 5 per 5 s per channel) or in sliding ones accepts every sequence a
sliding window allows, while a token bucket with burst N lets up to 2N-1 through in one window. We
stay under the limits instead of bouncing off them; a 429 that still happens (another process, a
stricter limit) blocks that channel or the whole scope for its Retry-After.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from bot.chat.ports import SharedBudget
from bot.models import ChannelRef


@dataclass(frozen=True, slots=True)
class Window:
    """At most `count` sends in any `seconds`-long interval."""

    count: int
    seconds: float


@dataclass(frozen=True, slots=True)
class PlatformLimits:
    per_channel: tuple[Window, ...] = ()
    # Shared by every channel of one workspace (Slack) or of the whole bot (Discord).
    shared: tuple[Window, ...] = ()
    shared_scope: Literal["platform", "workspace"] = "platform"
    # How many sends may be under way at once (parallel fan-out to different channels).
    max_parallel: int = 32

    def scaled(self, time_scale: float) -> PlatformLimits:
        """The same limits with time multiplied by `time_scale` (0.1 = ten times faster): tests, benches."""
        return replace(
            self,
            per_channel=tuple(Window(w.count, w.seconds * time_scale) for w in self.per_channel),
            shared=tuple(Window(w.count, w.seconds * time_scale) for w in self.shared),
        )


UNLIMITED = PlatformLimits(max_parallel=16)

DEFAULT_LIMITS: Mapping[str, PlatformLimits] = {
    # chat.postMessage: ~1 per second per channel with short bursts, plus a workspace-wide budget
    # Slack does not publish; "several hundred per minute" is the documented order of magnitude.
    "slack": PlatformLimits(
        per_channel=(Window(3, 3.0),),
        shared=(Window(10, 1.0), Window(300, 60.0)),
        shared_scope="workspace",
        max_parallel=32,
    ),
    # 50 requests per second per bot; 5 messages per 5 seconds per channel.
    "discord": PlatformLimits(
        per_channel=(Window(5, 5.0),),
        shared=(Window(50, 1.0),),
        shared_scope="platform",
        max_parallel=64,
    ),
    "console": UNLIMITED,
}


def configured_limits(
    slack_per_second: float, slack_per_minute: float, discord_per_second: float
) -> dict[str, PlatformLimits]:
    """The defaults with the shared budgets an operator set (SLACK_SENDS_PER_SECOND/_PER_MINUTE,
    DISCORD_REQUESTS_PER_SECOND: Slack does not publish its workspace budget, and Discord raises
    the global limit of large bots on request)."""
    slack, discord = DEFAULT_LIMITS["slack"], DEFAULT_LIMITS["discord"]
    return {
        **DEFAULT_LIMITS,
        "slack": replace(
            slack,
            shared=(Window(max(int(slack_per_second), 1), 1.0), Window(max(int(slack_per_minute), 1), 60.0)),
        ),
        "discord": replace(discord, shared=(Window(max(int(discord_per_second), 1), 1.0),)),
    }


def limits_for(name: str, overrides: Mapping[str, PlatformLimits] | None = None) -> PlatformLimits:
    if overrides and name in overrides:
        return overrides[name]
    return DEFAULT_LIMITS.get(name, UNLIMITED)


Prepare = Callable[[], Awaitable[None]]


# Several workers share a scope through evenly spaced slots; this much slower than the platform's
# rate leaves room for sends that reach it a little late or early (scheduling, network).
SHARED_MARGIN = 0.1


def slot_interval(windows: tuple[Window, ...]) -> float:
    """Seconds between two sends so that every window's "N per T" holds with evenly spaced sends."""
    return max((w.seconds / w.count for w in windows), default=0.0) * (1 + SHARED_MARGIN)


@dataclass
class _Windows:
    """Send times of one scope, and how long a 429 told us to keep off it."""

    windows: tuple[Window, ...]
    sent: deque[float] = field(default_factory=deque)
    blocked_until: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def wait(self, now: float, margin: float) -> float:
        """Seconds until one more send fits every window (0 if it fits now)."""
        wait = self.blocked_until - now
        for w in self.windows:
            if len(self.sent) >= w.count:
                oldest = self.sent[-w.count]
                wait = max(wait, oldest + w.seconds * (1 + margin) - now)
        return max(wait, 0.0)

    def record(self, now: float) -> None:
        self.sent.append(now)
        keep = max((w.count for w in self.windows), default=0)
        while len(self.sent) > keep:
            self.sent.popleft()


class RateGate:
    """Waits until one more send to a channel fits that channel's and the shared windows.

    The caller must not send to the same channel from two tasks at once (the worker runs one delivery
    per channel at a time); the shared scope is a FIFO lock, so waiters are served in order instead
    of all waking for every free slot.
    """

    # Sends reach the platform a moment after we grant them; the margin keeps the platform's
    # view of the spacing inside its limits even when the event loop is busy.
    MARGIN = 0.03

    def __init__(
        self,
        limits: PlatformLimits,
        *,
        time: Callable[[], float] | None = None,
        budget: SharedBudget | None = None,
    ) -> None:
        """`budget`: several workers on one database share the workspace / global windows through
        it (the per-channel windows stay here: one worker owns a channel at a time)."""
        self.limits = limits
        self._time = time or asyncio.get_running_loop().time
        self._channels: dict[str, _Windows] = {}
        self._shared: dict[str, _Windows] = {}
        self._budget = budget
        self._interval = slot_interval(limits.shared)
        self._holds: set[asyncio.Task[None]] = set()

    def _channel(self, channel: ChannelRef) -> _Windows:
        key = f"{channel.workspace}\x1f{channel.channel}"
        state = self._channels.get(key)
        if state is None:
            state = self._channels[key] = _Windows(self.limits.per_channel)
        return state

    def _scope(self, channel: ChannelRef) -> _Windows:
        key = channel.workspace if self.limits.shared_scope == "workspace" else ""
        state = self._shared.get(key)
        if state is None:
            state = self._shared[key] = _Windows(self.limits.shared)
        return state

    def _budget_scope(self, channel: ChannelRef) -> str:
        key = channel.workspace if self.limits.shared_scope == "workspace" else ""
        return f"{channel.platform}:{key}"

    async def _acquire_shared(self, channel: ChannelRef, own: _Windows, prepare: Prepare | None) -> None:
        assert self._budget is not None
        while (wait := own.wait(self._time(), self.MARGIN)) > 0:  # noqa: ASYNC110 - a timed wait
            await asyncio.sleep(wait)
        budget, interval = self._budget, self._interval
        if interval <= 0 and prepare is not None:
            await prepare()
        while interval > 0:
            slot = await budget.reserve(self._budget_scope(channel), interval)
            if prepare is not None:  # done while the slot approaches, not between it and the send
                await prepare()
                prepare = None
            if (wait := slot - budget.now()) > 0:
                await asyncio.sleep(wait)
            if budget.now() - slot <= interval:
                break
            # The slot had passed by the time the database answered or this process woke up (a slow
            # round trip, a busy CPU): sending now would crowd the next slots, which other workers
            # use, so the missed one stays unused and a later one is taken.
        own.record(self._time())

    async def acquire(self, channel: ChannelRef, *, prepare: Prepare | None = None) -> None:
        """Return when one more send to `channel` may go. `prepare` (a database write the send needs
        first) runs before that: with a shared budget, while the reserved slot approaches."""
        own = self._channel(channel)
        if self._budget is not None:
            await self._acquire_shared(channel, own, prepare)
            return
        shared = self._scope(channel)
        while True:
            wait = own.wait(self._time(), self.MARGIN)
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            async with shared.lock:
                # Sleeping until the window frees is the point (an Event would need a timer anyway).
                while (wait := shared.wait(self._time(), self.MARGIN)) > 0:  # noqa: ASYNC110
                    await asyncio.sleep(wait)
                now = self._time()
                if own.wait(now, self.MARGIN) > 0:  # a 429 for this channel arrived meanwhile
                    continue
                shared.record(now)
                own.record(now)
                break
        if prepare is not None:
            await prepare()

    def penalize(self, channel: ChannelRef, retry_after: float, scope: str) -> None:
        """Honour a 429: keep off the channel, or the whole workspace / bot, for `retry_after`."""
        until = self._time() + max(retry_after, 0.0)
        whole = scope in ("global", "workspace")
        target = self._scope(channel) if whole else self._channel(channel)
        target.blocked_until = max(target.blocked_until, until)
        if whole and self._budget is not None:  # every worker keeps off the scope, not just this one
            task = asyncio.get_running_loop().create_task(
                self._budget.hold(self._budget_scope(channel), max(retry_after, 0.0))
            )
            self._holds.add(task)
            task.add_done_callback(self._holds.discard)

    def held_for(self, channel: ChannelRef) -> float:
        """Seconds until a 429 on this channel or its shared scope stops holding it (0 if none)."""
        now = self._time()
        own = self._channels.get(f"{channel.workspace}\x1f{channel.channel}")
        key = channel.workspace if self.limits.shared_scope == "workspace" else ""
        shared = self._shared.get(key)
        until = max(own.blocked_until if own else 0.0, shared.blocked_until if shared else 0.0)
        return max(until - now, 0.0)

    def forget_idle(self, idle_seconds: float) -> None:
        """Drop state of channels not used for a while (long-running services with many channels)."""
        now = self._time()
        stale = [k for k, s in self._channels.items() if not s.sent or s.sent[-1] < now - idle_seconds]
        for key in stale:
            if self._channels[key].blocked_until < now:
                del self._channels[key]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter for transient failures (5xx, timeouts, resets)."""

    base_seconds: float = 1.0
    max_seconds: float = 300.0
    send_timeout_seconds: float = 30.0

    def delay(self, failures: int) -> float:
        """Delay before the next try after `failures` failed tries ("equal jitter": half fixed, half random)."""
        ceiling = min(self.max_seconds, self.base_seconds * 2.0 ** max(failures - 1, 0))
        return ceiling / 2 + random.uniform(0, ceiling / 2)
