"""Front matter made only of `key: value` lines skips PyYAML's parser: whatever such a block holds, the
fields must be exactly what `yaml.safe_load` gives (types included). What YAML refuses, or reads as no
mapping, is read as loose `key: value` lines (a warning, never a rejection), and a text field YAML typed
as something else (`title: [Update] ...`, `title: yes`) keeps the text as written."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ingest import RejectedFile
from bot.ingest.frontmatter import TEXT_FIELDS, _simple_fields, load_fields, loose_fields


def expected_fields(block: str) -> dict[str, Any]:
    """Strict YAML's mapping with text fields as written; the loose reading when YAML gives none."""
    strict = yaml_fields(block)
    if isinstance(strict, str):
        return loose_fields(block)
    written = loose_fields(block)
    for key in TEXT_FIELDS & strict.keys():
        if not isinstance(strict[key], str) and isinstance(written.get(key), str) and written[key]:
            strict[key] = written[key]
    return strict


def yaml_fields(block: str) -> dict[str, Any] | str:
    """What the PyYAML path alone makes of `block`: the fields, or the exception's type name."""
    try:
        loaded = yaml.safe_load(block)
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        return type(exc).__name__
    if not isinstance(loaded, dict):
        return f"not a mapping: {type(loaded).__name__}"
    return {str(key).strip().lower(): value for key, value in loaded.items()}


def our_fields(block: str) -> dict[str, Any] | str:
    try:
        return load_fields(block)
    except RejectedFile:
        return "rejected"


SCRAPER_BLOCKS = [
    "title: Kaspersky says it’s closing down its UK office\nurl: https://example.com/2024/10/08/a-b/\n"
    "source: Over Security - Cybersecurity news aggregator\ndate: 2024-10-09\n"
    "fetch_date: 2025-10-06T18:55:35.111011\n",
    'title: "Okta patches Verify flaw: skip FastPass"\nurl: "https://example.org/x?y=1#z"\n',
    "title: 'single quoted, with \"double\" inside'\ndate: 2024-10-09 10:00:00\n",
    "date: 2026-03-11T07:42:18+02:00\ncount: 3,200\nyear: 2024\nratio: 1e3\nflag: yes\non: x\nnull: Null\n",
    "title: Cisco to cut about 3,200 jobs [update] {sic}\nempty:\nspaces:   \ncase: C# and F#\n",
    "Title: Upper-case key\nTITLE: last one wins\nhex: 0x1F\noctal: 017\nsexagesimal: 1:30\n",
    "title: plain with trailing spaces   \n\nurl: a:b\n",
]

NOT_SIMPLE_BLOCKS = [
    "title: a: b\n",  # a second mapping indicator: a YAML error
    "title: x # comment\n",
    'title: "escaped \\" quote"\n',
    "title: 'it''s'\n",
    "tags:\n  - a\n  - b\n",
    "title: [unclosed\n",
    "a: &a x\nb: *a\n",
    "title: tab\there\n",
    "date: 2024-13-45\n",  # YAML types it a date it cannot build
    "title: |\n  block\n",
    "- just\n- a list\n",
    "title: x\n  continued\n",
]


@pytest.mark.parametrize("block", SCRAPER_BLOCKS)
def test_simple_front_matter_is_read_without_pyyaml_exactly_as_pyyaml_reads_it(block: str) -> None:
    assert _simple_fields(block) is not None  # the fast path is taken
    assert our_fields(block) == expected_fields(block)
    assert {k: type(v) for k, v in load_fields(block).items()} == {
        k: type(v)
        for k, v in yaml_fields(block).items()  # type: ignore[union-attr]
    }


@pytest.mark.parametrize("block", NOT_SIMPLE_BLOCKS)
def test_other_yaml_goes_to_pyyaml(block: str) -> None:
    try:
        simple = _simple_fields(block)
    except ValueError:
        simple = None  # "2024-13-45": load_fields catches this and asks PyYAML for its reason
    assert simple is None
    assert our_fields(block) == expected_fields(block)


_KEYS = st.sampled_from(["title", "url", "date", "source", "fetch_date", "on", "null", "Yes", "a-b", "x_1"])
_VALUE_CHARS = st.sampled_from(list("aZ09 :#-'\"\\,.[]{}&*!|>%@`?~/é’\t"))
_VALUES = st.one_of(
    st.text(_VALUE_CHARS, max_size=25),
    st.sampled_from(["2024-10-09", "2024-10-09T10:00:00Z", "2024-02-30", "12", "0o17", "1_000", "3.5", "NO"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_KEYS, _VALUES), min_size=1, max_size=5))
def test_any_key_value_block_reads_as_pyyaml_reads_it(pairs: list[tuple[str, str]]) -> None:
    block = "".join(f"{key}: {value}\n" for key, value in pairs)
    assert our_fields(block) == expected_fields(block)
