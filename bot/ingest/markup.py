"""Markdown / scraped text -> a flat list of blocks with the plain text and the facts the cleaner scores.

Both stored forms (markdown with links, and html2text-like plain text) are read by one line-based
parser: markdown syntax is removed here, but what it told us is kept on the block (was it a heading, a
list item, an image, how much of it was link text). Link text is bracketed by private sentinels while
lines are parsed so link density survives the stripping.

Every regex is linear: character classes exclude their own delimiters and repeats are bounded, so a
hostile megabyte of brackets cannot make them backtrack.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

LINK_OPEN = "\x01"
LINK_CLOSE = "\x02"

# ![alt](url "title"): the url part may be <...> (with spaces) or a run without spaces/parentheses,
# allowing one level of balanced parentheses (Wikipedia-style URLs).
_URL = r"(?:<[^<>\n]{0,2000}>|[^()\s]{0,2000}(?:\([^()\s]{0,500}\)[^()\s]{0,500}){0,3})"
_TITLE = r'(?:\s{1,20}"[^"\n]{0,500}")?'
_IMAGE = re.compile(r"!\[[^\[\]]{0,1000}\]\(\s{0,20}" + _URL + _TITLE + r"\s{0,20}\)")
_LINK = re.compile(r"\[([^\[\]]{0,2000})\]\(\s{0,20}" + _URL + _TITLE + r"\s{0,20}\)")
_REF_LINK = re.compile(r"\[([^\[\]\n]{1,300})\]\[[^\[\]\n]{0,100}\]")
_AUTOLINK = re.compile(r"<(https?://[^<>\s]{1,2000})>")
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]{0,20}(?:\s[^<>\n]{0,500})?/?>")

_ORDERED = re.compile(r"\d{1,3}[.)](?:[ \t]|$)")
_RULE = re.compile(r"(?:[-*_=][ \t]{0,3}){3,40}")
# `(?<!_)_++`, not `_+`: tried at every "_" of "a____…a", `_+(?!\w)` backtracked over the whole run.
# The leading lookahead only skips positions no branch can start at (3x faster than trying each one).
_EMPHASIS = re.compile(r"(?=[*_~`\\])(?:\*+|(?<!\w)_+|(?<!_)_++(?!\w)|~~|`+|\\(?=[^\w\s]))")
_LINK_SPAN = re.compile("\x01([^\x01\x02]*)\x02")
_TOKEN = re.compile(r"\w+")
_SENTENCE_END_CHARS = frozenset(".!?。！？…:;")
# Characters a line's syntax can start with (`_line_kind`); a digit may start an ordered item.
_SYNTAX_FIRST = frozenset("-*_#+•·>|:=")


@dataclass(slots=True)
class Block:
    """One paragraph, heading or list item, in document order."""

    text: str  # plain text, markdown removed, spaces collapsed
    kind: str  # "p" | "h" | "li" | "quote" | "row" (table) | "hr"
    level: int = 0  # heading level (1-6)
    link_chars: int = 0
    words: int = 0
    after_image: bool = False  # directly follows an image (or holds one): a caption candidate
    index: int = 0
    tokens: tuple[str, ...] = ()  # lower-cased \w+ tokens, filled in once the block is complete

    @property
    def link_density(self) -> float:
        return self.link_chars / len(self.text) if self.text else 0.0


def _mark_links(text: str) -> str:
    """Drop images (\x03 marks where one was), replace links by their sentinel-wrapped text (two passes:
    links around images)."""
    if "](" in text:
        text = _IMAGE.sub("\x03", text)
        for _ in range(2):
            # `split` hands back [before, link text, between, link text, ..., after] without a Python
            # call per match (a `sub` callback costs a third of the pass on a link-heavy page)
            parts = _LINK.split(text)
            parts[1::2] = [LINK_OPEN + label.replace("\n", " ") + LINK_CLOSE for label in parts[1::2]]
            text = "".join(parts)
            if "](" not in text:
                break  # no link left for a second pass (one that held an image) to find
    if "][" in text:
        text = _REF_LINK.sub(lambda m: LINK_OPEN + m.group(1) + LINK_CLOSE, text)
    if "<http" in text:
        text = _AUTOLINK.sub(lambda m: LINK_OPEN + m.group(1) + LINK_CLOSE, text)
    return text


def _link_chars(line: str) -> int:
    spans = "".join(_LINK_SPAN.findall(line))
    return len(spans) - spans.count(" ")


def _wrap_width(lines: list[str]) -> int:
    """The width a hard-wrapped text was wrapped at, or 0 when the text is not hard-wrapped.

    Wrapped prose piles up just under the width (html2text: 78); a few unbreakable lines may exceed it.
    The width is the largest length at which a quarter of the long lines end within 10 characters,
    provided few lines run past it (one-paragraph-per-line markdown has many such lines).
    """
    histogram = [0] * 101
    long_lines = 0
    for line in lines:
        n = len(line)
        if n > 40:
            long_lines += 1
            if n <= 100:
                histogram[n] += 1
    if long_lines < 5:
        return 0
    for width in range(100, 50, -1):
        if histogram[width] and sum(histogram[width - 10 : width + 1]) >= max(4, long_lines // 4):
            beyond = long_lines - sum(histogram[41 : width + 6])
            return width if beyond * 5 < long_lines else 0
    return 0


def _normalise(source: str) -> str:
    """Whole-text passes: newlines, HTML tags and entities, links and images."""
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    if "<" in text:
        text = _HTML_TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    return _mark_links(text)


def _line_kind(line: str) -> tuple[str, int, str]:
    """(kind, heading level, rest of the line) from the line's leading syntax; cheap first-char tests
    decide before any regex runs (this loop sees every line of every page)."""
    first = line[0]
    if first in "-*_" and _RULE.fullmatch(line):
        return "hr", 0, ""  # "- - -" and "* * *" are rules, not list items (CommonMark: the rule wins)
    if first == "#":
        stripped = line.lstrip("#")
        level = len(line) - len(stripped)
        if level <= 6 and (not stripped or stripped[0] in " \t"):
            return "h", level, stripped.strip()
    elif first in "*+-•·" and (len(line) == 1 or line[1] in " \t"):
        # "* ### [Title](url)": a listed headline is still a list item
        return "li", 0, line[1:].lstrip().lstrip("#").strip()
    elif first.isdigit() and (match := _ORDERED.match(line)):
        return "li", 0, line[match.end() :].strip()
    elif first == ">":
        return "quote", 0, line.lstrip("> \t")
    if first in "|-:" and not line.strip("|-: \t"):
        return "skip", 0, ""  # a table's header rule
    if first in "-*_=" and _RULE.fullmatch(line):
        return "hr", 0, ""
    if first == "|" or (line.count("|") >= 2 and " | " in line):
        return "row", 0, " ".join(cell.strip() for cell in line.strip("|").split("|") if cell.strip())
    return "p", 0, line


def parse_blocks(source: str) -> list[Block]:
    """Split a page into blocks. Consecutive plain lines join into one paragraph only when the text
    is hard-wrapped and a line was evidently broken for width, or when the sentence visibly goes on
    (next line starts in lower case), so one-line-per-paragraph pages keep their boilerplate lines
    apart from the prose around them."""
    raw_lines = [line.rstrip() for line in _normalise(source).split("\n")]
    width = _wrap_width(raw_lines)
    blocks: list[Block] = []
    pending_image = False
    current: Block | None = None  # a paragraph that may continue on the next line
    # Continuation lines are collected and joined once at the end: appending to the block's text
    # line by line is quadratic on a page of a million short lines.
    continued: dict[int, list[str]] = {}
    last_char = ""  # the last character of `current`'s text so far
    last_line_len = 0
    for raw_line in raw_lines:
        line = raw_line.lstrip()
        if not line:
            current = None
            continue
        first = line[0]
        if "|" not in line and (first.isalpha() or (first not in _SYNTAX_FIRST and not first.isdigit())):
            kind, level = "p", 0  # the common cases (a word, a link), without a call: no syntax starts so
        else:
            kind, level, line = _line_kind(line)
        if kind == "skip":
            continue
        if kind == "hr":
            if not blocks or blocks[-1].kind != "hr":  # a run of rules says no more than one rule
                blocks.append(Block("", "hr", index=len(blocks)))
            current = None
            continue
        has_image = "\x03" in line
        link_chars = 0
        if LINK_OPEN in line:
            link_chars = _link_chars(line)
            # two `replace` passes: `str.translate` looks every character up in a dict (several times slower)
            line = line.replace(LINK_OPEN, "").replace(LINK_CLOSE, "")
        if "*" in line or "_" in line or "`" in line or "~" in line or "\\" in line:
            line = _EMPHASIS.sub("", line)
        if has_image:
            line = line.replace("\x03", " ")
        line = " ".join(line.split()) if "  " in line or "\t" in line or not line.isascii() else line.strip()
        if not line:
            pending_image = pending_image or has_image
            current = None
            continue
        if (
            current is not None
            and (kind == "p" or kind == current.kind == "quote")
            and (
                # broken for width (the width estimate may be a few characters off)
                (width and last_line_len + 1 + len(line.split(" ", 1)[0]) > width - 4)
                # or the sentence visibly goes on: "... photos\nwhich were ..."
                or (line[0].islower() and last_char not in _SENTENCE_END_CHARS)
            )
        ):
            continued.setdefault(current.index, []).append(line)
            last_char = line[-1]
            current.link_chars += link_chars
            last_line_len = len(raw_line)
            continue
        block = Block(
            line, kind, level, link_chars, after_image=pending_image or has_image, index=len(blocks)
        )
        blocks.append(block)
        pending_image = False
        current = block if kind in ("p", "li", "quote") else None
        last_char = line[-1]
        last_line_len = len(raw_line)
    for block in blocks:
        if block.index in continued:
            block.text = " ".join([block.text, *continued[block.index]])
        block.tokens = tuple(_TOKEN.findall(block.text.lower()))
        block.words = len(block.tokens)
    return blocks


def strip_markdown(text: str) -> str:
    """Plain text of a short markdown fragment (a title): links to their text, images and marks gone."""
    return " ".join(block.text for block in parse_blocks(text) if block.text)
