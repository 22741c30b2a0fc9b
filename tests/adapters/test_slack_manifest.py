"""The Slack app manifest an admin pastes must agree with what the bot registers and calls."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from bot.chat.commands import COMMAND_SPECS
from bot.config import Settings


def manifest() -> dict[str, Any]:
    text = (resources.files("bot.adapters.slack") / "manifest.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def test_manifest_declares_exactly_the_bot_commands() -> None:
    declared = [c["command"] for c in manifest()["features"]["slash_commands"]]
    prefix = Settings.model_fields["slack_command_prefix"].default
    assert prefix == "va-"
    assert sorted(declared) == sorted(f"/{prefix}{spec.name}" for spec in COMMAND_SPECS)
    assert len(declared) == len(set(declared))


def test_commands_receive_the_raw_text() -> None:
    # should_escape would turn "@alice" into "<@U123|alice>" before the command parser sees it.
    assert all(c["should_escape"] is False for c in manifest()["features"]["slash_commands"])


def test_descriptions_fit_slack_limits() -> None:
    for command in manifest()["features"]["slash_commands"]:
        assert 0 < len(command["description"]) <= 100
        assert len(command.get("usage_hint", "")) <= 1000
        assert command["command"] == command["command"].lower() and len(command["command"]) <= 32


def test_socket_mode_and_the_scopes_the_adapter_uses() -> None:
    data = manifest()
    assert data["settings"]["socket_mode_enabled"] is True
    assert data["settings"]["interactivity"]["is_enabled"] is True  # the share button
    scopes = set(data["oauth_config"]["scopes"]["bot"])
    # commands: slash commands; chat.postMessage / chat.update: chat:write; users.info: users:read;
    # conversations.history (find_delivered): channels:history and groups:history.
    assert {"commands", "chat:write", "users:read", "channels:history", "groups:history"} <= scopes
