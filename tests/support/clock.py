"""The one test clock: time that never reads the wall, so stored times and digests are reproducible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

FIXED_NOW = datetime(2025, 11, 1, 12, 0, tzinfo=UTC)
ONE_SECOND = timedelta(seconds=1)


class FixedClock:
    """Stands at `start` and moves only when told (`advance`); with `tick` it also moves that much
    before each reading, so successive stored times differ without depending on the wall."""

    def __init__(self, start: datetime = FIXED_NOW, *, tick: timedelta = timedelta(0)) -> None:
        self.now = start
        self._tick = tick

    def __call__(self) -> datetime:
        self.now += self._tick
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
