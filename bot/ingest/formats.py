"""Readers: the decoded text of a stored page -> `ParsedPage` (format, page text, metadata it carries).

Formats, by content first (scrapers name files .txt whatever they hold), then by file suffix:
- markdown with YAML front matter (`title`, `url`, `source`, `date`, `fetch_date`, all optional),
- JSON with the same fields plus `body` (markdown or text) or `html`,
- HTML (trafilatura extracts body and metadata),
- markdown without front matter, or plain scraped text (title = first non-empty line).

Metadata is settled here only as far as the file itself tells it: the outlet from the URL host (the
publisher, not the aggregator named in `source`), the aggregator's own date kept as a fallback. The
byline date and the outlet a page names in its own text need the cleaned blocks (see `article`).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from bot.ingest.dates import as_utc, dated_value
from bot.ingest.errors import RejectedFile
from bot.ingest.frontmatter import field_date, field_text, has_front_matter, split_front_matter
from bot.ingest.html import extract_html, looks_like_html
from bot.ingest.markup import strip_markdown
from bot.ingest.outlets import is_aggregator, outlet_for
from bot.models import ParsedPage

MAX_JSON_DEPTH = 32
_MARKDOWN_SYNTAX = re.compile(r"^\s{0,3}(?:#{1,6}\s|[*+-]\s+\S|\d{1,3}\.\s)|\]\(|!\[", re.MULTILINE)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # never part of a title a person reads
_URL_FIELDS = ("url", "link", "canonical_url", "source_url")
_BODY_FIELDS = ("body", "content", "text", "markdown")
_SOURCE_FIELDS = ("source", "outlet", "publisher", "site", "sitename")
# Front matter / JSON names for the publication date (JSON-LD's `datePublished` lower-cased among them).
_DATE_FIELDS = ("date", "published", "published_at", "pubdate", "datepublished", "date_published", "created")


def detect_format(text: str, suffix: str = "") -> str:
    """ "markdown" | "text" | "html" | "json" for the decoded text of a stored page."""
    head = text.lstrip("\ufeff \t\r\n")[:1]
    if has_front_matter(text):
        return "markdown"
    if head in "{[" and (suffix == ".json" or head == "{"):
        return "json"
    if suffix in (".html", ".htm", ".xhtml") or (head == "<" and looks_like_html(text)):
        return "html"
    if suffix in (".md", ".markdown") or len(_MARKDOWN_SYNTAX.findall(text[:50_000])) >= 3:
        return "markdown"
    return "text"


_TITLE_LINE_CHARS = 2000


def _first_line(text: str) -> str | None:
    """The first line with any word once markdown is stripped (scrapers put the title there); a line of
    stray control characters or punctuation is no title. Only the line's first 2,000 characters are
    read: a longer line is no headline, and stripping markdown from a 1 MB line costs half a second."""
    for line in text.splitlines()[:50]:
        line = line[:_TITLE_LINE_CHARS]
        title = strip_markdown(_CONTROL.sub("", line).strip()) if line.strip() else ""
        if any(c.isalnum() for c in title):
            return title
    return None


def _page_from_fields(
    path: str, fmt: str, raw: str, body: str, fields: dict[str, Any], *, already_clean: bool = False
) -> ParsedPage:
    url = field_text(fields, *_URL_FIELDS)
    names = [name for key in _SOURCE_FIELDS if (name := field_text(fields, key))]
    # `source` may name the aggregator that stored the page: then it is not the outlet. Any other
    # name the file's metadata gives is the publisher's (the host table still wins for news hosts).
    aggregator = next((n for n in names if is_aggregator(n)), None)
    outlet = outlet_for(url, [], declared=next((n for n in names if not is_aggregator(n)), None))
    title = field_text(fields, "title", "headline")
    published = dated_value(field_date(fields, *_DATE_FIELDS))
    return ParsedPage(
        path=path,
        fmt=fmt,
        raw=raw,
        text=body,
        title=strip_markdown(_CONTROL.sub("", title)) or None if title else None,
        url=url,
        outlet=outlet,
        published=published.value if published else None,
        published_precision=published.precision if published else None,
        fetched=as_utc(field_date(fields, "fetch_date", "fetched", "fetched_at", "retrieved")),
        aggregator=aggregator,
        already_clean=already_clean,
    )


def _read_html(path: str, raw: str, html: str, fields: dict[str, Any]) -> ParsedPage:
    extract = extract_html(html)
    merged = {
        "title": extract.title,
        "url": extract.url,
        "date": extract.date,
        **{k: v for k, v in fields.items() if v not in (None, "")},
        "sitename": extract.sitename,
    }
    fmt = "json" if fields else "html"
    if extract.body:
        return _page_from_fields(path, fmt, raw, extract.body, merged, already_clean=True)
    # trafilatura found no article: hand the page's text to our own cleaner instead.
    return _page_from_fields(path, fmt, raw, extract.all_text, merged)


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_JSON_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def _read_json(path: str, raw: str) -> ParsedPage:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise RejectedFile(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise RejectedFile("invalid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise RejectedFile(f"JSON story must be an object with fields, not a {type(data).__name__}")
    if _depth(data) > MAX_JSON_DEPTH:
        raise RejectedFile("JSON story nested too deeply")
    fields = {str(k).lower(): v for k, v in data.items()}
    html = fields.get("html")
    if isinstance(html, str) and html.strip():
        return _read_html(path, raw, html, fields)
    body = next(
        (fields[k] for k in _BODY_FIELDS if isinstance(fields.get(k), str) and fields[k].strip()), None
    )
    if body is None:
        raise RejectedFile("JSON story has no 'body' or 'html' text")
    return _page_from_fields(path, "json", raw, body, fields)


def parse_page(text: str, path: str = "<memory>") -> ParsedPage:
    """Read the decoded text of a stored page. Raises RejectedFile for unreadable structure."""
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    fmt = detect_format(text, f".{suffix}" if suffix else "")
    if fmt == "json":
        return _read_json(path, text)
    if fmt == "html":
        return _read_html(path, text, text, {})
    fields: dict[str, Any] = {}
    body = text
    if has_front_matter(text):
        fields, body = split_front_matter(text, path)
    page = _page_from_fields(path, fmt, text, body, fields)
    if page.title is None:
        page = replace(page, title=_first_line(body))
    return page
