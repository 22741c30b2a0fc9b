"""Logging set-up for the `bot` command: plain text for people, or BOT_LOG_FORMAT=json for a log
collector (one JSON object per line through python-json-logger).

In both formats every configured secret (tokens, the signing secret) is replaced by `[redacted]`
wherever it might appear, a library's message or an exception included. In JSON, a file name with a
newline or a control character stays inside its string (escaped), so one event is always one line.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

from bot.config import Settings

NOISY_LIBRARIES = ("slack_bolt", "slack_sdk", "discord", "aiohttp.access", "watchfiles")
REDACTED = "[redacted]"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configured_secrets(settings: Settings) -> list[str]:
    values = [settings.slack_bot_token, settings.slack_app_token, settings.slack_signing_secret, settings.discord_token]
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


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        json_ensure_ascii=False,
    )


def setup_logging(settings: Settings, *, quiet: bool = False, stream: TextIO | None = None) -> None:
    """Configure the root logger once for this process (replacing earlier handlers)."""
    level = logging.WARNING if quiet else getattr(logging, settings.log_level.upper(), logging.INFO)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(json_formatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RedactSecrets(configured_secrets(settings)))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in NOISY_LIBRARIES:
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
