"""The `bot` command as a user runs it (a real subprocess): --version, and one error style for every
failure, `error: …` on stderr, exit 2 for bad usage and 1 for anything else."""

from __future__ import annotations

import subprocess
from importlib.metadata import version
from pathlib import Path

from tests.support.bot_process import BOT, child_environment


def bot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = child_environment(BOT_DB_PATH=str(cwd / "data" / "bot.sqlite3"), BOT_STORIES_DIR=str(cwd / "stories"))
    return subprocess.run(
        [*BOT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_version(tmp_path: Path) -> None:
    done = bot("--version", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.strip() == f"vendor-alert-bot {version('vendor-alert-bot')}"


def test_usage_errors_are_one_error_line_after_the_usage(tmp_path: Path) -> None:
    done = bot("story", cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("Usage: ") and " story " in lines[0]
    assert lines[-1] == "error: Missing argument 'vendor'."
    assert "╭" not in done.stderr  # no boxed panel: the same style as every other error
    unknown = bot("--bogus", cwd=tmp_path)
    assert unknown.returncode == 2
    assert unknown.stderr.strip().splitlines()[-1] == "error: No such option: --bogus"


def test_failures_are_one_error_line(tmp_path: Path) -> None:
    done = bot("story", "okta", cwd=tmp_path)  # an empty database: nothing about Okta yet
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith("error: No story about Okta yet. The database ") and "is empty" in line
    bad = bot("ingest", str(tmp_path / "missing"), cwd=tmp_path)
    assert bad.returncode == 1
    assert bad.stderr.splitlines() == [f"error: no such file or folder: {tmp_path / 'missing'}"]


def test_piped_console_run_ends_at_end_of_input_with_exit_at_eof(tmp_path: Path) -> None:
    env = child_environment(BOT_DB_PATH=str(tmp_path / "bot.sqlite3"), BOT_STORIES_DIR=str(tmp_path / "stories"))
    done = subprocess.run(
        [*BOT, "run", "--exit-at-eof"],
        input="/subscribe okta\n/subscriptions\n",
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Subscribed" in done.stdout
    assert done.stdout.index("Subscribed") < done.stdout.rindex("Okta")  # both lines were answered
