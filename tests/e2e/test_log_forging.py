"""A file name cannot forge a log line: names with a newline, a carriage return, ANSI escapes and
Unicode line separators go through the real service (the watcher, the parse workers, the pipeline)
and through `bot ingest DIR`, in the text and the JSON log formats; every line of the output is one
real event, and no control character reaches the terminal."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.bot_process import BOT, child_environment

WAIT = 90.0
FORGED = "2026-01-01 00:00:00,000 ERROR bot.app: forged"
# Stored (an ordinary story), rejected (empty), warned about (loose front matter), skipped (a link out).
STORED = f"evil\n{FORGED}\r\x1b[31mred.txt"
REJECTED = 'empty\n{"level": "ERROR", "message": "forged"}\x1b[2J.txt'
LOOSE = "loose\r\nforged\u2028line\x85\x9b31m.md"
LINK = "link\n\x1b]0;title\x07.md"
RAW_CONTROLS = ("\r", "\x1b", "\x07", "\x85", "\x9b", "\u2028")
TEXT_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: ")

STORY = (
    "Fortinet patches a FortiGate flaw\n\nFortinet said on Monday that it had fixed a flaw in FortiGate "
    "firewalls that let an attacker on the network read configuration files, and asked customers to "
    "update this week.\n"
)
LOOSE_PAGE = (
    "---\ntitle: Okta advisory: Verify flaw fixed\nurl: https://example.com/okta-verify\n---\n\n"
    "Okta said on Tuesday that it had fixed a flaw in Okta Verify that let an attacker skip the second "
    "factor on a stolen phone, and asked customers to update.\n"
)


def escaped(name: str) -> str:
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


def fill(folder: Path, outside: Path) -> None:
    folder.mkdir()
    (folder / STORED).write_text(STORY, encoding="utf-8")
    (folder / REJECTED).write_text("", encoding="utf-8")
    (folder / LOOSE).write_text(LOOSE_PAGE, encoding="utf-8")
    (folder / LINK).symlink_to(outside)


def environment(tmp_path: Path, fmt: str) -> dict[str, str]:
    return child_environment(
        BOT_LOG_FORMAT=fmt,
        BOT_LOG_LEVEL="INFO",
        BOT_DB_PATH=str(tmp_path / "db.sqlite3"),
        BOT_STORIES_DIR=str(tmp_path / "stories"),
        BOT_SETTLE_SECONDS="0.05",
    )


def events(output: str, fmt: str) -> list[str]:
    """The message of every line, failing on any line that is not a whole event of its own."""
    assert not any(c in output for c in RAW_CONTROLS), [c for c in RAW_CONTROLS if c in output]
    lines = output.split("\n")[:-1]  # a log reader splits on newlines, and only there
    assert output.endswith("\n") and len(output.splitlines()) == len(lines)  # no other line break either
    messages = []
    for line in lines:
        if fmt == "json":
            event = json.loads(line)  # fails on a forged, non-JSON line
            assert {"time", "level", "logger", "message"} <= event.keys()
            messages.append(event["message"])
        elif not line.startswith("    "):  # an indented line belongs to the traceback above it
            head = TEXT_LINE.match(line)
            assert head is not None, f"not a log line: {line!r}"
            messages.append(line[head.end() :])
    assert not any(m.startswith(("forged", '{"level"')) for m in messages)
    return messages


def so_far(path: Path, fmt: str) -> list[str]:
    """The messages of the whole lines written so far (read while the service runs)."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")[:-1]
    return [json.loads(line)["message"] for line in lines] if fmt == "json" else lines


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_running_service_logs_hostile_names_on_one_line_each(tmp_path: Path, fmt: str) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text(STORY, encoding="utf-8")
    stories = tmp_path / "stories"
    fill(stories, outside)
    err_path = tmp_path / "stderr.log"
    with err_path.open("w", encoding="utf-8") as err:
        service = subprocess.Popen(
            [*BOT, "run", "--exit-at-eof"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=environment(tmp_path, fmt),
            cwd=tmp_path,
        )
        try:
            wanted = [
                f"stored {escaped(STORED)} -> story #",
                f"rejected {escaped(REJECTED)}: empty file",
                f"{escaped(str(stories / LOOSE))}: front matter is not strict YAML",
                f"skipping {escaped(str(stories / LINK))}: symlink points outside",
            ]
            deadline = time.monotonic() + WAIT
            while not all(w in " ".join(so_far(err_path, fmt)) for w in wanted):
                assert service.poll() is None, err_path.read_text(encoding="utf-8")
                assert time.monotonic() < deadline, err_path.read_text(encoding="utf-8")
                time.sleep(0.1)
            assert service.stdin is not None
            service.stdin.close()  # end of input: the service stops
            assert service.wait(timeout=WAIT) == 0
        finally:
            if service.poll() is None:
                service.kill()
                service.wait()
    messages = events(err_path.read_text(encoding="utf-8"), fmt)
    for want in wanted[:3]:
        assert sum(want in m for m in messages) == 1, (want, messages)
    assert any(wanted[3] in m for m in messages)  # once per scan of the folder (start-up scans twice)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_bot_ingest_reports_and_logs_hostile_names_on_one_line_each(tmp_path: Path, fmt: str) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text(STORY, encoding="utf-8")
    folder = tmp_path / "drop"
    fill(folder, outside)
    done = subprocess.run(
        [*BOT, "ingest", str(folder)],
        env=environment(tmp_path, fmt),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert done.returncode == 0, done.stderr
    report = done.stdout.split("\n")[:-1]
    assert not any(c in done.stdout for c in RAW_CONTROLS)
    assert len(done.stdout.splitlines()) == len(report) == 3  # one line per file read; the link is not
    assert sorted(line.split()[0] for line in report) == ["rejected", "stored", "stored"]
    assert any(
        line.startswith(f"rejected  {escaped(str(folder / REJECTED))} (empty file)") for line in report
    )
    messages = events(done.stderr, fmt)
    assert sum(f"{escaped(str(folder / LOOSE))}: front matter is not strict YAML" in m for m in messages) == 1
    assert sum(f"skipping {escaped(str(folder / LINK))}: symlink points outside" in m for m in messages) == 1
