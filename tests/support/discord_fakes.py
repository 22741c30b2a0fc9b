"""Running a `DiscordPlatform` against the stand-in Discord in the adapter tests. The fake of the
`Commands` port is tests/support/commands.py; stories come from tests/support/stories.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Any

from bot.adapters.discord import DiscordPlatform
from bot.config import Settings

if TYPE_CHECKING:
    from tests.support.discord_server import DiscordStandIn

# -- running the adapter against a stand-in ------------------------------------------------------


def settings_for(discord: DiscordStandIn, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "DISCORD_TOKEN": discord.token,
        "DISCORD_API_URL": discord.api_url,
        "DISCORD_GATEWAY_URL": discord.gateway_url,
    }
    return Settings(_env_file=None, **{**values, **extra})  # type: ignore[call-arg]


@asynccontextmanager
async def running(platform: DiscordPlatform) -> AsyncIterator[DiscordPlatform]:
    """Run the platform until the block ends; a start-up failure is raised, not hidden."""
    task = asyncio.create_task(platform.run())
    ready = asyncio.create_task(platform.ready.wait())
    try:
        await asyncio.wait({task, ready}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()
        assert platform.ready.is_set(), "platform did not become ready"
        yield platform
    finally:
        ready.cancel()
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
