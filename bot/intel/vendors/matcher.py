"""Finding vendors in article text: exact aliases with Aho-Corasick, typos with a bounded edit distance.

Why this shape:
- One automaton over every lower-cased alias scans the text once in C, whatever the catalog size; the
  Python loop only sees actual occurrences and keeps those that are whole words.
- Typos ("Kasperksy") are searched only among capitalised, non-dictionary tokens of six letters or
  more, compared as whole tokens with the OSA distance (a transposition is one edit) against alias
  tokens of about the same length and the same first letter. Ratio scores such as WRatio would call
  "Kasper" a 90% match for "Kaspersky"; an edit budget of one or two does not.
  A typo-like word right after a capitalised word is taken for a surname ("Lena Fortinat").
- Ordinary-word names ("Box", "Signal", "Zoom") count only when capitalised and not followed by a word
  that gives them away ("Apple pie", "Zoom in"); at a sentence start, in a title or inside a run of
  Capitalised Words, where capitals prove nothing, they also need confirmation by another alias of the
  vendor or by one of its context words somewhere in the article. Places and people ("Palo Alto",
  "Norton") always need that confirmation.
"""

from __future__ import annotations

import re

import ahocorasick
from rapidfuzz.distance import OSA

from bot.intel.vendors.catalog import AliasKind, AliasRule, VendorCatalog
from bot.intel.vendors.features import SubjectModel
from bot.intel.vendors.salience import VendorEvidence, collect_evidence, rank_vendors
from bot.intel.vendors.text import (
    after_capitalised_word,
    followed_by,
    has_urls,
    in_capitalised_run,
    in_url,
    inside,
    is_dictionary_word,
    is_sentence_initial,
    lower_keep_length,
)
from bot.models import VendorHit, VendorMatch

# A cheap prefilter for typo candidates: capitalised ASCII runs of six letters or more. Word boundaries
# are checked afterwards, only for the few tokens that turn out to be near a vendor name.
_CAPITALISED_RUN = re.compile(r"[A-Z][a-z][A-Za-z]{4,}")  # not ALL CAPS: acronyms and brands are not typos
_FUZZY_CACHE_SIZE = 50_000
_MIN_FUZZY_LENGTH = 6
_NO_MATCH = -1
MAX_MATCH_CHARS = 300_000

# A found occurrence before confirmation: (start, stop, rule index, weak, fuzzy). Plain tuples, because a
# long text can have tens of thousands and this loop is the matcher's whole cost.
_Found = tuple[int, int, int, bool, bool]


