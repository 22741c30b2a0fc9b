"""Re-split words that a scraper glued together where a link ended ("wasbanned", "USafter",
"findtheir"), conservatively.

A token is split only when (1) it is not itself a word wordninja knows, (2) it is all lower case, or an
acronym glued to a lower-case word, so names, camelCase brands and acronyms stay intact, (3) every part
is a known word of 2+ letters, and (4) one of the parts is an English function word: a link boundary
glues a word to its neighbour ("was"+"banned"), while unknown compounds ("ransomware", "crowdstrike")
split into two content words and are left alone. Only English pages are touched.
"""

from __future__ import annotations

import re
from functools import lru_cache

import wordninja

from bot.ingest.text_utils import wordset

_MODEL = wordninja.DEFAULT_LANGUAGE_MODEL
_KNOWN: dict[str, float] = _MODEL._wordcost
_CANDIDATE = re.compile(r"(?<![\w@#/.:'’-])(?:[a-z]{5,30}|[A-Z]{2,5}[a-z]{3,20})(?![\w@/'’-]|\.\w)")
FUNCTION_WORDS = wordset(
    "a about above after again against all also am an and any are as at be been before being below "
    "between both but by can could did do does doing down during each few for from further had has "
    "have having he her here hers him his how if in into is it its itself just me more most my no nor "
    "not now of off on once only or other our ours out over own same she should so some such than "
    "that the their theirs them then there these they this those through to too under until up upon "
    "very was we were what when where which while who whom why will with would you your"
)
_ENGLISH_MARKERS = wordset("the and of to is was that with for are")
MIN_ENGLISH_SHARE = 0.06
COMMON_RANK = 5000


@lru_cache(maxsize=1)
def _common_cost() -> float:
    """wordninja's cost of its COMMON_RANK-th most frequent word: below it a word is common."""
    return sorted(_KNOWN.values())[COMMON_RANK]


@lru_cache(maxsize=4096)
def _split(token: str) -> str | None:
    if token.lower() in _KNOWN:
        return None
    if token[0].isupper():  # "USafter": the acronym is kept whole, the tail must be one known word
        head = token.rstrip("abcdefghijklmnopqrstuvwxyz")
        tail = token[len(head) :]
        if tail in FUNCTION_WORDS or _KNOWN.get(tail, float("inf")) <= _common_cost():
            return f"{head} {tail}"
        return None
    parts = wordninja.split(token)
    if len(parts) < 2 or len(parts) > 3 or "".join(parts) != token:
        return None
    if any(len(p) < 2 or p not in _KNOWN for p in parts):
        return None
    if not any(p in FUNCTION_WORDS for p in parts):
        return None
    return " ".join(parts)


def looks_english(text: str) -> bool:
    words = text[:20_000].lower().split()
    return (
        bool(words) and len([*filter(_ENGLISH_MARKERS.__contains__, words)]) / len(words) >= MIN_ENGLISH_SHARE
    )


def glued_word_splits(text: str) -> dict[str, str]:
    """The link-glued tokens of `text` and how each splits (see module doc), whatever the language."""
    # Nearly every candidate is a word wordninja knows (never split): find the others with one set
    # difference in C (a dict argument is probed, not iterated) before any per-token Python work.
    unknown = set(_CANDIDATE.findall(text)).difference(_KNOWN)
    return {token: split for token in unknown if (split := _split(token)) is not None}


def apply_splits(text: str, splits: dict[str, str]) -> str:
    """`text` with the tokens `glued_word_splits` found re-split."""
    if not splits:
        return text
    return _CANDIDATE.sub(lambda m: splits.get(m.group(), m.group()), text)


def repair_glued_words(text: str, *, english: bool | None = None) -> str:
    """`text` with link-glued words split again (see module doc); unchanged when not English."""
    if english is False:
        return text
    splits = glued_word_splits(text)
    if not splits or (english is None and not looks_english(text)):
        return text
    return apply_splits(text, splits)
