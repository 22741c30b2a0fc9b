"""Key facts of an article, and their merge across every source of a story.

Rule-based on purpose (regular expressions, capitalisation and the small lists in
gazetteer.py): nothing to download, and every fact can be traced to the words it came from.
Each fact's text is either a phrase or clause of its source, or a structured rendering of values
found there ("fewer than 50 employees", "In June 2024, ..."). Facts meet across outlets on a
normalised key (quantity value and unit family, person name, quote words, statement cue and place),
so TechCrunch's "less than 50" and TechRadar's "fewer than 50" are one fact citing two sources.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.intel.facts.background import background_positions
from bot.intel.facts.dates import find_dates
from bot.intel.facts.gazetteer import NOT_NAMES, PLACES, find_places
from bot.intel.facts.incident import LAYOFF
from bot.intel.facts.kev import KevCatalog
from bot.intel.facts.merge import Merged
from bot.intel.facts.people import NAME, find_people
from bot.intel.facts.quantities import find_quantities
from bot.intel.facts.security import typed_facts
from bot.intel.facts.statements import Statement, find_statements, main_clause, with_resolved_dates
from bot.intel.prefilter import prefiltered
from bot.intel.sentences import Sentence, count_words
from bot.models import KeyFact

# What a security team acts on first; `None`: no limit (every CVE id stays in the JSON).
KIND_ORDER = (
    "cve",
    "exploitation",
    "kev",
    "fixed",
    "affected",
    "workaround",
    "actor",
    "malware",
    "victims",
    "data",
    "ransom",
    "money",
    "layoffs",
    "statement",
    "date",
)
KIND_LIMITS: dict[str, int | None] = {
    "cve": None,
    "exploitation": 3,
    "kev": None,
    "fixed": 4,
    "affected": 4,
    "workaround": 2,
    "actor": 4,
    "malware": 4,
    "victims": 3,
    "data": 3,
    "ransom": 2,
    "money": 3,
    "layoffs": 3,
    "statement": 6,
    "date": 2,
}

_NAME_RE = re.compile(NAME)
PLACE_SPELLINGS = frozenset(" ".join(s.split()) for spellings in PLACES.values() for s in spellings)
_CVE = re.compile(r"\bCVE-\d{4}-\d{4,}\b", re.IGNORECASE)


# An article's first count of victims or money, first malware family and first affected product are
# its event's; later ones are mostly partial figures, other events' numbers retold for scale, or
# families and products named for comparison. Measured on 1,384 read facts (566 stories): the second
# and later facts of these kinds were useful 21 times of 38, against 0.90 for all facts; keeping only
# the first raised precision in all 25 folds of a 5x5 story-grouped cross-validation (the kinds chosen
# inside each training fold), by +0.007 on average (evaluation/labels/README-facts.md). Applied per
# article, so two outlets that give different counts still show both, side by side.
FIRST_ONLY = frozenset({"victims", "money", "malware", "affected"})


@dataclass(frozen=True, slots=True)
class ArticleFact:
    """A fact as found in one article; `position` orders facts of the same kind."""

    kind: str
    text: str
    key: str
    position: int
    place: str | None = None  # statements: the first place named (how outlets' wordings meet)
    name: str | None = None  # people: the name as written
    sentence: str = ""  # the sentence it was read from (the citation)
    data: dict[str, object] = field(default_factory=dict)  # typed fields
    value: str | None = None  # the field outlets may disagree on (a CVSS score, a ransom amount)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "kind": self.kind,
            "text": self.text,
            "key": self.key,
            "position": self.position,
        }
        if self.place is not None:
            out["place"] = self.place
        if self.name is not None:
            out["name"] = self.name
        if self.sentence:
            out["sentence"] = self.sentence
        if self.data:
            out["data"] = self.data
        if self.value is not None:
            out["value"] = self.value
        return out

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ArticleFact:
        place, name, typed, value = data.get("place"), data.get("name"), data.get("data"), data.get("value")
        return cls(
            str(data["kind"]),
            str(data["text"]),
            str(data["key"]),
            int(str(data["position"])),
            str(place) if place else None,
            str(name) if name else None,
            str(data.get("sentence") or ""),
            dict(typed) if isinstance(typed, dict) else {},
            str(value) if value is not None else None,
        )


def extract_facts(
    body: str,
    sentences: list[Sentence],
    *,
    published: date | None,
    vendors: Sequence[str] = (),
    kev: KevCatalog | None = None,
    first_only: frozenset[str] = FIRST_ONLY,
) -> list[ArticleFact]:
    """Every fact of one article, in reading order within each kind: typed security facts, the
    statements of what happened, and dates. A bare name, place or number is no fact: people,
    organisations and places only appear as fields of a typed fact."""
    facts: list[ArticleFact] = []
    complete = [s for s in sentences if s.complete]
    aside = background_positions(sentences)  # sentences that retell another event
    # What happened is told at the top; statements further down retell background or explain how
    # something works (measured on real articles: most later statements were not useful).
    statements = [
        s
        for s in find_statements(complete, published, tuple(vendors))
        if _rank(complete, s.position) < LEAD_SENTENCES and s.position not in aside
    ]
    facts += [
        ArticleFact(
            "statement", s.text, s.key, s.position, s.place, sentence=_sentence_at(complete, s.position)
        )
        for s in statements
    ]
    stated = {s.position for s in statements}
    typed_all = typed_facts(
        sentences, published=published, kev=kev, layoffs_context=_workforce(statements), aside=aside
    )
    # a statement that only retells a workaround or a fix read from the same sentence says it twice
    told = {t.position for t in typed_all if t.kind in ("workaround", "fixed")}
    facts = [f for f in facts if f.position not in told]
    for typed in typed_all:
        if typed.kind in LEAD_ONLY and _rank(complete, typed.position) >= LEAD_SENTENCES:
            continue
        facts.append(
            ArticleFact(
                typed.kind,
                typed.text,
                typed.key,
                typed.position,
                sentence=typed.sentence,
                data=typed.data,
                value=typed.value,
            )
        )
    for sentence in complete:
        if sentence.index in stated:
            continue
        if sentence.text.startswith(("“", '"', "‘", "'")) or not _EVENT_VERB.search(sentence.text):
            continue  # a quote fragment, or a date that dates no event ("grew 614% from March to March")
        if _rank(complete, sentence.index) >= LEAD_SENTENCES or sentence.index in aside:
            continue
        for mention in find_dates(sentence.text, published)[:1]:
            if mention.date.granularity == "year" or count_words(sentence.text) > 40:
                continue
            text = with_resolved_dates(main_clause(sentence.text), published)
            if count_words(text) < 6 or not find_dates(text, published):
                continue  # a clause cut too short, or cut without its date, dates nothing
            facts.append(
                ArticleFact(
                    "date",
                    text,
                    f"date:{mention.date.key}",
                    sentence.index,
                    sentence=sentence.text,
                    data={"date": mention.date.key, "precision": mention.date.granularity},
                )
            )
    return first_of_kind(facts, first_only)


def first_of_kind(facts: list[ArticleFact], kinds: frozenset[str] = FIRST_ONLY) -> list[ArticleFact]:
    """Keep, of each of `kinds`, only the fact read earliest in the article (`extract_facts`'
    `first_only` changes the kinds: evaluation/fact_caps.py measures every kind with an empty set)."""
    first: dict[str, ArticleFact] = {}
    for fact in facts:
        if fact.kind in kinds and (fact.kind not in first or fact.position < first[fact.kind].position):
            first[fact.kind] = fact
    return [f for f in facts if f.kind not in kinds or first[f.kind] is f]


def _workforce(statements: Sequence[Statement]) -> bool:
    """A workforce statement about people or a workplace ("shut down its networks" is no layoff)."""
    return any(s.key.split(":")[1] == "workforce" and LAYOFF.search(s.text) for s in statements)


# a date fact dates something that happened to the story's subject
_EVENT_VERB = prefiltered(
    r"\b(?:attack|breach|hack|compromis|exploit|patch|fix|disclos|discover|detect|notif|announc|releas|publish"
    r"|report|began|started|occurred|happened|ban|fine|sue|sued|charg|arrest|clos|laid|lay|acquir|launch|warn"
    r"|target|infect|leak|stole|steal|expos|encrypt|shut|revealed|confirm)\w*",
    re.IGNORECASE,
)


LEAD_SENTENCES = 8
# Counts of victims, data and money told below the lead are mostly other events' figures retold for
# scale ("the 2017 breach that exposed 145 million", "Yahoo's 3 billion accounts"): measured on 500
# read stories, data below the lead was useful 5 times of 16, victims 18 of 34, money 2 of 4.
LEAD_ONLY = frozenset({"victims", "data", "money"})


def _rank(sentences: Sequence[Sentence], index: int) -> int:
    """Where a sentence is among the article's complete sentences (0 = lead)."""
    return next((n for n, s in enumerate(sentences) if s.index == index), len(sentences))


