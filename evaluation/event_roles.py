"""Candidate event-model features from the subject vendors' roles, measured by
`python -m evaluation.train_events --roles section|compact` (not shipped: see the figures below).

Why they were tried: who was hit (affected) vs who only did the research, commented or pitched is the
general signal that separates an incident (attack / breach) from research (vulnerability) or an
explainer (other). The roles are the matcher's per-occurrence cues (bot/intel/vendors/roles.py), read
at the first occurrences of the top subject vendors in the title, the lead and the body's start - what
the story engine could compute from `Article.subjects` for ~0.25 ms of CPU per article.

What the grouped 5-fold CV by sample showed on the 831 labelled rows (6 December, same run, model
without roles 0.937 [0.902-0.960], rules 0.929 [0.890-0.947]):
- `section` (role per section, body shares): 0.943 at first, but most of the gain came from a
  "no subject vendor" flag that never fires in the engine (an article without a subject vendor never
  starts a story, so it is never a story's main article). Without that flag: 0.939 [0.902-0.959],
  +0.002, one fold 2 rows worse.
- `compact` (hit / research only / acting / unnamed in title and lead): 0.938 [0.902-0.960], +0.001.
A genre signal tried the same way (`--without genre`: the lead opens on a general statement with
nobody named, on a question, or on the writer's "I") scored -0.001 and was dropped.
So the roles add almost nothing the cue sections, decisive phrases and research flags do not already
carry; the remaining errors are explainers and opinion pieces typed attack, which name no vendor in
any telling role.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from functools import lru_cache

from bot.intel.vendors.roles import occurrence_role

ROLE_SUBJECTS = 3  # the most salient subject vendors whose occurrences are read
ROLE_SPOTS = 3  # occurrences read per section (title, lead, body), in order


@lru_cache(maxsize=2048)
def _names_pattern(vendors: tuple[str, ...]) -> re.Pattern[str]:
    names = "|".join(re.escape(v) for v in sorted(vendors, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{names})(?![\w-])", re.I)


def _roles(text: str, pattern: re.Pattern[str]) -> list[str]:
    return [
        occurrence_role(text, m.start(), m.end()).role
        for m in itertools.islice(pattern.finditer(text), ROLE_SPOTS)
    ]


def section_roles(title: str, lead: str, rest: str, subjects: Sequence[str]) -> dict[str, float]:
    """The roles of the subject vendors' occurrences per section (the body's as shares)."""
    if not subjects:  # never a story's main article: no evidence (see the module docstring)
        return {}
    pattern = _names_pattern(tuple(subjects[:ROLE_SUBJECTS]))
    out: dict[str, float] = {}
    found = 0
    for section, text in (("title", title), ("lead", lead), ("body", rest)):
        roles = _roles(text, pattern)
        found += len(roles)
        for role in roles:
            key = f"role_{section}:{role}"
            out[key] = out.get(key, 0.0) + 1 / len(roles) if section == "body" else 1.0
    if not found:
        out["role:subject_unnamed"] = 1.0
    return out


def compact_roles(title: str, lead: str, rest: str, subjects: Sequence[str]) -> dict[str, float]:
    """What the subjects are in the title and lead (else the body's start): hit, the research's
    author only, acting or speaking, or nothing telling."""
    if not subjects:
        return {}
    pattern = _names_pattern(tuple(subjects[:ROLE_SUBJECTS]))
    head = set(_roles(title, pattern)) | set(_roles(lead, pattern))
    if not head - {"named"}:
        head |= set(_roles(rest, pattern))
    kinds = {
        "hit": "affected" in head,
        "research_only": "researcher" in head and head <= {"researcher", "commentator", "named"},
        "acting": bool(head & {"actor", "commentator"}) and "affected" not in head,
        "unnamed": not head - {"named", "incidental", "platform"},
    }
    return {f"role:{k}": 1.0 for k, on in kinds.items() if on}


VARIANTS = {"section": section_roles, "compact": compact_roles}
