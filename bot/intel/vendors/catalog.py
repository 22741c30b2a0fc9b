"""The vendor catalog: built-in data merged with an optional user file, plus name lookup for commands.

Commands take vendor names from people (`/subscribe kaspersy`), so lookup is forgiving: any case, any
punctuation, aliases and former names, and a small edit distance for typos. Matching articles is the
matcher's job (matcher.py); the catalog only says which alias belongs to whom and how careful to be
with it (`AliasKind`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from importlib import resources
from pathlib import Path

import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.intel.vendors.entries import (
    EntryPatch,
    VendorEntry,
    check_unique,
    lookup_key,
    merge,
    parse_document,
    read_document,
)
from bot.intel.vendors.text import is_common_word, lower_keep_length
from bot.models import Vendor

_BUILTIN_ORIGIN = "built-in vendor catalog"
_WORD = re.compile(r"[^\W_]+")
_EXTRA_CACHE_SIZE = 64
_SUGGEST_SPREAD = 0.2  # "did you mean": only names nearly as close as the closest


class AliasKind(IntEnum):
    """How much evidence a hit on this alias needs. Higher is stricter; each level includes the ones below."""

    PLAIN = 0  # any case: "Kaspersky", "kaspersky"
    CASED = 1  # not when written all lower-case: "Check Point" but not "check point"
    AMBIGUOUS = 2  # also an ordinary word: a sentence-initial or title-only hit needs confirmation
    CONTEXTUAL = 3  # also a place or person ("Palo Alto"): every hit needs confirmation


@dataclass(frozen=True, slots=True)
class AliasRule:
    vendor: str
    alias: str  # as the catalog spells it
    key: str  # lower-cased with offsets kept, single spaces: what the automaton looks for
    kind: AliasKind
    single_word: bool
    product: bool = False  # a product name: matched exactly, never with typo tolerance
    research: bool = False  # a research brand ("Talos", "Unit 42"): its firm as the researcher
    camel: bool = False  # spelled "iOS", "eBay": written ALL CAPS ("Cisco IOS") it is another name


@dataclass(frozen=True, slots=True)
class VendorRules:
    context: tuple[str, ...] = ()  # words that confirm an ambiguous alias
    stop_next: tuple[str, ...] = ()  # words that, right after a one-word alias, veto it


@functools.cache
def _builtin_entries(grown: bool = True) -> tuple[VendorEntry, ...]:
    """vendors.yaml (curated), then, with `grown`, vendors_kev.yaml (generated from CISA's KEV list by
    scripts/build_kev_vendors.py: product names for known vendors, and KEV vendors the curated file
    lacks; it never re-assigns a curated alias)."""
    data_dir = resources.files("bot.intel").joinpath("data")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(data_dir.joinpath("vendors.yaml").read_text(encoding="utf-8"), Loader=loader)
    entries = [patch.entry for patch in parse_document(data, _BUILTIN_ORIGIN)]
    check_unique(entries, _BUILTIN_ORIGIN)
    kev = data_dir.joinpath("vendors_kev.yaml")
    if grown and kev.is_file():
        origin = "built-in KEV vendor list"
        patches = parse_document(yaml.load(kev.read_text(encoding="utf-8"), Loader=loader), origin)
        entries = merge(entries, patches, origin)
        check_unique(entries, origin)
    return tuple(entries)


@functools.cache
def builtin_spellings() -> frozenset[str]:
    """Every name, alias and product of the built-in catalog, lower-cased: the key-fact readers use
    it to tell a company ("Alibaba", "Zimbra") from a threat group that shares its name."""
    return frozenset(name.lower() for entry in _builtin_entries(True) for name in entry.names)


class VendorCatalog:
    """An immutable set of vendors. Build with `load()`; add a workspace's own vendors with `with_extra()`."""

    def __init__(
        self, entries: Iterable[VendorEntry], *, auto_ambiguous: frozenset[str] = frozenset()
    ) -> None:
        ordered = sorted(entries, key=lambda entry: (entry.name.casefold(), entry.name))
        self._entries = {entry.name: entry for entry in ordered}
        self._vendors = tuple(
            Vendor(name=e.name, aliases=e.aliases, category=e.category, workspace=e.workspace)
            for e in ordered
        )
        self._by_name = {vendor.name: vendor for vendor in self._vendors}
        self._keys: dict[str, str] = {}
        for entry in ordered:
            for alias in entry.names:
                key = lookup_key(alias)
                self._keys.setdefault(key, entry.name)
        for key, name in list(self._keys.items()):
            self._keys.setdefault(key.replace(" ", ""), name)  # "crowd strike", "palo alto networks"
        self._choices = list(self._keys)
        self._auto_ambiguous = auto_ambiguous
        self._rules: tuple[AliasRule, ...] | None = None
        self._extra_cache: dict[tuple[Vendor, ...], VendorCatalog] = {}
        self.matcher_cache: object | None = None  # VendorMatcher.of() keeps the built automaton here

    @classmethod
    def load(cls, user_file: Path | None = None, *, grown: bool = True) -> VendorCatalog:
        """The built-in catalog, with `user_file` (YAML or TOML, same shape) merged over it.

        `grown=False` leaves out the vendors and products generated from public data (for measuring
        what that growth costs or gains).

        A bad user file raises ValueError with one line naming the file and the problem.
        """
        entries: list[VendorEntry] = list(_builtin_entries(grown))
        if user_file is not None:
            origin = f"vendor file {user_file}"
            patches = parse_document(read_document(Path(user_file)), origin)
            entries = merge(entries, patches, origin)
        return cls(entries)

    @property
    def vendors(self) -> tuple[Vendor, ...]:
        return self._vendors

    def __len__(self) -> int:
        return len(self._vendors)

    def get(self, name: str) -> Vendor | None:
        """Exactly this canonical name."""
        return self._by_name.get(name)

    def lookup(self, query: str, *, typos: bool = True) -> Vendor | None:
        """A vendor by name or alias, any case or punctuation, forgiving a typo or two in longer names
        (unless `typos` is False: commands that change subscriptions ask "did you mean" instead)."""
        key = lookup_key(query)
        if not key:
            return None
        name = self._keys.get(key) or self._keys.get(key.replace(" ", ""))
        if name is None and typos:
            name = self._closest(key)
        return self._by_name[name] if name is not None else None

    def suggest(self, query: str, limit: int = 3) -> list[str]:
        """Closest canonical names, best first, for "did you mean ...?" (empty when nothing is close)."""
        key = lookup_key(query)
        if not key or limit <= 0:
            return []
        scores: dict[str, float] = {}
        found = process.extract(
            key, self._choices, scorer=OSA.normalized_similarity, limit=limit * 10, score_cutoff=0.45
        )
        for choice, score, _ in found:
            name = self._keys[choice]
            scores[name] = max(scores.get(name, 0.0), float(score))
        if len(key) >= 3:
            for choice in self._choices:
                if choice.startswith(key):
                    name = self._keys[choice]
                    scores[name] = max(scores.get(name, 0.0), 0.9 - len(choice) / 1000)
        if not scores:
            return []
        # Far worse candidates are noise next to a close one ("crowdstrke": CrowdStrike, not Crestron);
        # the catalog grows from public lists, so "anything above a floor" would keep growing too.
        best = max(scores.values())
        close = [name for name in scores if scores[name] >= best - _SUGGEST_SPREAD]
        return sorted(close, key=lambda name: (-scores[name], name.casefold()))[:limit]

    def search(self, prefix: str, limit: int = 25, *, offset: int = 0) -> list[str]:
        """Canonical names for autocomplete and paging: names starting with `prefix`, then containing it,
        then vendors with an alias containing it. An empty prefix lists everything alphabetically."""
        needle = prefix.strip().casefold()
        names = [vendor.name for vendor in self._vendors]
        if needle:
            starts = [n for n in names if n.casefold().startswith(needle)]
            contains = [n for n in names if needle in n.casefold() and not n.casefold().startswith(needle)]
            seen = set(starts) | set(contains)
            by_alias = [
                v.name
                for v in self._vendors
                if v.name not in seen and any(needle in alias.casefold() for alias in v.aliases)
            ]
            names = starts + contains + by_alias
        return names[max(offset, 0) : max(offset, 0) + max(limit, 0)]

    def with_extra(self, vendors: Iterable[Vendor]) -> VendorCatalog:
        """This catalog plus a workspace's own vendors (cached: cheap to call per message).

        A tracked vendor whose name is already known extends it with new aliases; a new one is added,
        taking its name from any vendor that had it as an alias. Aliases already given to another vendor
        stay where they are, so one workspace cannot redirect everyone's alerts.
        """
        extra = tuple(vendors)
        if not extra:
            return self
        cached = self._extra_cache.get(extra)
        if cached is not None:
            return cached
        patches: list[EntryPatch] = []
        new_names: set[str] = set()
        for vendor in extra:
            name = self._keys.get(lookup_key(vendor.name))
            known = name is not None and lookup_key(name) == lookup_key(vendor.name)
            owner = name if known else vendor.name
            aliases = tuple(a for a in vendor.aliases if self._keys.get(lookup_key(a), owner) == owner)
            workspace = None if known else vendor.workspace
            patches.append(
                EntryPatch(VendorEntry(vendor.name, aliases, vendor.category, workspace=workspace))
            )
            if not known:
                new_names.add(vendor.name)
        entries = merge(self._entries.values(), patches, "workspace vendors")
        catalog = VendorCatalog(entries, auto_ambiguous=self._auto_ambiguous | new_names)
        if len(self._extra_cache) >= _EXTRA_CACHE_SIZE:
            self._extra_cache.pop(next(iter(self._extra_cache)))
        self._extra_cache[extra] = catalog
        return catalog

    def alias_rules(self) -> tuple[AliasRule, ...]:
        """Every name and alias with how carefully to match it (computed once, on first use)."""
        if self._rules is None:
            self._rules = tuple(
                AliasRule(
                    vendor=entry.name,
                    alias=alias,
                    key=" ".join(lower_keep_length(alias).split()),
                    kind=_alias_kind(alias, entry, auto=entry.name in self._auto_ambiguous),
                    single_word=len(_WORD.findall(alias)) == 1,
                    product=lookup_key(alias) in entry.products,
                    research=lookup_key(alias) in entry.research,
                    camel=alias[:1].islower() and any(ch.isupper() for ch in alias),
                )
                for entry in self._entries.values()
                for alias in entry.names
            )
        return self._rules

    def category_of(self, name: str) -> str:
        entry = self._entries.get(name)
        return entry.category if entry is not None else ""

    def rules_for(self, name: str) -> VendorRules:
        entry = self._entries.get(name)
        return VendorRules() if entry is None else VendorRules(entry.context, entry.stop_next)

    def _closest(self, key: str) -> str | None:
        """The vendor within a small edit distance (OSA: a transposition is one edit), if unambiguous."""
        if len(key) < 5:
            return None
        max_edits = 1 if len(key) <= 8 else 2
        found = process.extract(key, self._choices, scorer=OSA.distance, score_cutoff=max_edits, limit=10)
        if not found:
            return None
        ranked = sorted(found, key=lambda item: (item[1], abs(len(item[0]) - len(key)), item[0]))
        best_distance = ranked[0][1]
        names = {self._keys[choice] for choice, distance, _ in ranked if distance == best_distance}
        return self._keys[ranked[0][0]] if len(names) == 1 else None


def _alias_kind(alias: str, entry: VendorEntry, *, auto: bool) -> AliasKind:
    key = lookup_key(alias)
    words = _WORD.findall(alias.lower())
    if key in entry.needs_context:
        return AliasKind.CONTEXTUAL
    if key in entry.ambiguous or (auto and len(words) == 1 and is_common_word(words[0])):
        return AliasKind.AMBIGUOUS
    if alias != alias.lower() and not any(ch.isdigit() or ch == "." for ch in alias):
        acronym = alias.isupper() and len(alias) <= 5
        if acronym or all(is_common_word(word) for word in words):
            return AliasKind.CASED
    return AliasKind.PLAIN
