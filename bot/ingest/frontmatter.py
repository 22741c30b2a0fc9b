"""YAML front matter of a stored markdown page, read defensively.

The block is size-capped before YAML sees it, parsed with `yaml.safe_load` (no object construction),
and refused when it leans on aliases: a "billion laughs" document is small on disk but expands
exponentially when loaded, so aliases are counted on the event stream, which does not expand them.

Nearly every scraper writes only `key: value` lines, and PyYAML's pure-Python parser (run twice: the
alias count, then the load) cost more than the rest of reading a page. Such a block is read line by
line instead, handing each scalar to PyYAML's own resolver and constructors, so `2024-10-09` still
becomes a date and `yes` a bool exactly as `safe_load` would; anything beyond that subset (quotes
with escapes, comments, nesting, flow collections, anchors, odd characters) goes to PyYAML.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.reader import Reader
from yaml.resolver import Resolver

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


_SIMPLE_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]{0,99}):(?:[ ]+(.*))?")
_DOUBLE_QUOTED = re.compile(r'"([^"\\]*)"')  # no escapes to interpret
_SINGLE_QUOTED = re.compile(r"'([^']*)'")  # no '' to unfold
# Characters PyYAML refuses, or reads as line breaks, a byte-order mark or indentation: left to PyYAML.
_NOT_SIMPLE = re.compile(f"{Reader.NON_PRINTABLE.pattern}|[\x85\u2028\u2029\ufeff\t\r]")
_RESOLVE: Callable[[type[ScalarNode], str, tuple[bool, bool]], str] = Resolver().resolve  # PyYAML is untyped
_CONSTRUCTOR = SafeConstructor()
_PLAIN = (True, False)


def _plain_scalar(value: str) -> Any:
    """A plain (unquoted) scalar as `yaml.safe_load` types it: resolver tag, then its constructor."""
    node = ScalarNode(_RESOLVE(ScalarNode, value, _PLAIN), value)
    return SafeConstructor.yaml_constructors[node.tag](_CONSTRUCTOR, node)


def _simple_value(text: str) -> tuple[bool, Any]:
    """(True, value) for an empty, quoted-without-escapes, or plain one-line value that starts with an
    ASCII letter or digit and holds no comment (" #") or mapping indicator (": "); (False, None) else."""
    if not text:
        return True, _plain_scalar("")
    if text[0] == '"' or text[0] == "'":
        quoted = (_DOUBLE_QUOTED if text[0] == '"' else _SINGLE_QUOTED).fullmatch(text)
        return (True, quoted.group(1)) if quoted else (False, None)
    if text[0].isascii() and text[0].isalnum() and " #" not in text and ": " not in text and text[-1] != ":":
        return True, _plain_scalar(text)
    return False, None


def _simple_fields(block: str) -> dict[Any, Any] | None:
    """The mapping of a block made only of `key: value` lines, as `yaml.safe_load` reads it; None when
    the block uses any other YAML (or none at all)."""
    if _NOT_SIMPLE.search(block):
        return None
    fields: dict[Any, Any] = {}
    for line in block.split("\n"):
        if not line:
            continue
        match = _SIMPLE_LINE.fullmatch(line)
        if match is None:
            return None
        simple, value = _simple_value((match.group(2) or "").rstrip(" "))
        if not simple:
            return None
        fields[_plain_scalar(match.group(1))] = value
    return fields or None


MAX_FLOW_DEPTH = 32


def _flow_depth(block: str) -> int:
    """The deepest nesting of YAML flow brackets `[` / `{` (a linear scan, quotes ignored: an upper
    bound is all the guard needs)."""
    depth = deepest = 0
    for char in block:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}" and depth:
            depth -= 1
    return deepest


def load_fields(block: str) -> dict[str, Any]:
    """Parse a front-matter block into a mapping, or RejectedFile with the YAML problem."""
    try:
        simple = _simple_fields(block)
    except (ValueError, TypeError, AttributeError, KeyError, OverflowError):
        simple = None  # a value YAML types but cannot build ("2024-13-45"): PyYAML says what is wrong
    if simple is not None:
        return {str(key).strip().lower(): value for key, value in simple.items()}
    depth = _flow_depth(block)
    if depth > MAX_FLOW_DEPTH:  # PyYAML's pure-Python parser is superlinear in nesting depth
        raise RejectedFile(f"front matter nests brackets {depth} deep (at most {MAX_FLOW_DEPTH} allowed)")
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
    except (ValueError, TypeError, AttributeError, KeyError) as exc:  # a bad !!int/!!timestamp/!!bool value
        raise RejectedFile(f"broken front matter: {type(exc).__name__}") from None
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
