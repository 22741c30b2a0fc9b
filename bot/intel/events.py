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
from functools import lru_cache

from bot.intel.event_cues import ATTACK_HAPPENED, CUES, PROMO_BODY, PROMO_TITLE
from bot.intel.prefilter import prefiltered
from bot.models import EventType

_PATTERNS = {
    event: prefiltered(rf"(?<![\w-])(?:{'|'.join(cues)})(?!\w)", re.IGNORECASE) for event, cues in CUES.items()
}
TITLE_WEIGHT, LEAD_WEIGHT, BODY_WEIGHT, BODY_CAP = 3.0, 2.0, 0.5, 1.5
MIN_SCORE = 1.0
# "The outage was not the result of a cyberattack": the text rules the attack reading out.
_NOT_ATTACK = re.compile(
    r"\b(?:not|n't|no\s+evidence\s+of|no\s+sign\s+of|rather\s+than|isn't)\s+(?:the\s+result\s+of\s+|caused\s+by\s+)?"
    r"(?:a\s+|an\s+)?(?:cyber-?\s?attack|security\s+incident|malicious\s+activity|hack)",
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
_MODAL = re.compile(
    r"\b(?:could|can|may|might|would|possible\s+for|risk\s+of(?:\s+having)?)(?:\s+(?:have|be|been|let|allow|enable|be\s+used\s+to))*"
    r"\s+(?:\w+\s+){0,2}$"
    # "printers open to devastating hack attack", "susceptible to a new attack"
    r"|\b(?:open|vulnerable|susceptible|prone|exposed)\s+to\s+(?:\w+\s+){0,2}$"
    r"|\b(?:could|can|may|might|would)\s+(?:let|allow|enable|help)s?\s+(?:\w+\s+){0,5}$",
    re.I,
)


# malware exists even when the sentence tells what it can do ("This Malware Can Delete Your Browser")
_MALWARE = re.compile(
    r"(?:\w+[- ])?(?:malware|trojans?|ransomware|adware|spyware|botnets?|worms?|keyloggers?|(?:info)?stealers?)",
    re.I,
)
# "Ransomware Protection", "malware scanner": a defender's product named after what it stops
_DEFENCE = re.compile(
    r"\s+(?!after\b|despite\b|before\b|since\b|evad)(?:[\w-]+\s+)?(?:protection|detection|defen[cs]es?|scanners?|removal|blockers?|prevention)\b",
    re.I,
)
# "Tesla hack could let thieves…"; "New Cold Boot Attack Unlocks Disk Encryption", "Attack Affects
# Intel's Latest CPUs": what an attack technique can do to a product is a vulnerability
_MODAL_AFTER = re.compile(
    r"^\s+(?:could|can|may|might|would|unlocks?|works\s+on|bypass(?:es)?|defeats?|breaks?\s+(?!into)"
    r"|affects?\s+(?!\d)(?:all|every|most|modern|the\s+latest|\w+'s|\w+\s+CPUs|\w+\s+chips|\w+\s+processors))\b",
    re.I,
)
# "malware designed to steal credentials", "an implant to exfiltrate": what a tool is built to do is
# the attack; a breach is data that was taken
_PURPOSE = re.compile(
    r"\b(?:to|designed\s+to|capable\s+of|able\s+to|in\s+order\s+to|that|which|(?:apps?|malware|trojans?|extensions?)\s+\w+)\s+$",
    re.I,
)
_CAPABILITY = re.compile(r"^(?:steal|exfiltrat)", re.I)


_IN_THE_WILD_WORDS = re.compile(
    r"\bin\s+the\s+wild\b|\bactively\s+exploit|\bcampaigns?\b|\bthreat\s+actors?\b|\bransomware\b|\bmalware\b|\bstole\b|\bstolen\b",
    re.IGNORECASE,
)
# Who did it decides what it is: researchers who find a flaw and show a "hack" report a vulnerability.
# Within one sentence (initials such as "Yasser H. Ali" do not end it), in either order, or a
# discovery verb with the flaw as its object ("XDA developers have discovered a new vulnerability").
_SENTENCE = r"(?:[^.!?]|(?<=\b[A-Z])\.|\.(?!\s)){0,150}?"
_WHO = (
    r"\b(?:researchers?|white[- ]hat|security\s+(?:firm|team|expert|advis[eo]r)s?|experts?|professors?|students?"
    r"|developers?|penetration\s+testers?|pen-?testers?|scientists?|academics?|(?:research|assessment)\s+team|universit(?:y|ies))\b"
)
# what researchers show: a flaw, or a proof of concept, prototype or technique they demonstrated
_FLAW = (
    r"\b(?:flaws?|vulnerabilit\w*|bugs?|security\s+holes?|hole|weakness\w*|loopholes?"
    r"|proof[- ]of[- ]concept|PoC|prototype|(?:attack\s+|evasion\s+|new\s+)technique|demonstrat\w+"
    r"|managed\s+to\s+(?:hack|bypass|crack|break)|new\s+(?:[\w-]+\s+){0,3}attacks?|side[- ]channel|research\s+paper"
    r"|transient[- ]execution|speculative[- ]execution)\b"
)
RESEARCH_FLAW = prefiltered(
    rf"{_WHO}{_SENTENCE}{_FLAW}|{_FLAW}{_SENTENCE}{_WHO}"
    # researchers as the subject of the hack or the build: "researchers at X have not only hacked traffic
    # lights", "a team of researchers have devised an Android Trojan"
    rf"|{_WHO}(?:\s+(?:at|from|of|with)\s+[^,.]{{0,80}}?)?\s+(?:have\s+|has\s+)?(?:not\s+only\s+)?"
    r"(?:hacked|devised|crafted|built|created|developed)\b"
    r"|\b(?:discover(?:s|ed)|uncover(?:s|ed)|(?:has|have)\s+found|found|finding|disclos(?:es|ed)|spott(?:ed|s)|reported|identified)\s+(?:\w+\s+){0,4}"
    r"(?:vulnerabilit\w*|flaws?|bugs?|zero-days?|security\s+holes?)\b"
    r"|\b(?:vulnerabilit\w*|flaws?)\s+(?:has|have)\s+been\s+(?:re-?)?(?:discovered|found|uncovered|disclosed)\b",
    re.IGNORECASE,
)


# "Compromised using Sql Flaw", "breach servers using SaltStack vulnerability": a flaw named as the
# means of something that happened is not the event
_MEANS = re.compile(
    r"\b(?:using|via|through|leveraging|exploiting|by\s+exploiting|abusing)\s+(?:[\w'.-]+\s+){0,4}$", re.I
)


# "Passwords May Have Been Hacked and Leaked": an uncertain report of what happened, not a harm that could
_UNSURE = re.compile(r"\b(?:may|might)\s+have\s+(?:been\s+)?(?:\w+\s+(?:and|or)\s+)?$", re.I)


def _hypothetical(text: str, start: int, end: int, exists: bool = False) -> bool:
    before = text[max(0, start - 60) : start]
    if _UNSURE.search(before):
        return False
    return bool(_MODAL.search(before) or (not exists and _MODAL_AFTER.match(text[end : end + 30])))


# The event model (bot/intel/event_model.py) reads the same sections right after score_text: the
# cue matches are the costly part, so the last few are kept (callers only read the lists).
@lru_cache(maxsize=16)
def _hits(text: str, research: bool = False) -> dict[EventType, list[str]]:
    out: dict[EventType, list[str]] = {event: [] for event in _PATTERNS}
    for event, pattern in _PATTERNS.items():
        for m in pattern.finditer(text):
            target = event
            if (
                event is EventType.BREACH
                and _CAPABILITY.match(m.group(0))
                and _PURPOSE.search(text[max(0, m.start() - 40) : m.start()])
            ):
                target = EventType.ATTACK
            if target is EventType.ATTACK and _DEFENCE.match(text, m.end()):
                target = EventType.PRODUCT
            elif target in (EventType.ATTACK, EventType.BREACH) and (
                research or _hypothetical(text, m.start(), m.end(), bool(_MALWARE.fullmatch(m.group(0))))
            ):
                target = EventType.VULNERABILITY
            elif target is EventType.VULNERABILITY and _MEANS.search(
                text[max(0, m.start() - 60) : m.start()]
            ):
                continue
            out[target].append(m.group(0).lower())
    return out


# Malware or an attack the researchers made themselves ("has developed a prototype malware", "triggered
# malware hidden in devices") is their demonstration, however many malware words follow.
_BUILT = re.compile(
    r"\b(?:developed|created|built|designed|demonstrated|presented|showed|show)\s+(?:\w+\s+){0,3}"
    r"(?:prototype|proof[- ]of[- ]concept|PoC|research|technique|method|attack)\b"
    r"|\b(?:discovered|revealed|uncovered|devised)\s+(?:an?\s+)?new\s+(?:[\w-]+\s+){0,3}(?:technique|method)\b",
    re.I,
)


def _actual_in_the_wild(text: str) -> bool:
    """An in-the-wild word that is not hypothetical ("it's possible for malware to…" is not a campaign)."""
    if _BUILT.search(text) and not re.search(r"\bin\s+the\s+wild\b|\bactively\s+exploit|\bcampaigns?\b", text, re.I):
        return False
    return any(not _hypothetical(text, m.start(), m.end()) for m in _IN_THE_WILD_WORDS.finditer(text))


LEAD_WORDS = 60  # a one-line teaser paragraph ("It's been a bad week for Facebook users.") is no lead


def split_lead(body: str) -> tuple[str, str]:
    """The lead (first paragraphs up to about LEAD_WORDS words, cut at a sentence end when the
    article has no paragraph breaks) and the rest of the body."""
    parts = [p for p in re.split(r"\n\s*\n", body) if p.strip()]
    lead: list[str] = []
    while parts and sum(len(p.split()) for p in lead) < LEAD_WORDS:
        lead.append(parts.pop(0))
    text = " ".join(lead)
    words = text.split()
    if len(words) > 3 * LEAD_WORDS:  # one long paragraph: cut after the sentence that passes LEAD_WORDS
        cut = text.find(". ", len(" ".join(words[:LEAD_WORDS])))
        if cut > 0:
            return text[: cut + 1], " ".join([text[cut + 2 :], *parts])
    return text, " ".join(parts)


# What the story's subject had done to it or did: an arrest or a sentence is a legal story even when
# the title says "hackers"; a launch is a product story even when the product scans malware.
DECISIVE: dict[EventType, re.Pattern[str]] = {
    # data taken is a breach however it was taken ("hacked", "ransomware"): the team's question is what leaked
    EventType.BREACH: re.compile(
        r"\b(?:suffer(?:s|ed)?|disclos(?:es|ed)|confirm(?:s|ed)|report(?:s|ed)|admit(?:s|ted)?|hit\s+by|victim\s+of)\s+(?:a\s+|an\s+|the\s+|another\s+)?(?:\w+\s+){0,2}data\s+breach"
        r"|\b(?:data|records|information|details|credentials|passwords)\b[^.]{0,60}\b(?:have|has|had)\s+been\s+"
        r"(?:compromised|stolen|leaked|exposed|accessed)",
        re.IGNORECASE,
    ),
    EventType.LEGAL: re.compile(
        r"\barrest(?:s|ed)?\b|\bsentenced\b|\bjailed\b|\bprison\b|\bplead(?:s|ed)?\s+(?:not\s+)?guilty\b"
        r"|\bcharged\s+(?:with|over|for)\b|\b(?:been|were|was)\s+charged\b|\bindicted\b|\bextradited\b|\bconvicted\b|\bfined\b|\bsues\b|\bsued\b"
        r"|\bordered\s+to\s+pay\b|\b(?:record|GDPR|\S+\s+million)\s+fine\b"
        # a regulator or a court acting on it: "Regulator Fines Equifax", "Launch Investigations Into",
        # "Supreme Court allows", "police took down the botnet"
        r"|\b(?:regulators?|watchdog|commission|authorit(?:y|ies)|FTC|ICO|SEC)\s+(?:\w+\s+)?fines\b"
        # (an investigation into the attack itself is what follows any attack, not the story)
        r"|\b(?:launch(?:es|ed)?|open(?:s|ed)?)\s+(?:new\s+|an?\s+)?investigations?\s+into\b"
        r"(?!\s+(?:the\s+|this\s+)?(?:cyber-?)?(?:attacks?|incidents?|breach|hack|intrusion)\b)"
        r"|\bcharges\s+against\b|\bcharging\s+(?:\w+\s+){0,6}?(?:hackers?|men|nationals?|suspects?)\b"
        r"|\b(?:supreme|federal|district|appeals?)\s+court\b"
        r"|\b(?:police|law\s+enforcement|FBI|Federal\s+Bureau\s+of\s+Investigation|Europol|authorities|Justice\s+Department|DoJ)"
        r"\b[^.]{0,80}\b(?:takedown|took\s+(?:down|control)|taken\s+down|dismantl\w+|seiz\w+|disrupt\w+|removed)\b"
        # the same told the other way round, and a botnet dismantled (only the police dismantle botnets)
        r"|\b(?:taken\s+down|dismantled|seized|disrupted)\s+(?:in|by|following|after)\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,3}"
        r"(?:police|law\s+enforcement|FBI|Europol|authorities)\b"
        r"|\bbotnets?\b[^.]{0,150}?\b(?:has|have|had|was|were|been)\s+(?:\w+\s+)?(?:dismantled|taken\s+down|disrupted|seized)\b"
        # a regulator's new rule: "New SEC Rules Require U.S. Companies to Reveal…"
        r"|\b(?:new|adopt\w*|approv\w*|final)\s+(?:[\w.]+\s+)?rules?\s+(?:that\s+)?requir\w*",
        re.IGNORECASE,
    ),
    EventType.ACQUISITION: re.compile(
        r"\b(?:acquir(?:es|ed)|buys|to\s+acquire|agreed\s+to\s+buy)\s+(?:[\w-]+\s+){0,6}?"
        r"(?:company|firm|startup|service|provider|maker|platform|vendor)\b|\bacquisition\s+of\b",
        re.IGNORECASE,
    ),
    EventType.PRODUCT: re.compile(
        r"\blaunch(?:es|ed)?\s+(?:a\s+|an\s+|its\s+)?(?:[\w-]+\s+){0,3}(?:service|tool|product|platform|app|feature)s?\b"
        r"|\b(?:unveil(?:s|ed)?|introduc(?:es|ed)|adds?|roll(?:s|ed)\s+out)\s+(?:a\s+)?new\s+(?:[\w-]+\s+){0,3}"
        r"(?:service|tool|product|platform|app|feature|scanner|version|protection)s?\b|\blatest\s+version\s+download\b"
        # a defender's or a researcher's tool given away: "released an open-source tool to assess smart meters"
        r"|\breleas(?:es|ed)\s+(?:a\s+|an\s+|its\s+)?(?:new\s+)?(?:free\s+|open[- ]source\s+)(?:[\w-]+\s+){0,2}"
        r"(?:tool|toolkit|framework|scanner|utility)s?\b",
        re.IGNORECASE,
    ),
}
# "Although the original creators have already been arrested, variants keep emerging": a decisive
# word in a concessive or backward-looking clause of the lead tells the background, not the news
_ASIDE = re.compile(
    r"\b(?:although|though|while|already|previously|earlier|last\s+year|years?\s+ago)\b", re.I
)


def _clause_before(text: str, at: int) -> str:
    """The sentence up to `at`."""
    start = max(text.rfind(". ", 0, at), text.rfind("\n", 0, at))
    return text[start + 1 : at]


DECISIVE_WEIGHT = 7.0  # more than any one type can get from cue words (title 3 + lead 2 + body 1.5)


# A feature, opinion or explainer ("Is your backup ready?", "Why X matters", "Using Y to prevent Z"):
# typed `other` unless its facts show an event (a CVE, data taken, an actor, a ransom…)
FEATURE_TITLE = prefiltered(
    r"^\s*(?:why|is\s+your|are\s+you|the\s+(?:evolution|revolution|rise|future|state)\s+of)\b|\bwho'?s\s+to\s+blame\b"
    r"|\bkeys?\s+to\b|\bthings?\s+(?:you|to)\b|\b(?:ways|tips)\s+to\b|\bmost\s+vulnerable\b|\bquestion\s+of\b"
    # an obituary tells a life, not an event ("hacker … has passed away", "dies at 59")
    r"|\bpass(?:ed|es)\s+away\b|\b(?:dies|died|is\s+dead)\s+at\s+\d+|\bobituary\b"
    # a bounty programme or a hacking contest announced is no event (its findings would carry CVEs)
    r"|\bbug\s+bounty\s+program(?:me)?s?\b|\b(?:hacking\s+)?(?:contest|competition)\b"
    # trend and statistics pieces, market reports, books and films about hacking
    r"|\bon\s+the\s+rise\b|\bthreats?\s+report\b|\b(?:activities|attacks|threats)\s+(?:increased|rising|surged?)\b"
    r"|\bmarket\s+(?:by|size|share|report|forecast|growth)\b|\bdemand\s+for\b|\b(?:novel(?:la)?|book|film|movie|documentary)\b"
    # money offered for finding flaws, and annual or trend reports
    r"|\b(?:offers?|offering|earn|win)\s+(?:up\s+to\s+)?(?:US)?\$\s?[\d,.]+\s*(?:\w+\s+)?(?:for|to)\s+(?:[\w-]+\s+){0,4}?"
    r"(?:exploits?|zero-days?|flaws?|bugs?|vulnerabilit\w*|hacking)\b"
    r"|\breport\s+(?:released|published)\b|\b(?:(?:19|20)\d\d|annual|trends?|quarterly|Q[1-4])\s+(?:\w+\s+){0,3}reports?\b",
    re.IGNORECASE,
)
FEATURE = "feature"  # the pseudo-cue recorded for a feature piece
# Only facts that name a specific event turn a feature back into news: counts of data or victims and
# malware names also fill the background paragraphs of explainers ("millions of emails compromised").
EVENT_FACTS = frozenset({"cve", "exploitation", "kev", "fixed", "ransom", "layoffs", "actor"})


_HAPPENED = re.compile(
    r"\b(?:hacked|breached|exploited|stolen|stole|leaked|arrested|fined|attacked|compromised|patched|fixed"
    r"|revealed|disclosed|discovered|uncovered)\b",
    re.I,
)


NO_EVENT = "no-event"  # the pseudo-cue: title and lead tell of no attack that happened
ATTACK_FACTS = frozenset({"actor", "malware", "victims", "ransom", "data", "money", "cve", "exploitation", "kev"})


def is_feature(title: str) -> bool:
    """A title that asks or explains rather than reports; a question that names what happened
    ("… Hacked, Password was 'DOG'?") still reports."""
    return bool(FEATURE_TITLE.search(title)) and not _HAPPENED.search(title)


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
    if is_feature(title):
        scores[EventType.OTHER] = (0.0, [FEATURE])
    if not ATTACK_HAPPENED.search(f"{title}\n{lead}"):
        total, marks = scores.get(EventType.OTHER, (0.0, []))
        scores[EventType.OTHER] = (total, [*marks, NO_EVENT])
    research = bool(RESEARCH_FLAW.search(f"{title}. {lead}")) and not _actual_in_the_wild(f"{title}. {lead}")
    for text, weight, cap in (
        (title, TITLE_WEIGHT, None),
        (lead, LEAD_WEIGHT, None),
        (rest, BODY_WEIGHT, BODY_CAP),
    ):
        for event, words in _hits(text, research).items():
            if not words:
                continue
            gained = weight  # presence, not a count: five "hack" words are not five events
            if cap is not None:
                gained = min(gained, cap)
            total, cues = scores[event]
            scores[event] = (total + gained, cues + words)
    if _NOT_ATTACK.search(f"{title}\n{lead}\n{rest}"):
        scores[EventType.ATTACK] = (0.0, [])
    for event, pattern in DECISIVE.items():
        found = pattern.search(title) or next(
            (m for m in pattern.finditer(lead) if not _ASIDE.search(_clause_before(lead, m.start()))), None
        )
        if found:
            total, cues = scores[event]
            scores[event] = (total + DECISIVE_WEIGHT, [*cues, found.group(0).lower()])
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
    lead_marks = scored[0].get(EventType.OTHER, (0.0, []))[1] if scored else []
    if PROMO in lead_marks:
        return EventVerdict(EventType.OTHER, (PROMO,), {})
    if FEATURE in lead_marks and not EVENT_FACTS & set(fact_kinds):
        return EventVerdict(EventType.OTHER, (FEATURE,), {})
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
    if NO_EVENT in lead_marks and not ATTACK_FACTS & set(fact_kinds):
        totals[EventType.ATTACK] = 0.0  # attack words with nothing that happened: an explainer
    best = max(CUES, key=lambda e: (totals[e], -list(CUES).index(e)))
    report = {str(e): round(v, 2) for e, v in totals.items() if v}
    if totals[best] < MIN_SCORE:
        return EventVerdict(EventType.OTHER, (), report)
    return EventVerdict(best, tuple(dict.fromkeys(cues[best])), report)


def classify_article(title: str, body: str) -> EventVerdict:
    """One article's event type from its title and body."""
    return classify(title, *split_lead(body))


def classify(title: str, lead: str, rest: str = "") -> EventVerdict:
    """One article's event type: `lead` is its first sentences, `rest` the remaining body."""
    return decide([score_text(title, lead, rest)])
