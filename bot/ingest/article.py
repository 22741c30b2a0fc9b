"""Stored page -> `Article`: read, decode, parse, clean, and settle the metadata that needs the page's
blocks (byline date, the outlet a page names itself by, credits, the headline as the publisher wrote it).

`content_hash` is over the body lower-cased with whitespace collapsed, so a syndicated copy or a
re-delivered file maps to the same hash however it was wrapped. A body too short to identify an article
(a one-line feed summary, or what is left when only a page's author line or a stub was found) is hashed
with its headline: see `content_hash`.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path

from bot.ingest.classify import is_dateline
from bot.ingest.clean import select_blocks, title_anchor
from bot.ingest.dates import Dated, date_in_text, dated_url, dateline_date
from bot.ingest.decode import decode_bytes
from bot.ingest.errors import NotReady, RejectedFile
from bot.ingest.formats import parse_page
from bot.ingest.glued_words import apply_splits, glued_word_splits, looks_english
from bot.ingest.markup import Block, parse_blocks
from bot.ingest.outlets import (
    credited_outlets,
    is_aggregator,
    outlet_for,
    outlet_from_url,
    outlet_names_in_text,
)
from bot.ingest.source import StoryBytes, read_story_file
from bot.models import Article, ParsedPage

DEFAULT_MAX_BYTES = 2_000_000
BYLINE_WINDOW = 12  # blocks before the article's first paragraph where its byline date may sit
MIN_TITLE_OVERLAP = 0.6
MIN_READABLE_WORDS = 8
# Words of body that identify an article by themselves: a few sentences. Shorter bodies are hashed with
# their headline.
MIN_IDENTIFYING_WORDS = 50


def content_hash(body: str, title: str = "") -> str:
    """The identity of an article's text, the key the article store dedupes on (articles.content_hash
    is UNIQUE): the body lower-cased, whitespace collapsed.

    A long body is its own identity: a syndicated copy of it under another URL or another headline is a
    copy. A short one is not: an author line, a "read the original post" stub or a one-sentence summary
    repeats across a site's pages (or is all the cleaner found on them), so two pages with different
    headlines and the same short body are two articles, not one stored twice. Below
    MIN_IDENTIFYING_WORDS words the headline is part of the identity; a re-delivered copy (same
    headline, same text) still hashes the same."""
    words = body.lower().split()
    text = " ".join(words)
    if title and len(words) < MIN_IDENTIFYING_WORDS:
        text = " ".join(title.lower().split()) + "\n" + text
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _byline_date(blocks: list[Block], first_kept: int, anchor: int | None) -> datetime | None:
    """The first date stamp printed between the headline and the first paragraph (the byline), else a
    dateline opening the first paragraph ("LONDON, July 12, 2021 - ..."). A date inside a sentence
    ("updates stop on September 29, 2024.") is news, not the publication date."""
    start = anchor + 1 if anchor is not None and anchor < first_kept else max(0, first_kept - BYLINE_WINDOW)
    for block in blocks[start : first_kept + 1]:
        if is_dateline(block) and (found := date_in_text(block.text)) is not None:
            return found
    return dateline_date(blocks[first_kept].text) if first_kept < len(blocks) else None


def _readable_blocks(blocks: list[Block]) -> list[Block]:
    """What a person would still read when the cleaner keeps nothing (a feed's one-paragraph summary
    ending in "[...]"): paragraphs and list items of running words that are not mostly links. A file is
    rejected only when there is not even that."""
    return [
        b
        for b in blocks
        if b.kind in ("p", "li", "quote") and b.words >= MIN_READABLE_WORDS and b.link_density < 0.5
    ][:50]


def _publication_date(page: ParsedPage, byline: datetime | None, fetched: datetime | None) -> Dated | None:
    """The byline, the URL or the front matter, in the order their trust deserves; else when the page
    was fetched (its `fetch_date`, else the file's arrival), recorded as such.

    An aggregator's front-matter date is when *it* stored the copy (often a day late): the publisher's
    byline, then the URL date, come first. A front matter written by the publisher (its `source` is no
    aggregator) is the publisher's own metadata and comes first, with the byline's time of day when both
    name the same day. A month-only date (URL or metadata) gives way to any day inside that month."""
    url = dated_url(page.url)
    stored = Dated(page.published, page.published_precision or "day") if page.published else None
    from_byline = Dated(byline, "day") if byline else None
    if stored is not None and stored.precision == "day" and page.aggregator is None:
        for finer in (from_byline, url):
            if finer and finer.precision == "day" and finer.value.date() == stored.value.date():
                return finer if stored.value.time() == clock_time(0) else stored
        return stored
    if url and stored and url.precision == stored.precision == "day" and stored.value.date() == url.value.date():
        url = stored  # same day, and the stored value has the time of day
    ordered = [d for d in (from_byline, url, stored) if d is not None]
    if day := next((d for d in ordered if d.precision == "day"), None):
        return day
    if month := next((d for d in ordered if d.precision == "month"), None):
        return month
    when = page.fetched or fetched
    return Dated(when, "fetched") if when is not None else None


def _headline(page: ParsedPage, blocks: list[Block], anchor: int | None) -> str:
    """The page's own headline when it matches the stored title (fixes an aggregator's typo), else the
    stored title, else the first heading or line."""
    title = page.title or ""
    if anchor is not None:
        heading = blocks[anchor]
        wanted = set(title.lower().split())
        overlap = len(wanted & set(heading.text.lower().split())) / max(1, len(wanted))
        if not title or overlap >= MIN_TITLE_OVERLAP:
            return heading.text
    if title:
        return title
    return next((b.text for b in blocks if b.kind == "h" and b.words >= 2), blocks[0].text if blocks else "")


def _is_aggregator_copy(page: ParsedPage, outlet: str | None) -> bool:
    """Whether the page sits on an aggregator's own site (its host name is the aggregator's)."""
    if outlet is None:
        return False
    if is_aggregator(outlet):
        return True
    aggregator = (page.aggregator or "").lower()
    return bool(aggregator) and aggregator.replace(" ", "").startswith(outlet.lower().replace(" ", ""))


def article_from_page(page: ParsedPage, *, fetched: datetime | None = None) -> Article:
    """Clean a parsed page into an Article (no vendor matching: subjects/mentions stay empty)."""
    blocks = parse_blocks(page.text)
    if page.already_clean:
        kept = [b for b in blocks if b.kind != "hr"]
        anchor = None
    else:
        kept = select_blocks(blocks, page.title)
        anchor = title_anchor(blocks, page.title) if blocks else None
    if not kept:
        kept = _readable_blocks(blocks)
    body = "\n\n".join(b.text for b in kept)
    if not kept or not body.strip():
        raise RejectedFile("no article text found on the page")
    lines = [b.text for b in blocks]
    if page.already_clean:  # HTML: the date is the publisher's own metadata
        dated = _publication_date(replace(page, aggregator=None), None, fetched)
    else:
        dated = _publication_date(page, _byline_date(blocks, kept[0].index, anchor), fetched)
    # `page.outlet` is declared by the file's metadata unless it is only the URL host's name.
    declared = page.outlet if page.outlet != outlet_from_url(page.url) else None
    outlet = outlet_for(page.url, outlet_names_in_text(lines), declared=declared)
    credits = credited_outlets(lines, outlet)
    if _is_aggregator_copy(page, outlet):
        # An aggregator's re-post on its own site: the publisher is the outlet it credits, else at least
        # the aggregator's full name rather than a bare host label.
        outlet = credits[0] if credits else page.aggregator or outlet
        credits = credited_outlets(lines, outlet)
    title = _headline(page, blocks, anchor)
    # Link-glued words are re-split on English pages only; the page's language is looked at only when
    # there is something to split. The body is repaired in one piece (no glued word spans a blank line).
    body_splits, title_splits = glued_word_splits(body), glued_word_splits(title)
    if (body_splits or title_splits) and looks_english(page.text):
        body, title = apply_splits(body, body_splits), apply_splits(title, title_splits)
    return Article(
        path=page.path,
        title=title,
        body=body,
        raw=page.raw,
        content_hash=content_hash(body, title),
        outlet=outlet,
        url=page.url,
        published=dated.value if dated else None,
        published_precision=dated.precision if dated else None,
        fetched=page.fetched or fetched,
        credits=credits,
    )


def article_from_bytes(data: bytes, path: str = "<memory>", *, max_bytes: int = DEFAULT_MAX_BYTES) -> Article:
    """An Article from the bytes of a stored page; RejectedFile says why there is none."""
    if len(data) > max_bytes:
        raise RejectedFile(f"file too large: {len(data)} bytes (limit {max_bytes})")
    return article_from_page(parse_page(decode_bytes(data), path))


def article_from_story(story: StoryBytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Article:
    """An Article from a file already read (`source.read_story_file`), dated by when it was written."""
    page = parse_page(decode_bytes(story.data), str(story.path)) if len(story.data) <= max_bytes else None
    if page is None:
        raise RejectedFile(f"file too large: {len(story.data)} bytes (limit {max_bytes})")
    return article_from_page(page, fetched=datetime.fromtimestamp(story.mtime, tz=UTC))


def load_article(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    settle_seconds: float = 0.0,
    root: Path | None = None,
) -> Article:
    """Read, parse and clean one stored story file (in this process: see `ingest.worker` for a budget).

    Raises RejectedFile (move it aside with `reject_file`), NotReady (retry later: modified less than
    `settle_seconds` ago, or changed while read) or Transient (a system error). With `root`, a symlink
    resolving outside that folder is rejected rather than followed.
    """
    story = read_story_file(Path(path), max_bytes=max_bytes, root=root)
    age = time.time() - story.mtime
    if settle_seconds > 0 and age < settle_seconds:
        raise NotReady(
            f"modified {max(age, 0.0):.2f}s ago (settle time {settle_seconds}s): still being written"
        )
    return article_from_story(story, max_bytes=max_bytes)
