"""Text similarity behind a small interface, with a TF-IDF implementation.

Clustering and summaries only need "turn text into a vector" and "how alike are two vectors", so a
semantic model could replace TF-IDF later without touching them. TF-IDF needs corpus-wide document
frequencies: an implementation that wants them also implements `CorpusAware`, and the story engine
keeps the counts in SQLite (updated per stored article) and hands it the ones a text needs. IDF over
just the two texts being compared would call every shared word rare.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

from bot.intel.ports import CorpusAware, Similarity, Vector

# the interfaces live in ports.py; re-exported for code that imports them from here
__all__ = ["CorpusAware", "Similarity", "TfidfSimilarity", "Vector"]


# Function words and newsroom filler ("said", "according"): they say nothing about which event it is.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each even few for from further had
    has have having he her here hers herself him himself his how however i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there these they
    this those through to too under until up very was we were what when where which while who whom why
    will with would you your yours yourself yet via per said says say told according added also
    including within without across among around since though although whether may might must shall
    one two three new just like many much still""".split()  # noqa: SIM905
)

# The same country spelled three ways must be one term, or "UK office" and "United Kingdom" never meet.
_PLACE_SPELLINGS = re.compile(
    r"\b(?P<uk>United\s+Kingdom|Great\s+Britain|Britain|U\.K\.)|\b(?P<us>United\s+States|U\.S\.(?:A\.)?)"
)
_ABBREVIATION = re.compile(r"\b([A-Za-z])\.([A-Za-z])\.(?:([A-Za-z])\.)?")
_TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_SUFFIXES = ("ingly", "edly", "ings", "ing", "ies", "ied", "ed", "es", "s")


# Irregular forms news writing uses for the events we track ("laid off" and "laying off" must meet).
_IRREGULAR = {
    "laid": "lay",
    "paid": "pay",
    "sold": "sell",
    "stole": "steal",
    "stolen": "steal",
    "bought": "buy",
    "hit": "hit",
    "shut": "shut",
    "winding": "wind",
    "won": "win",
    "began": "begin",
    "begun": "begin",
    "led": "lead",
    "left": "leave",
}


@lru_cache(maxsize=65536)  # news reuses its vocabulary: most tokens were stemmed before
def stem(token: str) -> str:
    """A deliberately tiny suffix stripper: "closing", "closed", "closes" -> "clos", "banned" -> "ban"."""
    if token in _IRREGULAR:
        return _IRREGULAR[token]
    if len(token) <= 3 or token[0].isdigit() or token.endswith("ss"):
        return token
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            token = token[: -len(suffix)]
            if suffix in ("ed", "ing", "ings") and len(token) >= 4 and token[-1] == token[-2] not in "lsz":
                token = token[:-1]  # banned -> bann -> ban, shutting -> shut
            return token
    return token


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop-word-free, stemmed tokens. "U.S." and "US" become the same token."""
    return list(_tokens(text))


@lru_cache(maxsize=1024)  # bounded: article texts are kilobytes each
def _tokens(text: str) -> tuple[str, ...]:
    """Cached: the engine tokenizes an article for its document terms and again for its vector, and a
    story's summary sentences again on every rebuild."""
    text = _PLACE_SPELLINGS.sub(lambda m: " uk " if m.group("uk") else " us ", text)
    text = _ABBREVIATION.sub(lambda m: "".join(g for g in m.groups() if g), text)
    tokens: list[str] = []
    for raw in _TOKEN.findall(text.lower()):
        raw = raw.replace("'", "")
        if len(raw) < 2 or raw in STOPWORDS:
            continue
        tokens.append(stem(raw))
    return tuple(tokens)


