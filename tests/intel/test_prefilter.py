"""A prefiltered pattern answers exactly as the bare pattern: the literals it looks for first are in
every match (or the text goes to the pattern), whatever the text's case, script or offsets."""

from __future__ import annotations

import re
import string
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.intel import events
from bot.intel.event_cues import ATTACK_HAPPENED, PROMO_TITLE
from bot.intel.events import FEATURE_TITLE, RESEARCH_FLAW
from bot.intel.facts.background import BACKGROUND
from bot.intel.facts.cve import _WEAKNESS
from bot.intel.facts.extract import _EVENT_VERB
from bot.intel.facts.incident import _DATA_KIND
from bot.intel.facts.security import _COMPARED
from bot.intel.prefilter import FOLDS_TO_ASCII, Prefiltered, prefiltered, required_literals
from bot.intel.summary import SALES_INTRO, SECURITY_CORE

SHIPPED = [
    _WEAKNESS,
    BACKGROUND,
    PROMO_TITLE,
    ATTACK_HAPPENED,
    FEATURE_TITLE,
    RESEARCH_FLAW,
    _DATA_KIND,
    _COMPARED,
    SALES_INTRO,
    SECURITY_CORE,
    _EVENT_VERB,
    *events._PATTERNS.values(),
]
PROSE = [
    "Researchers discovered a heap-based buffer overflow (CVE-2024-1234, CVSS 9.8) that was exploited in the wild.",
    "Last year’s breach exposed the names, email addresses and passwords of 3 million customers.",
    "Register now for our webinar: why your backups are the key to ransomware resilience.",
    "The company said a separate incident, first documented by Kaspersky in 2019, was similar to this one.",
    "ACME LAID OFF 200 STAFF AFTER THE OUTAGE; İSTANBUL OFFİCE CLOSED ſINCE MONDAY",
    "Attackers abused a SQL injection flaw in the plugin to steal credit card numbers from shoppers.",
    "",
]


def _same(prefiltered_pattern: Prefiltered, text: str, pos: int = 0, endpos: int = sys.maxsize) -> None:
    bare = prefiltered_pattern.regex
    spans = [(m.span(), m.lastgroup) for m in bare.finditer(text, pos, endpos)]
    assert [(m.span(), m.lastgroup) for m in prefiltered_pattern.finditer(text, pos, endpos)] == spans
    assert prefiltered_pattern.findall(text, pos, endpos) == bare.findall(text, pos, endpos)
    for method in ("search", "match", "fullmatch"):
        got = getattr(prefiltered_pattern, method)(text, pos, endpos)
        want = getattr(bare, method)(text, pos, endpos)
        assert (got and got.span()) == (want and want.span()), method


def test_fold_to_ascii_is_what_re_folds() -> None:
    """Every character outside ASCII that IGNORECASE matches to an ASCII letter, as a class and as a
    literal, is one of FOLDS_TO_ASCII (and each of those does)."""
    everything = "".join(chr(c) for c in range(128, sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    as_class = set(re.findall("[a-z]", everything, re.IGNORECASE))
    as_literal = set(re.findall("|".join(string.ascii_lowercase), everything, re.IGNORECASE))
    assert as_class == as_literal == set(FOLDS_TO_ASCII)


def test_required_literals_of_small_patterns() -> None:
    """One of the literals is in every match (how `re` groups a pattern may make them longer)."""
    cases = [
        (re.compile(r"\bfoo(?:bar|baz)\b"), ["foobar", "foobaz"], False),
        (re.compile(r"(?:data|credit\s+card)\s+\w+", re.I), ["DATA leak", "Credit  Card dump"], True),
        (re.compile(r"[Cc]ve-\d+"), ["cve-1", "Cve-22"], False),
    ]
    for pattern, matches, fold in cases:
        literals, folded = required_literals(pattern)
        assert literals and folded == fold
        for text in matches:
            assert pattern.fullmatch(text)
            assert any(literal in (text.lower() if fold else text) for literal in literals)
    assert required_literals(re.compile(r"x?y*")) == (None, False)  # nothing certain: always run
    assert required_literals(re.compile(r"(?i:Secret)|public")) == (None, False)  # scoped flags


def test_a_pattern_with_nothing_certain_always_runs() -> None:
    optional = prefiltered(r"(?:zero-day)?")
    assert optional.literals is None
    assert optional.search("anything") is not None


def test_shipped_patterns_answer_as_bare_on_prose() -> None:
    for pattern in SHIPPED:
        assert pattern.literals, pattern.pattern[:60]  # each has something to look for
        for text in PROSE:
            _same(pattern, text)
            _same(pattern, text, 10, 60)
            _same(pattern, text.upper())


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from([*"aeioucdlnrstwxyCDEIKS -'’.\n0123", *FOLDS_TO_ASCII, "é", "ß"]),
        max_size=60,
    ),
    st.integers(0, 70),
    st.integers(0, 70),
)
def test_shipped_patterns_answer_as_bare_on_any_text(text: str, pos: int, endpos: int) -> None:
    for pattern in SHIPPED:
        _same(pattern, text)
        _same(pattern, text, pos, endpos)


@given(st.sampled_from(["cve", "CVE", "cVe", "ċve"]), st.sampled_from(["", "x ", "ſ ", "İ", "’"]))
def test_case_and_script(word: str, prefix: str) -> None:
    pattern = prefiltered(r"\bcve-\d+", re.IGNORECASE)
    _same(pattern, f"{prefix}{word}-2024 and more")
