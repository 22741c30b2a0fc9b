"""When a story file is ready to read, and when to try again: the arrival policy, in one place.

Scrapers, sync tools and editors write files in every way: in one go, steadily for seconds, in two
parts with a pause, or by rewriting a file already read. A file is ready once its size and
modification time have not changed for `settle` seconds, re-armed by every change, however long the
whole write takes. What comes after a read is decided here too:
- "pending" (changed while read, or a parse failure on a file modified moments ago: a half-written
  JSON object, front matter with no body yet): looked at again after a short, growing wait, and read
  again as soon as it changes;
- "retry" (the system failed: out of file descriptors, disk full, database locked): again after an
  exponential backoff, never given up on while the file is there;
- anything else (stored, rejected, ...): done, until the file changes again (an edit is a new read).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.ingest.source import shown

log = logging.getLogger(__name__)

REJECT_GRACE_SECONDS = 3.0  # a file that fails to parse is rejected only once it has been still this long
MAX_PENDING_TRIES = 200  # a file that never settles is dropped from the queue (it is read when it changes)
MAX_BACKOFF_SECONDS = 30.0
WRITER_PATIENCE_SECONDS = 30.0  # a file held open but unchanged this long is read anyway
TICK_SECONDS = 0.05


@dataclass
class _Waiting:
    signature: tuple[int, int] | None  # (size, mtime_ns) when last looked at
    stable_since: float  # monotonic time from which the signature has not changed
    not_before: float  # monotonic time before which the file is not handed out
    tries: int = 0


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


class Arrivals:
    """Files noted as changed come out of `ready()` once settled; `done()` says how a read went."""

    def __init__(
        self,
        settle_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.settle = max(0.0, settle_seconds)
        self.reject_grace = max(REJECT_GRACE_SECONDS, 5 * self.settle)
        self._clock = clock
        self._wall = wall_clock
        self._waiting: dict[Path, _Waiting] = {}
        self._busy: dict[Path, tuple[int, float]] = {}  # handed out, not yet `done`: tries, still since
        self._again: set[Path] = set()  # changed while being read: read again when done
        self._wake = asyncio.Event()

    def note(self, path: Path) -> None:
        """The watcher saw `path` change (or exist at start-up): (re)arm its settle timer."""
        if path in self._busy:
            self._again.add(path)
            return
        entry = self._waiting.get(path)
        if entry is None:
            self._waiting[path] = self._fresh(path)
        else:
            entry.tries = 0
            entry.not_before = self._clock()  # a change ends any backoff: look again once settled
        self._wake.set()

    def _fresh(self, path: Path, delay: float = 0.0, tries: int = 0) -> _Waiting:
        now = self._clock()
        signature = _signature(path)
        # The modification time is evidence too: a file last written `age` seconds ago has been still
        # that long already (so files found at start-up are read at once).
        age = self._wall() - signature[1] / 1e9 if signature else 0.0
        return _Waiting(signature, now - max(0.0, age), now + delay, tries)

    def done(self, path: Path, status: str) -> None:
        """How reading `path` went: "pending" and "retry" come back later, anything else is finished."""
        tries = self._busy.pop(path, (0, 0.0))[0]
        if path in self._again:
            self._again.discard(path)
            self._waiting[path] = self._fresh(path)
        elif status == "pending":
            if tries + 1 >= MAX_PENDING_TRIES:
                log.warning(
                    "giving up on %s for now: it never settled (read again when it changes)", shown(path)
                )
            else:
                delay = min(max(self.settle, 0.05) * 1.5**tries, 1.0)
                self._waiting[path] = self._fresh(path, delay, tries + 1)
        elif status == "retry":
            delay = min(0.25 * 2**tries, MAX_BACKOFF_SECONDS)
            self._waiting[path] = self._fresh(path, delay, tries + 1)
        self._wake.set()

    def wait_for_writers(self, path: Path) -> bool:
        """Whether to leave a file alone while another program has it open for writing: yes, unless it
        has been still for WRITER_PATIENCE_SECONDS (a writer that never closes its file)."""
        busy = self._busy.get(path)
        return busy is None or self._clock() - busy[1] < WRITER_PATIENCE_SECONDS

    @property
    def waiting(self) -> int:
        return len(self._waiting) + len(self._busy)

    async def ready(self, stop: asyncio.Event | None = None) -> AsyncIterator[Path]:
        """Each noted file once it has settled, until `stop` is set."""
        while stop is None or not stop.is_set():
            now = self._clock()
            due: list[Path] = []
            for path, entry in list(self._waiting.items()):
                signature = _signature(path)
                if signature is None:
                    del self._waiting[path]  # gone (moved away, deleted): nothing to read
                    continue
                if signature != entry.signature:
                    entry.signature, entry.stable_since = signature, now  # still being written: re-arm
                    continue
                if now - entry.stable_since >= self.settle and now >= entry.not_before:
                    due.append(path)
            for path in sorted(due):
                entry = self._waiting.pop(path)
                self._busy[path] = (entry.tries, entry.stable_since)
                yield path
            self._wake.clear()
            pause = self._pause(now)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await self._wake.wait()

    def _pause(self, now: float) -> float:
        """How long nothing can become due (a tick while any file is waiting to settle)."""
        if not self._waiting:
            return 1.0
        return max(0.0, min(TICK_SECONDS, *(e.not_before - now for e in self._waiting.values())))
