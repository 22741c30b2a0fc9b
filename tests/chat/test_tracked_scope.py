"""A vendor tracked with /track is that workspace's own: two workspaces on one real store and the real
command layer, an article naming both a catalog vendor and one workspace's tracked vendor. The
tracking workspace is alerted and sees the name; the other one's alerts, /story, /vendors and
did-you-mean never show it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Core, open_core
from bot.chat.ports import CommandContext
from bot.config import Settings
from bot.delivery.service import DeliveryService
from bot.models import ChannelRef, MessageRef, Story
from tests.support.delivery_fakes import FakePlatform

OWNER = ChannelRef("console", "acme-corp", "alerts")
OTHER = ChannelRef("console", "globex", "alerts")
TRACKED = "Zentrofix"

ARTICLE = """---
title: Zentrofix and Kaspersky patch critical flaw in shared endpoint driver
url: https://dailypatch.example.org/news/zentrofix-kaspersky-driver
outlet: Daily Patch Report
date: 2026-12-01
---

Zentrofix and Kaspersky have released patches for a critical vulnerability in an endpoint driver
both companies ship, which could let a local attacker gain system privileges on Windows.

The flaw, tracked as CVE-2026-99123, was reported by a security researcher. Zentrofix said the
driver failed to validate input passed from user space; Kaspersky urged administrators to update.
"""


async def _yes() -> bool:
    return True


def ctx(channel: ChannelRef) -> CommandContext:
    return CommandContext(channel, user="u1", is_admin=_yes)


class VendorRecordingPlatform(FakePlatform):
    """The fake platform, also noting which vendor names each alert it was given shows."""

    def __init__(self) -> None:
        super().__init__("console")
        self.shown: dict[str, tuple[str, ...]] = {}

    async def post_alert(self, channel: ChannelRef, story: Story, *, delivery_key: str) -> MessageRef:
        self.shown[channel.workspace] = story.vendors
        return await super().post_alert(channel, story, delivery_key=delivery_key)


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_DB_PATH=tmp_path / "bot.sqlite3",
        BOT_STORIES_DIR=tmp_path / "stories",
    )
    async with open_core(settings) as opened:
        yield opened


async def _run(core: Core, *commands: tuple[ChannelRef, str, str]) -> None:
    for channel, name, text in commands:
        reply = await core.commands.run_text(ctx(channel), name, text)
        assert not reply.error, reply.text


async def _ingest(core: Core) -> Story:
    stories = core.settings.stories_dir
    stories.mkdir(parents=True, exist_ok=True)
    (stories / "zentrofix.md").write_text(ARTICLE, encoding="utf-8")
    await core.pipeline.process_file(stories / "zentrofix.md", settle_seconds=0)
    story = await core.stories.latest_story_for_vendor("Kaspersky")
    assert story is not None
    assert TRACKED in story.vendors and "Kaspersky" in story.vendors  # both matched: the case at hand
    return story


async def test_alerts_show_a_tracked_name_only_in_its_workspace(core: Core) -> None:
    await _run(
        core,
        (OWNER, "track", TRACKED),
        (OWNER, "subscribe", TRACKED),
        (OTHER, "subscribe", "Kaspersky"),
    )
    await _ingest(core)
    platform = VendorRecordingPlatform()
    delivery = DeliveryService(
        core.store.db,
        {"console": platform},
        core.settings,
        load_story=core.stories.get_story,
        scope_story=core.registry.story_for_channel,
    )
    task = asyncio.create_task(delivery.run())
    try:
        assert await delivery.drain(timeout=10)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert TRACKED in platform.shown["acme-corp"]
    assert "Kaspersky" in platform.shown["globex"]
    assert TRACKED not in platform.shown["globex"]


async def test_story_and_lookups_in_another_workspace_never_show_a_tracked_name(core: Core) -> None:
    await _run(core, (OWNER, "track", TRACKED))
    await _ingest(core)
    own = await core.commands.run_text(ctx(OWNER), "story", "Kaspersky")
    assert TRACKED in own.text and own.story is not None and TRACKED in own.story.vendors
    other = await core.commands.run_text(ctx(OTHER), "story", "Kaspersky")
    assert other.story is not None and TRACKED not in other.story.vendors
    vendor_lines = [line for line in other.text.splitlines() if line.startswith("Vendors:")]
    assert vendor_lines and "Kaspersky" in vendor_lines[0] and TRACKED not in vendor_lines[0]
    listing = await core.commands.run_text(ctx(OTHER), "vendors", "zen")
    assert TRACKED not in listing.text
    typo = await core.commands.run_text(ctx(OTHER), "story", "Zentrofx")
    assert typo.error and TRACKED not in typo.text
    assert TRACKED not in await core.commands.autocomplete(ctx(OTHER), "vendors", "Zen")


async def test_a_subscription_left_after_untrack_is_not_alerted_for_another_workspaces_name(core: Core) -> None:
    await _run(
        core,
        (OTHER, "track", TRACKED),
        (OTHER, "subscribe", TRACKED),
        (OTHER, "untrack", TRACKED),
        (OWNER, "track", TRACKED),
        (OWNER, "subscribe", TRACKED),
    )
    await _ingest(core)
    rows = await core.store.db.fetchall("SELECT workspace FROM outbox")
    assert {r["workspace"] for r in rows} == {"acme-corp"}
