"""Statement facts: the clauses that say what happened ("Kaspersky is shutting down its office in the
United Kingdom and laying off its staff"), found by cue words and kept word for word.

A sentence is cut into clauses at relative and subordinate joints (", which", ", just three months
after", " - "); a trailing subordinate clause is background and dropped, a leading one ("After the
firm was forced to close in the US, ...") is dropped in favour of the main clause. A month or day
without a year is written out with the year it resolves to ("In June" -> "In June 2024"), a rendering
of values in the text, never an invented day. Each statement is tagged with the most specific cue
it carries and the first place it names, which is how two outlets' wordings of one fact meet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.intel.facts.dates import find_dates
from bot.intel.facts.gazetteer import CITIES, find_places
from bot.intel.sentences import Sentence, count_words

# Most specific first: a clause with both "wind-down" and "partner channel" is about the channel.
CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("partner_channel", r"\bpartner\s+channels?\b"),
        (
            "customers_moved",
            r"\bcustomer\s+base\b|\b(?:customers|users)\b[^.;]{0,40}\b(?:moved|migrated|transferred|switched)\b"
            r"|\breplaced\b[^.;]{0,30}\bwith\b",
        ),
        ("ban", r"bann(?:ed|ing)\b|\bbans?\b|\bbarred\b|\bprohibit\w*|\bblacklist\w*|\bentity\s+list\b"),
        ("breach", r"\bbreach(?:ed|es)?\b|\bstolen\b|\bstole\b|\bexfiltrat\w*|\bleak(?:ed|s)?\b|\bexposed\b"),
        (
            "vulnerability",
            r"CVE-\d{4}-\d{4,}|\bvulnerabilit\w*|\bzero-day\b|\bflaws?\b|\bpatch(?:ed|es)?\b"
            r"|\b(?:authentication\s+)?bypass\b|\bfix(?:es|ed)\s+for\b|\bsecurity\s+updates?\b",
        ),
        (
            "attack",
            r"\bransomware\b|\bcyber-?attacks?\b|\battack(?:ed|s)?\b|\bhacked\b|\bDDoS\b|\bcompromised\b",
        ),
        (
            "acquisition",
            r"\bacquir(?:e|es|ed|ing)\b|\bacquisition\b|\bto\s+buy\b|\bbought\b|\bmerger\b|\braised\s+\$"
            r"|\bfunding\s+round\b|\bSeries\s+[A-F]\b",
        ),
        (
            "legal",
            r"\bsu(?:ed|es|ing)\b|\blawsuit\b|\bfined\b|\bsettle(?:d|ment)\b|\bindict\w*|\bcharged\b"
            r"|\bregulators?\b|\bsanction\w*|\binvestigat\w*",
        ),
        (
            "workforce",
            r"\bclos(?:e|es|ed|ing)\b|\bshut(?:ting|s)?\s+down\b|\bshutter\w*|\bwind[- ]?down\b|\bwinding\s+down\b"
            r"|\blay(?:ing|s)?\s+off\b|\blaid\s+off\b|\blayoffs?\b|\bjob\s+cuts\b|\bredundanc\w*"
            r"|\bcut(?:s|ting)?\b[^.;]{0,30}\b(?:jobs|roles|positions|staff|workforce)\b",
        ),
        (
            "product",
            r"\blaunch(?:es|ed)?\b|\bunveil\w*|\bintroduc(?:es|ed)\b|\bnow\s+available\b|\bgenerally\s+available\b",
        ),
    )
)

# Words (lower case) without one of which a cue's pattern cannot match: every alternative of the pattern
# contains one. Substring tests are cheap, so a clause is only searched for the cues it may carry.
CUE_ANCHORS: dict[str, tuple[str, ...]] = {
    "partner_channel": ("partner",),
    "customers_moved": ("customer", "users", "replaced"),
    "ban": ("ban", "barred", "prohibit", "blacklist", "entity"),
    "breach": ("breach", "stole", "exfiltrat", "leak", "exposed"),
    "vulnerability": ("cve-", "vulnerabilit", "zero-day", "flaw", "patch", "bypass", "fix", "security"),
    "attack": ("ransomware", "attack", "hacked", "ddos", "compromised"),
    "acquisition": ("acquir", "buy", "bought", "merger", "raised", "funding", "series"),
    "legal": (
        *("sued", "sues", "suing", "lawsuit", "fined", "settle", "indict", "charged", "regulator"),
        *("sanction", "investigat"),
    ),
    "workforce": ("clos", "shut", "wind", "lay", "laid", "job", "redundanc", "cut"),
    "product": ("launch", "unveil", "introduc", "available"),
}
assert list(CUE_ANCHORS) == [name for name, _ in CUES]


def cue_of(clause: str) -> str | None:
    """The most specific cue the clause carries, if any."""
    lowered = clause.lower()
    for name, pattern in CUES:
        if any(anchor in lowered for anchor in CUE_ANCHORS[name]) and pattern.search(clause):
            return name
    return None


_SUBORDINATE_JOINT = re.compile(
    r",\s+(?=(?:just\s+|only\s+|even\s+)?(?:\w+\s+\w+\s+)?(?:which|who|after|before|while|when|whereas|although|though"
    r"|but|because|since|as|despite|amid|following)\b)|\s+[-–—]\s+|;\s+"
)
_LEADING_SUBORDINATE = re.compile(
    r"^(?:just\s+|only\s+|even\s+)?(?:\w+\s+){0,2}?(?:after|before|while|when|although|though|because|since|as|despite"
    r"|amid|following|once)\b[^,]{3,120},\s+",
    re.IGNORECASE,
)
_PRONOUN_START = re.compile(r"^(?:it|he|she|they|this|that|these|those|we|i)\b", re.IGNORECASE)
_SUBJECT_HINT = re.compile(
    r"\b(?:company|firm|vendor|its|government|customers|users|staff|employees)\b", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Statement:
    cue: str
    text: str
    place: str | None
    position: int  # sentence index in the article

    @property
    def key(self) -> str:
        return f"statement:{self.cue}:{(self.place or '-').lower()}"


def main_clause(sentence: str) -> str:
    """The sentence without trailing background clauses or a leading subordinate clause."""
    clause = _SUBORDINATE_JOINT.split(sentence, maxsplit=1)[0]
    lead = _LEADING_SUBORDINATE.match(clause)
    if lead and count_words(clause[lead.end() :]) >= 5:
        clause = clause[lead.end() :]
    clause = clause.strip().rstrip(",;:")
    return clause[:1].upper() + clause[1:]


def with_resolved_dates(text: str, reference: date | None) -> str:
    """Write a yearless month or day out with the year it resolves to: "In June," -> "In June 2024,";
    a weekday keeps its word and gains the date: "on Tuesday" -> "on Tuesday (8 October 2024)"."""
    out = text
    for mention in reversed(find_dates(text, reference)):
        if re.search(r"(?:19|20)\d\d", mention.phrase) or mention.date.granularity == "year":
            continue
        if re.search(r"day\b", mention.phrase, re.IGNORECASE):  # "on Tuesday", "yesterday": keep the words
            rendered = f"{mention.phrase} ({mention.date.render()})"
        else:
            rendered = mention.date.render()
        out = out[: mention.start] + rendered + out[mention.end :]
    return out


# A claim about the world, not about this event: a definition ("XSS is a type of…"), a trend ("…is
# becoming a standard", "has rapidly become the vector of choice"), a moral ("reinforced the need to…"),
# rhetoric ("once again"), or a roundup's numbered heading glued to its first sentence. Measured on
# the labelled real stories: none of the statements these match was judged useful.
GENERIC_CLAIM = re.compile(
    r"\b(?:is|are)\s+(?:a|an)\s+(?:\w+\s+)?(?:type|kind|form|class)\s+of\b|\brefers\s+to\b"
    r"|\b(?:is|are)\s+(?:increasingly\s+)?becoming\b|\b(?:has|have)\s+(?:\w+\s+)?become\b"
    r"|\bthe\s+need\s+(?:to|for)\b|\bonce\s+again\b|^\s*\d+\.\s+[A-Z]{2,}"
    # a generic subject: "In fact, most strains of ransomware target…"
    r"|^(?:[Ii]n\s+fact,?\s+)?(?:[Mm]ost|[Mm]any|[Aa]ll|[Ss]ome|[Ss]everal)\s+(?:of\s+)?(?:the\s+)?[a-z]+s\b"
    # a feed's boilerplate line: "The post <title> appeared first on <outlet>."
    r"|^The\s+post\s+.+\s+appeared\s+first\s+on\b|\bRead\s+the\s+original\s+post\b",
)


def find_statements(
    sentences: list[Sentence], reference: date | None, names: tuple[str, ...] = ()
) -> list[Statement]:
    """One statement per (cue, place) and article, earliest sentence first."""
    seen: set[str] = set()
    out: list[Statement] = []
    for sentence in sentences:
        if not sentence.complete or sentence.text.endswith("?") or sentence.text.startswith(("“", '"', "‘")):
            continue
        clause = main_clause(sentence.text)
        words = count_words(clause)
        if words < 6 or words > 45 or _PRONOUN_START.match(clause) or GENERIC_CLAIM.search(clause):
            continue
        cue = cue_of(clause)
        if cue is None:
            continue
        places = find_places(clause)
        if not (places or _SUBJECT_HINT.search(clause) or any(n.lower() in clause.lower() for n in names)):
            continue
        place = next((p for _, p in places if p not in CITIES), places[0][1] if places else None)
        statement = Statement(cue, with_resolved_dates(clause, reference), place, sentence.index)
        if statement.key in seen:
            continue
        seen.add(statement.key)
        out.append(statement)
    return out
