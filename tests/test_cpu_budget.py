"""The CPU budget of the pathological-page tests (tests/support/cpu_budget.py) must interrupt the code
it times even while the garbage collector runs callbacks, as hypothesis installs one in this suite."""

from __future__ import annotations

import gc
import time

import pytest

from tests.support.cpu_budget import TooSlow, cpu_budget


def test_the_budget_interrupts_a_loop_while_a_slow_gc_callback_is_installed() -> None:
    def slow_callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            sum(range(200_000))  # most CPU is spent in here while collections run

    gc.callbacks.append(slow_callback)
    try:
        started = time.process_time()
        with pytest.raises(TooSlow), cpu_budget(0.2):
            while time.process_time() - started < 5:
                cycle: list[object] = []
                cycle.append(cycle)  # garbage that only the collector frees
        assert time.process_time() - started < 2
    finally:
        gc.callbacks.remove(slow_callback)
    assert gc.isenabled()


def test_the_budget_leaves_fast_code_alone() -> None:
    with cpu_budget(1.0):
        total = sum(range(1000))
    assert total == 499500
