"""Is an article *about* a vendor, or does it only name it? SUBJECT vs MENTION, with the reasons.

Every occurrence gets a role from the words around it (roles.py: affected, actor, researcher,
platform, commentator, incidental, named). Per vendor these become a few explainable features (named
in the title, in the lead, how often, mostly as researcher or platform, what kind of vendor it is;
features.py) that a small logistic model, fitted on articles labelled by reading, turns into the
decision. Without the weights file the older hand rules decide (title, lead, share of mentions).

Names in link lists (menus, tag lists, "related" lists) carry no weight: a vendor seen only there is
dropped, since a menu entry is neither subject nor mention of the story.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass

from bot.intel.vendors.features import (
    Evidence,
    SubjectModel,
    bystander_only,
    feature_vector,
    shipped_model,
    vendor_kind,
)
from bot.intel.vendors.roles import MALWARE_WORDS, RoleCue, occurrence_role
from bot.intel.vendors.text import SentencePositions, is_link_line, lead_spans, line_at
from bot.models import RoleEvidence, Salience, VendorHit, VendorMatch

_TITLE_WEIGHT = 0.4
_LEAD_WEIGHT = 0.2
_SHARE_WEIGHT = 0.25
_COUNT_WEIGHT = 0.1
_EARLY_WEIGHT = 0.05
_FUZZY_TITLE = 0.8  # a typo in the title ("Kasperksy") is still the title naming the vendor
_EARLY_WORDS = 6
_NEWLINE = re.compile("\n")
_EVIDENCE_SHOWN = 5
_ROLE_BUDGET = 400  # occurrences per article whose role is read
HAND_RULES = "hand"  # pass as `model` to decide with the hand rules even when weights ship


@dataclass(frozen=True, slots=True)
class VendorEvidence:
    """Everything known about one vendor in one article before the decision."""

    vendor: str
    hits: tuple[VendorHit, ...]
    title_cues: tuple[RoleCue, ...]
    body_cues: tuple[RoleCue, ...]
    evidence: Evidence
    hand_score: float
    hand_subject: bool


def collect_evidence(
    title: str,
    title_hits: list[VendorHit],
    body_hits: list[VendorHit],
    body: str,
    *,
    category_of: Callable[[str], str] = lambda _: "",
    research: Collection[tuple[str, str]] = (),
    products: Collection[tuple[str, str]] = (),
) -> list[VendorEvidence]:
    """Per vendor named outside link lists: its occurrences, their roles and the article features."""
    by_vendor: dict[str, list[VendorHit]] = defaultdict(list)
    for hit in title_hits:
        by_vendor[hit.vendor].append(hit)
    prose: dict[str, list[VendorHit]] = defaultdict(list)
    link_lines: dict[int, bool] = {}
    # Line starts found once (not an rfind per hit: quadratic on a long line naming thousands of vendors).
    breaks = [m.start() for m in _NEWLINE.finditer(body)]
    for hit in body_hits:
        before = bisect.bisect_left(breaks, hit.start)
        line_start = breaks[before - 1] + 1 if before else 0
        if line_start not in link_lines:
            link_lines[line_start] = is_link_line(line_at(body, hit.start))
        if not link_lines[line_start]:
            prose[hit.vendor].append(hit)
            by_vendor[hit.vendor].append(hit)
    if not by_vendor:
        return []
    lead = lead_spans(body)
    position = SentencePositions(body[: lead[-1][1]] if lead else "")
    counts = {vendor: len(hits) for vendor, hits in prose.items()}
    ordered_counts = sorted(counts.values(), reverse=True)
    most = ordered_counts[0] if ordered_counts else 0
    runner_up = ordered_counts[1] if len(ordered_counts) > 1 else 0
    # Roles are read for the first occurrences only (shares from a sample): a page naming vendors
    # thousands of times must not cost a regex window per name.
    per_vendor = max(3, _ROLE_BUDGET // len(by_vendor))
    malware_title = bool(MALWARE_WORDS.search(title))
    first_in_title = min(title_hits, key=lambda h: h.start).vendor if title_hits else None
    listed = _title_listed(title, title_hits)
    title_vendors = {h.vendor for h in title_hits}
    out = []
    for vendor, hits in by_vendor.items():
        in_title = [h for h in hits if h.in_title]
        body_list = prose.get(vendor, [])
        title_cues = tuple(
            occurrence_role(title, h.start, h.end, research_alias=(h.vendor, h.alias) in research)
            for h in in_title
        )
        body_cues = tuple(
            occurrence_role(body, h.start, h.end, research_alias=(h.vendor, h.alias) in research)
            for h in body_list[:per_vendor]
        )
        in_lead = [i for i, h in enumerate(body_list) if any(s <= h.start < e for s, e in lead)]
        early = any(position(body_list[i].start) < _EARLY_WORDS for i in in_lead)
        count = len(body_list)
        evidence = Evidence(
            title_roles=tuple(c.role for c in title_cues),
            title_first=vendor == first_in_title,
            malware_title=malware_title,
            body_roles=tuple(c.role for c in body_cues),
            lead_roles=tuple(body_cues[i].role for i in in_lead if i < len(body_cues)),
            lead_early=early,
            first_position=body_list[0].start / max(len(body), 1) if body_list else 1.0,
            count=count,
            most=most,
            runner_up=runner_up,
            kind=vendor_kind(category_of(vendor)),
            vendors=len(by_vendor),
            title_listed=vendor in listed,
            title_outshared=bool(in_title)
            and any(
                counts.get(other, 0) > count
                for other in title_vendors - {vendor}
                if frozenset((vendor, other)) not in listed.get(vendor, set())
            ),
            title_vendors=len(title_vendors),
            by_name=sum(
                1
                for h in (*in_title, *body_list)
                if (h.vendor, h.alias) not in products and (h.vendor, h.alias) not in research
            ),
        )
        title_score = 0.0 if not in_title else 1.0 if any(not h.fuzzy for h in in_title) else _FUZZY_TITLE
        share = count / most if most else 0.0
        hand_score = (
            _TITLE_WEIGHT * title_score
            + _LEAD_WEIGHT * bool(in_lead)
            + _SHARE_WEIGHT * share
            + _COUNT_WEIGHT * min(count, 5) / 5
            + _EARLY_WEIGHT * early
        )
        dominant = count >= 4 and count == most and runner_up * 2 <= count
        hand_subject = title_score > 0 or (bool(in_lead) and count >= 2 and share >= 0.6) or dominant
        ordered = tuple(sorted(hits, key=lambda h: (not h.in_title, h.start)))
        out.append(
            VendorEvidence(
                vendor, ordered, title_cues, body_cues, evidence, round(hand_score, 4), hand_subject
            )
        )
    return out


_LIST_GAP = re.compile(r"^(?:\s+[\w.-]+){0,3}?\s*(?:,|&|/|\band\b|\bor\b)\s*$", re.IGNORECASE)


def _title_listed(title: str, hits: list[VendorHit]) -> dict[str, set[frozenset[str]]]:
    """Title vendors named in one list ("Google, PayPal, Facebook ...", "Microsoft and Adobe to ...",
    "Samsung Galaxy S4 and iPhone 5 ..."): per vendor, the pairs it is listed in. Listed vendors share
    the headline; a vendor that merely qualifies another ("Windows users", "Etsy for iPhone") is not."""
    ordered = sorted(hits, key=lambda h: h.start)
    pairs: dict[str, set[frozenset[str]]] = defaultdict(set)
    for before, after in itertools.pairwise(ordered):
        if before.vendor != after.vendor and _LIST_GAP.match(title[before.end : after.start]):
            pair = frozenset((before.vendor, after.vendor))
            pairs[before.vendor].add(pair)
            pairs[after.vendor].add(pair)
    return pairs


def rank_vendors(
    title_hits: list[VendorHit],
    body_hits: list[VendorHit],
    body: str,
    *,
    title: str = "",
    category_of: Callable[[str], str] = lambda _: "",
    research: Collection[tuple[str, str]] = (),
    products: Collection[tuple[str, str]] = (),
    model: SubjectModel | str | None = None,
) -> list[VendorMatch]:
    """One VendorMatch per vendor with body or title evidence, subjects first, each group by score.

    `model`: the fitted weights (default: the shipped file), or HAND_RULES for the older rules.
    """
    found = collect_evidence(
        title, title_hits, body_hits, body, category_of=category_of, research=research, products=products
    )
    chosen = shipped_model() if model is None else model
    matches = []
    for item in found:
        if isinstance(chosen, SubjectModel):
            score = chosen.probability(feature_vector(item.evidence))
            subject = score >= chosen.threshold and not bystander_only(item.evidence)
        else:
            score, subject = item.hand_score, item.hand_subject
        matches.append(
            VendorMatch(
                vendor=item.vendor,
                salience=Salience.SUBJECT if subject else Salience.MENTION,
                score=round(score, 4),
                hits=item.hits,
                role=main_role(item),
                evidence=_evidence(item),
            )
        )
    matches.sort(key=lambda m: (m.salience != Salience.SUBJECT, -m.score, m.vendor))
    return matches


def main_role(item: VendorEvidence) -> str:
    """The vendor's role in the article: the commonest telling role of its occurrences, title first."""
    telling = [c.role for c in (*item.title_cues, *item.body_cues) if c.role != "named"]
    if not telling:
        return "named"
    counts = Counter(telling)
    for cue in item.title_cues:
        if cue.role != "named" and counts[cue.role] * 2 >= max(counts.values()):
            return cue.role
    return counts.most_common(1)[0][0]


def _evidence(item: VendorEvidence) -> tuple[RoleEvidence, ...]:
    cues = [(c, True) for c in item.title_cues] + [(c, False) for c in item.body_cues]
    telling = [pair for pair in cues if pair[0].role != "named"] or cues
    return tuple(
        RoleEvidence(role=c.role, words=c.words, start=c.start, end=c.end, in_title=in_title)
        for c, in_title in telling[:_EVIDENCE_SHOWN]
    )
