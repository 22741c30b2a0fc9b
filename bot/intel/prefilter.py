"""A regular expression that is not run on a text that cannot match it.

Why: the cue patterns (event cues, weakness names, background phrasings, sales intros) are alternations
of dozens of phrases, and Python's `re` tries every branch at every position of every sentence: 20-120
microseconds a sentence each, most of the analysis of an article. Yet almost every match needs one of a
few words the text mostly lacks. `Prefiltered` reads those words from the pattern itself (its parsed
form: a set of literal strings one of which every match contains) and looks for them all in one pass of
an Aho-Corasick automaton (C, linear in the text); only when one is there does the pattern run. The
answer is the pattern's own in every case, so nothing about matching changes:

- without IGNORECASE the literals must appear as they are;
- with IGNORECASE they are looked up lower-cased in the lower-cased text. Unicode case folding lets
  four non-ASCII characters match ASCII letters (FOLDS_TO_ASCII: dotted and dotless i, the long s, the
  Kelvin sign), so a text holding one goes to the pattern unfiltered; in any other text a letter
  matches only its own two cases, which lower-casing makes one (news is rarely ASCII: curly quotes);
- a part of the pattern whose literals are not certain (a character class, a lookaround, an optional
  or inline-flagged group) contributes none; a pattern with no certain literal is always run.

tests/intel/test_prefilter.py checks the answers against the bare pattern on prose and on random text.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import ahocorasick

# The parser `re` compiles with (its module names since Python 3.11); without it every pattern runs
# unfiltered.
try:
    _sre: Any = importlib.import_module("re._constants")
    _sre_parse: Any = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover
    _sre = _sre_parse = None

_Literals = set[str] | None  # one of these strings is in every match; None: nothing is certain
# The characters outside ASCII that IGNORECASE matches to an ASCII letter ("İ", "ı", "ſ", "K"), as
# `re` compares them (tests/intel/test_prefilter.py checks every character against `re` itself).
FOLDS_TO_ASCII = "\u0130\u0131\u017f\u212a"


def _required(items: Sequence[tuple[Any, Any]], fold: bool) -> _Literals:
    """Literals one of which every match of the parsed sequence `items` contains. Any item's literals
    are the sequence's (each item is part of every match); the longest are kept (the rarest)."""
    choices: list[set[str]] = []
    run: list[str] = []

    def end_run() -> None:
        if run:
            choices.append({"".join(run)})
            run.clear()

    for op, arg in items:
        if op is _sre.LITERAL:
            char = chr(arg)
            if fold and not char.isascii():
                end_run()  # what it matches under IGNORECASE is not just its lower-case form
            else:
                run.append(char.lower() if fold else char)
            continue
        end_run()
        found: _Literals = None
        if op is _sre.SUBPATTERN:
            _, add_flags, del_flags, inner = arg
            found = None if add_flags or del_flags else _required(inner, fold)
        elif op is _sre.BRANCH:
            found = set()
            for branch in arg[1]:
                each = _required(branch, fold)
                if each is None:
                    found = None
                    break
                found |= each
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            low, _, inner = arg
            found = _required(inner, fold) if low >= 1 else None
        elif op is _sre.ATOMIC_GROUP:
            found = _required(arg, fold)
        if found and all(found):
            choices.append(found)
    end_run()
    if not choices:
        return None
    return max(choices, key=lambda strings: (min(map(len, strings)), -len(strings)))


def required_literals(pattern: re.Pattern[str]) -> tuple[frozenset[str] | None, bool]:
    """(literals one of which every match contains, whether they are lower-cased for IGNORECASE);
    None when the pattern offers no certain literal."""
    if _sre is None or pattern.flags & re.LOCALE or not isinstance(pattern.pattern, str):
        return None, False
    try:
        parsed = _sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # pragma: no cover - it compiled, so it parses; be safe on other Pythons
        return None, False
    fold = bool(parsed.state.flags & re.IGNORECASE)
    found = _required(list(parsed), fold)
    return (frozenset(found) if found else None), fold


class Prefiltered:
    """`re.Pattern`'s search, match, fullmatch, finditer and findall, skipped (no match) on a text
    that holds none of the pattern's required literals."""

    __slots__ = ("_automaton", "_fold", "flags", "literals", "pattern", "regex")

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self.pattern = regex.pattern
        self.flags = regex.flags
        self.literals, self._fold = required_literals(regex)
        self._automaton: Any = None
        if self.literals:
            automaton = ahocorasick.Automaton()
            for literal in self.literals:
                automaton.add_word(literal, None)
            automaton.make_automaton()
            self._automaton = automaton

    def may_match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> bool:
        """False only when no match is possible in text[pos:endpos]."""
        if self._automaton is None:
            return True
        if self._fold:
            if not text.isascii():
                if any(char in text for char in FOLDS_TO_ASCII):
                    return True
                # lower-casing may change the length before `pos`: look in the whole text (a match
                # in text[pos:endpos] still needs a literal there, so one absent anywhere rules it out)
                pos, endpos = 0, sys.maxsize
            text = text.lower()
        end = min(endpos, len(text))
        return pos < end and next(self._automaton.iter(text, max(pos, 0), end), None) is not None

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.regex.search(text, pos, endpos) if self.may_match(text, pos, endpos) else None

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.regex.match(text, pos, endpos) if self.may_match(text, pos, endpos) else None

    def fullmatch(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.regex.fullmatch(text, pos, endpos) if self.may_match(text, pos, endpos) else None

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        return self.regex.finditer(text, pos, endpos) if self.may_match(text, pos, endpos) else iter(())

    def findall(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        return self.regex.findall(text, pos, endpos) if self.may_match(text, pos, endpos) else []


def prefiltered(pattern: str, flags: int = 0) -> Prefiltered:
    """`re.compile(pattern, flags)`, run only on texts that may match it (see the module's docstring)."""
    return Prefiltered(re.compile(pattern, flags))
