"""Stories as Discord embeds: what `bot.chat.render.story_view` decided to show, escaped and fitted to
Discord's embed limits (title 256, description 4096, field value 1024, footer 2048, 6000 in all).

Limits are enforced here rather than left to Discord: an over-long embed is a 400 for the whole
message, i.e. an alert that never arrives.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import discord

from bot.adapters.discord import limits
from bot.adapters.discord.escape import escape, link, plain
from bot.chat.render import SourceLine, story_plain_text, story_view
from bot.models import EventType, Story

TITLE_LIMIT = limits.EMBED_TITLE
DESCRIPTION_LIMIT = 1500  # of Discord's 4096: leaves room for facts and sources in the 6000 total
FIELD_LIMIT = limits.FIELD_VALUE
FIELD_NAME_LIMIT = 64  # of Discord's 256: scan labels are short ("CVSS", "Fixed in")
SCAN_VALUE_LIMIT = 256  # of Discord's 1024 for each scan field
CHANGES_LIMIT = 300
MAX_SCAN_FIELDS = 6  # of Discord's 25 fields: the scan fields, then key facts and sources
FOOTER_LIMIT = 256
MESSAGE_LIMIT = limits.MESSAGE_CONTENT
DIGEST_STORIES = 20
DIGEST_LINK_LIMIT = 600  # a digest line whose link would be longer shows its title unlinked

EVENT_COLOURS: dict[EventType, int] = {
    EventType.BREACH: 0xD32F2F,  # red
    EventType.VULNERABILITY: 0xF57C00,  # orange
    EventType.ATTACK: 0x7B1FA2,  # purple
    EventType.LAYOFFS: 0x546E7A,  # blue grey
    EventType.ACQUISITION: 0x388E3C,  # green
    EventType.LEGAL: 0x303F9F,  # indigo
    EventType.PRODUCT: 0x1976D2,  # blue
    EventType.OUTAGE: 0xFBC02D,  # amber
    EventType.OTHER: 0x9E9E9E,  # grey
}


def _aware(moment: datetime) -> datetime:
    """Discord.py reads a naive datetime as local time; ours are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _bullets(items: Sequence[str], limit: int, more: str) -> str:
    """Whole items only, then "… and N more" when the field is full."""
    lines: list[str] = []
    used = 0
    for index, item in enumerate(items):
        remaining = len(items) - index
        tail = len(more.format(n=remaining)) + 1 if remaining > 1 else 0
        if used + len(item) + 1 + tail > limit:
            lines.append(more.format(n=remaining))
            break
        lines.append(item)
        used += len(item) + 1
    return "\n".join(lines)[:limit]


def _source_line(source: SourceLine) -> str:
    line = "• " + link(source.outlet, source.url, limit=80)
    if source.published is not None:
        line += f" · {source.published:%d %b %Y}"
    return line


def _field_room(embed: discord.Embed, name: str) -> int:
    """Characters left for one more field's value: Discord's per-field limit, the 25-field cap and
    the 6000 total over all embed text (the whole message is refused past it)."""
    if len(embed.fields) >= limits.EMBED_FIELDS:
        return 0
    return min(FIELD_LIMIT, limits.EMBED_TOTAL - len(embed) - len(name))


def story_embed(story: Story) -> discord.Embed:
    """The alert: title linked to the first source, summary, key facts, sources with links,
    vendors + event type + "N sources" in the footer, coloured by event type.

    Sizes by construction: title, description, footer and scan fields have fixed caps; key facts
    and sources share what is left of Discord's 6000 total, whole lines only."""
    view = story_view(story)
    embed = discord.Embed(
        title=escape(view.title, TITLE_LIMIT) or "Untitled story",
        url=view.link,
        description=escape(view.summary, DESCRIPTION_LIMIT) or None,
        colour=EVENT_COLOURS.get(view.event_type, EVENT_COLOURS[EventType.OTHER]),
        timestamp=_aware(story.updated_at),
    )
    vendors = ", ".join(view.vendors) or "Unknown vendor"
    embed.set_footer(text=plain(f"{vendors} · {view.event_label} · {view.source_count_label}", FOOTER_LIMIT))
    if view.changes:
        embed.add_field(name="Updated", value=escape("; ".join(view.changes), CHANGES_LIMIT) or "-", inline=False)
    for label, value in view.fields[:MAX_SCAN_FIELDS]:
        embed.add_field(
            name=plain(label, FIELD_NAME_LIMIT) or "-", value=escape(value, SCAN_VALUE_LIMIT) or "-", inline=True
        )
    sources = [_source_line(source) for source in view.sources]
    facts = [escape("• " + fact, FIELD_LIMIT - 20) for fact in view.facts]
    if facts:
        room = _field_room(embed, "Key facts") - (_field_room(embed, "Sources") // 2 if sources else 0)
        value = _bullets(facts, room, "… and {n} more") if room > 20 else ""
        if value:
            embed.add_field(name="Key facts", value=value, inline=False)
    if sources:
        room = _field_room(embed, "Sources")
        value = _bullets(sources, room, "… and {n} more") if room > 20 else ""
        if value:
            embed.add_field(name="Sources", value=value, inline=False)
    return embed


def digest_embed(stories: Sequence[Story]) -> discord.Embed:
    """One embed listing the stories of a digest, newest first, each linked to its first source."""
    shown = sorted(stories, key=lambda s: s.updated_at, reverse=True)[:DIGEST_STORIES]
    lines = []
    for story in shown:
        view = story_view(story)
        title = link(view.title, view.link, limit=150) if view.link else escape(view.title, 150)
        if len(title) > DIGEST_LINK_LIMIT:  # an odd URL costs its link, never the digest
            title = escape(view.title, 150)
        facts = plain(f"{', '.join(view.vendors)} · {view.event_label} · {view.source_count_label}", 120)
        lines.append(f"• {title}\n  {escape(facts)}")
    if len(stories) > len(shown):
        lines.append(f"… and {len(stories) - len(shown)} more")
    count = len(stories)
    embed = discord.Embed(
        title=f"Digest: {count} {'story' if count == 1 else 'stories'}",
        description=_bullets(lines, 4000, "… and {n} more") or None,
        colour=EVENT_COLOURS[EventType.OTHER],
        timestamp=_aware(max(s.updated_at for s in stories)) if stories else None,
    )
    return embed


def reply_parts(text: str, story: Story | None) -> tuple[str, discord.Embed | None]:
    """Message content and embed for a command reply. `text` is the complete plain-text reply; when
    the reply carries a story its plain-text rendering is dropped from the content (the embed shows
    it) so the story does not appear twice."""
    embed = None
    if story is not None:
        embed = story_embed(story)
        text = text.replace(story_plain_text(story), "").strip()
    return escape(text, MESSAGE_LIMIT), embed
