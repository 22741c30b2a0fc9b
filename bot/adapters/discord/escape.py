"""Turning story text (data) into Discord markdown without letting the data become markup.

A scraped article is untrusted. Discord renders markdown in message content, embed titles,
descriptions and field values: `**bold**`, `# headings`, `> quotes`, `[label](url)` masked links,
`<@id>` / `<@&id>` / `<#id>` mentions, `<t:…>` timestamps, `@everyone` / `@here`. Everything from a
story therefore goes through `escape()`: each markdown character gets a backslash (invisible once
rendered), `<` is escaped so no mention/emoji/timestamp can be formed, and `@everyone` / `@here`
get a zero-width space so they stay text even if a client ignored `allowed_mentions`.

Bare URLs in the text are kept as they are: Discord shows a bare URL as itself (no spoofing), and
backslashes inside one would end up in the link target. The only masked links in our messages are
the ones `link()` builds from URLs that `bot.chat.render.safe_url` accepted, with a label that cannot
pose as a different address.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.chat.render import BIDI_CONTROLS, safe_url

ELLIPSIS = "…"
ZERO_WIDTH_SPACE = "\u200b"

# Characters that open or close markdown anywhere in a line.
_INLINE = frozenset("\\*_~`|[]<>")
# Characters that only mean something at the start of a line (after indentation).
_LINE_START = frozenset("#-+>")
BARE_URL = re.compile(r"https?://[^\s<>\[\]()|`'\"\\]+")
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
_ORDERED_ITEM = re.compile(r"\d{1,9}\.(?=\s)")
_WHITESPACE_RUN = re.compile(r"\s+")
# Something a reader would take for an address: a scheme, or a dotted host name ("bank.com").
_LOOKS_LIKE_ADDRESS = re.compile(
    r"(?i)\b[a-z][a-z0-9+.-]*://\S*|\bwww\.\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b"
)


def _pieces(text: str) -> list[str]:
    """The escaped text as a list of indivisible pieces (one per source character or URL), so that
    a cut between pieces can never split `\\*` or a URL."""
    text = _MASS_MENTION.sub(lambda m: "@" + ZERO_WIDTH_SPACE + m.group(1), text.translate(BIDI_CONTROLS))
    pieces: list[str] = []
    at_line_start = True
    i = 0
    while i < len(text):
        url = BARE_URL.match(text, i) if text[i] in "hH" else None
        if url is not None and (i == 0 or not text[i - 1].isalnum()):
            pieces.append(url.group())
            i = url.end()
            at_line_start = False
            continue
        char = text[i]
        if at_line_start and char.isdigit():
            item = _ORDERED_ITEM.match(text, i)
            if item is not None:  # "1. " would start an ordered list
                pieces.extend(item.group()[:-1])
                pieces.append("\\.")
                i = item.end()
                at_line_start = False
                continue
        if char in _INLINE or (at_line_start and char in _LINE_START):
            pieces.append("\\" + char)
        else:
            pieces.append(char)
        if char == "\n":
            at_line_start = True
        elif not (char.isspace() and at_line_start):
            at_line_start = False
        i += 1
    return pieces


def escape(text: str, limit: int | None = None) -> str:
    """`text` shown literally by Discord. With `limit`, the result (escapes included) is at most
    `limit` characters and ends with an ellipsis when something was cut."""
    pieces = _pieces(text)
    escaped = "".join(pieces)
    if limit is None or len(escaped) <= limit:
        return escaped
    budget = limit - len(ELLIPSIS)
    kept: list[str] = []
    used = 0
    for piece in pieces:
        if used + len(piece) > budget:
            break
        kept.append(piece)
        used += len(piece)
    return "".join(kept).rstrip() + ELLIPSIS


def plain(text: str, limit: int) -> str:
    """Text for places Discord shows without markdown (embed footers, thread names): one line,
    cut to `limit` characters."""
    line = _WHITESPACE_RUN.sub(" ", text.translate(BIDI_CONTROLS)).strip()
    if len(line) <= limit:
        return line
    return line[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def host(url: str) -> str:
    try:
        name = urlsplit(url).hostname or url
    except ValueError:
        name = url
    return name.removeprefix("www.")


def link(label: str, url: str | None, limit: int = 200) -> str:
    """A masked link `[label](url)` that cannot lie about where it goes.

    Unsafe URLs give the escaped label alone. A label that looks like an address ("paypal.com",
    "https://…") is replaced by the URL's real host name, so the visible text never names a site
    other than the one clicked. Parentheses in the URL are percent-encoded so it cannot close early.
    """
    checked = safe_url(url)
    if checked is None:
        return escape(label, limit)
    target = checked.replace("(", "%28").replace(")", "%29")
    if label.strip() and not _LOOKS_LIKE_ADDRESS.search(label):
        shown = _WHITESPACE_RUN.sub(" ", label).strip()
    else:
        shown = host(checked)
        if len(escape(shown)) > limit:  # keep the end of a long host: "…evil.example", never "bank.co…"
            shown = ELLIPSIS + shown[-(limit // 2) :]
    return f"[{escape(shown, limit)}]({target})"
