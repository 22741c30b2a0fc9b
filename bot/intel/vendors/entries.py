"""Reading vendor catalog files (the built-in YAML, a user's YAML or TOML) into plain entries, and merging them.

Kept apart from matching so that a bad user file fails at load time with one clear line naming the file
and the problem, before any automaton is built, and so that the merge rules live in one place:

- an entry whose `name` is new adds a vendor;
- an entry whose `name` exists extends that vendor (aliases, products, context words are added; a
  non-empty `category` replaces the old one); with `replace: true` it replaces the vendor outright;
- `disabled: true` removes the vendor;
- an alias belongs to one vendor only: an alias (or name) given by a later file is taken away from the
  vendor that had it, so the user file always wins over the built-in catalog.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

_LIST_KEYS = ("aliases", "products", "context", "stop_next")
_FLAG_KEYS = ("ambiguous", "needs_context", "research")  # true (the name itself) or a list of aliases
_BOOL_KEYS = ("disabled", "replace")
_KNOWN_KEYS = frozenset({"name", "category", *_LIST_KEYS, *_FLAG_KEYS, *_BOOL_KEYS})
_WORD = re.compile(r"[^\W_]+")


def lookup_key(text: str) -> str:
    """How names are compared for lookup and uniqueness: lower-case words joined by single spaces.

    "Palo-Alto  networks", "palo alto Networks" and "Palo Alto Networks" are the same key.
    """
    return " ".join(_WORD.findall(text.lower()))


@dataclass(frozen=True, slots=True)
class VendorEntry:
    """One vendor as the catalog files describe it. `aliases` holds aliases then products, without the name."""

    name: str
    aliases: tuple[str, ...] = ()
    category: str = ""
    ambiguous: frozenset[str] = frozenset()  # lookup keys of aliases that are also ordinary words
    needs_context: frozenset[str] = frozenset()  # lookup keys of aliases that are also places or people
    research: frozenset[str] = frozenset()  # lookup keys of research brands ("Talos", "Unit 42")
    products: frozenset[str] = frozenset()  # lookup keys of product names (never matched with typos)
    context: tuple[str, ...] = ()
    stop_next: tuple[str, ...] = ()
    workspace: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class EntryPatch:
    """An entry read from a file, with what it asks the merge to do."""

    entry: VendorEntry
    disabled: bool = False
    replace: bool = False


def read_document(path: Path) -> Any:
    """Parse a YAML or TOML file; any problem becomes a one-line ValueError naming the file."""
    origin = f"vendor file {path}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{origin}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{origin}: cannot read it ({_one_line(str(exc))})") from None
    if path.suffix.lower() == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{origin}: invalid TOML: {_one_line(str(exc))}") from None
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise ValueError(f"{origin}: invalid YAML: {_yaml_problem(exc)}") from None


def parse_document(data: Any, origin: str) -> list[EntryPatch]:
    """Check the shape (`vendors:` list of mappings, or a bare list) and build patches."""
    if isinstance(data, Mapping):
        unknown = sorted(set(data) - {"vendors"})
        if unknown:
            raise ValueError(f"{origin}: unknown top-level key {unknown[0]!r} (expected 'vendors')")
        data = data.get("vendors", [])
    if data is None:
        return []
    if not isinstance(data, list):
        raise ValueError(f"{origin}: expected a list of vendors under 'vendors', got {type(data).__name__}")
    return [_parse_entry(item, index, origin) for index, item in enumerate(data, start=1)]


def merge(base: Iterable[VendorEntry], patches: Iterable[EntryPatch], origin: str) -> list[VendorEntry]:
    """Apply patches in order over `base` (see the module docstring for the rules).

    An index from each alias to the entries holding it means a patch touches only the entries that
    lose an alias to it: a workspace tracking thousands of vendors is merged in linear time."""
    merged: dict[str, VendorEntry] = {lookup_key(entry.name): entry for entry in base}
    holders: dict[str, set[str]] = {}  # alias key -> keys of the entries that list it

    def index(key: str, entry: VendorEntry, add: bool) -> None:
        for alias in entry.names:
            if add:
                holders.setdefault(lookup_key(alias), set()).add(key)
            else:
                holders.get(lookup_key(alias), set()).discard(key)

    for key, entry in merged.items():
        index(key, entry, True)
    for patch in patches:
        key = lookup_key(patch.entry.name)
        old = merged.get(key)
        if patch.disabled:
            if old is not None:
                index(key, merged.pop(key), False)
            continue
        new = patch.entry if old is None or patch.replace else _extend(old, patch.entry)
        claimed = {lookup_key(alias) for alias in new.names}
        taken = sorted(claimed & (merged.keys() - {key}))
        if taken:
            raise ValueError(
                f"{origin}: {new.name}: {merged[taken[0]].name!r} is another vendor's name;"
                " disable that vendor first to merge it"
            )
        losing = set().union(*(holders.get(alias, set()) for alias in claimed)) - {key}
        for other_key in losing:
            other = merged[other_key]
            index(other_key, other, False)
            merged[other_key] = _without(other, claimed)
            index(other_key, merged[other_key], True)
        if old is not None:
            index(key, old, False)
        merged[key] = new
        index(key, new, True)
    return list(merged.values())


def check_unique(entries: Iterable[VendorEntry], origin: str) -> None:
    """The built-in catalog must give every alias to one vendor only (a user file may move them)."""
    owner: dict[str, str] = {}
    for entry in entries:
        for alias in entry.names:
            key = lookup_key(alias)
            if not key:
                raise ValueError(f"{origin}: {entry.name}: alias {alias!r} has no letters or digits")
            if owner.setdefault(key, entry.name) != entry.name:
                raise ValueError(f"{origin}: alias {alias!r} is given to both {owner[key]} and {entry.name}")


def _parse_entry(item: Any, index: int, origin: str) -> EntryPatch:
    if not isinstance(item, Mapping):
        raise ValueError(f"{origin}: vendor #{index} is a {type(item).__name__}, expected a mapping")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{origin}: vendor #{index} has no 'name'")
    name = name.strip()
    where = f"{origin}: vendor #{index} ({name})"
    unknown = sorted(set(item) - _KNOWN_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r}")
    lists = {key: _str_list(item.get(key), f"{where}: {key!r}") for key in _LIST_KEYS}
    flags = {key: _flag(item.get(key), name, f"{where}: {key!r}") for key in _FLAG_KEYS}
    for key in _BOOL_KEYS:
        if not isinstance(item.get(key, False), bool):
            raise ValueError(f"{where}: {key!r} must be true or false")
    category = item.get("category", "")
    if not isinstance(category, str):
        raise ValueError(f"{where}: 'category' must be text")
    flagged = [
        a for key in _FLAG_KEYS if isinstance(item.get(key), list) for a in _str_list(item[key], where)
    ]
    aliases = _dedupe([*lists["aliases"], *lists["products"], *flagged], exclude=name)
    entry = VendorEntry(
        name=name,
        aliases=tuple(aliases),
        category=category.strip(),
        ambiguous=flags["ambiguous"],
        needs_context=flags["needs_context"],
        research=flags["research"],
        products=frozenset(lookup_key(p) for p in lists["products"]),
        context=tuple(lists["context"]),
        stop_next=tuple(word.lower() for word in lists["stop_next"]),
    )
    return EntryPatch(
        entry, disabled=bool(item.get("disabled", False)), replace=bool(item.get("replace", False))
    )


def _str_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where} must be a list of non-empty strings")
    return [v.strip() for v in value]


def _flag(value: Any, name: str, where: str) -> frozenset[str]:
    if value is None or value is False:
        return frozenset()
    if value is True:
        return frozenset({lookup_key(name)})
    return frozenset(lookup_key(alias) for alias in _str_list(value, where))


def _dedupe(aliases: list[str], exclude: str) -> list[str]:
    seen = {lookup_key(exclude)}
    out = []
    for alias in aliases:
        key = lookup_key(alias)
        if key not in seen:
            seen.add(key)
            out.append(alias)
    return out


def _extend(old: VendorEntry, new: VendorEntry) -> VendorEntry:
    return VendorEntry(
        name=old.name,
        aliases=tuple(_dedupe([*old.aliases, *new.aliases, new.name], exclude=old.name)),
        category=new.category or old.category,
        ambiguous=old.ambiguous | new.ambiguous,
        needs_context=old.needs_context | new.needs_context,
        research=old.research | new.research,
        products=old.products | new.products,
        context=tuple(dict.fromkeys([*old.context, *new.context])),
        stop_next=tuple(dict.fromkeys([*old.stop_next, *new.stop_next])),
        workspace=old.workspace,  # extending a catalog vendor does not make it a workspace's own
    )


def _without(entry: VendorEntry, claimed: set[str]) -> VendorEntry:
    kept = tuple(alias for alias in entry.aliases if lookup_key(alias) not in claimed)
    return entry if len(kept) == len(entry.aliases) else replace(entry, aliases=kept)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return where + _one_line(problem)


def _one_line(text: str) -> str:
    return " ".join(text.split())
