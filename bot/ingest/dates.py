"""Publication dates from the three places a stored page may carry them: the byline ("8:59 AM PDT ·
October 8, 2024"), the URL path (/2024/10/08/) and the front matter (which, for an aggregator's copy,
holds the aggregator's date, often a day late). All results are timezone-aware UTC.

Dates are found with explicit patterns (month name + day + year, ISO, numeric in a URL) rather than a
fuzzy parser, which would turn "5 Min Read" into the 5th of this month.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

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
_URL_DATE = re.compile(r"/(?P<year>(?:19|20)\d\d)[/-](?P<month>[01]?\d)[/-](?P<day>[0-3]?\d)(?=[/_.-]|$)")
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


def date_in_url(url: str | None) -> datetime | None:
    """The date in a URL path such as /2024/10/08/slug or /news-20241008-slug, at midnight UTC."""
    if not url:
        return None
    path = url.split("?", 1)[0].split("#", 1)[0]
    for pattern in (_URL_DATE, _URL_COMPACT_DATE):
        if match := pattern.search(path):
            found = _day(int(match.group("year")), int(match.group("month")), int(match.group("day")))
            if found is not None:
                return datetime(found.year, found.month, found.day, tzinfo=UTC)
    return None


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
