from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SEEDS = SHARED_DATA / "seeds"

# Tests never read a developer's .env or the process environment's tokens by accident.
for _name in list(os.environ):
    if _name.startswith(("SLACK_", "DISCORD_", "BOT_")):
        del os.environ[_name]
# The Slack adapter tests send the bare command names (/subscribe …); the prefix (default "va-") has
# tests of its own in tests/test_slack_prefix.py, which set it explicitly.
os.environ["SLACK_COMMAND_PREFIX"] = ""


def seed_files() -> list[Path]:
    return sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []


needs_seeds = pytest.mark.skipif(not seed_files(), reason="../shared/data/seeds is not present")


@pytest.fixture
def seeds() -> list[Path]:
    files = seed_files()
    if not files:
        pytest.skip("../shared/data/seeds is not present")
    return files


@pytest.fixture
def stories_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "stories"
    path.mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


# -- a word in the test output about the shared real data ---------------------------------------------

SHARED_SKIP_WORDS = ("shared/data", "../shared", "/work/devdata", "devdata")


def pytest_report_header(config: pytest.Config) -> str:
    if SHARED_DATA.is_dir():
        return f"shared real data: {SHARED_DATA}"
    return f"shared real data: {SHARED_DATA} is absent; the tests that read it will be skipped"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many tests were skipped for want of the shared data, and how to get them run, rather
    than leaving a bare skip count."""
    skipped = terminalreporter.stats.get("skipped", [])
    missing = [r for r in skipped if any(word in str(r.longrepr) for word in SHARED_SKIP_WORDS)]
    if missing:
        terminalreporter.write_line(
            f"note: {len(missing)} test(s) skipped because shared real data is absent "
            f"({SHARED_DATA} or /work/devdata); see each reason with -rs"
        )
