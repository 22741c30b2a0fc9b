"""What kind of event a story is, by cue words, with the cues that decided it.

Explainable on purpose: a user who asks "why is this a layoffs alert?" gets the words. The title
counts most, then the lead sentences, then the rest (capped), because background paragraphs often
retell older events: the Kaspersky UK closure coverage recalls the US sales ban (legal) but its
title and lead are about closing an office and laying off staff (layoffs).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.models import EventType

# Earlier types win ties: a breach that came from an attack is reported as a breach.
CUES: dict[EventType, tuple[str, ...]] = {
    EventType.BREACH: (
        r"data breach",
        r"breach(?:ed|es)?",
        r"stole",
        r"stolen (?:\w+ )?(?:data|files|records|information|credentials)",
        r"data (?:was |were )?(?:stolen|exposed|leaked)",
        r"exfiltrat\w+",
        r"unauthori[sz]ed access",
        r"leaked",
        r"exposed (?:data|records|databases?)",
    ),
    EventType.VULNERABILITY: (
        r"vulnerabilit(?:y|ies)",
        r"CVE-\d{4}-\d{4,}",
        r"zero-day",
        r"flaws?",
        r"security (?:update|patch|advisory)",
        r"patch(?:ed|es)?",
        r"exploit(?:ed|s)?",
        r"bug",
    ),
    EventType.ATTACK: (
        r"ransomware",
        r"cyber-?attacks?",
        r"attack(?:ed|s)?",
        r"hack(?:ed|ers?)",
        r"DDoS",
        r"malware",
        r"phishing",
        r"extortion",
        r"outage",
    ),
    EventType.LAYOFFS: (
        r"lay(?:ing|s)? off",
        r"laid off",
        r"layoffs?",
        r"job cuts",
        r"cut(?:ting|s)? (?:\d+ )?jobs",
        r"redundanc(?:y|ies)",
        r"clos(?:e|es|ed|ing)(?: down)? (?:its |the |an? )?(?:\w+ )?(?:office|offices|operations|business|site)",
        r"shut(?:ting|s)? down",
        r"shutter(?:s|ed|ing)?",
        r"wind[- ]?down",
        r"restructuring",
    ),
    EventType.ACQUISITION: (
        r"acquir(?:e|es|ed|ing)",
        r"acquisition",
        r"to buy",
        r"buys",
        r"merger",
        r"funding",
        r"raise[sd]? \$",
        r"series [a-f]",
        r"valuation",
        r"investment",
    ),
    EventType.LEGAL: (
        r"bann(?:ed|ing)",
        r"bans?",
        r"lawsuit",
        r"su(?:ed|es|ing)",
        r"fined?",
        r"regulat(?:or|ors|ory|ion)",
        r"court",
        r"settlement",
        r"indict(?:ed|ment)",
        r"sanction(?:s|ed)?",
        r"antitrust",
        r"GDPR",
        r"probe",
    ),
    EventType.PRODUCT: (
        r"launch(?:es|ed)?",
        r"unveil(?:s|ed)?",
        r"introduc(?:es|ed)",
        r"now available",
        r"generally available",
        r"new (?:feature|product|version|release)",
        r"releases?",
    ),
}
_PATTERNS = {
    event: re.compile(rf"(?<![\w-])(?:{'|'.join(cues)})(?!\w)", re.IGNORECASE) for event, cues in CUES.items()
}
TITLE_WEIGHT, LEAD_WEIGHT, BODY_WEIGHT, BODY_CAP = 3.0, 2.0, 0.5, 1.5
MIN_SCORE = 1.0


@dataclass(frozen=True, slots=True)
class EventVerdict:
    """The type, the cue words that matched for it, and every type's score (for explanations)."""

    event_type: EventType
    cues: tuple[str, ...] = ()
    scores: dict[str, float] = field(default_factory=dict)


def _hits(text: str) -> dict[EventType, list[str]]:
    out: dict[EventType, list[str]] = {}
    for event, pattern in _PATTERNS.items():
        out[event] = [m.group(0).lower() for m in pattern.finditer(text)]
    return out


def score_text(title: str, lead: str, rest: str = "") -> dict[EventType, tuple[float, list[str]]]:
    """Weighted cue counts per event type for one article."""
    scores: dict[EventType, tuple[float, list[str]]] = {}
    for event in CUES:
        scores[event] = (0.0, [])
    for text, weight, cap in (
        (title, TITLE_WEIGHT, None),
        (lead, LEAD_WEIGHT, None),
        (rest, BODY_WEIGHT, BODY_CAP),
    ):
        for event, words in _hits(text).items():
            if not words:
                continue
            gained = weight * len(words)
            if cap is not None:
                gained = min(gained, cap)
            total, cues = scores[event]
            scores[event] = (total + gained, cues + words)
    return scores


def decide(scored: Sequence[dict[EventType, tuple[float, list[str]]]]) -> EventVerdict:
    """Sum the articles' scores; the best type above MIN_SCORE wins, ties to the earlier type."""
    totals: dict[EventType, float] = dict.fromkeys(CUES, 0.0)
    cues: dict[EventType, list[str]] = {event: [] for event in CUES}
    for scores in scored:
        for event, (value, words) in scores.items():
            totals[event] += value
            cues[event].extend(words)
    best = max(CUES, key=lambda e: (totals[e], -list(CUES).index(e)))
    report = {str(e): round(v, 2) for e, v in totals.items() if v}
    if totals[best] < MIN_SCORE:
        return EventVerdict(EventType.OTHER, (), report)
    return EventVerdict(best, tuple(dict.fromkeys(cues[best])), report)


def classify(title: str, lead: str, rest: str = "") -> EventVerdict:
    """One article's event type: `lead` is its first sentences, `rest` the remaining body."""
    return decide([score_text(title, lead, rest)])
