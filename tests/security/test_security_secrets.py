"""Tokens and the signing secret never show: not in any log record (the whole run at DEBUG, library
loggers included, tracebacks formatted), not in error messages, not in `repr`/`str`/dumps of the
settings. The service runs for real against the stand-ins (and against a closed port, and with
rejected tokens) with distinctive secret values, and everything it logged is scanned for them.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest

from bot.app import Application
from bot.config import Settings
from tests.support.app_runner import running_app
from tests.support.bot_process import BOT, child_environment
from tests.support.discord_server import DiscordStandIn
from tests.support.slack_server import SlackStandIn

pytestmark = pytest.mark.slow

SLACK_BOT = "xoxb-1111-2222-SECRETslackbot9f3a"
SLACK_APP = "xapp-1-A0STANDIN-3333-SECRETslackapp41c7"
SIGNING = "SECRETsigning5d1b8e02aa7f9c3e61d4"
DISCORD = "MTIzNDU2Nzg5MDEy.SECRETdiscord.Gx7k-9a8bQwErTy"
SECRETS = (SLACK_BOT, SLACK_APP, SIGNING, DISCORD)
# Pieces long enough to be unmistakable: a log that printed half a token leaks too.
FRAGMENTS = tuple(part for secret in SECRETS for part in (secret[:16], secret[-16:]))
WAIT = 60.0


class Everything(logging.Handler):
    """Keeps every record, formatted the way a log file would show it (traceback included)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        self.lines.append(repr(record.args))
        if record.exc_info and record.exc_info[1] is not None:
            self.lines.append(repr(record.exc_info[1]))


@pytest.fixture
def logged() -> Iterator[Everything]:
    handler = Everything()
    root = logging.getLogger()
    old_level = root.level
    noisy = {
        name: logging.getLogger(name).level for name in ("slack_bolt", "slack_sdk", "discord", "aiohttp")
    }
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in noisy:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        for name, level in noisy.items():
            logging.getLogger(name).setLevel(level)


def assert_no_secret(texts: list[str], *, what: str) -> None:
    assert texts, f"nothing captured from {what}"
    for text in texts:
        for piece in FRAGMENTS:
            assert piece not in text, f"secret fragment {piece!r} in {what}: {text[:300]!r}"


def settings(tmp_path: Path, **values: Any) -> Settings:
    base: dict[str, Any] = {
        "BOT_DB_PATH": str(tmp_path / "bot.sqlite3"),
        "BOT_STORIES_DIR": str(tmp_path / "stories"),
        "BOT_SETTLE_SECONDS": "0.05",
        "BOT_LOG_LEVEL": "DEBUG",
    }
    return Settings(_env_file=None, **{**base, **values})  # type: ignore[call-arg]


def test_settings_never_show_their_secrets(tmp_path: Path) -> None:
    configured = settings(
        tmp_path,
        SLACK_BOT_TOKEN=SLACK_BOT,
        SLACK_APP_TOKEN=SLACK_APP,
        SLACK_SIGNING_SECRET=SIGNING,
        DISCORD_TOKEN=DISCORD,
    )
    shown = [
        repr(configured),
        str(configured),
        f"{configured}",
        str(configured.model_dump()),
        configured.model_dump_json(),
        repr(configured.slack_bot_token),
        str(configured.discord_token),
    ]
    assert_no_secret(shown, what="settings")
    assert (
        configured.slack_bot_token is not None and configured.slack_bot_token.get_secret_value() == SLACK_BOT
    )


def test_settings_from_the_environment_and_a_bad_value_do_not_echo_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_BOT)
    monkeypatch.setenv("DISCORD_TOKEN", DISCORD)
    monkeypatch.setenv("SLACK_HTTP_PORT", "not-a-port")
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None)  # type: ignore[call-arg]
    assert_no_secret([str(caught.value), repr(caught.value)], what="a settings error")


