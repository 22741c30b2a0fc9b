"""Explainable features of one key fact and the sentence it came from, for the fact-usefulness model
that evaluation/train_facts.py fits and cross-validates against today's rules.

Why here and not in bot/: the model was measured and not shipped. On the 1,488 facts today's code
shows for the labelled dev stories (1,010 of the kinds it may filter), it ranks useful above not-useful
facts only weakly (out-of-fold AUC about 0.65), so any threshold that drops facts drops mostly useful
ones: a precision gain of under one point at a 3-4 point recall cost (README-facts.md). The features
stay so the measurement can be rerun when the labels or the extractor change.

Never filtered: `cve` and `kev` facts (every CVE id and score stays: the recall targets of issue 16)
and `exploitation` (the status a team acts on first); they count in every figure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.intel.facts.background import BACKGROUND, FLASHBACK
from bot.intel.facts.extract import KIND_ORDER
from bot.intel.sentences import Sentence

KEPT = frozenset({"cve", "kev", "exploitation"})
KINDS = tuple(kind for kind in KIND_ORDER if kind not in KEPT)  # the kinds the filter may drop
FEATURES = (
    "bias",
    *(f"kind_{k}" for k in KINDS),
    "rank",  # log(1 + the sentence's rank among complete sentences)
    "lead",  # one of the first two complete sentences
    "title_words",  # share of the fact's own words that are in the title
    "sentence_title",  # share of the title's words that are in the fact's sentence
    "names_subject",  # the sentence names a capitalised word of the title (the story's subject)
    "number_clash",  # the fact's number is not the title's, and the title states one
    "number_match",  # the fact's number is in the title
    "background",  # a background or flashback cue anywhere in the sentence (the lead included)
    "past_year",  # the sentence names a year before the latest year of the title and lead
    "hedged",  # may / could / might / would / if: a possibility, not what happened
    "generic",  # the sentence names no capitalised word past its first (explains, does not report)
    "specific",  # the fact carries a number, a version or a named value
    "same_kind",  # log(1 + facts of the same kind before this one in the article)
    "long_sentence",  # over 40 words
    "subject_first",  # the sentence's first capitalised word (its subject, mostly) is in the title
    "other_names",  # log(1 + capitalised words of the sentence that are not in the title)
    "lead_words",  # share of the fact's own words that are in the first two sentences
    "comparative",  # also / another / other / similar / previous / unlike: told beside something else
    "quote_open",  # the sentence opens with a quotation mark
    "said",  # a reporting or past-tense verb of an event (said, announced, -ed): it reports
    "count_far",  # a count (victims, data, money) outside the first two sentences
    "intro_clause",  # opens with a framing clause (With / While / Since / Though / Four months ago …)
    "bare_version",  # a version fact that names no product ("Affected: 3.5")
    "numbers",  # log(1 + numbers in the sentence): a list or a comparison of figures
)

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’\-]+|\d[\d.,]*")
_CAPITAL = re.compile(r"\b[A-Z][A-Za-z0-9\-]+")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_COMPARE = re.compile(
    r"\b(?:also|another|other|others|similar|previous|previously|earlier|unlike|like|compared|famous|last)\b",
    re.IGNORECASE,
)
_REPORTS = re.compile(r"\b(?:said|says|announced|confirmed|disclosed|revealed|warned|reported|\w{3,}ed)\b")
_INTRO = re.compile(
    r"^(?:With|While|Whilst|Since|As|Although|Though|Despite|Unlike|Like|Just\s+like|When|If|For"
    r"|At\s+the\s+(?:beginning|start|end)|\w+\s+(?:months?|weeks?|years?)\s+ago|Interestingly|Meanwhile)\b"
)
_VERSION_LABEL = re.compile(r"^(?:Affected|Fixed\s+in)\s*:?\s*", re.IGNORECASE)
_COUNTS = frozenset({"victims", "data", "ransom", "money", "layoffs"})
_HEDGE = re.compile(r"\b(?:may|might|could|would|if|can)\b", re.IGNORECASE)
_STOP_WORDS = (
    "the a an of in on for to and or with by from at as is are was were be been its it this that new has have"
    " had over more than about after into their his her they them who which what how why not"
)
_STOP = frozenset(_STOP_WORDS.split())
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "b": 1e9, "billion": 1e9}
_AMOUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(k|m|b|thousand|million|billion)?\b", re.IGNORECASE)


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)} - _STOP


def _amounts(text: str) -> set[float]:
    """Numbers with their scale ("3.5M", "30 million", "60,000"), years left out."""
    out: set[float] = set()
    for m in _AMOUNT.finditer(text):
        raw = m.group(1).replace(",", "")
        try:
            value = float(raw)
        except ValueError:
            continue
        if _YEAR.fullmatch(raw) and not m.group(2):
            continue
        out.add(round(value * _SCALE.get((m.group(2) or "").lower(), 1.0), 3))
    return out


def context_values(title: str, complete: Sequence[Sentence]) -> dict[str, object]:
    """Title words, capitalised title words, title numbers, the latest year of title and lead, and
    each sentence's rank among the complete sentences."""
    lead = " ".join(s.text for s in complete[:2])
    capitals = {w.lower() for w in _CAPITAL.findall(title)[1:]} | {
        w.lower() for w in _CAPITAL.findall(title)[:1] if w.lower() not in _STOP
    }
    years = [int(y) for y in _YEAR.findall(f"{title} {lead}")]
    return {
        "lead_words": _words(lead),
        "title_words": _words(title),
        "title_capitals": capitals - _STOP,
        "title_numbers": _amounts(title),
        "latest_year": max(years) if years else 0,
        "rank": {s.index: n for n, s in enumerate(complete)},
    }


