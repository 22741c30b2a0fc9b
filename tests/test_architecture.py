"""The core stays platform-neutral: only bot/adapters/<platform>/ may import a platform SDK, and only
bot/store/ may import aiosqlite. Checked on the real import statements (ast), not with grep."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"
PLATFORM_PACKAGES = {"slack_bolt": "slack", "slack_sdk": "slack", "discord": "discord"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


SOURCES = sorted(BOT.rglob("*.py"))


def test_sources_found() -> None:
    assert len(SOURCES) > 20


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(BOT)))
def test_platform_sdks_only_in_their_adapter(path: Path) -> None:
    rel = path.relative_to(BOT).parts
    for module in _imports(path):
        platform = PLATFORM_PACKAGES.get(module)
        if platform is not None:
            assert rel[:2] == ("adapters", platform), f"{'/'.join(rel)} imports {module}"
        if module == "aiosqlite":
            assert rel[0] == "store", f"{'/'.join(rel)} imports aiosqlite outside bot/store"


def test_checker_sees_a_platform_import(tmp_path: Path) -> None:
    """The rule above can fail: an import of discord is seen."""
    sample = tmp_path / "x.py"
    sample.write_text("import os\nfrom discord import app_commands\n", encoding="utf-8")
    assert "discord" in _imports(sample)
