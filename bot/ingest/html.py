"""Real HTML pages: trafilatura finds the article body and the metadata (title, canonical URL, site
name, date), which on HTML it does better than any line heuristic of ours.

Never `deduplicate=True`: trafilatura then keeps a process-wide cache of seen text, and a second
extraction of the same page (a re-delivered or syndicated copy) comes back empty.

Work is bounded: the page is parsed once with lxml, and a tree too large for trafilatura to finish
quickly (it needs seconds on a megabyte of markup) is turned into text by a linear regex pass and
left to our own cleaner instead.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass

import lxml.html  # type: ignore[import-untyped]
import trafilatura
from lxml import etree  # type: ignore[import-untyped,unused-ignore]  # typed in some lxml releases
from trafilatura.settings import Document

MAX_ELEMENTS = 15_000  # real news pages have a few thousand
_BLOCK_END = re.compile(
    r"<(?:/(?:p|div|li|h[1-6]|tr|table|section|article|blockquote|ul|ol|header|footer|nav)|br\s?/?|hr\s?/?)[^<>]{0,200}>",
    re.IGNORECASE,
)
_RAW_OPEN = re.compile(r"<(script|style|noscript|template)\b[^<>]{0,500}>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]{0,2000}>")
# The publication date a page declares for machines: JSON-LD `datePublished`, or a <meta> tag
# (`article:published_time`, `date`, `pubdate`, `datePublished`, `DC.date.issued`), either attribute order.
_JSON_LD_DATE = re.compile(r'"datePublished"\s{0,5}:\s{0,5}"([^"<>]{4,40})"')
_META_DATE_NAME = r"(?:article:published_time|og:published_time|datePublished|date|pubdate|publishdate|DC\.date\.issued)"
_META_DATE = re.compile(
    r"<meta\s[^<>]{0,300}?(?:property|name|itemprop)=[\"']" + _META_DATE_NAME + r"[\"'][^<>]{0,300}?content=[\"']([^\"'<>]{4,40})"
    r"|<meta\s[^<>]{0,300}?content=[\"']([^\"'<>]{4,40})[\"'][^<>]{0,300}?(?:property|name|itemprop)=[\"']" + _META_DATE_NAME + r"[\"']",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class HtmlExtract:
    body: str  # paragraphs separated by blank lines; "" when trafilatura found no article
    all_text: str  # the whole page as text (only filled in when `body` is empty), for our cleaner
    title: str | None
    url: str | None
    sitename: str | None
    date: str | None


def looks_like_html(text: str) -> bool:
    head = text[:2048].lstrip().lower()
    if head.startswith(("<!doctype html", "<html", "<?xml")) and "<html" in text[:4096].lower():
        return True
    sample = text[:20_000].lower()
    return sum(sample.count(tag) for tag in ("<p>", "<p ", "<div", "<body", "</a>", "<br")) >= 5


def _drop_raw_text(html: str) -> str:
    """Remove script/style contents; one forward scan (str.find for each closing tag), so a page of
    unclosed <script> tags costs linear time, not a regex search from every one of them."""
    parts: list[str] = []
    position = 0
    lower = html.lower()
    while match := _RAW_OPEN.search(html, position):
        parts.append(html[position : match.start()])
        close = lower.find(f"</{match.group(1).lower()}", match.end())
        if close < 0:
            position = len(html)
            break
        position = close
    parts.append(html[position:])
    return " ".join(parts)


def html_to_text(html: str) -> str:
    """Markup -> text with one line per block element: linear passes, for the fallback path."""
    text = _drop_raw_text(html)
    text = _BLOCK_END.sub("\n\n", text)
    return html_lib.unescape(_TAG.sub(" ", text))


def date_in_markup(html: str) -> str | None:
    """The publication date in the page's meta tags or JSON-LD (for pages trafilatura did not date)."""
    head = html[:300_000]
    if (found := _JSON_LD_DATE.search(head)) is not None:
        return found.group(1)
    if (found := _META_DATE.search(head)) is not None:
        return found.group(1) or found.group(2)
    return None


def _parse(html: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.document_fromstring(html.encode("utf-8"))
    except (etree.ParserError, ValueError):
        return None


def extract_html(html: str) -> HtmlExtract:
    tree = _parse(html)
    document = None
    if tree is not None and sum(1 for _ in tree.iter()) <= MAX_ELEMENTS:
        document = trafilatura.bare_extraction(
            tree,
            with_metadata=True,
            deduplicate=False,
            include_comments=False,
            include_tables=True,
            include_images=False,
        )
    if not isinstance(document, Document):
        return HtmlExtract("", html_to_text(html), None, None, None, date_in_markup(html))
    lines = [line.strip() for line in (document.text or "").splitlines() if line.strip()]
    title = document.title.strip() if document.title else None
    if lines and title and lines[0] == title:
        lines = lines[1:]  # trafilatura repeats the headline as the first line
    body = "\n\n".join(lines)
    return HtmlExtract(
        body=body,
        all_text="" if body else html_to_text(html),
        title=title,
        url=document.url or None,
        sitename=document.sitename or None,
        date=document.date or date_in_markup(html),
    )
