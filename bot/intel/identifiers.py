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


def names_one_event(key: str) -> bool:
    """Whether an identifier can name one event rather than a recurring kind of news: a CVE id, a
    numbered name (Storm-0558, APT29, LockBit 3.0) or a coined single word of six letters or more
    (PrintNightmare, BlackCat). Phrases of ordinary capitalised words recur every year ("Patch
    Tuesday", "Security Updates") and short odd-cased words are abbreviations ("PoC", "DoS")."""
    if key.startswith("cve-") or any(c.isdigit() for c in key):
        return True
    return " " not in key and len(key) >= 6


def lead_of(title: str, body: str) -> str:
    """Title plus the body's first sentences, about LEAD_WORDS words."""
    words: list[str] = []
    for sentence in _SENTENCE_END.split(body.strip()):
        words += sentence.split()
        if len(words) >= LEAD_WORDS - len(title.split()):
            break
    return f"{title}\n{' '.join(words)}"


# Figures an outlet reports about an event: "336,000 servers", "1.2 million records", "38TB", "$5m".
# Plain numbers under 1,000 (versions, counts of flaws) and lone years say nothing about which event.
_FIGURE = re.compile(
    r"(?<![\w.,-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(million|billion|thousand|[mbk]\b|tb|gb|pb)?(?![\w.-]*\d)",
    re.IGNORECASE,
)
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "b": 1e9}
_BYTES = {"gb": 1e9, "tb": 1e12, "pb": 1e15}
FIGURE_TOLERANCE = 0.15  # "300,000+" and "335,923" are one figure rounded two ways


def figures(text: str) -> set[float]:
    """Reported quantities of 1,000 and more in the text (years such as 2023 excepted)."""
    out = set()
    for m in _FIGURE.finditer(text):
        digits, unit = m.group(1).replace(",", ""), (m.group(2) or "").lower()
        value = float(digits)
        if unit in _SCALE:
            value *= _SCALE[unit]
        elif unit in _BYTES:
            value = value * _BYTES[unit] + 0.5  # a size never equals a count
        elif "," not in m.group(1) and 1900 <= value <= 2100:
            continue
        if value >= 1000:
            out.add(value)
    return out


def same_figure(a: float, b: float) -> bool:
    return abs(a - b) <= FIGURE_TOLERANCE * max(a, b)
