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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from bot.intel.facts.dates import find_dates
from bot.intel.facts.gazetteer import AGENCIES, NOT_NAMES, ORG_SUFFIXES, PLACES, find_places
from bot.intel.facts.people import NAME, find_people, find_quotes
from bot.intel.facts.quantities import LAYOFF_CUE, find_quantities
from bot.intel.facts.statements import find_statements, main_clause, with_resolved_dates
from bot.intel.sentences import Sentence, count_words, paragraphs
from bot.models import KeyFact

KIND_ORDER = ("statement", "quantity", "person", "quote", "date", "organisation", "place")
KIND_LIMITS = {
    "statement": 6,
    "quantity": 4,
    "person": 4,
    "quote": 3,
    "date": 3,
    "organisation": 4,
    "place": 4,
}

_CAMEL = re.compile(r"\b[A-Z][a-z]+[A-Z][A-Za-z0-9]*\b")
# Camel-case words that are technology terms, not organisations.
_NOT_ORGANISATIONS = frozenset(
    "saas paas iaas devops devsecops javascript typescript powershell macos ios ipados wifi bluetooth".split()  # noqa: SIM905
)
_CALLED = re.compile(
    rf"\b(?:company|firm|startup|vendor|provider|partner)\s+(?:called|named)\s+(?P<org>{NAME}|[A-Z][\w&-]+)"
)
_SUFFIXED = re.compile(
    r"\b(?P<org>(?:[A-Z][\w&-]+\s+){1,3}(?:" + "|".join(re.escape(s) for s in ORG_SUFFIXES) + r"))(?!\w)"
)
_AGENCY = re.compile(r"\b(?:" + "|".join(re.escape(a) for a in AGENCIES) + r")\b")
_NAME_RE = re.compile(NAME)
PLACE_SPELLINGS = frozenset(" ".join(s.split()) for spellings in PLACES.values() for s in spellings)
_CVE = re.compile(r"\bCVE-\d{4}-\d{4,}\b", re.IGNORECASE)
# Outlets name themselves in their own text ("TechCrunch has learned"); they are not organisations in the news.
_KNOWN_OUTLETS = frozenset(
    (
        "techcrunch",
        "techradar",
        "bleepingcomputer",
        "securityweek",
        "zdnet",
        "darkreading",
        "cyberscoop",
        "therecord",
        "theregister",
        "helpnetsecurity",
        "infosecurity",
        "wired",
        "reuters",
        "bloomberg",
    )
)


@dataclass(frozen=True, slots=True)
class ArticleFact:
    """A fact as found in one article; `position` orders facts of the same kind."""

    kind: str
    text: str
    key: str
    position: int
    place: str | None = None  # statements: the first place named (how outlets' wordings meet)
    name: str | None = None  # people: the name as written

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
        return out

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ArticleFact:
        place, name = data.get("place"), data.get("name")
        return cls(
            str(data["kind"]),
            str(data["text"]),
            str(data["key"]),
            int(str(data["position"])),
            str(place) if place else None,
            str(name) if name else None,
        )


def _organisations(text: str, exclude: set[str]) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for pattern, group in ((_CALLED, "org"), (_SUFFIXED, "org"), (_AGENCY, 0), (_CAMEL, 0)):
        for m in pattern.finditer(text):
            name = " ".join(m.group(group).split())
            lowered = name.lower()
            if name.split()[0] in NOT_NAMES or lowered in exclude or lowered.replace(" ", "") in exclude:
                continue
            if lowered in _NOT_ORGANISATIONS or any(
                len(e) > 4 and lowered.startswith(e[:5]) for e in exclude
            ):
                continue  # "FortiGate" is Fortinet's product, not another organisation
            found.append((m.start(), name))
    found.sort()
    return found


