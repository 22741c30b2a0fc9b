"""YAML front matter of a stored markdown page, read defensively.

The block is size-capped before YAML sees it, parsed with `yaml.safe_load` (no object construction),
and refused when it leans on aliases: a "billion laughs" document is small on disk but expands
exponentially when loaded, so aliases are counted on the event stream, which does not expand them.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import yaml

from bot.ingest.errors import RejectedFile

MAX_FRONT_MATTER_CHARS = 32_000
MAX_ALIASES = 8
_OPEN = re.compile(r"\A\ufeff?[ \t]*---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


def has_front_matter(text: str) -> bool:
    return bool(_OPEN.match(text))


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(fields, rest of the page). The text must start with a `---` line (see `has_front_matter`)."""
    opening = _OPEN.match(text)
    if opening is None:
        return {}, text
    closing = _CLOSE.search(text, opening.end(), opening.end() + MAX_FRONT_MATTER_CHARS + 8)
    if closing is None:
        if _CLOSE.search(text, opening.end()):
            raise RejectedFile(f"front matter larger than {MAX_FRONT_MATTER_CHARS} characters")
        raise RejectedFile("front matter is not closed (no second '---' line)")
    block = text[opening.end() : closing.start()]
    rest = text[closing.end() :].lstrip("\r\n")
    return load_fields(block), rest


def load_fields(block: str) -> dict[str, Any]:
    """Parse a front-matter block into a mapping, or RejectedFile with the YAML problem."""
    try:
        aliases = sum(
            1 for event in yaml.parse(block, Loader=yaml.SafeLoader) if isinstance(event, yaml.AliasEvent)
        )
        if aliases > MAX_ALIASES:
            raise RejectedFile(f"front matter uses {aliases} YAML aliases (at most {MAX_ALIASES} allowed)")
        fields = yaml.safe_load(block)
    except yaml.MarkedYAMLError as exc:
        where = f" at line {exc.problem_mark.line + 1}" if exc.problem_mark is not None else ""
        raise RejectedFile(f"broken front matter: {exc.problem or exc.context}{where}") from None
    except yaml.YAMLError as exc:
        raise RejectedFile(f"broken front matter: {exc}") from None
    except RecursionError:
        raise RejectedFile("broken front matter: nested too deeply") from None
    if fields is None:
        return {}
    if not isinstance(fields, dict):
        raise RejectedFile(f"front matter is a YAML {type(fields).__name__}, not a mapping of fields")
    return {str(key).strip().lower(): value for key, value in fields.items()}


def field_text(fields: dict[str, Any], *names: str) -> str | None:
    """The first named field that holds a non-empty scalar, as stripped text."""
    for name in names:
        value = fields.get(name)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = " ".join(str(value).split())
            if text:
                return text
    return None


def field_date(fields: dict[str, Any], *names: str) -> datetime | date | str | None:
    """The first named field that holds a date: YAML may already have made it a date/datetime."""
    for name in names:
        value = fields.get(name)
        if isinstance(value, (datetime, date)):
            return value
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None
