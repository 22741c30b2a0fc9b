"""Sentence splitting and the extractive story summary."""

from __future__ import annotations

import pytest

from bot.intel.sentences import article_sentences, split_sentences
from bot.intel.similarity import TfidfSimilarity
from bot.intel.summary import readable, summarize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Kaspersky is leaving the U.K. market. It said so on Oct. 8 in a statement.",
            ["Kaspersky is leaving the U.K. market.", "It said so on Oct. 8 in a statement."],
        ),
        (
            "The U.S. government banned Kaspersky Inc. from selling. Staff were told on Tuesday.",
            ["The U.S. government banned Kaspersky Inc. from selling.", "Staff were told on Tuesday."],
        ),
        (
            "Tius said the company “will commence a wind-down of the U.K. office.” The statement continued.",
            [
                "Tius said the company “will commence a wind-down of the U.K. office.”",
                "The statement continued.",
            ],
        ),
        (
            "“This step will help us,” the note went on. Roe said there are “fewer than 20 staff” in Leeds.",
            [
                "“This step will help us,” the note went on.",
                "Roe said there are “fewer than 20 staff” in Leeds.",
            ],
        ),
        (
            "Shares fell 3.2% on Monday. The vendor (Acme Inc.) declined to comment. Version 2.1 is out.",
            [
                "Shares fell 3.2% on Monday.",
                "The vendor (Acme Inc.) declined to comment.",
                "Version 2.1 is out.",
            ],
        ),
        ("See example.com. Then patch v1.2.3. Now.", ["See example.com.", "Then patch v1.2.3.", "Now."]),
    ],
)
def test_sentence_splitting_survives_abbreviations_dates_and_quotes(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_sentences_never_cross_paragraphs_and_headings_are_not_complete() -> None:
    body = "Keeping costs down\n\nKaspersky will close the office. Staff were told\non Monday."
    sentences = article_sentences(body)
    assert [(s.text, s.paragraph, s.complete) for s in sentences] == [
        ("Keeping costs down", 0, False),
        ("Kaspersky will close the office.", 1, True),
        ("Staff were told on Monday.", 1, True),
    ]


OUTLET_A = "\n\n".join(
    [
        "Contoso is closing its office in Germany and laying off its staff, the company confirmed on Monday.",
        "Contoso spokesperson Jane Roe said the company will serve German customers through its partners.",
        "It added that fewer than 40 employees work at the Berlin office.",
        "“We thank everyone who worked here,” Roe said.",
        "Roe said the decision was final.",
        "The move follows a difficult year for the company.",
    ]
)
OUTLET_B = "\n\n".join(
    [
        "Contoso is closing its office in Germany and laying off its staff, the company confirmed on Monday.",
        "However, Contoso says customers will not notice any change in service or support.",
        "“Our partners will take over every existing contract in the country from next month,”",
        "Contoso has sold security software in Germany for more than a decade.",
    ]
)


def summary_of(*bodies: str) -> str:
    return summarize(
        [article_sentences(b) for b in bodies], TfidfSimilarity(), people=["Jane Roe"], vendors=["Contoso"]
    )


def test_summary_is_short_extractive_and_says_each_thing_once() -> None:
    summary = summary_of(OUTLET_A, OUTLET_B)
    sentences = split_sentences(summary)
    assert 1 <= len(sentences) <= 3 and len(summary.split()) <= 80
    for sentence in sentences:
        assert sentence in OUTLET_A or sentence in OUTLET_B
    assert summary.count("Contoso is closing its office in Germany") == 1  # syndicated lead said once
    assert sentences[0].startswith("Contoso is closing its office in Germany")


def test_summary_sentences_read_on_their_own() -> None:
    sentences = split_sentences(summary_of(OUTLET_A, OUTLET_B))
    for sentence in sentences:
        assert not sentence.startswith(("It ", "However", "“", "Roe said"))
        assert not sentence.endswith(",”")


def test_surname_only_sentences_need_the_full_name() -> None:
    (sentence,) = article_sentences("Roe said the decision was final.")
    assert not readable(sentence, {"Roe": "Jane Roe"})
    (introduced,) = article_sentences("Jane Roe said the decision was final.")
    assert readable(introduced, {"Roe": "Jane Roe"})


def test_word_budget_is_respected_even_with_long_sentences() -> None:
    long = " ".join(["Contoso confirmed the closure of its office in Germany and the layoffs"] * 4) + "."
    body = "\n\n".join(
        [
            long,
            "Contoso will keep serving customers through partners in Germany.",
            long.replace("Germany", "Austria"),
        ]
    )
    summary = summarize([article_sentences(body)], TfidfSimilarity(), vendors=["Contoso"], max_words=80)
    assert len(summary.split()) <= 80
    assert summary  # a shorter sentence still fits


def test_nothing_to_say_gives_an_empty_summary() -> None:
    assert summarize([article_sentences("Keeping costs down")], TfidfSimilarity()) == ""


def test_a_definite_reference_needs_its_antecedent() -> None:
    """ "The patch …" may follow a sentence that introduced the patch, never stand without it."""
    body = (
        "Acme Networks shipped an emergency fix for its firewall appliances on Monday after attacks.\n\n"
        "The rollout reached every customer within a day, according to the vendor's status page.\n\n"
        "Researchers at a security firm had reported the flaw to Acme Networks in early March."
    )
    summary = summarize([article_sentences(body)], TfidfSimilarity(), vendors=["Acme Networks"])
    assert summary.startswith("Acme Networks shipped an emergency fix")
    assert "The rollout" not in summary
    assert "Researchers at a security firm" in summary
    introduced = body.replace("an emergency fix", "an emergency rollout of a fix")
    summary = summarize([article_sentences(introduced)], TfidfSimilarity(), vendors=["Acme Networks"])
    assert "The rollout reached every customer" in summary


def test_the_sentence_with_the_cve_and_its_score_is_in_the_summary() -> None:
    text = (
        "Cisco has released updates for a critical issue in its API Services Infrastructure that admins "
        "should install now. "
        "The flaw, tracked as CVE-2021-1388, ranks 10 out of 10 on the CVSS scoring system and stems from "
        "improper token validation. "
        "Cisco said it found the problem during internal security testing of the platform. "
        "The company thanked its engineers for the report and said no customers were affected so far."
    )
    summary = summarize([article_sentences(text)], TfidfSimilarity(), vendors=("Cisco",))
    assert "CVE-2021-1388" in summary and 2 <= len(split_sentences(summary)) <= 3


def test_no_sales_intro_opens_a_summary() -> None:
    text = (
        "In today's threat landscape, every business needs visibility into its SaaS estate. "
        "Contoso disclosed a flaw in its gateway that lets attackers read session tokens. "
        "Register now for our webinar to learn how to protect your apps. "
        "Contoso said patches are available for all supported versions of the gateway."
    )
    summary = summarize([article_sentences(text)], TfidfSimilarity(), vendors=("Contoso",))
    assert not summary.startswith("In today") and "Register" not in summary and summary
