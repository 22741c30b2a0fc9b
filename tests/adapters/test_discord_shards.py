"""DISCORD_SHARD_IDS: a worker's share of DISCORD_SHARD_COUNT, refused in one line when it cannot be.
(That each worker then runs exactly its shards is shown end to end in tests/e2e/test_workers_e2e.py.)"""

from __future__ import annotations

import pytest

from bot.cli_base import CliError, _settings


def settings_error(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    for name in ("DISCORD_SHARD_IDS", "DISCORD_SHARD_COUNT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(CliError) as caught:
        _settings()
    return str(caught.value)


def test_shard_ids_are_parsed_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")  # no .env of a developer's checkout
    monkeypatch.setenv("DISCORD_SHARD_COUNT", "4")
    monkeypatch.setenv("DISCORD_SHARD_IDS", " 2, 3")
    assert _settings().shard_ids == [2, 3]
    monkeypatch.setenv("DISCORD_SHARD_IDS", "")
    assert _settings().shard_ids is None  # every shard
    assert "needs DISCORD_SHARD_COUNT" in settings_error(monkeypatch, DISCORD_SHARD_IDS="0,1")
    assert "below DISCORD_SHARD_COUNT (2)" in settings_error(
        monkeypatch, DISCORD_SHARD_IDS="1,2", DISCORD_SHARD_COUNT="2"
    )
    message = settings_error(monkeypatch, DISCORD_SHARD_IDS="one", DISCORD_SHARD_COUNT="2")
    assert message.startswith("bad setting DISCORD_SHARD_IDS") and "\n" not in message
