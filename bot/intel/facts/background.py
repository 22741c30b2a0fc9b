"""Facts read from sentences that retell another, earlier event are background, not this story's.

Measured on real articles (evaluation/labels/facts-sample.jsonl): counts, fines and CVE ids from
sentences such as "a separate, 2014 data breach…", "Microsoft fixed three issues — CVE-… — in the
past year alone", "similar to last year's GHOST vulnerability (CVE-2015-0235)" were judged not
useful by every reading. The lead is exempt: "Earlier this year, hackers breached…" opening an
article is the event itself. Background CVE ids are not dropped (every id stays in the JSON): they
move to the main CVE fact's `related` list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.intel.facts.cve import CVE_ID
from bot.intel.facts.typed import TypedFact
from bot.intel.prefilter import prefiltered
from bot.intel.sentences import Sentence

# the fix of an earlier flaw that a new one gets round (incident.py reads exploitation past it too)
EARLIER_FIX = (
    r"(?:bypass(?:es)?\s+(?:of|for)\s+(?:the\s+|a\s+)?(?:patch|fix)|incomplete\s+(?:patch|fix)\s+for)"
)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
BACKGROUND = prefiltered(
    rf"\blast\s+year's|\bearlier\s+this\s+(?:year|month|{_MONTHS})\b|\bin\s+the\s+past\s+year\b|\bseparate\b"
    rf"|\bsimilar\s+to\b|\bnot\s+the\s+first\s+time\b|\bmost\s+famous\b|\buntil\s+now\b|\bback\s+in\s+(?:(?:{_MONTHS})\s+)?(?:19|20)\d\d\b"
    r"|\bhas\s+long\s+been\b|\ba\s+year\s+in\s+which\b"
    r"|\b(?:we|as)\s+(?:previously\s+|earlier\s+|exclusively\s+)?(?:reported|revealed)\b|\bexclusively\s+revealed\b"
    # comparisons with other malware and the history of a group: "also made use of", "rewrites of",
    # "inspired by", "since it started operating in 2013"
    r"|\balso\s+made\s+use\s+of\b|\brewrites?\s+of\b|\binspired\s+by\b|\bsince\s+(?:it|they)\s+(?:started|began|first)\b"
    # a reputation or an earlier report retold: "is famous for its phishing", "unlike the previously
    # disclosed flaw", "adds itself to the list of other recent high-profile attacks", "behind 2016 Yahoo"
    r"|\b(?:famous|known|notorious|infamous)\s+for\b|\bpreviously\s+(?:disclosed|reported|revealed|patched|known|resolved|fixed|addressed)\b"
    # the earlier flaw a new one gets round: "a bypass of the patch for CVE-…", "an incomplete fix for"
    rf"|\b{EARLIER_FIX}\b"
    r"|\bwe\s+have\s+(?:previously\s+)?reported\b|\byet\s+another\b|\blist\s+of\s+(?:\w+\s+){0,3}(?:attacks|breaches|incidents)\b"
    r"|\b(?:behind|after|like|than)\s+(?:the\s+)?(?:19|20)\d\d\s+[A-Z]"
    # another flaw of the same vendor told for context: "Exim also patched … three months ago" (not
    # "also patched" alone: "VMware also patched a local privilege escalation bug" is the same advisory)
    r"|\b(?:a|another)\s+similar\b|\b(?:months?|years?)\s+ago\b"
    # a tally of earlier flaws: "the ninth zero-day fixed since the start of the year — CVE-…, CVE-…"
    r"|\bsince\s+the\s+(?:start|beginning)\s+of\s+(?:the|this)\s+year\b|\bso\s+far\s+this\s+year\b|\bthis\s+year\s+alone\b"
    # who the company is ("Deloitte is one of the largest accounting firms"), not what happened to it
    r"|\bis\s+one\s+of\s+the\s+(?:world's\s+)?(?:\w+\s+)?(?:largest|biggest|most\s+popular|leading)\b"
    # a family's origin and last month's patches: "First documented by Kaspersky in August 2019, …"
    r"|^First\s+(?:documented|discovered|spotted|seen|observed|reported|detected)\b|\blast\s+Patch\s+Tuesday\b",
    re.IGNORECASE,
)
# a flashback opening a sentence below the lead: "In April 2013, the group targeted…"
FLASHBACK = re.compile(
    rf"^(?:Back\s+)?In\s+(?:(?:early|late|mid-?)\s*)?(?:(?:{_MONTHS})\s+)?(?:19|20)\d\d\b"
    r"|^(?:(?:Late\s+)?[Ll]ast\s+year|Earlier\s+this\s+year|Then\s+again|Previously|In\s+the\s+past)\b"
    rf"|^Then,?\s+(?:on|in)\s+(?:{_MONTHS})\b"
)
LEAD = 2  # the first complete sentences tell the event, whatever their words


# an embedded social post glued to the next sentence: "— The Hacker News (@TheHackersNews) June 11, 2013 Zeus…"
EMBED = re.compile(rf"\(@\w+\)\s+(?:{_MONTHS})\s+\d{{1,2}},\s+(?:19|20)\d\d")


def background_positions(sentences: Sequence[Sentence]) -> set[int]:
    """Indexes of the sentences below the lead that retell something else, and of embedded posts. A
    CVE first named in such a sentence (never in the lead) is the earlier flaw's: a later sentence that
    names only such ids tells its particulars ("CVE-… was remediated in October 2020 with 9.1R9")."""
    complete = [s for s in sentences if s.complete]
    aside = {s.index for s in complete[LEAD:] if BACKGROUND.search(s.text) or FLASHBACK.match(s.text)}
    if aside:
        ids = {s.index: [m.group(0).upper() for m in CVE_ID.finditer(s.text)] for s in complete}
        named: dict[str, int] = {}  # each id -> where it is first named
        for s in complete:
            for cve in ids[s.index]:
                named.setdefault(cve, s.index)
        earlier = {cve for cve, first in named.items() if first in aside}
        aside |= {s.index for s in complete[LEAD:] if ids[s.index] and set(ids[s.index]) <= earlier}
    return aside | {s.index for s in complete if EMBED.search(s.text)}


def set_background_aside(
    facts: list[TypedFact], sentences: Sequence[Sentence], aside: set[int] | None = None
) -> list[TypedFact]:
    """Drop facts read from background sentences; a CVE named only there joins the main CVE's
    `related` ids (kept as a fact when the article has no other CVE). `aside`: the sentences'
    `background_positions`, when already known."""
    if aside is None:
        aside = background_positions(sentences)
    if not aside:
        return facts
    current = {m.group(0).upper() for s in sentences if s.index not in aside for m in CVE_ID.finditer(s.text)}
    main = next(
        (f for f in facts if f.kind == "cve" and str(f.data.get("id") or "").upper() in current), None
    )
    out: list[TypedFact] = []
    for fact in facts:
        if fact.kind == "cve":
            cve_id = str(fact.data.get("id") or "").upper()
            if main is not None and fact is not main and cve_id and cve_id not in current:
                related = main.data.setdefault("related", [])
                if isinstance(related, list):
                    related.append(cve_id)
                scored = fact.data.get("cvss")
                if isinstance(scored, dict):  # its stated score stays in the JSON beside its id
                    main.data.setdefault("related_cvss", {})[cve_id] = scored  # type: ignore[index]
                continue
            out.append(fact)
        elif fact.position not in aside:
            out.append(fact)
    return out
