"""Quantities worth an alert: how many staff, customers, records, how much money, what share.

A quantity needs a unit noun (or a currency / percent sign) so that years, versions and phone
numbers never become facts. Outlets word the same number differently ("less than 50 employees",
"(fewer) than 50 employees"); the key is (comparison, value, unit family), so both become one fact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
}
_SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
}
_VAGUE = ("dozens", "hundreds", "thousands", "millions", "billions", "scores")

# unit noun -> family (what is being counted)
UNITS: dict[str, str] = {
    "employees": "staff",
    "employee": "staff",
    "staff": "staff",
    "staffers": "staff",
    "workers": "staff",
    "people": "staff",
    "jobs": "staff",
    "positions": "staff",
    "roles": "staff",
    "workforce": "staff",
    "customers": "customers",
    "clients": "customers",
    "users": "users",
    "accounts": "accounts",
    "records": "records",
    "files": "files",
    "emails": "emails",
    "passwords": "credentials",
    "credentials": "credentials",
    "devices": "devices",
    "servers": "devices",
    "endpoints": "devices",
    "computers": "devices",
    "machines": "devices",
    "systems": "devices",
    "organizations": "organisations",
    "organisations": "organisations",
    "companies": "organisations",
    "businesses": "organisations",
    "victims": "victims",
    "patients": "people",
    "individuals": "people",
    "vulnerabilities": "vulnerabilities",
    "flaws": "vulnerabilities",
    "bugs": "vulnerabilities",
    "offices": "offices",
    "countries": "countries",
}
_COMPARATORS = {
    "fewer than": "lt",
    "less than": "lt",
    "under": "lt",
    "below": "lt",
    "up to": "le",
    "more than": "gt",
    "over": "gt",
    "above": "gt",
    "at least": "ge",
    "nearly": "approx",
    "almost": "approx",
    "about": "approx",
    "around": "approx",
    "roughly": "approx",
    "approximately": "approx",
    "some": "approx",
    "an estimated": "approx",
}
_RENDER_COMPARATOR = {
    "lt": "fewer than",
    "le": "up to",
    "gt": "more than",
    "ge": "at least",
    "approx": "about",
}

_COMPARATOR_RE = r"(?P<cmp>\(?(?:fewer|less)\)?\s+than|\(?more\)?\s+than|up\s+to|at\s+least|an\s+estimated|under|below|over|above|nearly|almost|about|around|roughly|approximately|some)"
_NUMBER_RE = r"(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|(?:a\s+)?hundred|" + "|".join(_WORD_NUMBERS) + r")"
_SCALE_RE = r"(?:\s*(?P<scale>thousand|million|billion|bn|mn|[kmb])\b)?"
_UNIT_RE = r"(?P<unit>" + "|".join(sorted(UNITS, key=len, reverse=True)) + r")"
_ADJECTIVES = r"(?:(?:of\s+)?(?:its|their|the|his|her)\s+)?(?:[a-z-]+\s+){0,2}?"

# One pattern per shape (Python forbids a group name twice in one pattern); tried in this order.
_SHAPES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        rf"(?:{_COMPARATOR_RE}\s+)?(?P<currency>[$€£])\s?{_NUMBER_RE}{_SCALE_RE}",
        rf"(?:{_COMPARATOR_RE}\s+)?{_NUMBER_RE}(?:\s?%|\s+percent\b)"
        rf"(?:\s+of\s+(?:its|their|the)\s+(?P<of>workforce|staff|employees|customers|users))?",
        rf"(?P<vague>{'|'.join(_VAGUE)})\s+of\s+{_ADJECTIVES}{_UNIT_RE}\b",
        rf"(?:{_COMPARATOR_RE}\s+)?{_NUMBER_RE}{_SCALE_RE}\s+{_ADJECTIVES}{_UNIT_RE}\b",
    )
)
LAYOFF_CUE = re.compile(
    r"\blay(?:ing|s)?\s+off\b|\blaid\s+off\b|\blayoffs?\b|\bjob\s+cuts\b|\bcut(?:ting)?\b", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Quantity:
    start: int
    end: int
    phrase: str
    comparator: str  # "eq" | "lt" | "le" | "gt" | "ge" | "approx" | "vague"
    value: str  # normalised number ("50", "2500000") or the vague word ("dozens")
    unit: str  # the noun as written ("employees"), "%", or the currency sign
    family: str  # what is counted ("staff"), "percent", "money"

    @property
    def key(self) -> str:
        return f"quantity:{self.comparator}:{self.value}:{self.family}"

    def render(self) -> str:
        """The value in words found in the text: "fewer than 50 employees", "dozens of workers"."""
        if self.comparator == "vague":
            return f"{self.value} of {self.unit}"
        number = _display_number(self.value)
        prefix = f"{_RENDER_COMPARATOR[self.comparator]} " if self.comparator in _RENDER_COMPARATOR else ""
        if self.family == "money":
            return f"{prefix}{self.unit}{number}"
        if self.family == "percent":
            return f"{prefix}{number}%" if self.unit == "%" else " ".join(self.phrase.split())
        return f"{prefix}{number} {self.unit}"


def _display_number(value: str) -> str:
    number = float(value)
    for scale, word in ((1e9, "billion"), (1e6, "million")):
        if number >= scale and round(number / scale, 2) == number / scale:
            return f"{number / scale:g} {word}"  # "4.9 million", but 68,680,741 stays as written
    return f"{number:,.0f}" if number == int(number) else f"{number:g}"


def _number(text: str, scale: str | None) -> str:
    text = " ".join(text.lower().replace(",", "").split()).removeprefix("a ")
    value = float(_WORD_NUMBERS[text]) if text in _WORD_NUMBERS else float(text)
    if scale:
        value *= _SCALES[scale.lower()]
    return f"{value:g}" if value != int(value) else str(int(value))


# Every quantity contains a number, a number word or a vague count: find those first (cheap), then try
# each shape anchored (`match`, not a search) at the few word starts just before it, where a
# comparison or a currency sign can begin. Searching every offset of a long text took milliseconds.
_ANCHOR_WORDS = (*_WORD_NUMBERS, *_VAGUE)
_FIRST_LETTERS = "".join(sorted({w[0] for w in _ANCHOR_WORDS}))
_ANCHOR = re.compile(  # the look-ahead on first letters lets most positions fail at once
    rf"\b\d[\d,.]*|\b(?=[{_FIRST_LETTERS}{_FIRST_LETTERS.upper()}])(?:{'|'.join(_ANCHOR_WORDS)})\b",
    re.IGNORECASE,
)
_LOOKBACK = 24
_WORD_START_AFTER = frozenset(" (‘“\"'\n")


def _starts(text: str, anchor: int) -> list[int]:
    """Where a quantity ending at or after `anchor` may begin: word starts shortly before it, earliest first."""
    low = max(0, anchor - _LOOKBACK)
    starts = [
        i
        for i in range(low, anchor)
        if text[i] not in _WORD_START_AFTER and (i == 0 or text[i - 1] in _WORD_START_AFTER)
    ]
    return [*starts, anchor]


def _matches(text: str) -> list[re.Match[str]]:
    taken: list[re.Match[str]] = []
    for anchor in _ANCHOR.finditer(text):
        floor = taken[-1].end() if taken else 0
        if anchor.start() < floor:
            continue
        starts = [i for i in _starts(text, anchor.start()) if i >= floor]
        found = next(
            (
                m
                for shape in _SHAPES
                for start in starts
                if (m := shape.match(text, start)) is not None and m.end() > anchor.start()
            ),
            None,
        )
        if found is not None:
            taken.append(found)
    return taken


_YEAR = re.compile(r"(?:19|20)\d\d")
_BEFORE_YEAR = re.compile(
    r"\b(?:since|in|from|until|till|by|before|after|during|early|late|mid-?|circa)\s+(?:at\s+least\s+)?$",
    re.I,
)


def find_quantities(text: str) -> list[Quantity]:
    """Every counted quantity in the text, in order."""
    out: list[Quantity] = []
    for m in _matches(text):
        groups = m.groupdict()
        cmp_text = groups.get("cmp")
        comparator = "eq"
        if cmp_text:
            comparator = _COMPARATORS[" ".join(re.sub(r"[()]", "", cmp_text.lower()).split())]
        if groups.get("vague"):
            unit = str(groups["unit"])
            out.append(
                Quantity(
                    m.start(),
                    m.end(),
                    m.group(0),
                    "vague",
                    str(groups["vague"]).lower(),
                    unit.lower(),
                    UNITS[unit.lower()],
                )
            )
            continue
        if (
            _YEAR.fullmatch(str(groups["num"]))
            and not groups.get("scale")
            and _BEFORE_YEAR.search(text[: m.start()])
        ):
            continue  # "active since 2013 and targeted organisations": a year, not 2,013 of anything
        number = _number(str(groups["num"]), groups.get("scale"))
        if groups.get("currency"):
            family, unit = "money", str(groups["currency"])
        elif groups.get("unit"):
            unit = str(groups["unit"]).lower()
            family = UNITS[unit]
        else:
            unit = str(groups["of"]).lower() if groups.get("of") else "%"
            family = "percent"
        if family not in ("money", "percent") and number in ("0", "1"):
            continue
        out.append(Quantity(m.start(), m.end(), m.group(0), comparator, number, unit, family))
    return out