async def test_a_full_run_on_both_platforms_logs_no_secret(logged: Everything, tmp_path: Path) -> None:
    async with (
        SlackStandIn(bot_token=SLACK_BOT, app_token=SLACK_APP) as slack,
        DiscordStandIn(token=DISCORD) as discord,
    ):
        configured = settings(
            tmp_path,
            SLACK_BOT_TOKEN=SLACK_BOT,
            SLACK_APP_TOKEN=SLACK_APP,
            SLACK_SIGNING_SECRET=SIGNING,
            SLACK_API_URL=slack.api_url,
            DISCORD_TOKEN=DISCORD,
            DISCORD_API_URL=discord.api_url,
            DISCORD_GATEWAY_URL=discord.gateway_url,
        )
        app = Application(configured)
        async with running_app(app, WAIT):
            assert set(app.platforms) == {"slack", "discord"}
            await slack.wait_ack(await slack.send_slash_command("/subscribe", "okta"))
            await slack.wait_ack(await slack.send_slash_command("/story", "<@U1> " + SLACK_BOT[:4]))
            interaction = await discord.send_command("subscribe", {"vendor": "okta"})
            await discord.wait_until(lambda: bool(interaction.replies), within=WAIT)
            # Faults on the way out: rejected auth, server errors; each is logged somewhere.
            slack.fail("chat.postMessage", error="invalid_auth", times=2)
            slack.fail("users.info", status=500, times=2)
            discord.fail_next(
                "POST", r"/channels/\d+/messages", 401, code=0, message="401: Unauthorized", times=2
            )
            story = tmp_path / "stories" / "okta.md"
            story.write_text(
                "---\ntitle: Okta says support system breached\nurl: https://news.example.com/okta\n---\n\n"
                + "Okta said on Tuesday that an attacker used a stolen credential to reach its support "
                "case system, and that it had told every affected customer.\n\n" * 3
            )
            await slack.wait_calls("chat.postMessage", 1, ok=None, within=WAIT)
            await discord.wait_until(
                lambda: bool(discord.calls("POST", rf"/channels/{discord.channel_id}/messages")), within=WAIT
            )
            await asyncio.sleep(0.5)
    assert any("Slack" in line for line in logged.lines) and any("Discord" in line for line in logged.lines)
    # The libraries' own DEBUG output (requests, gateway events) was part of what was scanned.
    assert any(line.startswith("DEBUG discord.") for line in logged.lines)
    assert any(line.startswith("DEBUG bot.adapters.slack.web: Sending a request") for line in logged.lines)
    assert_no_secret(logged.lines, what="the log")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_unreachable_or_refusing_platforms_name_no_secret(logged: Everything, tmp_path: Path) -> None:
    from bot.adapters.discord import DiscordPlatform
    from bot.adapters.slack import SlackPlatform
    from tests.support.commands import RecordingCommands

    errors: list[str] = []
    port = _closed_port()
    # Discord unreachable: a start-up error, one line, without the token.
    down = settings(
        tmp_path,
        DISCORD_TOKEN=DISCORD,
        DISCORD_API_URL=f"http://127.0.0.1:{port}/api/v10",
        DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{port}/gateway",
    )
    with pytest.raises(Exception) as caught:
        await asyncio.wait_for(DiscordPlatform(down, RecordingCommands()).run(), WAIT)  # type: ignore[arg-type]
    errors += [str(caught.value), repr(caught.value)]
    # Slack unreachable: retried with a warning; cancelled after the first retries.
    unreachable = settings(
        tmp_path,
        SLACK_BOT_TOKEN=SLACK_BOT,
        SLACK_APP_TOKEN=SLACK_APP,
        SLACK_API_URL=f"http://127.0.0.1:{port}/api/",
    )
    task = asyncio.create_task(SlackPlatform(unreachable, RecordingCommands()).run())
    await asyncio.sleep(1.5)
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
    # Both refusing the tokens: clear errors that name the variable, not its value.
    async with SlackStandIn(bot_token="xoxb-other") as slack, DiscordStandIn(token="other") as discord:
        refused = settings(
            tmp_path, SLACK_BOT_TOKEN=SLACK_BOT, SLACK_APP_TOKEN=SLACK_APP, SLACK_API_URL=slack.api_url
        )
        with pytest.raises(Exception) as slack_error:
            await asyncio.wait_for(SlackPlatform(refused, RecordingCommands()).run(), WAIT)
        assert "SLACK_BOT_TOKEN" in str(slack_error.value)
        refused = settings(
            tmp_path,
            DISCORD_TOKEN=DISCORD,
            DISCORD_API_URL=discord.api_url,
            DISCORD_GATEWAY_URL=discord.gateway_url,
        )
        with pytest.raises(Exception) as discord_error:
            await asyncio.wait_for(DiscordPlatform(refused, RecordingCommands()).run(), WAIT)  # type: ignore[arg-type]
        assert "DISCORD_TOKEN" in str(discord_error.value)
    for error in (slack_error.value, discord_error.value):
        errors += [str(error), repr(error), repr(error.__cause__)]
    assert_no_secret(errors, what="error messages")
    assert_no_secret(logged.lines, what="the log")


def test_cli_errors_and_output_name_no_secret(tmp_path: Path) -> None:
    """`bot run` with tokens set and Slack unreachable: whatever it prints before it is stopped."""
    import signal
    import subprocess
    import time

    port = _closed_port()
    env = child_environment(
        BOT_DB_PATH=str(tmp_path / "bot.sqlite3"),
        BOT_STORIES_DIR=str(tmp_path / "stories"),
        BOT_LOG_LEVEL="DEBUG",
        SLACK_BOT_TOKEN=SLACK_BOT,
        SLACK_APP_TOKEN=SLACK_APP,
        SLACK_API_URL=f"http://127.0.0.1:{port}/api/",
        DISCORD_TOKEN=DISCORD,
        DISCORD_API_URL=f"http://127.0.0.1:{port}/api/v10",
    )
    with subprocess.Popen(
        [*BOT, "run"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        time.sleep(2.5)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert err.strip(), "the run logged nothing"
    assert_no_secret([out, err], what="bot run output")
    shutil.rmtree(tmp_path / "stories", ignore_errors=True)
