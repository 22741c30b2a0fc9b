"""The neutral command layer over a real store and the real catalog (no platform involved)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import Core, open_core
from bot.chat.ports import CommandContext
from bot.config import Settings
from bot.models import ChannelRef, DeliveryMode, EventType
from bot.store.timefmt import utcnow

CHANNEL = ChannelRef("console", "w1", "c1")


async def _yes() -> bool:
    return True


async def _no() -> bool:
    return False


def ctx(admin: bool = True, channel: ChannelRef = CHANNEL) -> CommandContext:
    return CommandContext(channel, user="u1", is_admin=_yes if admin else _no)


def make_settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_DB_PATH=tmp_path / "bot.sqlite3",
        BOT_STORIES_DIR=tmp_path / "stories",
        **extra,
    )


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    async with open_core(make_settings(tmp_path)) as opened:
        yield opened


async def test_subscribe_stores_filters(core: Core) -> None:
    reply = await core.commands.run_text(ctx(), "subscribe", "KASPERSKY types:layoffs,breach include:uk mode:digest at:7:30 tz:Europe/London")
    assert not reply.error, reply.text
    sub = await core.store.subscriptions.find(CHANNEL, "Kaspersky")
    assert sub is not None
    assert sub.event_types == (EventType.LAYOFFS, EventType.BREACH)
    assert sub.include == ("uk",)
    assert sub.mode is DeliveryMode.DIGEST
    assert (sub.digest_time, sub.timezone) == ("07:30", "Europe/London")
    listing = await core.commands.run_text(ctx(), "subscriptions", "")
    assert "Kaspersky" in listing.text and "digest at 07:30 Europe/London" in listing.text


async def test_typo_and_unknown_vendor(core: Core) -> None:
    typo = await core.commands.run_text(ctx(), "subscribe", "crowdstrke")
    assert typo.error and typo.text == "No vendor 'crowdstrke'. Did you mean CrowdStrike?"
    assert await core.store.subscriptions.count() == 0
    read_only = await core.commands.run_text(ctx(), "story", "crowdstrke")
    assert not read_only.error and read_only.text == "No story about CrowdStrike yet."
    bad = await core.commands.run_text(ctx(), "subscribe", "kasperskiiiiii labz")
    assert bad.error
    unknown = await core.commands.run_text(ctx(), "story", "zzqqxx")
    assert unknown.error and unknown.text.startswith("No vendor 'zzqqxx'.")


async def test_did_you_mean(core: Core) -> None:
    reply = await core.commands.run(ctx(), "subscribe", {"vendor": "kasperski"})
    assert reply.error
    assert reply.text.startswith("No vendor 'kasperski'. Did you mean Kaspersky")


async def test_unsubscribe_and_mute(core: Core) -> None:
    await core.commands.run_text(ctx(), "subscribe", "okta")
    muted = await core.commands.run_text(ctx(), "mute", "okta 2h")
    assert not muted.error, muted.text
    sub = await core.store.subscriptions.find(CHANNEL, "Okta")
    assert sub is not None and sub.muted_until is not None
    assert timedelta(minutes=119) < sub.muted_until - utcnow() <= timedelta(hours=2)
    assert not (await core.commands.run_text(ctx(), "unmute", "okta")).error
    assert (await core.store.subscriptions.find(CHANNEL, "Okta")).muted_until is None  # type: ignore[union-attr]
    gone = await core.commands.run_text(ctx(), "unsubscribe", "okta")
    assert not gone.error
    again = await core.commands.run_text(ctx(), "unsubscribe", "okta")
    assert again.error and "not subscribed" in again.text


async def test_admin_only_setting(tmp_path: Path) -> None:
    async with open_core(make_settings(tmp_path, BOT_SUBSCRIPTION_PERMISSION="admins")) as core:
        denied = await core.commands.run_text(ctx(admin=False), "subscribe", "okta")
        assert denied.error and "admins" in denied.text
        assert await core.store.subscriptions.find(CHANNEL, "Okta") is None
        # reading is open to everyone
        assert not (await core.commands.run_text(ctx(admin=False), "vendors", "ok")).error
        allowed = await core.commands.run_text(ctx(admin=True), "subscribe", "okta")
        assert not allowed.error


async def test_track_own_vendor(core: Core) -> None:
    reply = await core.commands.run_text(ctx(), "track", "Acme Widgets aliases:acmew,widgetco")
    assert not reply.error, reply.text
    sub = await core.commands.run_text(ctx(), "subscribe", "acme widgets")
    assert not sub.error, sub.text
    other = await core.commands.run_text(ctx(channel=ChannelRef("console", "w2", "c9")), "subscribe", "acme widgets")
    assert other.error  # tracked vendors belong to their workspace
    assert any(v.name == "Acme Widgets" for v in core.registry.tracked)
    assert not (await core.commands.run_text(ctx(), "untrack", "acme widgets")).error
    assert not core.registry.tracked


async def test_vendors_paged(core: Core) -> None:
    first = await core.commands.run_text(ctx(), "vendors", "")
    assert len(first.lines) == 20 and "page 1 of" in first.text
    second = await core.commands.run_text(ctx(), "vendors", "page:2")
    assert not set(first.lines) & set(second.lines)
    prefixed = await core.commands.run_text(ctx(), "vendors", "crowd")
    assert "CrowdStrike" in prefixed.lines


async def test_sql_injection_is_data(core: Core) -> None:
    hostile = "'; DROP TABLE subscriptions; --"
    reply = await core.commands.run_text(ctx(), "track", hostile)
    assert reply.error
    reply = await core.commands.run_text(ctx(), "subscribe", hostile)
    assert reply.error and reply.text.startswith("No vendor")
    assert await core.store.subscriptions.count() == 0  # table still there


async def test_unknown_command_and_option(core: Core) -> None:
    assert (await core.commands.run_text(ctx(), "frobnicate", "")).error
    bad = await core.commands.run(ctx(), "subscribe", {"vendor": "okta", "colour": "red"})
    assert bad.error and "unknown option" in bad.text
