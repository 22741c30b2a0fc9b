"""How outlets word an event: synonyms of security news folded into one term, so that outlets
rewording each other's headlines ("fixes" / "patches", "0-day" / "zero-day", "bug" / "flaw") still
meet in the title and lead vectors of the same-event model (bot/intel/same_event.py); and the words
that say an action happened again ("re-releases", "another"), which make a new development. Kept
apart from the model to keep both short.
"""

from __future__ import annotations

import re

from bot.intel.similarity import Vector, normalise, stem

# Outlets word one event with different everyday words ("fixes" / "patches" / "addresses", "0-day" /
# "zero-day", "flaw" / "bug" / "vulnerability", "hackers" / "attackers"): the title and lead vectors
# count such words as one term (stemmed forms, see similarity.stem), so a reworded headline meets.
_SYNONYMS = {
    "fix": "patch",
    "address": "patch",
    "plug": "patch",
    "remediat": "patch",
    "remediate": "patch",
    "0-day": "zero-day",
    "0-days": "zero-day",
    "zeroday": "zero-day",
    "vulnerability": "flaw",
    "vulnerabilit": "flaw",
    "bug": "flaw",
    "attacker": "hacker",
    "cybercriminal": "hacker",
    "crook": "hacker",
    "emergency": "urgent",
    "theft": "steal",
    "expos": "leak",
    "expose": "leak",
    "exposure": "leak",
    "hack": "breach",
    "compromis": "breach",
    "compromise": "breach",
}


def canonical(vector: Vector) -> Vector:
    """The vector with synonyms folded into one term (their weights added), unit length again."""
    if not any(t in _SYNONYMS for t in vector):
        return vector
    out: dict[str, float] = {}
    for term, weight in vector.items():
        key = _SYNONYMS.get(term, term)
        out[key] = out.get(key, 0.0) + weight
    return normalise(out)


# A headline that says an action happened again ("Apple re-releases zero-day patch", "Google fixes
# another Chrome zero-day", "down again") reports a new development of something earlier: the
# re-release after the release, the next zero-day after the last. Outlets covering that development
# use the cue; those who covered the earlier one, a day or more before, did not.
# "Third-party apps" and "second-hand devices" say nothing of the kind.
_REPEAT = re.compile(
    r"\b(?:again|another|(?:second|third)(?![- ](?:party|parties|hand))|once more)\b|\bre-([a-z]{3,})",
    re.IGNORECASE,
)


def repeat_cues(title: str) -> frozenset[str]:
    """The repeat cues of a headline: "again" for again / another / second / third / once more, and
    "re-" with the stem of a re-prefixed verb ("re-releases" and "re-released" -> "re-releas")."""
    out = set()
    for m in _REPEAT.finditer(title):
        out.add(f"re-{stem(m.group(1).lower())}" if m.group(1) else "again")
    return frozenset(out)