class VendorMatcher:
    """Matches one catalog. Building it compiles the automaton, so build once and reuse (see `of`)."""

    def __init__(self, catalog: VendorCatalog) -> None:
        self._catalog = catalog
        self._rules: tuple[AliasRule, ...] = catalog.alias_rules()
        self._kinds = tuple(int(rule.kind) for rule in self._rules)
        self._stop_next = tuple(
            catalog.rules_for(rule.vendor).stop_next if rule.single_word else () for rule in self._rules
        )
        self._vendor_alias = tuple((rule.vendor, rule.alias) for rule in self._rules)
        self._automaton = ahocorasick.Automaton()
        for index, rule in enumerate(self._rules):
            _add(self._automaton, rule.key, index)
        self._automaton.make_automaton()
        self._exact_tokens = {rule.key for rule in self._rules if rule.single_word}
        self._fuzzy_index: dict[tuple[str, int], list[tuple[str, int]]] = {}
        for index, rule in enumerate(self._rules):
            key = rule.key
            if (
                rule.single_word
                and rule.kind <= AliasKind.CASED
                and not rule.product
                and not rule.research
                and len(key) >= _MIN_FUZZY_LENGTH
                and key.isalpha()
            ):
                self._fuzzy_index.setdefault((key[0], len(key)), []).append((key, index))
        self._drop_crowded_fuzzy_keys()
        self._camel = frozenset(index for index, rule in enumerate(self._rules) if rule.camel)
        self._research = frozenset((rule.vendor, rule.alias) for rule in self._rules if rule.research)
        # A vendor named only through its products ("Android", "Windows") is often the ground a story
        # runs on rather than the story (features.py: product_only)
        self._products = frozenset((rule.vendor, rule.alias) for rule in self._rules if rule.product)
        self._fuzzy_cache: dict[str, int] = {}
        self._context: dict[str, re.Pattern[str] | None] = {}

    def _drop_crowded_fuzzy_keys(self) -> None:
        """No typo tolerance for a name within a few edits of another vendor's name or product.

        "NoxPlayer" is two edits from Nord Security's "NordLayer": where two catalog names are that
        close, a near miss is as likely the other one (or a third name the catalog lacks).
        """
        others: dict[str, set[str]] = {}
        for rule in self._rules:
            if rule.single_word and rule.key.isalpha():
                others.setdefault(rule.key, set()).add(rule.vendor)
        by_bucket: dict[tuple[str, int], list[str]] = {}
        for key in others:
            by_bucket.setdefault((key[0], len(key)), []).append(key)
        for bucket, entries in self._fuzzy_index.items():
            kept = []
            for key, index in entries:
                vendor = self._rules[index].vendor
                crowded = any(
                    other != key
                    and others[other] != {vendor}
                    and OSA.distance(key, other, score_cutoff=4) <= 4
                    for size in range(bucket[1] - 3, bucket[1] + 4)
                    for other in by_bucket.get((bucket[0], size), ())
                )
                if not crowded:
                    kept.append((key, index))
            entries[:] = kept

    @classmethod
    def of(cls, catalog: VendorCatalog) -> VendorMatcher:
        """The matcher for `catalog`, built on first use and kept with the catalog (one per workspace)."""
        cached = catalog.matcher_cache
        if isinstance(cached, VendorMatcher):
            return cached
        matcher = cls(catalog)
        catalog.matcher_cache = matcher
        return matcher

    @property
    def catalog(self) -> VendorCatalog:
        return self._catalog

    def find(self, text: str, *, in_title: bool = False) -> list[VendorHit]:
        """Every confirmed vendor occurrence in `text`, in order; offsets index `text` itself."""
        return self._hits(self._confirm(self._scan(text, in_title), (text,)), in_title)

    def match(self, title: str, body: str, *, model: SubjectModel | str | None = None) -> list[VendorMatch]:
        """Each vendor the article names, as SUBJECT or MENTION with a score, its role and the evidence;
        subjects first, by score. `model`: see `rank_vendors` (default: the shipped weights).

        Evidence is read from the first MAX_MATCH_CHARS of the body: whether a vendor is the subject is
        settled by the title, the lead and the counts long before that (a long article is ~50 KB), and a
        2 MB page naming vendors throughout otherwise costs seconds of CPU on its own."""
        body = body[:MAX_MATCH_CHARS]
        title_hits, body_hits = self._article_hits(title, body)
        return rank_vendors(
            title_hits,
            body_hits,
            body,
            title=title,
            category_of=self._catalog.category_of,
            research=self._research,
            products=self._products,
            model=model,
        )

    def evidence(self, title: str, body: str) -> list[VendorEvidence]:
        """The per-vendor roles and features `match` decides on (for training and explanations)."""
        body = body[:MAX_MATCH_CHARS]
        title_hits, body_hits = self._article_hits(title, body)
        return collect_evidence(
            title,
            title_hits,
            body_hits,
            body,
            category_of=self._catalog.category_of,
            research=self._research,
            products=self._products,
        )

    def _article_hits(self, title: str, body: str) -> tuple[list[VendorHit], list[VendorHit]]:
        in_title = self._scan(title, True)
        in_body = self._scan(body, False)
        firm = self._firm_vendors(in_title) | self._firm_vendors(in_body)
        title_hits = self._hits(self._confirm(in_title, (title, body), firm), True)
        body_hits = self._hits(self._confirm(in_body, (title, body), firm), False)
        return title_hits, body_hits

    def _hits(self, found: list[_Found], in_title: bool) -> list[VendorHit]:
        names = self._vendor_alias
        return [
            VendorHit(*names[index], start, stop, in_title, fuzzy) for start, stop, index, _, fuzzy in found
        ]

    def _scan(self, text: str, in_title: bool) -> list[_Found]:
        """Exact occurrences (whole words, casing rules applied, leftmost-longest), then typos."""
        if not text:
            return []
        lowered = _spaced(lower_keep_length(text)) + " "  # a sentinel: no bounds check after a name
        kinds = self._kinds
        camel = self._camel
        urls = has_urls(text)
        found: list[_Found] = []
        for end, (key_length, index) in self._automaton.iter(lowered):
            start = end - key_length + 1
            stop = end + 1
            if lowered[stop].isalnum() or (start and lowered[start - 1].isalnum()):
                continue
            weak = False
            if index in camel and text[start:stop].isupper():
                continue  # "IOS" is Cisco's, "iOS" Apple's
            kind = kinds[index]
            if kind:
                if text[start:stop].islower():
                    continue  # "a box", "check point", "apple"
                stop_words = self._stop_next[index]
                if stop_words and followed_by(lowered, stop, stop_words):
                    continue  # "Apple pie", "Zoom in", "Elastic band"
                weak = kind == AliasKind.CONTEXTUAL or (
                    kind == AliasKind.AMBIGUOUS
                    and (
                        in_title or is_sentence_initial(text, start) or in_capitalised_run(text, start, stop)
                    )
                )
            if urls and in_url(text, start):
                continue
            if found and start < found[-1][1]:
                # Occurrences come by increasing end: one that starts earlier contains the previous ones
                # and replaces them; one that starts inside the previous one loses to it.
                drop = 0
                while drop < len(found) and found[-1 - drop][0] >= start:
                    drop += 1
                if drop == 0 or (drop < len(found) and found[-1 - drop][1] > start):
                    continue
                del found[len(found) - drop :]
            found.append((start, stop, index, weak, False))
        fuzzy = self._fuzzy(text, in_title, found, urls)
        return sorted(found + fuzzy) if fuzzy else found

    def _fuzzy(self, text: str, in_title: bool, exact: list[_Found], urls: bool) -> list[_Found]:
        """Capitalised tokens one or two edits from a vendor name ("Kasperksy", "Crowdstrke")."""
        cache = self._fuzzy_cache
        near: dict[str, int] = {}
        for token in set(_CAPITALISED_RUN.findall(text)):
            index = cache.get(token)
            if index is None:
                index = self._closest_alias(token.lower())
                if len(cache) >= _FUZZY_CACHE_SIZE:
                    cache.clear()
                cache[token] = index
            if index != _NO_MATCH:
                near[token] = index
        if not near:
            return []
        taken = [(item[0], item[1]) for item in exact]
        taken_starts = [span[0] for span in taken]
        out: list[_Found] = []
        for token, index in near.items():  # a typo-like word after a first name is a surname: "Jaden Siemans"
            start = text.find(token)
            while start >= 0:
                stop = start + len(token)
                if (
                    not (start and text[start - 1].isalnum())
                    and not (stop < len(text) and text[stop].isalnum())
                    and not inside(taken, taken_starts, start)
                    and not (urls and in_url(text, start))
                    and (in_title or not after_capitalised_word(text, start))
                ):
                    out.append((start, stop, index, False, True))
                start = text.find(token, stop)
        return out

    def _closest_alias(self, token: str) -> int:
        """The one alias within the edit budget of `token`, or _NO_MATCH (none, or several vendors tie)."""
        if token in self._exact_tokens or is_dictionary_word(token):
            return _NO_MATCH
        best: list[tuple[int, int]] = []
        for size in range(len(token) - 2, len(token) + 3):
            for key, index in self._fuzzy_index.get((token[0], size), ()):
                budget = 1 if len(key) <= 8 else 2
                if abs(len(key) - len(token)) > budget:
                    continue
                distance = OSA.distance(token, key, score_cutoff=budget)
                if distance <= budget:
                    best.append((distance, index))
        if not best:
            return _NO_MATCH
        best.sort()
        vendors = {self._rules[index].vendor for distance, index in best if distance == best[0][0]}
        return best[0][1] if len(vendors) == 1 else _NO_MATCH

    def _firm_vendors(self, found: list[_Found]) -> set[str]:
        return {self._rules[item[2]].vendor for item in found if not item[3]}

    def _confirm(
        self, found: list[_Found], texts: tuple[str, ...], firm: set[str] | None = None
    ) -> list[_Found]:
        """Keep weak hits only for vendors with a firm hit, or whose context words the article uses."""
        rules = self._rules
        doubtful = {rules[item[2]].vendor for item in found if item[3]}
        if firm is None:
            firm = self._firm_vendors(found)
        if doubtful <= firm:
            return found
        decided: dict[str, bool] = {}
        kept = []
        for item in found:
            vendor = self._rules[item[2]].vendor
            if item[3] and vendor not in firm:
                if vendor not in decided:
                    decided[vendor] = self._has_context(vendor, texts)
                if not decided[vendor]:
                    continue
            kept.append(item)
        return kept

    def _has_context(self, vendor: str, texts: tuple[str, ...]) -> bool:
        if vendor not in self._context:
            terms = self._catalog.rules_for(vendor).context
            parts = [re.escape(t) if t != t.lower() else f"(?i:{re.escape(t)})" for t in terms]
            self._context[vendor] = re.compile(rf"(?<!\w)(?:{'|'.join(parts)})(?!\w)") if parts else None
        pattern = self._context[vendor]
        return pattern is not None and any(pattern.search(text) for text in texts)


def _add(automaton: ahocorasick.Automaton, key: str, index: int) -> None:
    if key and not automaton.exists(key):
        automaton.add_word(key, (len(key), index))


def _spaced(text: str) -> str:
    """Line breaks and tabs as spaces (same length), so several-word names match across wrapped lines."""
    for space in "\n\t\r\xa0":
        if space in text:
            text = text.replace(space, " ")
    return text
