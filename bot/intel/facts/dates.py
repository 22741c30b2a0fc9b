"""Dates named in an article, resolved against the article's own date with an honest granularity.

"In June" in an October 2024 article is June 2024 (month granularity: no day is made up); "Oct. 8"
is 8 October of the article's year; "three months after" is a duration, not a date, and is ignored.
A month or day without a year is only resolved when the article's date is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
}
_ABBREVIATED = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_MONTH = (
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
# Month names that double as words ("May", "March") only count with a day, a year or a preposition.
_PREPOSITION = r"(?P<prep>\b(?:[Ii]n|[Ss]ince|[Bb]y|[Uu]ntil|[Ff]rom|[Dd]uring|[Oo]f|[Ee]arly|[Mm]id|[Ll]ate|[Tt]hrough)\s+)"

_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\b(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d)\b"),
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b"),  # October 8, 2024
    re.compile(rf"\b{_DAY}\s+{_MONTH}\s+{_YEAR}\b"),  # 8 October 2024
    re.compile(rf"\b{_MONTH}\s+{_YEAR}\b"),  # June 2024
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?![,.]?\d)"),  # Oct. 8
    re.compile(rf"\b{_DAY}\s+{_MONTH}\b"),  # 8 October
    re.compile(rf"{_PREPOSITION}(?:the\s+)?{_MONTH}\b(?!\s+\d)"),  # in June
    re.compile(rf"{_PREPOSITION}{_YEAR}\b"),  # in 2024
    re.compile(
        r"\b(?:[Oo]n|[Ll]ast)\s+(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
    ),
    re.compile(r"\b(?P<relative>yesterday|today)\b", re.IGNORECASE),
)


# What each pattern above cannot match without (same order): most sentences name no month and many
# no number, and a scan for each kind of word spares the patterns that need it.
_NEEDS: tuple[frozenset[str], ...] = tuple(
    frozenset(need.split())
    for need in (
        "digit",
        "month digit",
        "month digit",
        "month digit",
        "month digit",
        "month digit",
        "month",
        "digit",
        "weekday",
        "relative",
    )
)
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("digit", re.compile(r"\d")),
    ("month", re.compile(r"Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec")),
    ("weekday", re.compile(r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday")),
    ("relative", re.compile(r"yesterday|today", re.IGNORECASE)),
)


@dataclass(frozen=True, slots=True)
class ResolvedDate:
    """A calendar date known to a granularity: "year", "month" or "day"."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def granularity(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    @property
    def key(self) -> str:
        """ISO-style identity: "2024", "2024-06", "2024-06-20"."""
        if self.day and self.month:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    def render(self) -> str:
        """ "8 October 2024", "June 2024", "2024"."""
        if self.month is None:
            return str(self.year)
        name = list(MONTHS)[self.month - 1].capitalize()
        return f"{self.day} {name} {self.year}" if self.day else f"{name} {self.year}"


@dataclass(frozen=True, slots=True)
class DateMention:
    start: int
    end: int
    phrase: str
    date: ResolvedDate


def _month_number(token: str) -> int:
    token = token.lower().rstrip(".")
    return MONTHS.get(token) or _ABBREVIATED[token]


def _year_for_month(month: int, reference: date) -> int:
    """The year that puts the month between ten months before and two months after the reference."""
    delta = month - reference.month
    if delta > 2:
        return reference.year - 1
    if delta <= -10:
        return reference.year + 1
    return reference.year


def _resolve(groups: dict[str, str | None], reference: date | None) -> ResolvedDate | None:
    if groups.get("iso"):
        parsed = date.fromisoformat(str(groups["iso"]))
        return ResolvedDate(parsed.year, parsed.month, parsed.day)
    if groups.get("relative"):
        if reference is None:
            return None
        day = reference - timedelta(days=1 if str(groups["relative"]).lower() == "yesterday" else 0)
        return ResolvedDate(day.year, day.month, day.day)
    if groups.get("weekday"):
        if reference is None:
            return None
        back = (reference.weekday() - WEEKDAYS.index(str(groups["weekday"]).lower())) % 7
        day = reference - timedelta(days=back)
        return ResolvedDate(day.year, day.month, day.day)
    month = _month_number(str(groups["month"])) if groups.get("month") else None
    day_text = groups.get("day")
    day_number = int(day_text) if day_text else None
    if groups.get("year"):
        year = int(str(groups["year"]))
    elif month is not None and reference is not None:
        year = _year_for_month(month, reference)
    else:
        return None
    if day_number is not None:
        if month is None:
            return None
        try:
            date(year, month, day_number)
        except ValueError:
            return None
    return ResolvedDate(year, month, day_number)


def find_dates(text: str, reference: date | None) -> list[DateMention]:
    """Every date phrase in the text that resolves, earliest pattern (most specific) first."""
    present = {kind for kind, pattern in _KINDS if pattern.search(text)}
    if not present:
        return []
    taken: list[tuple[int, int]] = []
    found: list[DateMention] = []
    for pattern, needs in zip(_PATTERNS, _NEEDS, strict=True):
        if not needs <= present:
            continue
        for match in pattern.finditer(text):
            start = (
                match.start("prep") + len(match.group("prep"))
                if "prep" in match.re.groupindex
                else match.start()
            )
            end = match.end()
            if any(start < e and s < end for s, e in taken):
                continue
            resolved = _resolve(match.groupdict(), reference)
            if resolved is None:
                continue
            taken.append((start, end))
            found.append(DateMention(start, end, text[start:end], resolved))
    found.sort(key=lambda m: m.start)
    return found


def resolve_phrase(phrase: str, reference: date | None) -> ResolvedDate | None:
    """The date one phrase names ("In June", "Oct. 8", "June 2024"), or None if it names none."""
    mentions = find_dates(phrase, reference)
    return mentions[0].date if mentions else None
