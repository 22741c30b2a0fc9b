"""One platform-neutral view of a story, shared by every adapter.

Adapters turn this into Block Kit, embeds or console text; what goes *into* a message is decided
here once (order, labels, which URLs may become links), and each adapter only escapes and formats.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from bot.chat.fact_fields import FIELD_KINDS, aligned, fact_fields
from bot.hostnames import ascii_host, is_lookalike
from bot.models import EventType, Story

EVENT_LABELS: dict[EventType, str] = {
    EventType.BREACH: "Breach",
    EventType.VULNERABILITY: "Vulnerability",
    EventType.ATTACK: "Attack / ransomware",
    EventType.LAYOFFS: "Layoffs / closure",
    EventType.ACQUISITION: "Acquisition / funding",
    EventType.LEGAL: "Legal / regulatory",
    EventType.PRODUCT: "Product",
    EventType.OUTAGE: "Outage",
    EventType.OTHER: "Other",
}

MAX_FACTS_SHOWN = 6
# Bidi embedding, override and isolate controls: never needed to show news text (the implicit bidi
# algorithm handles Arabic and Hebrew), but "invoice\u202efdp.exe" displays as "invoiceexe.pdf".
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
# C0/C1 control characters but tab and newline: an ESC sequence in a scraped title would drive the
# terminal of whoever reads the console adapter or `bot story` (set its title, write its clipboard).
_INVISIBLE = BIDI_CONTROLS | dict.fromkeys(c for c in (*range(0x20), *range(0x7F, 0xA0)) if c not in (9, 10))


def visible(text: str) -> str:
    """Story text as it may be shown: without bidi or other control characters."""
    return text.translate(_INVISIBLE)


def safe_url(url: str | None) -> str | None:
    """The URL if it may become a link (http/https with a host, no spaces or control chars).

    Refused as well: a look-alike host (`www.оkta.com` with a Cyrillic "о"); other non-ASCII hosts
    come back in punycode. And a backslash or user info (`https://bank.example@evil.example`,
    `https://evil.example\\@bank.example`), where what a reader takes for the host is not where a
    browser goes, and invisible format characters (bidi overrides, zero-width) that disguise it."""
    if not url or len(url) > 2000:
        return None
    if any(ch.isspace() or ord(ch) < 32 or ch in '<>|"`\\' or unicodedata.category(ch) == "Cf" for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    # A look-alike host (mixed scripts, or Latin letters imitated) is never a link; any other
    # non-ASCII host is linked in its punycode form, so what the reader sees is where it goes.
    host = ascii_host(parts.hostname)
    if host is None or is_lookalike(host):
        return None
    if host != parts.hostname:
        try:
            port = parts.port
        except ValueError:
            return None
        return urlunsplit(parts._replace(netloc=host + (f":{port}" if port is not None else "")))
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
    fields: tuple[tuple[str, str], ...] = ()  # CVE · CVSS · Exploited · Fixed in · CISA KEV (fact_fields.py)
    changes: tuple[str, ...] = ()  # what this version changed ("now exploited in the wild")

    @property
    def source_count_label(self) -> str:
        n = len(self.sources)
        return f"{n} source" if n == 1 else f"{n} sources"


def story_view(story: Story) -> StoryView:
    sources = tuple(
        SourceLine(
            outlet=visible(s.outlet) or "Unknown outlet",
            url=safe_url(s.url),
            title=visible(s.title),
            published=s.published,
        )
        for s in story.sources
    )
    link = next((s.url for s in sources if s.url), None)
    fields = tuple((label, visible(value)) for label, value in fact_fields(story.key_facts, story.sources))
    return StoryView(
        story_id=story.id,
        version=story.version,
        title=visible(story.title),
        link=link,
        summary=visible(story.summary),
        facts=tuple(visible(f.text) for f in story.key_facts if not (fields and f.kind in FIELD_KINDS))[
            :MAX_FACTS_SHOWN
        ],
        sources=sources,
        vendors=tuple(visible(v) for v in story.vendors),
        event_type=story.event_type,
        event_label=EVENT_LABELS.get(story.event_type, str(story.event_type)),
        fields=fields,
        changes=tuple(visible(c) for c in story.change_notes),
    )


def story_plain_text(story: Story) -> str:
    """A complete, readable plain-text rendering (console, notification fallbacks)."""
    view = story_view(story)
    lines = [view.title, ""]
    if view.changes:
        lines += ["Updated: " + "; ".join(view.changes), ""]
    if view.summary:
        lines += [view.summary, ""]
    if view.fields:
        lines += [*aligned(view.fields), ""]
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
