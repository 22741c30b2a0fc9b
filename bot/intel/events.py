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
        r"expos(?:ed|es|ing) (?:\w+ ){0,3}(?:data|records|databases?|information|details|credentials|passwords)",
        r"data (?:dump|dumped)",
        r"dumped",
    ),
    EventType.VULNERABILITY: (
        r"vulnerabilit(?:y|ies)",
        r"vulnerable",
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
        r"trojans?",
        r"backdoors?",
        r"botnets?",
        r"spyware",
        r"(?:info)?stealers?",
        r"phishing",
        r"extortion",
    ),
    EventType.OUTAGE: (
        r"outages?",
        r"(?:faulty|buggy|bad|botched|defective|flawed) (?:\w+ )?(?:update|patch|release)",
        r"crash(?:ed|es|ing)?",
        r"blue screens?(?: of death)?",
        r"BSODs?",
        r"boot ?loops?",
        r"(?:service|services|website|site|platform|network) (?:was |were |is |went )?(?:down|offline|unavailable)",
        r"went (?:down|offline)",
        r"service disruptions?",
        r"disrupt(?:ed|ion|ions)",
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
        r"charg(?:e|es|ed|ing) (?:\w+ ){0,4}(?:officials?|suspects?|individuals|hackers|men|members|nationals)",
        r"prosecut(?:ors?|ion|ed)",
        r"arrest(?:ed|s)?",
        r"extradit\w+",
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
# "The outage was not the result of a cyberattack": the text rules the attack reading out.
_NOT_ATTACK = re.compile(
    r"\b(?:not|n't|no\s+evidence\s+of|no\s+sign\s+of|rather\s+than|isn't)\s+(?:the\s+result\s+of\s+|caused\s+by\s+)?"
    r"(?:a\s+|an\s+)?(?:cyber-?\s?attack|security\s+incident|malicious\s+activity|hack)",
    re.IGNORECASE,
)
# Advertorials, webinars, opinion and how-to pieces: typed `other` and not alerted by default.
PROMO_TITLE = re.compile(
    r"\bwebinar\b|\bsponsored\b|^\s*how\s+to\b|\bhow\s+to\s+(?:protect|secure|choose|build|prevent|stop|get)\b"
    r"|\b(?:\d+|top|five|seven|ten)\s+(?:tips|ways|steps|reasons|best\s+practices)\b|\bbest\s+practices\b"
    r"|\bchecklist\b|\b(?:e-?book|whitepaper|guide)\b|\bwhy\s+(?:you|your|every|organizations|companies)\b"
    r"|\bopinion\b|\bop-ed\b|\bexpert\s+insights?\b|\bimportance\s+of\b|\binterview\b"
    r"|\bawards?\b|\bbest\s+of\s+(?:the\s+)?year\b|\byear\s+in\s+review\b|\b(?:weekly|monthly)\s+(?:recap|roundup)\b",
    re.IGNORECASE,
)
PROMO_BODY = re.compile(
    r"\bthis\s+(?:article|post)\s+is\s+(?:sponsored|contributed|written\s+by)\b|\bsponsored\s+(?:content|post)\b"
    r"|\bpartner\s+content\b|\b(?:register|sign\s+up)\s+(?:now|here|today|for\s+(?:the|this|our)\s+(?:free\s+)?webinar)"
    r"|\bsave\s+your\s+(?:seat|spot)\b|\breserve\s+your\s+(?:seat|spot)\b|\bjoin\s+(?:us|our|the)\s+(?:free\s+|live\s+)?webinar"
    r"|\bfree\s+trial\b|\brequest\s+a\s+demo\b|\bdownload\s+(?:the|our|a)\s+(?:free\s+)?(?:e-?book|guide|report|whitepaper)",
    re.IGNORECASE,
)
PROMO = "promo"  # the pseudo-cue recorded for an advertorial


@dataclass(frozen=True, slots=True)
class EventVerdict:
    """The type, the cue words that matched for it, and every type's score (for explanations)."""

    event_type: EventType
    cues: tuple[str, ...] = ()
    scores: dict[str, float] = field(default_factory=dict)


# "could have hacked your phone", "can be used to steal card data": a harm that could happen is a
# vulnerability, not an attack or a breach that did
_MODAL = re.compile(r"\b(?:could|can|may|might|would)(?:\s+(?:have|be|been|let|allow|enable|be\s+used\s+to))*\s+(?:\w+\s+){0,2}$", re.I)


def _hits(text: str) -> dict[EventType, list[str]]:
    out: dict[EventType, list[str]] = {event: [] for event in _PATTERNS}
    for event, pattern in _PATTERNS.items():
        for m in pattern.finditer(text):
            hypothetical = event in (EventType.ATTACK, EventType.BREACH) and _MODAL.search(
                text[max(0, m.start() - 40) : m.start()]
            )
            out[EventType.VULNERABILITY if hypothetical else event].append(m.group(0).lower())
    return out


def is_promo(title: str, body: str) -> bool:
    """A sponsored post, webinar, opinion or how-to piece: a promotional title, or two promotional
    phrases in the body (one "sign up" line under real news is a newsletter box, not an advertorial)."""
    return bool(PROMO_TITLE.search(title)) or len(PROMO_BODY.findall(body)) >= 2


def score_text(title: str, lead: str, rest: str = "") -> dict[EventType, tuple[float, list[str]]]:
    """Weighted cue counts per event type for one article. A text that says it was no attack scores
    no attack; an advertorial scores nothing but its `promo` mark (typed `other`)."""
    scores: dict[EventType, tuple[float, list[str]]] = {}
    for event in CUES:
        scores[event] = (0.0, [])
    if is_promo(title, f"{lead}\n{rest}"):
        scores[EventType.OTHER] = (0.0, [PROMO])
        return scores
    for text, weight, cap in (
        (title, TITLE_WEIGHT, None),
        (lead, LEAD_WEIGHT, None),
        (rest, BODY_WEIGHT, BODY_CAP),
    ):
        for event, words in _hits(text).items():
            if not words:
                continue
            gained = weight  # presence, not a count: five "hack" words are not five events
            if cap is not None:
                gained = min(gained, cap)
            total, cues = scores[event]
            scores[event] = (total + gained, cues + words)
    if _NOT_ATTACK.search(f"{title}\n{lead}\n{rest}"):
        scores[EventType.ATTACK] = (0.0, [])
    return scores


# What the story's facts say happened outweighs cue words: a CVE with its score and fix is a
# vulnerability, records stolen are a breach, a ransom demanded is an attack.
FACT_EVIDENCE: dict[str, EventType] = {
    "cve": EventType.VULNERABILITY,
    "fixed": EventType.VULNERABILITY,
    "affected": EventType.VULNERABILITY,
    "exploitation": EventType.VULNERABILITY,
    "kev": EventType.VULNERABILITY,
    "data": EventType.BREACH,
    "ransom": EventType.ATTACK,
    "layoffs": EventType.LAYOFFS,
}
FACT_WEIGHT = 2.0
LEAD_ARTICLE_WEIGHT = 2.0  # the story's first article is its main event


def decide(
    scored: Sequence[dict[EventType, tuple[float, list[str]]]], fact_kinds: Sequence[str] = ()
) -> EventVerdict:
    """Sum the articles' scores (the first article counts double: a story's type follows its main
    event, not a majority of later coverage) plus what its facts show; the best type above MIN_SCORE
    wins, ties to the earlier type. An advertorial lead article makes the story `other`."""
    totals: dict[EventType, float] = dict.fromkeys(CUES, 0.0)
    cues: dict[EventType, list[str]] = {event: [] for event in CUES}
    if scored and PROMO in scored[0].get(EventType.OTHER, (0.0, []))[1]:
        return EventVerdict(EventType.OTHER, (PROMO,), {})
    for n, scores in enumerate(scored):
        for event, (value, words) in scores.items():
            if event not in totals:
                continue
            totals[event] += value * (LEAD_ARTICLE_WEIGHT if n == 0 and len(scored) > 1 else 1.0)
            cues[event].extend(words)
    for kind in dict.fromkeys(fact_kinds):
        if kind in FACT_EVIDENCE:
            totals[FACT_EVIDENCE[kind]] += FACT_WEIGHT
            cues[FACT_EVIDENCE[kind]].append(f"fact:{kind}")
    best = max(CUES, key=lambda e: (totals[e], -list(CUES).index(e)))
    report = {str(e): round(v, 2) for e, v in totals.items() if v}
    if totals[best] < MIN_SCORE:
        return EventVerdict(EventType.OTHER, (), report)
    return EventVerdict(best, tuple(dict.fromkeys(cues[best])), report)


def classify(title: str, lead: str, rest: str = "") -> EventVerdict:
    """One article's event type: `lead` is its first sentences, `rest` the remaining body."""
    return decide([score_text(title, lead, rest)])
