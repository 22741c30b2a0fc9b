"""Datetimes are stored as ISO-8601 UTC text so that they sort and compare as strings."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def from_db(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
