"""A CPU-seconds budget for a block of test code, enforced with SIGPROF from outside the code under test.

CPU seconds, not wall seconds, because the machine is shared: other work slows the clock on the wall,
not the CPU this process uses. The timer raises TooSlow in whatever frame is running, so a catastrophic
page (a regex backtracking for minutes) fails after a second instead of stalling the suite.

The garbage collector is off inside the block: hypothesis (and other tools) install `gc.callbacks`, and
an exception raised from a signal handler while such a callback runs is not propagated; Python prints
"Exception ignored" instead, which pytest turns into an unrelated warning error, and the slow code is
not interrupted at all. Collection happens just before the block instead, so no garbage is inherited.
"""

from __future__ import annotations

import gc
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class TooSlow(Exception):
    """The block used more CPU than its budget."""


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Raise TooSlow inside the block once this process has spent `seconds` of CPU in it."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise TooSlow(f"over {seconds:g} s of CPU")

    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    previous = signal.signal(signal.SIGPROF, expired)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        if was_enabled:
            gc.enable()
