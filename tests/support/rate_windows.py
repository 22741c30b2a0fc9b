"""Sliding-window rate limits as a platform stand-in enforces them: "at most N requests in any T
seconds" by arrival time, the strict reading of a published limit (a fixed-window platform accepts
everything this accepts)."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class SlidingWindows:
    """The request times of one scope (a channel, a workspace, a whole bot) against its windows."""

    windows: tuple[tuple[int, float], ...]
    times: deque[float] = field(default_factory=deque)

    def wait(self, now: float) -> float:
        """Seconds until one more request fits (0: it fits now)."""
        longest = 0.0
        for count, seconds in self.windows:
            if len(self.times) >= count:
                longest = max(longest, self.times[-count] + seconds - now)
        return longest

    def add(self, now: float) -> None:
        self.times.append(now)
        keep = max((count for count, _ in self.windows), default=0)
        while len(self.times) > keep:
            self.times.popleft()


def admit(scopes: list[SlidingWindows], now: float | None = None) -> float:
    """One request against every scope it counts in: counted in all and 0, or counted in none and
    the Retry-After (a refused request uses no budget)."""
    now = time.monotonic() if now is None else now
    wait = max((scope.wait(now) for scope in scopes), default=0.0)
    if wait <= 0:
        for scope in scopes:
            scope.add(now)
    return max(wait, 0.0)
