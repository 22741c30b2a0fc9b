"""BOT_LOG_FORMAT=json: one JSON object per line, secrets never printed, file names escaped; and the
same redaction in the default text format."""

from __future__ import annotations

import io
import json
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.observability.logs import REDACTED, setup_logging
from tests.support.bot_process import BOT, child_environment

SLACK_TOKEN = "xoxb-1111-2222-secretvalue"
DISCORD_TOKEN = "MTIz.discord-secret-token"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def settings(fmt: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_LOG_FORMAT=fmt,
        SLACK_BOT_TOKEN=SLACK_TOKEN,
        SLACK_APP_TOKEN="xapp-1-another-secret",
        DISCORD_TOKEN=DISCORD_TOKEN,
    )


def emit_samples() -> None:
    log = logging.getLogger("bot.test")
    log.warning("rejected %s: %s", "evil\nname\x1b[31m.md", "empty file")
    log.info("a library said: invalid token %s", SLACK_TOKEN)
    try:
        raise RuntimeError(f"login failed for {DISCORD_TOKEN}\n2026-01-01 00:00:00,000 ERROR bot: forged")
    except RuntimeError:
        log.exception("Discord start-up failed")


@pytest.mark.usefixtures("restore_logging")
def test_json_lines_are_objects_without_secrets() -> None:
    out = io.StringIO()
    setup_logging(settings("json"), stream=out)
    emit_samples()
    lines = out.getvalue().splitlines()
    assert len(lines) == 3  # a newline inside a file name or a traceback stays inside its object
    events = [json.loads(line) for line in lines]
    assert events[0]["message"] == "rejected evil\\nname\\x1b[31m.md: empty file"  # escaped as in text
    assert "\x1b" not in lines[0] and "\\u001b" not in lines[0]
    assert {"time", "level", "logger", "message"} <= events[0].keys()
    assert events[0]["level"] == "WARNING" and events[0]["logger"] == "bot.test"
    assert events[1]["message"] == f"a library said: invalid token {REDACTED}"
    assert "RuntimeError" in events[2]["exc_info"]
    assert SLACK_TOKEN not in out.getvalue() and DISCORD_TOKEN not in out.getvalue()


@pytest.mark.usefixtures("restore_logging")
def test_text_format_redacts_too() -> None:
    out = io.StringIO()
    setup_logging(settings("text"), stream=out)
    emit_samples()
    text = out.getvalue()
    assert "RuntimeError: login failed for [redacted]" in text
    assert SLACK_TOKEN not in text and DISCORD_TOKEN not in text
    lines = text.split("\n")[:-1]
    assert lines[0].endswith("WARNING bot.test: rejected evil\\nname\\x1b[31m.md: empty file")
    assert all(line[:4].isdigit() or line.startswith("    ") for line in lines)  # a traceback is indented
    with pytest.raises(json.JSONDecodeError):
        json.loads(text.splitlines()[0])


def test_the_service_logs_json(tmp_path: Path) -> None:
    """`bot run` with BOT_LOG_FORMAT=json: every line on stderr is one JSON object."""
    env = child_environment(
        BOT_LOG_FORMAT="json",
        BOT_LOG_LEVEL="INFO",
        BOT_DB_PATH=str(tmp_path / "db.sqlite3"),
        BOT_STORIES_DIR=str(tmp_path / "stories"),
    )
    done = subprocess.run(
        [*BOT, "run", "--exit-at-eof"],
        input="",
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stderr.splitlines()]  # fails on any non-JSON line
    messages = [e["message"] for e in events]
    assert "started: console" in messages and "end of input: stopping" in messages
    assert all({"time", "level", "logger", "message"} <= e.keys() for e in events)
