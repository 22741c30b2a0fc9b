"""Slack command names carry a prefix (SLACK_COMMAND_PREFIX, default "va-") so the app lives beside
others in a workspace; the bare names are answered too only with SLACK_LEGACY_COMMANDS. The real bolt
app receives the commands over Socket Mode from the stand-in Slack."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.adapters.slack import SlackPlatform
from bot.adapters.slack.handlers import CommandNames
from bot.chat.ports import Reply
from bot.config import Settings
from tests.support.commands import RecordingCommands
from tests.support.slack_fakes import running
from tests.support.slack_server import SlackStandIn


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn() as standin:
        yield standin


def settings(slack: SlackStandIn, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        SLACK_BOT_TOKEN=slack.bot_token,
        SLACK_APP_TOKEN=slack.app_token,
        SLACK_API_URL=slack.api_url,
        **extra,
    )


def test_the_default_prefix_is_va(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_COMMAND_PREFIX", raising=False)
    assert Settings(_env_file=None).slack_command_prefix == "va-"  # type: ignore[call-arg]


async def test_prefixed_commands_reach_the_neutral_command_and_replies_name_them(slack: SlackStandIn) -> None:
    commands = RecordingCommands()
    commands.replies["vendors"] = Reply("No vendor starts with 'zz'. Try /vendors or /subscribe VENDOR.")
    platform = SlackPlatform(settings(slack, SLACK_COMMAND_PREFIX="va-"), commands)
    assert platform.command_names == ["/va-subscribe", "/va-story", "/va-vendors"]
    async with running(platform):
        await slack.wait_connected()
        envelope = await slack.send_slash_command("/va-vendors", "zz")
        await slack.wait_ack(envelope)
        (response,) = await slack.wait_responses(1)
    [call] = commands.calls
    assert (call.name, call.text) == ("vendors", "zz")
    text = json.dumps(response, ensure_ascii=False)
    assert "Try /va-vendors or /va-subscribe VENDOR." in text
    assert "/subscribe" not in text


async def test_bare_names_only_when_configured(slack: SlackStandIn) -> None:
    plain = SlackPlatform(settings(slack, SLACK_COMMAND_PREFIX="va-"), RecordingCommands())
    assert "/subscribe" not in plain.command_names
    commands = RecordingCommands()
    legacy = SlackPlatform(settings(slack, SLACK_COMMAND_PREFIX="va-", SLACK_LEGACY_COMMANDS=True), commands)
    assert set(legacy.command_names) == {"/va-subscribe", "/va-story", "/va-vendors", "/subscribe", "/story", "/vendors"}
    async with running(legacy):
        await slack.wait_connected()
        for command in ("/story", "/va-story"):
            await slack.wait_ack(await slack.send_slash_command(command, "okta"))
        await slack.wait_responses(2)
    assert [(c.name, c.text) for c in commands.calls] == [("story", "okta"), ("story", "okta")]


def test_renaming_touches_only_whole_command_names() -> None:
    names = CommandNames(["subscribe", "subscriptions", "story"], "va-", legacy=False)
    assert names.in_text("Try /subscribe okta, /subscriptions and /story.") == (
        "Try /va-subscribe okta, /va-subscriptions and /va-story."
    )
    assert names.in_text("see https://example.com/story/1 and /storyline, a/subscribe") == (
        "see https://example.com/story/1 and /storyline, a/subscribe"
    )
    assert names.neutral("/va-subscribe") == "subscribe" and names.neutral("/subscribe") == "subscribe"
    assert CommandNames(["story"], "", legacy=True).in_text("/story") == "/story"


def test_a_prefix_is_checked() -> None:
    with pytest.raises(ValueError, match="SLACK_COMMAND_PREFIX"):
        Settings(_env_file=None, SLACK_COMMAND_PREFIX="/Bad Prefix")  # type: ignore[call-arg]
