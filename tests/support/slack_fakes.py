"""Running a ChatPlatform in the Slack adapter tests until it is ready. The fake of the `Commands` port
is tests/support/commands.py; stories come from tests/support/stories.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any


@asynccontextmanager
async def running(platform: Any, *, within: float = 10.0) -> AsyncIterator[asyncio.Task[None]]:
    """Run a ChatPlatform's `run()` until it is ready; cancel and await it on exit.

    If `run()` fails before it is ready, its exception is raised here instead of a timeout.
    """
    task: asyncio.Task[None] = asyncio.create_task(platform.run())
    ready = asyncio.create_task(platform.ready.wait())
    try:
        done, _ = await asyncio.wait({task, ready}, timeout=within, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # raises what run() raised
            raise AssertionError("run() returned before the platform was ready")
        if ready not in done:
            raise AssertionError(f"platform not ready within {within}s")
        yield task
    finally:
        ready.cancel()
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
