"""Articles for the story tests: load seed and fixture files into stored Articles.

Uses the real pipeline (`bot.ingest.load_article`, the vendor matcher) when those modules exist; until
then a minimal local reader strips YAML front matter and keeps prose paragraphs, and subjects are
set by hand. Nothing here decides what a test expects.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.models import Article
from bot.store.articles import ArticleStore
from bot.store.db import Database

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "stories"
def _front_matter(raw: str) -> tuple[dict[str, Any], str]:
    if raw.startswith("---"):
        _, meta, text = raw.split("---", 2)
        return yaml.safe_load(meta) or {}, text
    return {}, raw


def _as_datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


def _local_read(path: Path) -> Article:
    """Stand-in for bot.ingest.load_article: front matter + prose paragraphs, links unwrapped."""
    raw = path.read_text(encoding="utf-8")
    meta, text = _front_matter(raw)
    title = meta.get("title")
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        line = " ".join(block.split())
        line = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line)
        line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line).strip()
        if not line:
            continue
        if title is None:
            title = line
            continue
        if len(line.split()) < 12 or line[0] in "#*![|" or not re.search(r"[.!?”’\"]$", line):
            continue
        if re.search(
            r"newsletter|Disrupt|ticket|subscribe|affiliate|writing for|Senior Writer|verify outreach",
            line,
            re.I,
        ):
            continue
        paragraphs.append(line)
    body = "\n\n".join(paragraphs)
    url = meta.get("url")
    outlet = meta.get("outlet") or ("TechCrunch" if url and "techcrunch" in str(url) else None)
    if outlet is None and "TechRadar" in raw:
        outlet = "TechRadar"
    return Article(
        path=str(path),
        title=str(title or path.stem),
        body=body,
        raw=raw,
        content_hash=hashlib.sha256(body.encode()).hexdigest(),
        outlet=outlet,
        url=str(url) if url else None,
        published=_as_datetime(meta.get("date")),
        fetched=_as_datetime(meta.get("fetch_date")),
    )


@cache
def _matcher() -> Any:
    try:
        from bot.intel.vendors import VendorCatalog, VendorMatcher
    except ImportError:
        return None
    return VendorMatcher.of(VendorCatalog.load())


def with_vendors(article: Article, fallback: tuple[str, ...]) -> Article:
    """Subjects and mentions from the real vendor matcher, or `fallback` subjects without it."""
    matcher = _matcher()
    if matcher is None:
        return replace(article, subjects=fallback)
    matches = matcher.match(article.title, article.body)
    subjects = tuple(m.vendor for m in matches if str(m.salience) == "subject")
    mentions = tuple(m.vendor for m in matches if str(m.salience) == "mention")
    return replace(article, subjects=subjects, mentions=mentions)


def read_article(path: Path, fallback_subjects: tuple[str, ...], *, pipeline: bool = True) -> Article:
    """An unstored Article for `path`: through the real reader when it exists and `pipeline` is set
    (the seeds), else the local reader (our clean fixtures, so that their bodies and dates are exactly
    ours); vendors from the real matcher when it exists."""
    try:
        from bot.ingest import load_article
    except ImportError:
        pipeline = False
    article = load_article(path) if pipeline else _local_read(path)
    return with_vendors(article, fallback_subjects)


async def store_article(db: Database, article: Article) -> Article:
    stored, _ = await ArticleStore(db).add(article)
    return stored


def fixture(name: str) -> Path:
    return FIXTURES / name

