"""Commands that say what they did: /vendors PREFIX lists by prefix, /unmute of a vendor that is not
muted says so, and changing one option of a subscription keeps the others (the real command layer
over a real store and catalog)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Core, open_core
from bot.chat.ports import CommandContext
from bot.config import Settings
from bot.models import ChannelRef, DeliveryMode, EventType

CHANNEL = ChannelRef("console", "w1", "c1")


async def _yes() -> bool:
    return True


def ctx() -> CommandContext:
    return CommandContext(CHANNEL, user="u1", is_admin=_yes)


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = Settings(_env_file=None, BOT_DB_PATH=tmp_path / "db.sqlite3", BOT_STORIES_DIR=tmp_path / "s")  # type: ignore[call-arg]
    async with open_core(settings) as opened:
        yield opened


async def test_vendors_lists_by_prefix_not_anywhere_in_the_name(core: Core) -> None:
    reply = await core.commands.run_text(ctx(), "vendors", "k")
    assert not reply.error and reply.lines
    catalog = core.registry.catalog_for("console", "w1")
    aliases = {v.name: v.aliases for v in catalog.vendors}
    for name in reply.lines:
        assert name.casefold().startswith("k") or any(a.casefold().startswith("k") for a in aliases[name])
    names_with_k_inside = [
        v.name for v in catalog.vendors
        if "k" in v.name.casefold()[1:] and not v.name.casefold().startswith("k")
        and not any(a.casefold().startswith("k") for a in v.aliases)
    ]
    assert names_with_k_inside, "the catalog has names with a k inside (e.g. Okta)"
    everything = await core.commands.run_text(ctx(), "vendors", f"k page:{99}")
    listed = set(reply.lines) | set(everything.lines)
    assert not listed & set(names_with_k_inside)
    assert reply.lines[0].casefold().startswith("k")  # names first, alias matches after


async def test_unmute_of_a_vendor_not_muted_says_so(core: Core) -> None:
    not_subscribed = await core.commands.run_text(ctx(), "unmute", "okta")
    assert not_subscribed.error and "not subscribed" in not_subscribed.text
    await core.commands.run_text(ctx(), "subscribe", "okta")
    idle = await core.commands.run_text(ctx(), "unmute", "okta")
    assert not idle.error and idle.text == "Okta is not muted here; nothing changed."
    await core.commands.run_text(ctx(), "mute", "okta 2h")
    done = await core.commands.run_text(ctx(), "unmute", "okta")
    assert done.text == "Unmuted Okta here."
    sub = await core.store.subscriptions.find(CHANNEL, "Okta")
    assert sub is not None and sub.muted_until is None


async def test_changing_one_option_keeps_the_others(core: Core) -> None:
    await core.commands.run_text(
        ctx(), "subscribe", "okta mode:digest at:07:30 tz:Europe/London types:breach exclude:webinar"
    )
    plain = await core.commands.run_text(ctx(), "subscribe", "okta")
    assert "nothing changed" in plain.text
    sub = await core.store.subscriptions.find(CHANNEL, "Okta")
    assert sub is not None
    assert (sub.mode, sub.digest_time, sub.timezone) == (DeliveryMode.DIGEST, "07:30", "Europe/London")
    assert sub.event_types == (EventType.BREACH,) and sub.exclude == ("webinar",)

    changed = await core.commands.run_text(ctx(), "subscribe", "okta types:vulnerability")
    assert changed.text.startswith("Updated the subscription")
    sub = await core.store.subscriptions.find(CHANNEL, "Okta")
    assert sub is not None
    assert sub.event_types == (EventType.VULNERABILITY,)
    assert (sub.mode, sub.digest_time, sub.exclude) == (DeliveryMode.DIGEST, "07:30", ("webinar",))

    await core.commands.run_text(ctx(), "subscribe", "okta mode:instant")
    sub = await core.store.subscriptions.find(CHANNEL, "Okta")
    assert sub is not None and sub.mode is DeliveryMode.INSTANT and sub.event_types == (EventType.VULNERABILITY,)


async def test_tracking_the_same_vendor_again_says_nothing_changed(core: Core) -> None:
    first = await core.commands.run_text(ctx(), "track", "Initech Cloud aliases:initech")
    assert first.text.startswith("Now tracking Initech Cloud")
    again = await core.commands.run_text(ctx(), "track", "Initech Cloud aliases:initech")
    assert again.text.startswith("This workspace already tracks Initech Cloud; nothing changed.")
    changed = await core.commands.run_text(ctx(), "track", "Initech Cloud aliases:initech,itc")
    assert changed.text.startswith("Now tracking Initech Cloud (also: initech, itc)")
