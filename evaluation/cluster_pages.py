"""One story per event on whole pages in the seeds' format: the multi-outlet dev items as an aggregator
stores them, read through bot.ingest.

The shipped check on full pages uses the seeds' shape (../shared/data/seeds): markdown with YAML front
matter whose `source` names the aggregator (not the outlet) and whose `date` is the aggregator's own
day, often a day after publication and without a time of day; the headline again as `# title`, a menu
of section and tag links that names vendors ("[Apple](/tag/apple/)"), search widgets, the article, an
author line, share prompts and a "Most Popular" list of other headlines. The feed items of the dev
split are rendered that way (the chrome below is ours, written to reproduce that shape; the popular
list holds other items' titles, as on a real page; every third item is dated a day late, as the
aggregator's copy of the seed is), written as files and clustered through the real loader, vendor
matcher, store and engine (evaluation/clustering.cluster_folder), then scored with the same pairwise
metric. What differs from the feed run is what ingest must get right: the outlet from the URL, the
date from an aggregator's day, the story's text out of the page around it.

The dev items are ledes, not whole articles: this measures the page path, not long-text wording.
"""

from __future__ import annotations

import logging
import re
import tempfile
import zlib
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from bot.ingest import RejectedFile, load_article
from evaluation.clustering import DEV_DIR, Item, cluster_folder, headline

AGGREGATOR = "Security news aggregator"
_MENU = ("Latest", "Security", "Apple", "Google", "Microsoft", "Amazon", "AI", "Startups", "Podcasts")
_POPULAR = 5
_FRONT = re.compile(r"\A---\n.*?\n---\n?", re.DOTALL)
_FIELD = re.compile(r"^(\w+):\s*(.*)$", re.MULTILINE)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:70]


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def seeds_page(item: Item, text: str, popular: Sequence[str]) -> str:
    """One feed item's story file re-rendered as the aggregator's stored page."""
    front = _FRONT.match(text)
    fields = {k: v.strip().strip('"') for k, v in _FIELD.findall(front.group(0))} if front else {}
    body = text[front.end() :] if front else text
    title = fields.get("title", "")
    late = zlib.crc32(item.file.encode()) % 3 == 0  # the aggregator stored it the next day
    day = (item.published + timedelta(days=1 if late else 0)).date().isoformat()
    menu = "\n".join(
        f"* [{name}](/{'tag' if name in _MENU[2:6] else 'category'}/{_slug(name)}/)" for name in _MENU
    )
    listed = "\n\n".join(f"[{other}](https://news.example.com/{_slug(other)}/)" for other in popular)
    return (
        f"---\ntitle: {_quoted(title)}\nurl: {fields.get('url', '')}\nsource: {AGGREGATOR}\n"
        f"date: {day}\nfetch_date: {day}T18:55:35.111011\n---\n\n"
        f"# {title}\n\n"
        "[![](https://news.example.com/logo.svg) News Desktop Logo](https://news.example.com)\n\n"
        f"{menu}\n\nSearch\n\nSubmit\n\nSite Search Toggle\n\n"
        f"{body.strip()}\n\n"
        "Sam Reporter covers security and privacy for the site.\n\n"
        "Share this article: [Twitter](https://twitter.com/intent/tweet) "
        "[LinkedIn](https://www.linkedin.com/shareArticle)\n\n"
        "### Most Popular\n\n"
        f"{listed}\n\n"
        "Subscribe to our newsletter for the day's top stories.\n"
    )


_WORDS = re.compile(r"\w+")
LEDE_WORDS = 8


def lede(text: str) -> str | None:
    """A feed item's own first sentence-shaped paragraph (at least LEDE_WORDS words, ending like a
    sentence or cut short; not a photo credit "caption | Illustration: ..."), as lower-cased words."""
    front = _FRONT.match(text)
    for paragraph in (text[front.end() :] if front else text).split("\n\n"):
        paragraph = paragraph.strip()
        words = _WORDS.findall(paragraph.lower())
        if len(words) >= LEDE_WORDS and " | " not in paragraph and paragraph.endswith((".", "!", "?", "]", "…")):
            return " ".join(words)
    return None


def _page_files(items: Sequence[Item], folder: Path, tmp: Path) -> None:
    titles = [headline(folder / "stories" / i.file) for i in items]
    for index, item in enumerate(items):
        popular = [titles[(index + step) % len(items)] for step in range(1, _POPULAR + 1)]
        text = (folder / "stories" / item.file).read_text(encoding="utf-8")
        (tmp / item.file).write_text(seeds_page(item, text, popular), encoding="utf-8")


def ledes_read(items: Sequence[Item], folder: Path = DEV_DIR) -> tuple[int, int]:
    """How many pages' stored body holds the item's lede (`lede`), of the items that have one: the
    article text ingest found on the page, not only its author line and chrome."""
    kept = total = 0
    logging.disable(logging.WARNING)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            _page_files(items, folder, Path(tmp))
            for item in items:
                wanted = lede((folder / "stories" / item.file).read_text(encoding="utf-8"))
                if wanted is None:
                    continue
                total += 1
                try:
                    body = " ".join(_WORDS.findall(load_article(Path(tmp) / item.file).body.lower()))
                except RejectedFile:
                    continue
                kept += wanted in body
    finally:
        logging.disable(logging.NOTSET)
    return kept, total


async def cluster_pages(
    items: Sequence[Item], folder: Path = DEV_DIR, copies: set[str] | None = None
) -> tuple[dict[str, int | None], int, float]:
    """The items as seeds-format pages, clustered in publication order through the real path (same
    return as cluster_folder, and `copies` the same). Each page's popular list holds the titles of the
    next items."""
    logging.disable(logging.WARNING)  # per-page notes of the loader (loose YAML and the like)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            _page_files(items, folder, Path(tmp))
            return await cluster_folder(Path(tmp), [i.file for i in items], copies)
    finally:
        logging.disable(logging.NOTSET)
