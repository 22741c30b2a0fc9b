"""Publication dates from the places a stored page may carry them: the byline ("8:59 AM PDT ·
October 8, 2024"), a dateline opening the lede ("LONDON, July 12, 2021 -"), the URL path (/2024/10/08/,
or only the month: /2021/07/slug), HTML meta / JSON-LD, and the front matter (which, for an aggregator's
copy, holds the aggregator's date, often a day late). All results are timezone-aware UTC.

Each date comes with its precision ("day", or "month" when only the month is known, dated the first of
that month), so that a month-only URL is not mistaken for a day and an undated page can fall back to
when it was fetched, recorded as "fetched" (see `article._publication_date`).

Dates are found with explicit patterns (month name + day + year, ISO, numeric in a URL) rather than a
fuzzy parser, which would turn "5 Min Read" into the 5th of this month.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import NamedTuple

from bot.models import PublishedPrecision

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_MONTH_DAY_YEAR = re.compile(
    _MONTH + r"\s{1,3}(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s{1,3}(?P<year>(?:19|20)\d\d)\b", re.I
)
_DAY_MONTH_YEAR = re.compile(
    r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s{1,3}(?:of\s)?" + _MONTH + r",?\s{1,3}(?P<year>(?:19|20)\d\d)\b",
    re.I,
)
_ISO = re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)\b")
_TIME = re.compile(
    r"\b(?P<hour>\d{1,2}):(?P<minute>\d\d)(?::\d\d)?\s{0,2}(?P<ampm>[ap]\.?m\.?)?\s{0,2}(?P<zone>[A-Z]{2,4})?\b",
    re.I,
)
# /2024/10/08/slug (a day folder: "/2021/03/18-year-old-hacker" is a month folder and a slug), or
# 2024-10-08 / 2024_10_08 inside a name.
_URL_DATE = re.compile(
    r"/(?P<year>(?:19|20)\d\d)/(?P<month>[01]?\d)/(?P<day>[0-3]?\d)(?=/|$)"
    r"|[/_-](?P<year2>(?:19|20)\d\d)(?P<sep>[-_])(?P<month2>[01]\d)(?P=sep)(?P<day2>[0-3]\d)(?=[/_.-]|$)"
)
_URL_MONTH = re.compile(r"/(?P<year>(?:19|20)\d\d)/(?P<month>0[1-9]|1[0-2])/(?![0-3]?\d(?:/|$))")
_MONTH_YEAR = re.compile(r"^\s*" + _MONTH + r",?\s{1,3}(?P<year>(?:19|20)\d\d)\s*$", re.I)
_ISO_MONTH = re.compile(r"^\s*(?P<year>(?:19|20)\d\d)-(?P<month>0[1-9]|1[0-2])\s*$")
# "LONDON, July 12, 2021 -", "July 12, 2021 (Reuters) —", "Tuesday, 12 July 2021:": a date in the first
# few words of the lede, closed by a dash, colon or parenthesis (a sentence that mentions a date is news).
_DATELINE_HEAD = re.compile(r"^[^!?\n]{0,60}?(?:\d{4}|\d{1,2}:\d\d\s?[ap]\.?m\.?(?:\s[A-Z]{2,4})?)\)?\s{0,3}(?:\([^()]{1,30}\)\s{0,3})?[-–—:|]")
_URL_COMPACT_DATE = re.compile(r"[/_-](?P<year>20\d\d)(?P<month>[01]\d)(?P<day>[0-3]\d)(?=[/_.-]|$)")

# Zones bylines print. "ET"/"PT" are taken as daylight time from March to October, standard otherwise.
_ZONES = {
    "UTC": 0, "GMT": 0, "Z": 0, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "IST": 5.5,
    "SGT": 8, "HKT": 8, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
}  # fmt: skip
_GENERIC_ZONES = {"ET": (-5, -4), "CT": (-6, -5), "MT": (-7, -6), "PT": (-8, -7)}


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _offset(zone: str | None, day: date) -> timezone:
    if not zone:
        return UTC
    zone = zone.upper()
    if zone in _GENERIC_ZONES:
        standard, summer = _GENERIC_ZONES[zone]
        return timezone(timedelta(hours=summer if 3 <= day.month <= 10 else standard))
    return timezone(timedelta(hours=_ZONES.get(zone, 0)))


def date_in_text(text: str) -> datetime | None:
    """The first written-out date in `text`, with the time of day (and zone) printed next to it."""
    found: date | None = None
    for pattern in (_MONTH_DAY_YEAR, _DAY_MONTH_YEAR):
        match = pattern.search(text)
        if match:
            month = _MONTHS.get(match.group("month").lower().rstrip("."))
            candidate = _day(int(match.group("year")), month or 0, int(match.group("day")))
            if candidate is not None:
                found = candidate
                break
    if found is None and (match := _ISO.search(text)):
        found = _day(int(match.group("year")), int(match.group("month")), int(match.group("day")))
    if found is None:
        return None
    hour = minute = 0
    zone: str | None = None
    if time := _TIME.search(text):
        hour, minute = int(time.group("hour")), int(time.group("minute"))
        ampm = (time.group("ampm") or "").lower()
        if ampm.startswith("p") and hour < 12:
            hour += 12
        elif ampm.startswith("a") and hour == 12:
            hour = 0
        zone = time.group("zone")
        if zone and zone.upper() not in _ZONES and zone.upper() not in _GENERIC_ZONES:
            zone = None
        if hour > 23 or minute > 59:
            hour = minute = 0
    local = datetime(found.year, found.month, found.day, hour, minute, tzinfo=_offset(zone, found))
    return local.astimezone(UTC)


class Dated(NamedTuple):
    """A publication date and how much of it is known."""

    value: datetime
    precision: PublishedPrecision


def date_in_url(url: str | None) -> datetime | None:
    """The date in a URL path such as /2024/10/08/slug or /news-20241008-slug, at midnight UTC."""
    found = dated_url(url)
    return found.value if found is not None and found.precision == "day" else None


def dated_url(url: str | None) -> Dated | None:
    """The date a URL path gives: a day (/2024/10/08/slug, /news-20241008-slug), else only a month
    (/2021/07/slug.html, dated the 1st), at midnight UTC."""
    if not url:
        return None
    path = url.split("?", 1)[0].split("#", 1)[0]
    for pattern in (_URL_DATE, _URL_COMPACT_DATE):
        if match := pattern.search(path):
            year, month, day = (match.group(k) or match.groupdict().get(f"{k}2") for k in ("year", "month", "day"))
            found = _day(int(year or 0), int(month or 0), int(day or 0))
            if found is not None:
                return Dated(datetime(found.year, found.month, found.day, tzinfo=UTC), "day")
    if match := _URL_MONTH.search(path):
        return Dated(datetime(int(match.group("year")), int(match.group("month")), 1, tzinfo=UTC), "month")
    return None


def dateline_date(text: str) -> datetime | None:
    """The date a lede opens with ("WASHINGTON, July 12, 2021 - ..."), not one its sentences mention."""
    head = _DATELINE_HEAD.match(text[:120])
    return date_in_text(head.group(0)) if head is not None else None


def dated_value(value: datetime | date | str | None) -> Dated | None:
    """A metadata date value with its precision: "2021-07" and "July 2021" are months, the rest days."""
    if isinstance(value, str):
        for pattern in (_ISO_MONTH, _MONTH_YEAR):
            if match := pattern.match(value):
                raw_month = match.group("month")
                month = int(raw_month) if raw_month.isdigit() else _MONTHS.get(raw_month.lower().rstrip("."), 0)
                if month:
                    return Dated(datetime(int(match.group("year")), month, 1, tzinfo=UTC), "month")
    found = as_utc(value)
    return Dated(found, "day") if found is not None else None


def as_utc(value: datetime | date | str | None) -> datetime | None:
    """A front-matter / JSON / metadata date value as an aware UTC datetime (naive taken as UTC)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = value.strip()
    try:
        return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:  # RSS style: "Tue, 03 Feb 2026 10:00:00 +0100"
        return as_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    return date_in_text(text)
