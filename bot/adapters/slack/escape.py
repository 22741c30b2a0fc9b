"""Turning story text (data) into Slack text (markup) without letting the data become markup.

Slack parses `<…>` sequences in message text: `<!channel>`, `<@U123>`, `<#C123>`, `<url|label>`. A
scraped article is untrusted, so every piece of story text goes through `escape()`, which encodes
the three characters Slack asks apps to encode (`&`, `<`, `>`); after that nothing in the text can
open a control sequence. The only links in our messages are the ones `link()` builds itself, from
URLs that `bot.chat.render.safe_url` accepted and labels that cannot close or split the link.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.chat.render import BIDI_CONTROLS, safe_url

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"} | BIDI_CONTROLS)
_WHITESPACE_RUN = re.compile(r"\s+")
# Something a reader would take for an address: a scheme, or a dotted host name ("bank.com").
_LOOKS_LIKE_ADDRESS = re.compile(
    r"(?i)\b[a-z][a-z0-9+.-]*://\S*|\bwww\.\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b"
)
ELLIPSIS = "…"


def escape(text: str) -> str:
    """Encode `&`, `<`, `>` so that Slack shows the text as written and parses none of it."""
    return text.translate(_ESCAPES)


def one_line(text: str) -> str:
    """Collapse newlines and runs of spaces: for labels, headers and list items."""
    return _WHITESPACE_RUN.sub(" ", text).strip()


def fit(text: str, limit: int) -> str:
    """`escape(text)`, shortened on a character boundary of the *raw* text so that the escaped
    result is at most `limit` characters. Cutting after escaping could split `&amp;` in half."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    budget = limit - len(ELLIPSIS)
    pieces: list[str] = []
    used = 0
    for char in text:
        piece = escape(char)
        if used + len(piece) > budget:
            break
        pieces.append(piece)
        used += len(piece)
    return "".join(pieces).rstrip() + ELLIPSIS


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or url
    except ValueError:  # "http://[not-ipv6" and similar
        host = url
    return host.removeprefix("www.")


def honest_label(label: str, url: str) -> str:
    """The label, unless it reads like an address other than the one the link goes to.

    `<https://evil.example|https://bank.example>` is a phishing classic; a source whose outlet name
    is an address gets the real host name as its label instead.
    """
    cleaned = one_line(label)
    if not cleaned:
        return _host(url)
    host = _host(url).lower()
    for match in _LOOKS_LIKE_ADDRESS.finditer(cleaned):
        shown = match.group(0).lower()
        shown_host = _host(shown if "://" in shown else f"http://{shown}").lower()
        if shown_host != host and not host.endswith("." + shown_host):
            return _host(url)
    return cleaned


def link(url: str | None, label: str, *, limit: int = 300) -> str:
    """`<url|label>` when the URL is safe to link, else the escaped label as plain text.

    The label cannot end the link early (`>` is escaped) nor start a second label (`|` becomes `¦`).
    """
    target = safe_url(url)
    cleaned = one_line(label)
    if target is None:
        return fit(cleaned, limit)
    shown = honest_label(cleaned, target).replace("|", "¦")
    if shown != cleaned and len(escape(shown)) > limit:
        # A host name shown in place of the label keeps its end: "…evil.example", never "bank.co…".
        shown = ELLIPSIS + shown[-(limit - len(ELLIPSIS)) :]
    return f"<{escape(target)}|{fit(shown, limit)}>"
