"""Front matter of a stored markdown page, read as people write it: strict YAML first, loose lines after.

Real stores write "key: value" lines, not YAML: an unquoted title with ": " in it (`title: Threat
Advisory: 3CX ...`), a value starting with `#`, `[`, `*`, `&`, `!`, `%` or `@`, a quote never closed.
When YAML refuses such a block, or reads it as something other than a mapping, every line is read on
its own (`loose_fields`): the first ": " splits key from value, quotes are stripped only when they are
balanced, unknown keys are kept, and a warning is logged. A person reads those pages without trouble, so
the bot must too; a page is rejected only for having no article text.

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

import logging
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

log = logging.getLogger(__name__)
MAX_FRONT_MATTER_CHARS = 32_000
MAX_ALIASES = 8
_OPEN = re.compile(r"\A\ufeff?[ \t]*---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


def has_front_matter(text: str) -> bool:
    return bool(_OPEN.match(text))


def split_front_matter(text: str, source: str = "<memory>") -> tuple[dict[str, Any], str]:
    """(fields, rest of the page). The text must start with a `---` line (see `has_front_matter`).

    A block without a single `key: value` line is no front matter (a page that opens with a rule):
    then there are no fields and the whole text is the page. A block never closed by a second `---`
    ends at its last `key: value` line; with nothing after it, the file is taken as half written.
    """
    opening = _OPEN.match(text)
    if opening is None:
        return {}, text
    closing = _CLOSE.search(text, opening.end(), opening.end() + MAX_FRONT_MATTER_CHARS + 8)
    if closing is None:
        if _CLOSE.search(text, opening.end()):
            raise RejectedFile(f"front matter larger than {MAX_FRONT_MATTER_CHARS} characters")
        block, rest = _leading_field_lines(text[opening.end() : opening.end() + MAX_FRONT_MATTER_CHARS])
        rest += text[opening.end() + MAX_FRONT_MATTER_CHARS :]
        if not rest.strip():
            raise RejectedFile(
                "front matter is not closed (no second '---' line) and no article text follows"
            )
        if not block:
            return {}, text
        log.warning(
            "%s: front matter is not closed by a second '---' line; read up to its last field", source
        )
        return load_fields(block, source), rest.lstrip("\r\n")
    block = text[opening.end() : closing.start()]
    rest = text[closing.end() :].lstrip("\r\n")
    if not _KEY_LINE.search(block):
        return {}, text
    return load_fields(block, source), rest


_KEY = r"[^\W\d][\w .-]{0,99}"
_KEY_LINE = re.compile(rf"^[ \t]*{_KEY}:(?:[ \t]|$)", re.MULTILINE)
_FIELD_LINE = re.compile(rf"(?:{_KEY}:(?:[ \t].*)?|[ \t]+\S.*|#.*)")  # a field, a continuation, a comment


def _leading_field_lines(text: str) -> tuple[str, str]:
    """(the `key: value` lines at the start of `text`, the rest) for a block with no closing line."""
    position = 0
    while position < len(text):
        end = text.find("\n", position)
        end = len(text) if end < 0 else end + 1
        if not _FIELD_LINE.fullmatch(text[position:end].rstrip("\r\n")):
            break
        position = end
    return text[:position], text[position:]


def _unquote(value: str) -> str:
    """The value without its quotes when they are balanced (`"a"`, `'b'`); as written otherwise."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        inner = value[1:-1]
        return inner.replace("''", "'") if value[0] == "'" else inner.replace('\\"', '"')
    return value


