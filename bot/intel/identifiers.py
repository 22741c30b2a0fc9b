"""Specific identifiers of an event, read from a title and lead: CVE ids, odd-cased or numbered names
(malware, actors, products: BlackCat, MOVEit, Storm-0558, APT29), names with a dotted version, and
capitalised multi-word names outside sentence starts and headline-style capitals.

Only the title and lead count: further down, articles recall earlier flaws and incidents ("after
CVE-2021-21166 last month..."). Whether an identifier is evidence is decided elsewhere, by how rare it
is in the corpus (bot/intel/same_event.py), never by its shape alone.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

LEAD_WORDS = 60  # the lead: title plus about the first two sentences

_CVE = re.compile(r"\bCVE-\d{4}-\d{4,7}\b", re.IGNORECASE)
# Odd-cased or digit-bearing names: BlackCat, MOVEit, Storm-0558, APT29, LockBit 3.0, Cl0p.
_ODD = re.compile(
    r"\b(?:[A-Z]?[a-z]+[A-Z][A-Za-z]*|[A-Z]{2,}[a-z][A-Za-z]*|[A-Z][A-Za-z]*-?\d+[A-Za-z\d]*)\b"
)
_VERSIONED = re.compile(r"\b([A-Z][A-Za-z]+(?: [A-Z][A-Za-z]+)?) v?(\d+\.\d+(?:\.\d+)*)\b")
# Two or three capitalised words in a row, not at a sentence start (a sentence's first word is
# capitalised whatever it is).
_NAMES = re.compile(r"(?<![.!?:]\s)(?<!^)\b([A-Z][a-z]+(?: (?:[A-Z][a-z]+|[A-Z]{2,})){1,2})\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def identifiers(title: str, lead: str) -> set[str]:
    """Specific identifiers named in the title or lead, where outlets name what happened (further
    down, articles recall earlier flaws and incidents: "after CVE-2021-21166 last month...")."""
    text = f"{title}\n{lead}"
    keys = {"cve-" + m.group(0).lower()[4:] for m in _CVE.finditer(text)}
    keys |= {m.group(0).lower() for m in _ODD.finditer(text) if not m.group(0).upper().startswith("CVE")}
    keys |= {f"{m.group(1).lower()} {m.group(2)}" for m in _VERSIONED.finditer(text)}
    for line in text.splitlines():
        if not title_cased(line):  # "Adobe Issues Emergency Patches": every word is capitalised
            keys |= {m.group(1).lower() for m in _NAMES.finditer(line)}
    return keys


def title_cased(line: str) -> bool:
    """Whether most longer words start with a capital, as in headline style, where capitals say
    nothing about names."""
    words = [w for w in line.split() if len(w) > 3 and w[0].isalpha()]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def names_a_topic(key: str, topics: AbstractSet[str]) -> bool:
    """Whether an identifier is, or contains, a vendor or product name ("oracle weblogic", "google play
    store"): such names say who or what is concerned, not which event happened, and the candidates
    all share the vendor already."""
    words = key.split()
    return any(
        " ".join(words[i : i + n]) in topics
        for n in range(1, min(3, len(words)) + 1)
        for i in range(len(words) - n + 1)
    )


def lead_of(title: str, body: str) -> str:
    """Title plus the body's first sentences, about LEAD_WORDS words."""
    words: list[str] = []
    for sentence in _SENTENCE_END.split(body.strip()):
        words += sentence.split()
        if len(words) >= LEAD_WORDS - len(title.split()):
            break
    return f"{title}\n{' '.join(words)}"
