"""`bot inspect` exits 1 when a path is missing or not a regular file (the JSON line still says why)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def inspect(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "inspect", "--json", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_missing_file_and_folder_exit_1_a_story_exits_0(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text(
        "Okta fixes a Verify flaw\n\nOkta said on Tuesday that it had fixed a flaw in Okta Verify that let "
        "an attacker skip the second factor.\n",
        encoding="utf-8",
    )
    done = inspect(story)
    assert done.returncode == 0, done.stderr
    for bad in (tmp_path / "missing.md", tmp_path):
        done = inspect(story, bad)
        assert done.returncode == 1
        records = [json.loads(line) for line in done.stdout.splitlines()]
        assert records[0]["error"] is None and records[1]["error"]
        assert "not a regular file" in done.stderr and done.stderr.count("\n") == 1
