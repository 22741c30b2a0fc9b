"""Sentence splitting for summaries and key facts.

pysbd (rule-based, no downloaded data) keeps "U.K.", "U.S.", "Oct. 8", "Inc." and decimals inside
their sentence and ends a sentence after a closing quote (`.”`). syntok handles the same cases and
is faster, but glues "example.com. See" and "v1.2.3. Patch now" into one sentence, so pysbd it is.
We split paragraph by paragraph (a sentence never crosses a blank line) and then repair the few
splits pysbd still gets wrong: a piece that starts in lower case or with a closing quote belongs to
the sentence before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pysbd

_TERMINAL = re.compile(r"[.!?…][\"'”’)\]]*$")
_CLOSING_ONLY = re.compile(r"^[\"'”’)\]]+\s*")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of an article body, with where it sat (used to favour lead sentences)."""

    text: str
    paragraph: int  # index of the paragraph in the body
    index: int  # index of the sentence in the whole body
    complete: bool  # ends with terminal punctuation (headings and captions do not)

    @property
    def words(self) -> int:
        return count_words(self.text)


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False, char_span=False)


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def paragraphs(body: str) -> list[str]:
    """Non-empty paragraphs (blank-line separated), with inner line breaks folded into spaces."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", body):
        text = " ".join(block.split())
        if text:
            out.append(text)
    return out


def split_sentences(text: str) -> list[str]:
    """Sentences of one paragraph (or of any text; blank lines always end a sentence)."""
    out: list[str] = []
    for para in paragraphs(text):
        out.extend(_split_paragraph(para))
    return out


_POSSIBLE_BOUNDARY = re.compile(r"[.!?…][\"'”’)\]]*\s")


def _split_paragraph(para: str) -> list[str]:
    if not _POSSIBLE_BOUNDARY.search(para):
        return [para]  # no full stop followed by a space: one sentence, no need for pysbd
    pieces = [p.strip() for p in _segmenter().segment(para)]
    merged: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        if merged and _continues_previous(piece, merged[-1]):
            merged[-1] = f"{merged[-1]} {piece}" if not _CLOSING_ONLY.match(piece) else merged[-1] + piece
            continue
        merged.append(piece)
    return merged


def _continues_previous(piece: str, previous: str) -> bool:
    """pysbd sometimes cuts before a lower-case continuation or leaves a closing quote on its own."""
    if _CLOSING_ONLY.fullmatch(piece):
        return True
    first = piece[0]
    if first.islower():
        return True
    # a cut right after an unclosed opening quote
    return previous.count("“") > previous.count("”")


def article_sentences(body: str) -> list[Sentence]:
    """Every sentence of a body, numbered across paragraphs."""
    out: list[Sentence] = []
    for p_index, para in enumerate(paragraphs(body)):
        for text in _split_paragraph(para):
            out.append(Sentence(text, p_index, len(out), bool(_TERMINAL.search(text))))
    return out