def _sentence_at(sentences: Sequence[Sentence], index: int) -> str:
    return next((s.text for s in sentences if s.index == index), "")


def people_names(body: str) -> list[str]:
    """Full names of people the article introduces (the summary's surname rule needs them)."""
    return [p.name for p in find_people(body)]


def entity_keys(text: str) -> set[str]:
    """Cheap identity evidence for clustering (no sentence splitting): quantities, CVE ids, names of
    people, organisations and places. Shared keys say two articles report the same particulars."""
    keys = {q.key for q in find_quantities(text)}
    keys |= {"cve:" + m.group(0).upper() for m in _CVE.finditer(text)}
    places = find_places(text)
    keys |= {f"place:{p.lower()}" for _, p in places}
    for m in _NAME_RE.finditer(text):
        name = " ".join(m.group(0).split())
        if (
            name.split()[0] not in NOT_NAMES
            and "’s" not in name
            and "'s" not in name
            and name not in PLACE_SPELLINGS
        ):
            keys.add("name:" + name.lower())
    return keys


def merge_facts(
    per_source: Sequence[Sequence[ArticleFact]], outlets: Sequence[str] = ()
) -> tuple[KeyFact, ...]:
    """One KeyFact per distinct fact across sources (indexes into the story's sources), ordered by
    kind, then by how many sources carry it, then by where it first appeared. Facts meet on their
    key; a statement also meets one with the same cue when either names no place. Where outlets
    disagree on a fact's value (a CVSS score, an amount) every value is kept with its sources
    (`data["variants"]`), never averaged or silently picked. Dictionary lookups, so a story with
    hundreds of sources stays cheap to rebuild."""
    merged: list[Merged] = []
    by_key: dict[str, Merged] = {}
    by_cue: dict[str, list[Merged]] = {}
    for source_index, facts in enumerate(per_source):
        for fact in facts:
            match = by_key.get(fact.key)
            cue = fact.key.split(":")[1] if fact.kind == "statement" else ""
            if match is None and cue:
                same_cue = by_cue.get(cue, [])
                match = next((m for m in same_cue if m.first.place is None or fact.place is None), None)
            if match is None:
                match = Merged(fact, [source_index], (source_index, fact.position))
                merged.append(match)
                if cue:
                    by_cue.setdefault(cue, []).append(match)
            elif source_index not in match.sources:
                match.sources.append(source_index)
            match.add(fact, source_index)
            by_key.setdefault(fact.key, match)
    merged.sort(key=lambda m: (KIND_ORDER.index(m.first.kind), -len(m.sources), m.order))
    out: list[KeyFact] = []
    per_kind: dict[str, int] = {}
    for item in merged:
        kind = item.first.kind
        per_kind[kind] = per_kind.get(kind, 0) + 1
        limit = KIND_LIMITS[kind]
        if limit is None or per_kind[kind] <= limit:
            data = item.data()
            text = item.text(data, outlets)
            out.append(KeyFact(kind, text, tuple(item.sources), item.first.key, data, item.first.sentence))
    return tuple(out)


# What-happened prose (statements, dates) of a story typed `other` (a feature, report, opinion or
# advertorial) tells no event a team acts on: measured on 500 read stories, 5 of 15 such facts were
# useful. Typed facts (a CVE, a malware family) stay whatever the type.
NARRATIVE = frozenset({"statement", "date"})


def facts_for_event(facts: Sequence[KeyFact], event_type: str) -> tuple[KeyFact, ...]:
    """The story's facts once its event type is known."""
    if event_type != "other":
        return tuple(facts)
    return tuple(f for f in facts if f.kind not in NARRATIVE)
