"""`bot ingest` on a terminal (a real pseudo-terminal): per-file lines and the progress bar go through
one console, so every line starts on its own, the bar is gone at the end, and a rejected file is
reported once."""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.app import sample_story_files
from tests.support.bot_process import BOT, child_environment

pty = pytest.importorskip("pty")


def run_on_a_terminal(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    master, slave = pty.openpty()
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env, cwd=cwd)
    os.close(slave)
    output = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed: the process is gone
                break
            if not chunk:
                break
            output += chunk
    finally:
        os.close(master)
    return process.wait(timeout=60), output.decode("utf-8", "replace")


def visible_lines(raw: str) -> list[str]:
    """What a terminal shows at the end: a small emulation of the few controls rich uses (carriage
    return, new line, cursor up, erase line); other escapes (colours, cursor visibility) are dropped."""
    rows = [""]
    row = col = 0
    for token in re.findall(r"\x1b\[[0-9;?]*[A-Za-z]|\r|\n|[^\x1b\r\n]+", raw):
        if token == "\r":
            col = 0
        elif token == "\n":
            row += 1
            col = 0
            if row == len(rows):
                rows.append("")
        elif token.startswith("\x1b["):
            if token.endswith("A"):
                row = max(row - int(token[2:-1] or 1), 0)
            elif token == "\x1b[2K":
                rows[row] = ""
        else:
            line = rows[row].ljust(col)
            rows[row] = line[:col] + token + line[col + len(token) :]
            col += len(token)
    return [line.rstrip() for line in rows]


def test_lines_and_progress_share_the_terminal(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for sample in sample_story_files():
        shutil.copy(sample, folder / sample.name)
    (folder / "empty.md").write_bytes(b"")
    env = child_environment(
        BOT_DB_PATH=str(tmp_path / "bot.sqlite3"), BOT_STORIES_DIR=str(tmp_path / "stories"), COLUMNS="200", TERM="xterm"
    )
    status, raw = run_on_a_terminal([*BOT, "ingest", str(folder)], env, tmp_path)
    assert status == 0, raw
    assert "Ingesting stories" in raw  # there was a bar
    shown = [line for line in visible_lines(raw) if line]
    reported = [line for line in shown if line.split(" ")[0] in ("stored", "duplicate", "seen", "rejected")]
    assert len(reported) == len(sample_story_files()) + 1  # one line per file, each at a line start
    assert sum("empty.md" in line for line in shown) == 1  # the rejection, said once
    assert not any("Ingesting stories" in line for line in shown)  # the bar left nothing behind
