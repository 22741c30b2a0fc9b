"""Logging set-up for the `bot` command: plain text for people, or BOT_LOG_FORMAT=json for a log
collector (one JSON object per line through python-json-logger).

In both formats every configured secret (tokens, the signing secret) is replaced by `[redacted]`
wherever it might appear, a library's message or an exception included; and every message is escaped
(control characters, line and paragraph separators written as `\\n`, `\\x1b`, `\\u2028`), so a file
name or a page's text can never forge a log line or drive the terminal that shows the log.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

from bot.config import Settings

NOISY_LIBRARIES = ("slack_bolt", "slack_sdk", "discord", "aiohttp.access", "watchfiles")
REDACTED = "[redacted]"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configured_secrets(settings: Settings) -> list[str]:
    values = [
        settings.slack_bot_token,
        settings.slack_app_token,
        settings.slack_signing_secret,
        settings.discord_token,
    ]
    return [v.get_secret_value() for v in values if v is not None and v.get_secret_value()]


class RedactSecrets(logging.Filter):
    """Replaces secret values in the rendered message and in the exception text of a record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_info, record.exc_text = None, self._clean(text)
        return True


def escape_controls(text: str, *, keep: str = "") -> str:
    """`text` with every character that is not printable written as its Python escape (`\\n`,
    `\\x1b`, `\\u2028`), but those in `keep`: a newline or carriage return in a file name would
    otherwise forge a log line, an ANSI escape repaint the terminal reading the log."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in keep else repr(c)[1:-1] for c in text)


def _escaped(
    record: logging.LogRecord, formatter: logging.Formatter, details: Callable[[str], str]
) -> logging.LogRecord:
    """A copy of `record` (it may go to other handlers as it is) whose message is escaped, and whose
    traceback and stack, if any, are already rendered and passed through `details`."""
    copy = logging.makeLogRecord(record.__dict__)
    if not isinstance(record.msg, dict):
        copy.msg, copy.args = escape_controls(record.getMessage()), None
    if record.exc_info or record.exc_text:
        text = record.exc_text or formatter.formatException(record.exc_info)  # type: ignore[arg-type]
        copy.exc_info, copy.exc_text = None, details(text)
    if record.stack_info:
        copy.stack_info = details(record.stack_info)
    return copy


def _indented(text: str) -> str:
    return "\n".join("    " + escape_controls(line) for line in text.split("\n"))


class TextFormatter(logging.Formatter):
    """One event, one line: the message escaped; a traceback's lines, the only ones allowed after the
    first, are indented and escaped too, so none of them can pass for an event of its own."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(_escaped(record, self, _indented))


class JsonLineFormatter(JsonFormatter):
    """One JSON object per line, the message escaped as in the text format (JSON itself leaves the
    C1 controls and the Unicode line separators raw, and a reader printing a message would replay an
    ANSI escape in it); a traceback keeps its newlines, which JSON escapes."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(_escaped(record, self, lambda text: escape_controls(text, keep="\n")))


def json_formatter() -> logging.Formatter:
    return JsonLineFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        json_ensure_ascii=False,
    )


def setup_logging(settings: Settings, *, quiet: bool = False, stream: TextIO | None = None) -> None:
    """Configure the root logger once for this process (replacing earlier handlers)."""
    level = logging.WARNING if quiet else getattr(logging, settings.log_level.upper(), logging.INFO)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(json_formatter() if settings.log_format == "json" else TextFormatter(TEXT_FORMAT))
    handler.addFilter(RedactSecrets(configured_secrets(settings)))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in NOISY_LIBRARIES:
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
