"""Where the stand-in Slack and Discord servers live: `bot.standins` once they ship with the package (so an
installed `bot bench` can start them), `tests/standins` in a source checkout before that move.

The test copies import each other as the top-level package `standins`, so for them the repository's
`tests/` folder is put on `sys.path`.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

_TESTS = Path(__file__).resolve().parents[2] / "tests"


class StandInsMissing(RuntimeError):
    """Neither `bot.standins` nor a checkout's `tests/standins` is importable."""


def standin_module(name: str) -> ModuleType:
    """`slack_server` or `discord_server`, from wherever the stand-ins are."""
    try:
        return importlib.import_module(f"bot.standins.{name}")
    except ModuleNotFoundError as exc:
        if exc.name is not None and not exc.name.startswith("bot.standins"):
            raise
    if (_TESTS / "standins" / f"{name}.py").is_file():
        if str(_TESTS) not in sys.path:
            sys.path.append(str(_TESTS))
        return importlib.import_module(f"standins.{name}")
    raise StandInsMissing("the stand-in Slack/Discord servers are not installed (bot.standins)")
