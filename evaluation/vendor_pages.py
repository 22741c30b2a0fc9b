"""The labelled full-text rows in the seeds' shape: whole aggregator pages read through the bot's ingest.

The seeds (../shared/data/seeds) are markdown pages as a news aggregator stores them: YAML front matter
(`title`, `url`, `source` naming the aggregator, `date`, `fetch_date`), the headline again as `# title`,
then the whole page: a menu of section and tag links (which names vendors: "[Apple](/tag/apple/)"),
search widgets, the article, an author line, share prompts and a "Most Popular" list of other headlines.
Subject attribution on such pages has to survive the page around the story, so evaluation/vendors.py
scores the same labelled rows rendered this way (the chrome below is ours, written to reproduce that
shape; the "Most Popular" headlines are other rows' titles, as on a real page) after the real ingest
path (`parse_page` -> `article_from_page`), next to the plain-text figure.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from bot.ingest import RejectedFile, article_from_page, parse_page
from bot.ingest.decode import decode_bytes
from bot.intel.vendors import VendorCatalog
from evaluation.vendor_sets import Case, load_vendor_dev, vendor_dev_text_path

FETCHED = datetime(2025, 10, 6, 18, 55, tzinfo=UTC)
_MONTH = re.compile(r"/(20\d\d)/(\d\d)/")
_MENU = (
    "Latest",
    "Security",
    "Apple",
    "Google",
    "Microsoft",
    "Amazon",
    "AI",
    "Startups",
    "Enterprise",
    "Podcasts",
    "Newsletters",
)
_POPULAR = 5


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:70]


def seeds_page(title: str, link: str, article: str, popular: Sequence[str]) -> str:
    """One labelled row as an aggregator's stored page: front matter, menu, article, bio, popular list."""
    month = _MONTH.search(link)
    date = f"{month.group(1)}-{month.group(2)}-15" if month else "2020-01-15"
    menu = "\n".join(
        f"* [{name}](/{'tag' if name in _MENU[2:6] else 'category'}/{_slug(name)}/)" for name in _MENU
    )
    paragraphs = "\n\n".join(part.strip() for part in article.split("\n") if part.strip())
    most_popular = "\n\n".join(f"[{other}](https://news.example.com/{_slug(other)}/)" for other in popular)
    return (
        f"---\ntitle: {title}\nurl: {link}\nsource: Security news aggregator\n"
        f"date: {date}\nfetch_date: 2025-10-06T18:55:35.111011\n---\n\n"
        f"# {title}\n\n"
        f"[![](https://news.example.com/logo.svg) News Desktop Logo](https://news.example.com)\n\n"
        f"{menu}\n\nSearch\n\nSubmit\n\nSite Search Toggle\n\n"
        f"{paragraphs}\n\n"
        "Sam Reporter covers security and privacy for the site.\n\n"
        "Share this article: [Twitter](https://twitter.com/intent/tweet) "
        "[Facebook](https://www.facebook.com/sharer) [LinkedIn](https://www.linkedin.com/shareArticle)\n\n"
        "### Most Popular\n\n"
        f"{most_popular}\n\n"
        "Subscribe to our newsletter for the day's top stories.\n"
    )


def load_vendor_dev_pages(catalog: VendorCatalog) -> list[Case] | str:
    """The labelled full-text cases re-read from seeds-shaped pages (key "page row N", same labels), or
    why they cannot be. Each page's "Most Popular" list holds the next rows' titles, so it names vendors
    the story does not, as a real page's list does."""
    cases = load_vendor_dev(catalog)
    if isinstance(cases, str):
        return cases
    rows: dict[str, tuple[str, str, str]] = {}
    with vendor_dev_text_path().open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                rows[f"row {row['row']}"] = (row["title"] or "", row.get("link") or "", row["article"] or "")
    keys = [case.key for case in cases]
    logging.disable(logging.WARNING)  # unquoted titles with colons: the loose-YAML note, once per page
    try:
        out = [_as_page(case, index, keys, rows) for index, case in enumerate(cases)]
    finally:
        logging.disable(logging.NOTSET)
    return out


def _as_page(case: Case, index: int, keys: list[str], rows: dict[str, tuple[str, str, str]]) -> Case:
    """One case re-read from its page through ingest; the next rows' titles make its popular list."""
    title, link, text = rows[case.key]
    popular = [rows[keys[(index + step) % len(keys)]][0].strip() for step in range(1, _POPULAR + 1)]
    page = seeds_page(title.strip(), link, text, popular)
    try:
        article = article_from_page(
            parse_page(decode_bytes(page.encode("utf-8")), "page.md"), fetched=FETCHED
        )
        title, body = article.title, article.body
    except RejectedFile:  # nothing readable: the pipeline would match the title alone
        title, body = case.title, ""
    return replace(case, key=f"page {case.key}", title=title, body=body)
