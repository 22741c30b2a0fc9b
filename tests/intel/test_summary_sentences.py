"""The rule-based sentence splitter: abbreviations, initials, numbers, domains, quotes, and no lost text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.intel.sentences import article_sentences, paragraphs, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # initials stay with the name
            "The report was written by J. R. Smith and colleagues. It was published today.",
            ["The report was written by J. R. Smith and colleagues.", "It was published today."],
        ),
        (  # titles never end a sentence
            "Dr. Jane Roe and Sen. Mark Doe spoke. Mr. Smith did not.",
            ["Dr. Jane Roe and Sen. Mark Doe spoke.", "Mr. Smith did not."],
        ),
        (  # versions and decimals: no space after their points, and a version may end a sentence
            "Acme released version 10.4.2 on Monday. Users of 10.3 should upgrade to v10.4.2. Others wait.",
            [
                "Acme released version 10.4.2 on Monday.",
                "Users of 10.3 should upgrade to v10.4.2.",
                "Others wait.",
            ],
        ),
        (  # a domain is no abbreviation
            "Details are at acme-security.com. The advisory lists three flaws.",
            ["Details are at acme-security.com.", "The advisory lists three flaws."],
        ),
        (  # "No." before a number
            "The flaw ranked No. 5 on the list. Patches are available.",
            ["The flaw ranked No. 5 on the list.", "Patches are available."],
        ),
        (  # ellipses, typographic and typed
            "The attackers waited… Then they struck. They waited... Then they left.",
            ["The attackers waited…", "Then they struck.", "They waited...", "Then they left."],
        ),
        (  # questions and exclamations; a quote that goes on in lower case is one sentence
            "Was data stolen? The company says no. “Patch now!” the agency urged. Why now?",
            ["Was data stolen?", "The company says no.", "“Patch now!” the agency urged.", "Why now?"],
        ),
        (  # nested quotes: no sentence ends inside a quotation that closes later
            "Roe said: “The memo called it ‘a minor issue.’ We disagree.” The firm declined to comment.",
            ["Roe said: “The memo called it ‘a minor issue.’ We disagree.”", "The firm declined to comment."],
        ),
        (  # a dotted acronym ends a sentence before a typical opener, not before a name
            "Kaspersky was banned in the U.S. The company appealed. The U.S. Commerce Department acted.",
            [
                "Kaspersky was banned in the U.S.",
                "The company appealed.",
                "The U.S. Commerce Department acted.",
            ],
        ),
        (  # company suffixes likewise
            "It was acquired by Acme Inc. The deal closed Friday. Acme Inc. Chief Jane Roe said so.",
            ["It was acquired by Acme Inc.", "The deal closed Friday.", "Acme Inc. Chief Jane Roe said so."],
        ),
        (  # month abbreviations before a day, times
            "The patch shipped on Oct. 8 and Nov. 2. The outage began at 9 a.m. Eastern and lasted an hour.",
            [
                "The patch shipped on Oct. 8 and Nov. 2.",
                "The outage began at 9 a.m. Eastern and lasted an hour.",
            ],
        ),
        (
            "1. Install the update. 2. Restart the server.",
            ["1. Install the update.", "2. Restart the server."],
        ),
        (
            "Der Patch ist da. Über 50 Firmen sind betroffen.",
            ["Der Patch ist da.", "Über 50 Firmen sind betroffen."],
        ),
        ("(The vendor confirmed it.) Staff were told.", ["(The vendor confirmed it.)", "Staff were told."]),
    ],
)
def test_rule_based_splitting(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_a_sentence_never_crosses_a_blank_line() -> None:
    body = "Acme Inc.\n\nThe company said so. It\nwill patch.\n\nNo. 5"
    assert [(s.text, s.paragraph, s.index, s.complete) for s in article_sentences(body)] == [
        ("Acme Inc.", 0, 0, True),
        ("The company said so.", 1, 1, True),
        ("It will patch.", 1, 2, True),
        ("No. 5", 2, 3, False),
    ]


_PIECES = st.sampled_from(
    [
        "Acme",
        "U.S.",
        "Inc.",
        "J.",
        "v1.2.",
        "3.5",
        "said",
        "“We",
        "left.”",
        "‘no.’",
        "(see",
        "it.)",
        "Why?",
        "Oct.",
        "8",
        "…",
        "...",
        "example.com.",
        "The",
        "it",
        "No.",
        "!",
        '"',
        "É",
        "x.",
    ]
)


@given(st.lists(_PIECES, min_size=1, max_size=30))
def test_splitting_loses_and_invents_no_text(words: list[str]) -> None:
    para = " ".join(words)
    sentences = split_sentences(para)
    assert " ".join(sentences) == " ".join(paragraphs(para)[0].split())
    assert all(s and s == s.strip() for s in sentences)
