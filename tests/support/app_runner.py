"""Running the bot's own Application in a test, shared by the end-to-end and security tests."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from bot.app import Application


@asynccontextmanager
async def running_app(app: Application, within: float) -> AsyncIterator[asyncio.Task[None]]:
    """`app.run()` as a task, yielded once every platform is ready; cancelled and awaited on exit.
    A start-up failure is raised here instead of a silent time-out."""
    task = asyncio.create_task(app.run())
    waiter = asyncio.create_task(app.started.wait())
    try:
        done, _ = await asyncio.wait({task, waiter}, timeout=within, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()
            raise AssertionError("Application.run() returned before it started")
        assert waiter in done, f"application not started within {within}s"
        yield task
    finally:
        waiter.cancel()
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def drop(story: Path, stories_dir: Path) -> None:
    """Make a story file appear in the watched folder at once, as a finished download would
    (copied beside the folder, then renamed into it)."""
    staging = stories_dir.parent / "staging"
    staging.mkdir(exist_ok=True)
    shutil.copy(story, staging / story.name)
    os.replace(staging / story.name, stories_dir / story.name)