def features(
    kind: str, text: str, sentence: str, position: int, same_kind: int, context: Mapping[str, object]
) -> dict[str, float]:
    """The explainable features of one fact (names in FEATURES)."""
    ranks = context["rank"]
    assert isinstance(ranks, dict)
    rank = int(ranks.get(position, len(ranks)))
    title_words = context["title_words"]
    capitals = context["title_capitals"]
    title_numbers = context["title_numbers"]
    latest = int(str(context["latest_year"]))
    assert isinstance(title_words, set) and isinstance(capitals, set) and isinstance(title_numbers, set)
    own, said = _words(text), _words(sentence)
    numbers = _amounts(text) if kind in ("victims", "data", "ransom", "money", "layoffs") else set()
    years = [int(y) for y in _YEAR.findall(sentence)]
    sentence_capitals = {w.lower() for w in _CAPITAL.findall(sentence)[1:]}
    out = {name: 0.0 for name in FEATURES}
    out["bias"] = 1.0
    if kind in KINDS:
        out[f"kind_{kind}"] = 1.0
    out["rank"] = math.log1p(rank)
    out["lead"] = float(rank < 2)
    out["title_words"] = len(own & title_words) / len(own) if own else 0.0
    out["sentence_title"] = len(said & title_words) / len(title_words) if title_words else 0.0
    out["names_subject"] = float(bool(capitals & (sentence_capitals | _words(sentence[:40]))))
    out["number_clash"] = float(bool(numbers and title_numbers and not numbers & title_numbers))
    out["number_match"] = float(bool(numbers & title_numbers))
    out["background"] = float(bool(BACKGROUND.search(sentence) or FLASHBACK.match(sentence)))
    out["past_year"] = float(bool(latest and years and min(years) < latest))
    out["hedged"] = float(bool(_HEDGE.search(sentence)))
    out["generic"] = float(not sentence_capitals)
    out["specific"] = float(bool(_NUMBER.search(text)) or kind in ("actor", "malware"))
    out["same_kind"] = math.log1p(same_kind)
    out["long_sentence"] = float(len(sentence.split()) > 40)
    names = [w.lower() for w in _CAPITAL.findall(sentence)]
    first = next((w for w in names if w not in _STOP), "")
    out["subject_first"] = float(bool(first) and (first in capitals or first in title_words))
    out["other_names"] = math.log1p(len({w for w in names[1:] if w not in title_words and w not in _STOP}))
    lead_words = context["lead_words"]
    assert isinstance(lead_words, set)
    out["lead_words"] = len(own & lead_words) / len(own) if own else 0.0
    out["comparative"] = float(bool(_COMPARE.search(sentence)))
    out["quote_open"] = float(sentence[:1] in "\"“‘'")
    out["said"] = float(bool(_REPORTS.search(sentence)))
    out["count_far"] = float(kind in _COUNTS and rank >= 2)
    out["intro_clause"] = float(bool(_INTRO.match(sentence)))
    versioned = kind in ("affected", "fixed")
    out["bare_version"] = float(versioned and not re.search(r"[A-Za-z]{2}", _VERSION_LABEL.sub("", text)))
    out["numbers"] = math.log1p(len(_NUMBER.findall(sentence)))
    return out


@dataclass(frozen=True, slots=True)
class FactModel:
    """P(useful) = sigmoid(w . x); a fact of a filtered kind is kept when P >= threshold."""

    weights: Mapping[str, float]
    threshold: float

    def probability(self, values: Mapping[str, float]) -> float:
        z = sum(self.weights.get(name, 0.0) * value for name, value in values.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


class FactLike(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def sentence(self) -> str: ...
    @property
    def position(self) -> int: ...


def fact_features(
    facts: Sequence[FactLike], title: str, complete: Sequence[Sentence]
) -> list[dict[str, float]]:
    """Features of every fact of one article (facts in extract order: reading order within a kind)."""
    context = context_values(title, complete)
    seen: dict[str, int] = {}
    out = []
    for fact in facts:
        out.append(
            features(fact.kind, fact.text, fact.sentence, fact.position, seen.get(fact.kind, 0), context)
        )
        seen[fact.kind] = seen.get(fact.kind, 0) + 1
    return out
