"""/track refuses a vendor name spelled with look-alike letters from another alphabet (a second
"Okta" that reads like the catalog one), with a one-line error naming what it imitates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Core, open_core
from bot.chat.ports import CommandContext
from bot.config import Settings
from bot.hostnames import is_lookalike_word, latin_skeleton
from bot.models import ChannelRef


async def _yes() -> bool:
    return True


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = Settings(_env_file=None, BOT_DB_PATH=tmp_path / "bot.sqlite3", BOT_STORIES_DIR=tmp_path / "s")  # type: ignore[call-arg]
    async with open_core(settings) as opened:
        yield opened


def ctx() -> CommandContext:
    return CommandContext(ChannelRef("console", "w1", "c1"), user="u1", is_admin=_yes)


@pytest.mark.parametrize("name", ["Оkta", "Окта", "Crowdѕtrike"])  # Cyrillic О / О,к,а / ѕ
async def test_confusable_spellings_of_catalog_vendors_are_refused(core: Core, name: str) -> None:
    reply = await core.commands.run_text(ctx(), "track", name)
    assert reply.error and "\n" not in reply.text
    assert "different alphabets" in reply.text and "reads like" in reply.text, reply.text
    assert not core.registry.tracked


async def test_a_name_in_one_other_alphabet_is_fine(core: Core) -> None:
    reply = await core.commands.run_text(ctx(), "track", "Лаборатория Пример")
    assert not reply.error, reply.text


def test_skeleton_and_lookalike_words() -> None:
    assert latin_skeleton("Оkta") == "okta"
    assert is_lookalike_word("Оkta") and is_lookalike_word("окта")
    assert not is_lookalike_word("Okta") and not is_lookalike_word("Пример")