def loose_fields(block: str) -> dict[str, Any]:
    """The block read line by line, as a person reads it: the first ": " splits key from value (so
    `title: Threat Advisory: 3CX` keeps its colon), balanced quotes are stripped, an indented line
    continues the value above it (`- item` lines make a list), other lines and comments are skipped.
    Every key is kept, lower-cased; the last of a repeated key wins, as in YAML."""
    fields: dict[str, Any] = {}
    last: str | None = None
    for line in block.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if line[0] in " \t" and last is not None:
            previous = fields[last]
            if stripped.startswith("- ") and (previous == "" or isinstance(previous, list)):
                fields[last] = [*(previous or []), _unquote(stripped[2:].strip())]
            elif isinstance(previous, str):
                fields[last] = _unquote(f"{previous} {stripped}".strip())
            continue
        key, separator, value = line.partition(": ")
        if not separator:
            if not stripped.endswith(":"):
                continue
            key, value = stripped[:-1], ""
        key = key.strip()
        if not re.fullmatch(_KEY, key):
            continue
        last = key.lower()
        fields[last] = _unquote(value.strip())
    return fields


# Fields read as text: YAML's typing of a plain title ("yes", "[Update] ...", "3:30", "null") is not
# what its writer meant, so these keep the text as written whenever YAML made something else of them.
TEXT_FIELDS = frozenset(
    {
        "title",
        "headline",
        "url",
        "link",
        "canonical_url",
        "source_url",
        "source",
        "outlet",
        "publisher",
        "site",
        "sitename",
        "author",
    }
)


def _as_written(fields: dict[str, Any], block: str) -> dict[str, Any]:
    """`fields` with every text field that YAML typed as a non-string replaced by the text as written."""
    retyped = [key for key in TEXT_FIELDS & fields.keys() if not isinstance(fields[key], str)]
    if not retyped:
        return fields
    written = loose_fields(block)
    for key in retyped:
        if isinstance(written.get(key), str) and written[key]:
            fields[key] = written[key]
    return fields


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


def load_fields(block: str, source: str = "<memory>") -> dict[str, Any]:
    """The block's fields: strict YAML, else (YAML refuses it or reads no mapping) the loose line
    reading with a warning. Only a YAML alias bomb is refused (RejectedFile): it is an attack, not a
    way anyone writes a page."""
    try:
        simple = _simple_fields(block)
    except (ValueError, TypeError, AttributeError, KeyError, OverflowError):
        simple = None  # a value YAML types but cannot build ("2024-13-45"): PyYAML says what is wrong
    if simple is not None:
        return _as_written({str(key).strip().lower(): value for key, value in simple.items()}, block)
    fields, problem = _strict_fields(block)
    if fields is None:
        log.warning("%s: front matter is not strict YAML (%s); read as key: value lines", source, problem)
        return loose_fields(block)
    return _as_written(fields, block)


def _strict_fields(block: str) -> tuple[dict[str, Any] | None, str]:
    """(the mapping `yaml.safe_load` reads, "") or (None, why YAML gave none)."""
    depth = _flow_depth(block)
    if depth > MAX_FLOW_DEPTH:  # PyYAML's pure-Python parser is superlinear in nesting depth
        return None, f"brackets nested {depth} deep"
    try:
        aliases = sum(
            1 for event in yaml.parse(block, Loader=yaml.SafeLoader) if isinstance(event, yaml.AliasEvent)
        )
        if aliases > MAX_ALIASES:
            raise RejectedFile(f"front matter uses {aliases} YAML aliases (at most {MAX_ALIASES} allowed)")
        fields = yaml.safe_load(block)
    except yaml.MarkedYAMLError as exc:
        where = f" at line {exc.problem_mark.line + 1}" if exc.problem_mark is not None else ""
        return None, f"{exc.problem or exc.context}{where}"
    except yaml.YAMLError as exc:
        return None, " ".join(str(exc).split())
    except RecursionError:
        return None, "nested too deeply"
    except (ValueError, TypeError, AttributeError, KeyError, OverflowError) as exc:  # a bad !!int/!!timestamp
        return None, f"a value YAML cannot build ({type(exc).__name__})"
    if fields is None:
        return {}, ""
    if not isinstance(fields, dict):
        return None, f"a YAML {type(fields).__name__}, not a mapping"
    return {str(key).strip().lower(): value for key, value in fields.items()}, ""


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