def forget_texts() -> None:
    """Empty the cache of tokenised texts (benchmarks: rounds that read the same files must not reuse
    each other's work, as a service never sees the same article twice)."""
    _tokens.cache_clear()


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(w * b.get(t, 0.0) for t, w in a.items())
    if dot == 0.0:
        return 0.0
    na = math.sqrt(sum(w * w for w in a.values()))
    nb = math.sqrt(sum(w * w for w in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def normalise(vector: Mapping[str, float], keep: int | None = None) -> Vector:
    """Unit length; with `keep`, only the heaviest terms (ties broken by term, so deterministic)."""
    items = sorted(vector.items(), key=lambda kv: (-kv[1], kv[0]))
    if keep is not None:
        items = items[:keep]
    norm = math.sqrt(sum(w * w for _, w in items))
    return {t: w / norm for t, w in items} if norm else {}


def add_vectors(vectors: Iterable[tuple[Mapping[str, float], float]]) -> Vector:
    """Weighted sum of sparse vectors."""
    out: Vector = {}
    for vector, weight in vectors:
        for term, value in vector.items():
            out[term] = out.get(term, 0.0) + value * weight
    return out


class TfidfSimilarity:
    """Sublinear TF times smoothed IDF, cosine similarity. Document frequencies come from the caller."""

    def __init__(self) -> None:
        self._documents = 0
        self._frequencies: dict[str, int] = {}

    def document_terms(self, text: str) -> set[str]:
        return set(tokenize(text))

    def use_corpus(self, documents: int, frequencies: Mapping[str, int]) -> None:
        """Replace (not extend) the known counts: the caller passes those of the text at hand, so
        memory stays bounded however large the corpus grows."""
        self._documents = documents
        self._frequencies = dict(frequencies)

    def idf(self, term: str) -> float:
        df = self._frequencies.get(term, 0)
        return math.log((1 + self._documents) / (1 + df)) + 1.0

    def vectorize(self, text: str) -> Vector:
        counts = Counter(tokenize(text))
        return normalise({t: (1.0 + math.log(c)) * self.idf(t) for t, c in counts.items()})

    def similarity(self, a: Vector, b: Vector) -> float:
        return cosine(a, b)


def shingles(text: str) -> set[str]:
    """Word 3-grams of the lower-cased text."""
    words = _TOKEN.findall(text.lower())
    if len(words) < 3:
        return {" ".join(words)}  # the whole text is its one shingle (an empty text's is "")
    return set(map(" ".join, zip(words, words[1:], words[2:], strict=False)))


def containment(a: set[str], b: set[str]) -> float:
    """Share of the smaller set found in the larger: 1.0 when one text is the other plus extras."""
    smaller = min(len(a), len(b))
    return len(a & b) / smaller if smaller else 0.0


# _BIT_OF[b] maps a byte to 1 where its bit b (counted from the most significant) is set, else to 0
_BIT_OF = tuple(bytes((byte >> (7 - bit)) & 1 for byte in range(256)) for bit in range(8))


def simhash(text: str, found: set[str] | None = None) -> int:
    """64-bit SimHash over word 3-shingles, as a signed integer (fits SQLite). Near-identical texts
    (a re-post with a changed line of boilerplate) differ in a few bits; distinct articles in ~32.
    Short texts are noisy, so it only preselects; `containment` decides (bot/intel/engine.py).
    `found`: the text's `shingles`, when the caller has them already.

    Each shingle's 8-byte BLAKE2b digest (big-endian) votes per bit. The votes are counted in C: the
    digests joined, every 8th byte sliced out (one byte position), each bit mapped to 0/1 by
    `bytes.translate` and counted (the order of the shingles does not matter to a count); a 64-character
    bit string per shingle summed column by column cost the main process ~0.5 ms per article."""
    if found is None:
        found = shingles(text)
    if not found:
        return 0
    blake2b = hashlib.blake2b
    digests = b"".join([blake2b(s.encode(), digest_size=8).digest() for s in found])
    half = len(found) / 2
    result = 0
    for position in range(8):
        column = digests[position::8]
        for bit_of in _BIT_OF:
            result = (result << 1) | (column.translate(bit_of).count(1) > half)
    return result - (1 << 64) if result >= 1 << 63 else result


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()
