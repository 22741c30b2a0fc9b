"""The one story factory of the tests and benchmarks: stories of our own writing (never third-party
text). `make_story()` gives an Acme Cloud breach; the adapter tests start from the Kaspersky UK
office closure (`KASPERSKY_UK`, `kaspersky_story()`), which exercises facts, outlets and links."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.models import EventType, KeyFact, Source, Story


def make_story(
    story_id: int = 1,
    *,
    vendors: Sequence[str] = ("Acme Cloud",),
    title: str = "Acme Cloud confirms breach of customer support portal",
    summary: str = "Acme Cloud said attackers accessed a support portal and copied contact details of some customers.",
    facts: Sequence[str] = ("About 12,000 customer records were exposed",),
    outlets: Sequence[str] = ("Example Security News",),
    sources: Sequence[tuple[str, str | None]] | None = None,
    event_type: EventType = EventType.BREACH,
    version: int = 1,
    first_seen: datetime | None = None,
) -> Story:
    """A story at `first_seen` (default: now). Its sources are `outlets` with invented URLs and titles,
    or, when given, `sources` as (outlet, url) pairs titled "<outlet> article"."""
    seen = first_seen or datetime.now(UTC)
    if sources is None:
        made = tuple(
            Source(outlet=o, url=f"https://news.example/{story_id}/{i}", title=f"{title} ({o})", published=seen)
            for i, o in enumerate(outlets)
        )
    else:
        made = tuple(Source(outlet, url, f"{outlet} article", seen) for outlet, url in sources)
    return Story(
        id=story_id,
        title=title,
        summary=summary,
        key_facts=tuple(KeyFact("statement", text, (0,)) for text in facts),
        sources=made,
        vendors=tuple(vendors),
        event_type=event_type,
        first_seen=seen,
        updated_at=seen,
        version=version,
    )


KASPERSKY_UK: dict[str, Any] = {
    "story_id": 7,
    "vendors": ("Kaspersky",),
    "title": "Kaspersky to close its UK office, cutting dozens of jobs",
    "summary": "The antivirus maker says it will wind down its London operation and serve UK customers "
    "through partners. Fewer than 50 employees are affected.",
    "facts": ("Fewer than 50 employees work in the London office", "Closure announced 8 October"),
    "sources": (
        ("Example Tech News", "https://news.example.com/2024/10/kaspersky-uk"),
        ("Register Sample", "https://register.example.org/kaspersky-uk-office"),
    ),
    "event_type": EventType.LAYOFFS,
    "first_seen": datetime(2024, 10, 8, 14, 30, tzinfo=UTC),
}


def kaspersky_story(**changes: Any) -> Story:
    """The Kaspersky UK story (`KASPERSKY_UK`) with some fields changed."""
    return make_story(**{**KASPERSKY_UK, **changes})
