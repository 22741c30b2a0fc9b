"""Is an article *about* a vendor, or does it only name it? SUBJECT vs MENTION from where and how often.

Evidence, strongest first: the title names the vendor; the lead (first sentences of the first prose
paragraphs) names it, early in its sentence (the grammatical subject, roughly); it is named more often
than the other vendors. Names in link lists (menus, tag lists, "related" lists) carry no weight: a
vendor seen only there is dropped, since a menu entry is neither subject nor mention of the story.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict

from bot.intel.vendors.text import SentencePositions, is_link_line, lead_spans, line_at
from bot.models import Salience, VendorHit, VendorMatch

_TITLE_WEIGHT = 0.4
_LEAD_WEIGHT = 0.2
_SHARE_WEIGHT = 0.25
_COUNT_WEIGHT = 0.1
_EARLY_WEIGHT = 0.05
_FUZZY_TITLE = 0.8  # a typo in the title ("Kasperksy") is still the title naming the vendor
_EARLY_WORDS = 6
_NEWLINE = re.compile("\n")


def rank_vendors(title_hits: list[VendorHit], body_hits: list[VendorHit], body: str) -> list[VendorMatch]:
    """One VendorMatch per vendor with body or title evidence, subjects first, each group by score."""
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
    most = max(counts.values(), default=0)
    runner_up = sorted(counts.values(), reverse=True)[1] if len(counts) > 1 else 0
    matches = []
    for vendor, hits in by_vendor.items():
        in_title = [h for h in hits if h.in_title]
        title = 0.0 if not in_title else 1.0 if any(not h.fuzzy for h in in_title) else _FUZZY_TITLE
        body_list = prose.get(vendor, [])
        count = len(body_list)
        lead_hits = [h for h in body_list if any(s <= h.start < e for s, e in lead)]
        early = any(position(h.start) < _EARLY_WORDS for h in lead_hits)
        share = count / most if most else 0.0
        score = (
            _TITLE_WEIGHT * title
            + _LEAD_WEIGHT * bool(lead_hits)
            + _SHARE_WEIGHT * share
            + _COUNT_WEIGHT * min(count, 5) / 5
            + _EARLY_WEIGHT * early
        )
        dominant = count >= 4 and count == most and runner_up * 2 <= count
        subject = title > 0 or (bool(lead_hits) and count >= 2 and share >= 0.6) or dominant
        salience = Salience.SUBJECT if subject else Salience.MENTION
        ordered = tuple(sorted(hits, key=lambda h: (not h.in_title, h.start)))
        matches.append(VendorMatch(vendor=vendor, salience=salience, score=round(score, 4), hits=ordered))
    matches.sort(key=lambda m: (m.salience != Salience.SUBJECT, -m.score, m.vendor))
    return matches