def extract_facts(
    body: str,
    sentences: list[Sentence],
    *,
    published: date | None,
    vendors: Sequence[str] = (),
    mentions: Sequence[str] = (),
    outlets: Iterable[str] = (),
) -> list[ArticleFact]:
    """Every fact of one article, in reading order within each kind."""
    facts: list[ArticleFact] = []
    complete = [s for s in sentences if s.complete]
    statements = find_statements(complete, published, tuple(vendors))
    facts += [ArticleFact("statement", s.text, s.key, s.position, s.place) for s in statements]
    stated = {s.position for s in statements}

    for sentence in complete:
        for quantity in find_quantities(sentence.text):
            text = quantity.render()
            if (
                quantity.family == "staff"
                and LAYOFF_CUE.search(sentence.text)
                and quantity.comparator == "vague"
            ):
                text += " laid off"
            places = [p for offset, p in find_places(sentence.text) if offset > quantity.start]
            if quantity.family == "staff" and places and quantity.comparator != "vague":
                text += f" in {places[0]}"
            facts.append(ArticleFact("quantity", text[:1].upper() + text[1:], quantity.key, sentence.index))
        if sentence.index in stated:
            continue
        for mention in find_dates(sentence.text, published)[:1]:
            if mention.date.granularity == "year" or count_words(sentence.text) > 40:
                continue
            text = with_resolved_dates(main_clause(sentence.text), published)
            facts.append(ArticleFact("date", text, f"date:{mention.date.key}", sentence.index))

    people = find_people(body)
    for person in people:
        position = next((s.index for s in sentences if person.name in s.text), 0)
        facts.append(
            ArticleFact(
                "person",
                person.phrase[:1].upper() + person.phrase[1:],
                person.key,
                position,
                name=person.name,
            )
        )
    company = vendors[0] if vendors else None
    for n, quote in enumerate(find_quotes(paragraphs(body), people, company)):
        facts.append(ArticleFact("quote", f"{quote.speaker}: “{quote.text}”", quote.key, 1000 + n))

    person_names = {p.name.lower() for p in people}
    exclude = {v.lower() for v in vendors} | {o.lower() for o in outlets} | _KNOWN_OUTLETS | person_names
    org_names: dict[str, tuple[int, str]] = {}
    for offset, name in _organisations(body, exclude):
        org_names.setdefault(name.lower(), (offset, name))
    lowered = body.lower()
    for vendor in mentions:
        if vendor.lower() not in exclude and vendor.lower() in lowered:
            org_names.setdefault(vendor.lower(), (lowered.index(vendor.lower()), vendor))
    for offset, name in sorted(org_names.values()):
        facts.append(ArticleFact("organisation", name, f"organisation:{name.lower()}", offset))

    place_seen: set[str] = set()
    for offset, place in find_places(body):
        if place not in place_seen:
            place_seen.add(place)
            facts.append(ArticleFact("place", place, f"place:{place.lower()}", offset))
    return facts


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


def merge_facts(per_source: Sequence[Sequence[ArticleFact]]) -> tuple[KeyFact, ...]:
    """One KeyFact per distinct fact across sources (indexes into the story's sources), ordered by
    kind, then by how many sources carry it, then by where it first appeared. Facts meet on their
    key; a statement also meets one with the same cue when either names no place. Dictionary
    lookups, so a story with hundreds of sources stays cheap to rebuild."""
    merged: list[tuple[ArticleFact, list[int], tuple[int, int]]] = []
    by_key: dict[str, tuple[ArticleFact, list[int], tuple[int, int]]] = {}
    by_cue: dict[str, list[tuple[ArticleFact, list[int], tuple[int, int]]]] = {}
    for source_index, facts in enumerate(per_source):
        for fact in facts:
            match = by_key.get(fact.key)
            cue = fact.key.split(":")[1] if fact.kind == "statement" else ""
            if match is None and cue:
                same_cue = by_cue.get(cue, [])
                match = next((m for m in same_cue if m[0].place is None or fact.place is None), None)
            if match is None:
                match = (fact, [source_index], (source_index, fact.position))
                merged.append(match)
                if cue:
                    by_cue.setdefault(cue, []).append(match)
            elif source_index not in match[1]:
                match[1].append(source_index)
            by_key.setdefault(fact.key, match)
    merged.sort(key=lambda m: (KIND_ORDER.index(m[0].kind), -len(m[1]), m[2]))
    out: list[KeyFact] = []
    per_kind: dict[str, int] = {}
    for fact, sources, _ in merged:
        per_kind[fact.kind] = per_kind.get(fact.kind, 0) + 1
        if per_kind[fact.kind] <= KIND_LIMITS[fact.kind]:
            out.append(KeyFact(fact.kind, fact.text, tuple(sources), fact.key))
    return tuple(out)
