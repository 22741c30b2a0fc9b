"""Stop-word lists, used the jusText way: prose is dense in function words, menus and link lists are not.

The lists come from jusText (installed with trafilatura; plain text files inside the wheel, nothing is
downloaded). A page's language is guessed as the list that covers most of its tokens, among the
languages news pages are commonly written in; pages with no good match (CJK, or lists we do not load)
get no stop-word test at all rather than a wrong one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import cache

import justext  # type: ignore[import-untyped]

LANGUAGES = (
    "English",
    "German",
    "French",
    "Spanish",
    "Portuguese",
    "Italian",
    "Dutch",
    "Russian",
    "Ukrainian",
    "Polish",
    "Swedish",
    "Danish",
    "Norwegian_Bokmal",
    "Finnish",
    "Czech",
    "Turkish",
    "Indonesian",
    "Romanian",
    "Hungarian",
)
# A page whose best list covers less than this share of its tokens is not in any loaded language.
MIN_COVERAGE = 0.12
# Very large lists (Korean's has 13k entries, mostly content words) would pass anything as prose.
MAX_LIST_SIZE = 2500
CLEARLY_ENGLISH = 0.3  # English prose runs at 0.4-0.5 of tokens in this list; menus and other languages lower
SAMPLE_TOKENS = 3000  # enough to tell the language; bounds the work on long pages


@cache
def _stoplist(language: str) -> frozenset[str]:
    words = justext.get_stoplist(language)
    return frozenset(w.lower() for w in words) if len(words) <= MAX_LIST_SIZE else frozenset()


def preload() -> None:
    """Load every language's list now (the parse workers' fork server does: `ingest.worker_tables`):
    loaded on first use, the lists cost the first non-English page a worker reads ~20 ms."""
    for language in LANGUAGES:
        _stoplist(language)


def guess_stopwords(tokens: list[str]) -> frozenset[str] | None:
    """The stop-word set of the page's language, or None when no loaded language fits.

    `tokens` must be lower-cased already."""
    sample = tokens[:SAMPLE_TOKENS]
    total = len(sample)
    if total == 0:
        return None
    english = _stoplist("English")
    if len([*filter(english.__contains__, sample)]) / total >= CLEARLY_ENGLISH:
        return english  # most pages: no need to count words or try the other languages
    counts = Counter(sample)
    best: frozenset[str] | None = None
    best_hits = 0
    vocabulary = set(counts)
    for language in LANGUAGES:
        stoplist = _stoplist(language)
        hits = sum(counts[word] for word in vocabulary & stoplist)
        if hits > best_hits:
            best, best_hits = stoplist, hits
    if best is None or best_hits / total < MIN_COVERAGE:
        return None
    return best


def page_stopwords(runs: Sequence[tuple[str, ...]]) -> tuple[frozenset[str] | None, list[int]]:
    """`guess_stopwords` over the first SAMPLE_TOKENS tokens of the page's token runs (its blocks),
    and how many tokens of each run are stop words of that language (zeros when there is none).

    Why together: the counts are what the cleaner needs per block, and on an English page (most) the
    English counts also decide the language, so every token is looked up once, not three times."""
    english = _stoplist("English")
    counts = [len([*filter(english.__contains__, run)]) for run in runs]
    total = hits = 0
    for run, count in zip(runs, counts, strict=True):
        if total + len(run) > SAMPLE_TOKENS:  # the sample ends inside this run
            head = run[: SAMPLE_TOKENS - total]
            total, hits = SAMPLE_TOKENS, hits + len([*filter(english.__contains__, head)])
            break
        total, hits = total + len(run), hits + count
    if total == 0:
        return None, [0] * len(runs)
    if hits / total >= CLEARLY_ENGLISH:
        return english, counts
    chosen = guess_stopwords([token for run in runs for token in run][:SAMPLE_TOKENS])
    if chosen is None:
        return None, [0] * len(runs)
    return chosen, [len([*filter(chosen.__contains__, run)]) for run in runs]
