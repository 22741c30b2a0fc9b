"""The stand-in Slack and Discord servers the latency figures run against: the test suite's own
(`tests/standins`), so the benchmarks only run from a source checkout.

The stand-ins import each other as the top-level package `standins`, so the repository's `tests/`
folder is put on `sys.path`.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

_TESTS = Path(__file__).resolve().parents[1] / "tests"


def standin_module(name: str) -> ModuleType:
    """`slack_server` or `discord_server` from tests/standins."""
    if str(_TESTS) not in sys.path:
        sys.path.append(str(_TESTS))
    return importlib.import_module(f"standins.{name}")
