"""README's first-alert step works whatever the user did before: the story it copies is shipped apart
from the preloaded samples, so it is new even after `make run`; a file already read is skipped with
the reason in the log at INFO."""

from __future__ import annotations

import asyncio
import io
import logging
import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

from bot.app import Application, sample_story_files
from bot.config import Settings
from tests.support.app_runner import drop, running_app

FIRST_ALERT = Path(str(resources.files("bot") / "samples" / "first-alert"))


async def until(condition: Callable[[], bool], within: float = 20.0) -> None:
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - polls output written by the service under test
            await asyncio.sleep(0.02)


def test_the_first_alert_story_is_not_preloaded() -> None:
    [story] = sorted(FIRST_ALERT.iterdir())
    preloaded = {p.read_bytes() for p in sample_story_files()}
    assert story.read_bytes() not in preloaded


async def test_copying_the_shipped_story_alerts_after_the_samples_were_loaded(
    tmp_path: Path, stories_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    out = io.StringIO()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_DB_PATH=tmp_path / "bot.sqlite3",
        BOT_STORIES_DIR=stories_dir,
        BOT_SETTLE_SECONDS=0.05,
    )
    app = Application(settings, console=True, stdin=io.StringIO("/subscribe kaspersky\n"), stdout=out)
    async with running_app(app, within=30):
        await until(lambda: "Subscribed" in out.getvalue())
        assert app.core is not None and await app.core.store.articles.count() >= len(sample_story_files())
        [story] = sorted(FIRST_ALERT.iterdir())
        drop(story, stories_dir)  # README step 5: cp bot/samples/first-alert/* stories/
        await until(lambda: "=== ALERT" in out.getvalue())
        assert "Kaspersky patches a privilege escalation flaw" in out.getvalue()

        again = tmp_path / "copy-again.md"
        shutil.copy(story, again)
        drop(again, stories_dir)  # the same content under another name: skipped, and said why
        await until(lambda: any("seen copy-again.md" in r.getMessage() for r in caplog.records))
    [seen] = [r for r in caplog.records if "seen copy-again.md" in r.getMessage()]
    assert seen.levelno == logging.INFO
    assert "already processed" in seen.getMessage() and "read before" in seen.getMessage()
    assert out.getvalue().count("=== ALERT") == 1
