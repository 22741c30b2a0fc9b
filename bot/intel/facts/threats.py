"""Threat actors and malware families, with their aliases, from the MISP galaxy extract shipped in
bot/intel/data/threat_names.json (built by scripts/build_threat_names.py; CC0 / BSD-2-Clause).

Names are matched case-sensitively on word boundaries with one Aho-Corasick automaton. Galaxy names
include ordinary words ("Turkish", "Anchor", "Hive", "Patchwork"), so a name counts only where the
sentence says what it is: a malware name needs a malware word next to it ("Hive ransomware", "the
Emotet botnet", "a backdoor called Anchor"), and an actor name that is an English word or short
needs an actor word in the sentence ("group", "hackers", "APT", "gang", "threat actor"...).
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import ahocorasick
import wordninja

from bot.intel.vendors.catalog import builtin_spellings

_MALWARE_WORD = (
    r"ransomware|malware|trojan|backdoor|botnet|RAT|stealer|infostealer|loader|dropper|worm|spyware|wiper"
    r"|implant|rootkit|bootkit|keylogger|strain|variant|family|payload|web\s?shell|cryptominer|miner|banker"
    r"|virus|exploit\s+kit|operation|gang|crew"
)
_MALWARE_NEAR = re.compile(rf"^(?:[\s,'’-]|\(\w+\))*(?:\w+\s+)?(?:{_MALWARE_WORD})\b", re.IGNORECASE)
_MALWARE_BEFORE = re.compile(
    rf"\b(?:{_MALWARE_WORD})(?:\s+(?:called|named|dubbed|known\s+as|family|strain|variant))?[\s,:“\"']*$",
    re.IGNORECASE,
)
_ACTOR_WORD = re.compile(
    r"\b(?:group|groups|actors?|hackers?|APT|gang|crew|adversary|operators?|state-sponsored|nation-state"
    r"|espionage|threat|attributed|cybercriminals?|cyber-?criminals?|hacking)\b",
    re.IGNORECASE,
)
_ACTOR_NEAR = re.compile(
    r"^(?:[\s,'’-]|\(\w+\))*(?:\w+\s+)?(?:group|gang|crew|hackers?|actors?|APT|operators?|team|collective)\b",
    re.I,
)
_ACTOR_BEFORE = re.compile(
    r"(?:\b(?:group|gang|crew|hackers?|actors?|APT|operators?|collective)(?:\s+(?:called|named|dubbed|known\s+as))?"
    r"|\battributed\s+(?:it\s+)?to(?:\s+the)?)[\s,:“\"']*$",
    re.I,
)
_DETERMINERS = frozenset(
    {"The", "A", "An", "This", "That", "These", "Those", "Its", "Their", "New", "Notorious"}
)
_ENGLISH_RANK = 60_000  # a name among the 60,000 most frequent English words is an ordinary word


@dataclass(frozen=True, slots=True)
class ThreatName:
    kind: str  # "actor" | "malware"
    name: str  # canonical
    aliases: tuple[str, ...]
    ransomware: bool = False


@dataclass(frozen=True, slots=True)
class ThreatMention:
    threat: ThreatName
    written: str
    start: int


@lru_cache(maxsize=1)
def _english() -> frozenset[str]:
    path = Path(wordninja.__file__).with_name("wordninja") / "wordninja_words.txt.gz"
    if not path.exists():
        path = Path(wordninja.__file__).parent / "wordninja" / "wordninja_words.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as words:
        return frozenset(w.strip() for _, w in zip(range(_ENGLISH_RANK), words, strict=False))


@lru_cache(maxsize=1)
def _automaton() -> ahocorasick.Automaton:
    text = resources.files("bot.intel").joinpath("data/threat_names.json").read_text(encoding="utf-8")
    data = json.loads(text)
    ransomware = set(data.get("ransomware", []))
    automaton = ahocorasick.Automaton()
    for kind, key in (("actor", "actors"), ("malware", "malware")):
        for name, aliases in data[key]:
            threat = ThreatName(kind, name, tuple(aliases), kind == "malware" and name.lower() in ransomware)
            for spelling in (name, *aliases):
                existing = automaton.get(spelling, None)
                if existing is None or (existing.kind == "malware" and kind == "actor"):
                    automaton.add_word(spelling, threat)
    automaton.make_automaton()
    return automaton


def preload() -> None:
    """Build the tables now (the parse workers' fork server does: `ingest.worker_tables`): built on
    first use, the English word list alone costs the first article naming a threat ~30 ms."""
    _english()
    builtin_spellings()
    _automaton()


def _ordinary(word: str) -> bool:
    """An ordinary English word, a short token, or a tracked company or product's name ("Alibaba" is
    an alias of the Cleaver group in the galaxy): it names a threat only where the sentence says so."""
    if word.lower() in builtin_spellings():
        return True
    if any(c.isdigit() for c in word):
        return False  # APT28, FIN7, TA505
    return len(word) <= 4 or (" " not in word and word.lower() in _english())


def find_threats(sentence: str) -> list[ThreatMention]:
    """Actor and malware names in one sentence, longest match first, each where the sentence says it."""
    found: list[ThreatMention] = []
    for end, threat in _automaton().iter(sentence):
        for spelling in (threat.name, *threat.aliases):
            start = end - len(spelling) + 1
            if start >= 0 and sentence[start : end + 1] == spelling:
                break
        else:
            continue
        if (start > 0 and (sentence[start - 1].isalnum() or sentence[start - 1] in "-_")) or (
            end + 1 < len(sentence) and (sentence[end + 1].isalnum() or sentence[end + 1] in "_")
        ):
            continue
        if not spelling[0].isupper() and not spelling[0].isdigit():
            continue
        if threat.kind == "actor" and re.match(
            r"-(?:owned|based|backed|run|made)\b", sentence[end + 1 : end + 9]
        ):
            continue  # "Alibaba-owned UCWeb": a company, whatever group shares its name
        if spelling != threat.name and _ordinary(spelling):
            continue  # an alias that is an ordinary word ("Trojan", "Anchor") identifies nothing
        if threat.kind == "malware":
            after, before = sentence[end + 1 : end + 40], sentence[max(0, start - 40) : start]
            if not (_MALWARE_NEAR.match(after) or _MALWARE_BEFORE.search(before)):
                continue
        elif _ordinary(spelling) and not (
            _ACTOR_NEAR.match(sentence[end + 1 : end + 40])
            or _ACTOR_BEFORE.search(sentence[max(0, start - 40) : start])
        ):
            continue  # "Play" in "Google Play": an ordinary-word name needs "group"/"gang"/"hackers" next to it
        before_word = re.search(r"([A-Z][\w-]*)\s$", sentence[max(0, start - 30) : start])
        if before_word and before_word.group(1) not in _DETERMINERS and _ordinary(spelling):
            continue  # part of a longer capitalised name ("Google Play")
        found.append(ThreatMention(threat, spelling, start))
    found.sort(key=lambda m: (m.start, -len(m.written)))
    kept: list[ThreatMention] = []
    for mention in found:
        if kept and mention.start < kept[-1].start + len(kept[-1].written):
            continue  # "Lazarus Group" wins over "Lazarus" inside it
        kept.append(mention)
    return kept
