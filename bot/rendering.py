"""One platform-neutral view of a story, shared by every adapter.

Adapters turn this into Block Kit, embeds or console text; what goes *into* a message is decided
here once (order, labels, which URLs may become links), and each adapter only escapes and formats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from bot.models import EventType, Story

EVENT_LABELS: dict[EventType, str] = {
    EventType.BREACH: "Breach",
    EventType.VULNERABILITY: "Vulnerability",
    EventType.ATTACK: "Attack / ransomware",
    EventType.LAYOFFS: "Layoffs / closure",
    EventType.ACQUISITION: "Acquisition / funding",
    EventType.LEGAL: "Legal / regulatory",
    EventType.PRODUCT: "Product",
    EventType.OTHER: "Other",
}

MAX_FACTS_SHOWN = 6


def safe_url(url: str | None) -> str | None:
    """The URL if it may become a link (http/https with a host, no spaces or control chars)."""
    if not url or len(url) > 2000:
        return None
    if any(ch.isspace() or ord(ch) < 32 or ch in '<>|"`' for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url


@dataclass(frozen=True, slots=True)
class SourceLine:
    outlet: str
    url: str | None  # only when safe_url() accepted it
    title: str
    published: datetime | None


@dataclass(frozen=True, slots=True)
class StoryView:
    """Everything an alert shows, in display order. Text is raw (unescaped): adapters escape."""

    story_id: int
    version: int
    title: str
    link: str | None
    summary: str
    facts: tuple[str, ...]
    sources: tuple[SourceLine, ...]
    vendors: tuple[str, ...]
    event_type: EventType
    event_label: str

    @property
    def source_count_label(self) -> str:
        n = len(self.sources)
        return f"{n} source" if n == 1 else f"{n} sources"


def story_view(story: Story) -> StoryView:
    sources = tuple(
        SourceLine(
            outlet=s.outlet or "Unknown outlet", url=safe_url(s.url), title=s.title, published=s.published
        )
        for s in story.sources
    )
    link = next((s.url for s in sources if s.url), None)
    return StoryView(
        story_id=story.id,
        version=story.version,
        title=story.title,
        link=link,
        summary=story.summary,
        facts=tuple(f.text for f in story.key_facts[:MAX_FACTS_SHOWN]),
        sources=sources,
        vendors=story.vendors,
        event_type=story.event_type,
        event_label=EVENT_LABELS.get(story.event_type, str(story.event_type)),
    )


def story_plain_text(story: Story) -> str:
    """A complete, readable plain-text rendering (console, notification fallbacks)."""
    view = story_view(story)
    lines = [view.title, ""]
    if view.summary:
        lines += [view.summary, ""]
    if view.facts:
        lines.append("Key facts:")
        lines += [f"  • {fact}" for fact in view.facts]
        lines.append("")
    lines.append(f"Sources ({view.source_count_label}):")
    for src in view.sources:
        lines.append(f"  - {src.outlet}: {src.url}" if src.url else f"  - {src.outlet} (no link)")
    lines.append(f"Vendors: {', '.join(view.vendors)} · Event: {view.event_label}")
    return "\n".join(lines)


def notification_text(story: Story) -> str:
    """One short line for push notifications and message fallbacks."""
    view = story_view(story)
    return f"{', '.join(view.vendors)}: {view.title} ({view.event_label}, {view.source_count_label})"
