"""The layering, checked on the real import statements (ast), not with grep:
- only bot/adapters/<platform>/ imports that platform's SDK, and adapters import nothing of the bot but
  bot.chat, bot.models, bot.config and their own package;
- bot.intel never imports bot.store (the story engine goes through intel/ports.py);
- only bot/store/ imports aiosqlite;
- only bot/observability/ imports prometheus_client and pythonjsonlogger (the core reports through
  bot.observability.telemetry(), and knows neither library);
- nothing under bot/ imports benchmarks, evaluation or tests (they are not installed);
- SQL that writes (INSERT, UPDATE, DELETE, CREATE…) appears only in bot/store/: benchmarks, evaluation
  and test support load data through the store's APIs (bot/store/bulk.py for generated corpora).
Each rule has a test showing that the checker sees a breach of it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BOT = REPO / "bot"
PLATFORM_PACKAGES = {"slack_bolt": "slack", "slack_sdk": "slack", "discord": "discord"}
ADAPTER_MAY_IMPORT = ("bot.chat", "bot.models", "bot.config")
NOT_INSTALLED = ("benchmarks", "evaluation", "tests")
OBSERVABILITY_PACKAGES = ("prometheus_client", "pythonjsonlogger")


def _modules(source: str, package: str) -> set[str]:
    """Every module imported (full dotted names; relative imports resolved against `package`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.add(".".join([*base, *([node.module] if node.module else [])]))
            elif node.module:
                found.add(node.module)
    return found


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def breaches(rel: tuple[str, ...], source: str) -> list[str]:
    """The layering rules broken by one file at `rel` (its path parts under bot/)."""
    package = ".".join(("bot", *rel[:-1]))
    out: list[str] = []
    for module in sorted(_modules(source, package)):
        top = module.split(".")[0]
        where = "/".join(rel)
        platform = PLATFORM_PACKAGES.get(top)
        if platform is not None and rel[:2] != ("adapters", platform):
            out.append(f"{where} imports the {platform} SDK ({module}) outside bot/adapters/{platform}/")
        if top == "aiosqlite" and rel[0] != "store":
            out.append(f"{where} imports aiosqlite outside bot/store/")
        if top in OBSERVABILITY_PACKAGES and rel[0] != "observability":
            out.append(f"{where} imports {top} outside bot/observability/")
        if top in NOT_INSTALLED:
            out.append(f"{where} imports {module}, which is not installed with the bot")
        if rel[0] == "intel" and _within(module, "bot.store"):
            out.append(f"{where} imports {module}: bot.intel never imports bot.store")
        if rel[0] == "adapters" and len(rel) > 2 and top == "bot":
            own = f"bot.adapters.{rel[1]}"
            if not any(_within(module, allowed) for allowed in (*ADAPTER_MAY_IMPORT, own)):
                out.append(f"{where} imports {module}: adapters import only {', '.join(ADAPTER_MAY_IMPORT)}")
    return out


SOURCES = sorted(BOT.rglob("*.py"))


def test_sources_found() -> None:
    assert len(SOURCES) > 20


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(BOT)))
def test_layering(path: Path) -> None:
    assert breaches(path.relative_to(BOT).parts, path.read_text(encoding="utf-8")) == []


def test_clean_adapter_passes() -> None:
    source = "import asyncio\nfrom discord import app_commands\nfrom bot.chat.ports import Reply\nfrom bot.models import Story\n"
    assert breaches(("adapters", "discord", "tree.py"), source) == []


@pytest.mark.parametrize(
    ("rel", "source", "expected"),
    [
        (("delivery", "sender.py"), "from discord import app_commands\n", "discord SDK"),
        (("adapters", "slack", "x.py"), "import discord.http\n", "discord SDK"),
        (("adapters", "discord", "x.py"), "from slack_sdk.web import WebClient\n", "slack SDK"),
        (("intel", "engine.py"), "import aiosqlite\n", "aiosqlite outside"),
        (("intel", "engine.py"), "from bot.store.story_store import StoryStore\n", "never imports bot.store"),
        (("intel", "vendors", "x.py"), "from ...store import db\n", "never imports bot.store"),
        (("cli.py",), "from benchmarks import runner\n", "not installed"),
        (("app.py",), "import evaluation.extraction\n", "not installed"),
        (("pipeline.py",), "from tests.support import delivery_fakes\n", "not installed"),
        (("adapters", "slack", "x.py"), "from bot.store.db import Database\n", "adapters import only"),
        (("adapters", "console", "x.py"), "from bot.delivery.sender import Sender\n", "adapters import only"),
        (("adapters", "slack", "x.py"), "from bot.adapters.discord import escape\n", "adapters import only"),
        (("delivery", "sender.py"), "from prometheus_client import Counter\n", "outside bot/observability"),
        (("cli.py",), "from pythonjsonlogger.json import JsonFormatter\n", "outside bot/observability"),
    ],
)
def test_checker_sees_each_breach(rel: tuple[str, ...], source: str, expected: str) -> None:
    """Each rule can fail: a file breaking it is reported."""
    found = breaches(rel, source)
    assert any(expected in line for line in found), found


_WRITING_SQL = re.compile(
    r"^\s*(INSERT\s+(OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"
    r"|(CREATE|DROP|ALTER)\s+(TABLE|INDEX|TRIGGER|VIEW))\s",
    re.IGNORECASE,
)


def sql_writes(source: str) -> list[str]:
    """String constants that start like a writing SQL statement."""
    return [
        node.value[:60]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _WRITING_SQL.match(node.value)
    ]


OUTSIDE_STORE = sorted(
    path
    for folder in ("bot", "benchmarks", "evaluation", "tests/support")
    for path in (REPO / folder).rglob("*.py")
    if not path.is_relative_to(BOT / "store")
)


@pytest.mark.parametrize("path", OUTSIDE_STORE, ids=lambda p: str(p.relative_to(REPO)))
def test_no_writing_sql_outside_the_store(path: Path) -> None:
    assert sql_writes(path.read_text(encoding="utf-8")) == []


def test_checker_sees_writing_sql() -> None:
    source = 'db.execute("SELECT 1")\nawait db.executemany("INSERT INTO articles VALUES (?)", rows)\n'
    assert sql_writes(source) == ["INSERT INTO articles VALUES (?)"]
    assert sql_writes('"""Drop the state; insert nothing."""\nx = "update subscriptions set mode = 1"\n') == [
        "update subscriptions set mode = 1"
    ]
    assert len(OUTSIDE_STORE) > 40
