"""People with roles, and quotes with the person who said them.

A person is a capitalised name next to a job title ("Kaspersky spokesperson Francesco Tius",
"Jane Roe, a researcher at Contoso Labs"). A quote belongs to whoever the sentence names ("Tius
said", "said Roe"); "the statement continued", "he added" or a bare quote paragraph continue the
last speaker of the article, so a later "Tius said" or "the statement continued" lands on the same
person as the first, fully named, attribution.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.intel.facts.gazetteer import NOT_NAMES, ORG_SUFFIXES, PLACES, role_pattern
from bot.intel.sentences import count_words, split_sentences

_NAME_WORD = r"[A-Z][a-zA-Z'’-]*[a-z]"
NAME = rf"{_NAME_WORD}(?:\s+(?:[A-Z]\.\s+)?{_NAME_WORD}){{1,2}}"
_ORG_WORD = r"[A-Z][\w&.-]*"
_SPEECH = r"(?:said|says|added|continued|told|wrote|explained|noted|stated|confirmed|according to)"
_QUOTE = re.compile(r"“(?P<q>[^“”]{12,}?)”|\"(?P<s>[^\"]{12,}?)\"")
_PLACE_NAMES = frozenset(s for spellings in PLACES.values() for s in spellings)


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    role: str
    organisation: str | None
    phrase: str  # as written, e.g. "Kaspersky spokesperson Francesco Tius"

    @property
    def key(self) -> str:
        return "person:" + self.name.lower()


@dataclass(frozen=True, slots=True)
class Quote:
    speaker: str
    text: str  # one quoted sentence, as written (trailing comma dropped)
    paragraph: int

    @property
    def key(self) -> str:
        words = re.findall(r"[a-z0-9]+", self.text.lower())
        return "quote:" + " ".join(words[:12])


def _person_patterns() -> tuple[re.Pattern[str], ...]:
    roles = role_pattern()
    role = rf"(?P<role>(?:(?:senior|lead|principal|former|chief|global)\s+)?(?i:{roles}))\b"
    return (
        re.compile(rf"(?:(?P<org>{_ORG_WORD}(?:\s+{_ORG_WORD})?)(?:['’]s)?\s+)?{role}\s+(?P<name>{NAME})"),
        re.compile(
            rf"(?P<name>{NAME}),\s+(?:the\s+|a\s+|an\s+)?(?:(?P<org>{_ORG_WORD})['’]s\s+|company['’]s\s+)?{role}"
            rf"(?:\s+(?:at|of|for)\s+(?P<org2>{_ORG_WORD}(?:\s+{_ORG_WORD}){{0,2}}))?"
        ),
    )


_PERSON_PATTERNS = _person_patterns()
# Where a job title starts, found in ASCII-lower-cased text (offsets kept) with a case-sensitive
# alternation: the case-insensitive one, tried at every offset of a long body, cost milliseconds.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ROLE_START = re.compile(rf"(?:{role_pattern().lower()})\b")
_WORDS_BEFORE_ROLE = 3  # "Acme Corp's chief | spokesperson": an adjective and a two-word organisation


def _window_start(text: str, role: int) -> int:
    """The earliest offset a "[organisation] [adjective] role name" match around `role` can start at."""
    i = role
    for _ in range(_WORDS_BEFORE_ROLE):
        while i > 0 and text[i - 1].isspace():
            i -= 1
        while i > 0 and not text[i - 1].isspace():
            i -= 1
    return i


def _role_first_matches(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """`pattern.finditer(text)` for a pattern whose match holds a job title within a few words of its
    start: only the offsets shortly before each title are tried, in order, so the result is the same."""
    lowered = text.translate(_ASCII_LOWER)
    roles: list[int] = []
    found = _ROLE_START.search(lowered)
    while found is not None:
        roles.append(found.start())
        found = _ROLE_START.search(lowered, found.start() + 1)
    matches: list[re.Match[str]] = []
    tried = 0  # every offset before this one failed, or lies inside an earlier match
    for role in roles:
        start = max(tried, _window_start(text, role))
        while start <= role:
            m = pattern.match(text, start)
            if m is None:
                start += 1
                continue
            matches.append(m)
            tried = start = m.end()
        tried = max(tried, role + 1)
    return matches


def _valid_name(name: str) -> bool:
    words = name.split()
    if words[0] in NOT_NAMES or words[-1] in NOT_NAMES or name in _PLACE_NAMES:
        return False
    return words[-1].rstrip(".") not in ORG_SUFFIXES


def find_people(text: str) -> list[Person]:
    """Named people with a role, in order of first appearance, one entry per name."""
    found: dict[str, tuple[int, Person]] = {}
    role_first, name_first = _PERSON_PATTERNS
    for matches in (_role_first_matches(role_first, text), name_first.finditer(text)):
        for m in matches:
            name = " ".join(m.group("name").split())
            if not _valid_name(name) or name in found:
                continue
            org = m.group("org") or (m.groupdict().get("org2") or None)
            if org and (org in NOT_NAMES or org.lower() in ("the", "a", "an")):
                org = None
            phrase = " ".join(m.group(0).split()).rstrip(",")
            if org is None and m.group("org"):
                phrase = phrase[len(m.group("org")) :].strip()
            found[name] = (m.start(), Person(name, " ".join(m.group("role").split()), org, phrase))
    return [person for _, person in sorted(found.values(), key=lambda item: item[0])]


def _speaker_after(tail: str) -> str | None:
    """The speaker named right after a closing quote: ', Tius said', 'said Jane Roe', 'he added'."""
    who = rf"(?P<who>{NAME}|{_NAME_WORD}|he|she|they|it|the statement|the company|the spokesperson|a spokesperson)"
    m = re.match(rf"\s*[,.!?]?\s*(?:[\w’'-]+\s+){{0,3}}?{who}\s+{_SPEECH}\b", tail)
    if m:
        return m.group("who")
    m = re.match(rf"\s*[,.!?]?\s*{_SPEECH}\s+(?P<who>{NAME}|{_NAME_WORD})", tail)
    return m.group("who") if m else None


def _speaker_before(head: str) -> str | None:
    """The speaker named before an opening quote in the same sentence: 'Tius said that the company “'."""
    found = re.findall(rf"({NAME}|{_NAME_WORD}|he|she|they|the company|the statement)\s+{_SPEECH}\b", head)
    return str(found[-1]) if found else None


def _resolve(who: str | None, people: dict[str, str], last: str | None, company: str | None) -> str | None:
    if who is None:
        return None
    lowered = who.lower()
    if lowered in ("he", "she", "they", "it", "the statement", "the spokesperson", "a spokesperson"):
        return last or (company if lowered != "he" and lowered != "she" else None)
    if lowered == "the company":
        return company
    if who in people:
        return people[who]
    return who


def find_quotes(paragraph_texts: list[str], people: list[Person], company: str | None) -> list[Quote]:
    """Quoted sentences of at least six words with their speaker, across a whole article."""
    by_name: dict[str, str] = {}
    for person in people:
        by_name[person.name] = person.name
        by_name.setdefault(person.name.split()[-1], person.name)
    out: list[Quote] = []
    last: str | None = None
    for p_index, para in enumerate(paragraph_texts):
        for m in _QUOTE.finditer(para):
            quoted = m.group("q") or m.group("s") or ""
            sentence_start = max(para.rfind(". ", 0, m.start()) + 1, 0)
            who = _speaker_after(para[m.end() : m.end() + 80]) or _speaker_before(
                para[sentence_start : m.start()]
            )
            bare = who is None and m.start() == 0
            speaker = _resolve(who, by_name, last, company) if who else (last if bare else None)
            if speaker is None:
                continue
            last = speaker
            for piece in split_sentences(quoted):
                piece = piece.strip().rstrip(",")
                if count_words(piece) >= 6:
                    out.append(Quote(speaker, piece, p_index))
    return out
