"""Start-up without a network is the same on Slack and Discord: BOT_STARTUP_RETRY=true retries with
backoff and says so in the log; false stops start-up at once with one clear error. The real SDK
clients are pointed at a closed port on 127.0.0.1 (connection refused, as with no network)."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import pytest

from bot.adapters.discord import DiscordPlatform, DiscordStartupError
from bot.adapters.slack import SlackPlatform
from bot.adapters.slack.platform import SlackStartupError
from bot.config import Settings
from tests.support.commands import RecordingCommands


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def offline_platform(name: str, retry: bool) -> tuple[Any, type[Exception]]:
    base = f"http://127.0.0.1:{closed_port()}"
    common: dict[str, Any] = {"BOT_STARTUP_RETRY": retry, "BOT_STARTUP_MAX_BACKOFF_SECONDS": 0.2}
    if name == "slack":
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            SLACK_BOT_TOKEN="xoxb-offline-token",
            SLACK_APP_TOKEN="xapp-offline-token",
            SLACK_API_URL=f"{base}/api/",
            **common,
        )
        return SlackPlatform(settings, RecordingCommands(typed_only=True)), SlackStartupError
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        DISCORD_TOKEN="offline-token",
        DISCORD_API_URL=f"{base}/api/v10",
        **common,
    )
    return DiscordPlatform(settings, RecordingCommands(typed_only=True)), DiscordStartupError


@pytest.mark.parametrize("name", ["slack", "discord"])
async def test_without_retry_start_up_stops_with_one_clear_error(name: str) -> None:
    platform, error = offline_platform(name, retry=False)
    with pytest.raises(error, match=r"not reachable .*BOT_STARTUP_RETRY=false") as failure:
        await asyncio.wait_for(platform.run(), 10)
    assert "offline-token" not in str(failure.value)
    assert "\n" not in str(failure.value)
    assert not platform.ready.is_set()


@pytest.mark.parametrize("name", ["slack", "discord"])
async def test_with_retry_start_up_backs_off_and_says_so(name: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    platform, _ = offline_platform(name, retry=True)
    task = asyncio.create_task(platform.run())

    def waits() -> list[str]:
        return [r.getMessage() for r in caplog.records if "not reachable yet" in r.getMessage()]

    async with asyncio.timeout(10):
        while len(waits()) < 2:
            assert not task.done(), task.exception() if task.done() else None
            await asyncio.sleep(0.05)
    assert all("retrying in" in message for message in waits())
    assert not platform.ready.is_set()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_slack_start_logs_no_bolt_token_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """bolt reads SLACK_BOT_TOKEN from the environment (as in every real run) and used to warn that
    the token "will be unused" beside our client, which carries that same token."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")
    caplog.set_level(logging.DEBUG)
    settings = Settings(_env_file=None, SLACK_APP_TOKEN="xapp-token")  # type: ignore[call-arg]
    platform = SlackPlatform(settings, RecordingCommands(typed_only=True))
    assert platform.client.token == "xoxb-from-the-environment"
    assert not [r for r in caplog.records if "will be unused" in r.getMessage()]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
