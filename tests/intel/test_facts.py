"""Key facts: dates with honest granularity, quantities merged across wordings, people with roles,
quotes with their speaker, places, organisations and statements, each citing its sources."""

from __future__ import annotations

from datetime import date

import pytest

from bot.intel.facts import ArticleFact, extract_facts, merge_facts
from bot.intel.facts.dates import ResolvedDate, find_dates, resolve_phrase
from bot.intel.facts.gazetteer import find_places
from bot.intel.facts.people import find_people, find_quotes
from bot.intel.facts.quantities import find_quantities
from bot.intel.sentences import article_sentences, paragraphs

OCT_8_2024 = date(2024, 10, 8)


@pytest.mark.parametrize(
    ("phrase", "reference", "key", "granularity"),
    [
        ("In June, the ban took effect.", OCT_8_2024, "2024-06", "month"),
        ("In June 2024, the firm was banned.", None, "2024-06", "month"),
        ("It said so on Oct. 8.", date(2024, 10, 9), "2024-10-08", "day"),
        ("Published October 8, 2024 at noon.", None, "2024-10-08", "day"),
        ("Published 8 October 2024.", None, "2024-10-08", "day"),
        ("The office closes in December.", OCT_8_2024, "2024-12", "month"),  # soon after: this year
        ("The review began in November.", date(2025, 1, 15), "2024-11", "month"),  # just before: last year
        ("Staff were told on Tuesday.", date(2024, 10, 9), "2024-10-08", "day"),  # a Wednesday
        ("The tool was released in 2023.", OCT_8_2024, "2023", "year"),
        ("Files dated 2024-06-20 leaked.", None, "2024-06-20", "day"),
    ],
)
def test_dates_resolve_against_the_article_date(
    phrase: str, reference: date | None, key: str, granularity: str
) -> None:
    resolved = resolve_phrase(phrase, reference)
    assert resolved is not None
    assert resolved.key == key and resolved.granularity == granularity


@pytest.mark.parametrize(
    ("phrase", "reference"),
    [
        ("just three months after the company started closing its U.S. operations", OCT_8_2024),
        ("The company may close more offices.", OCT_8_2024),  # "may" is not May
        ("In June, the ban took effect.", None),  # no year to give it without the article's date
        ("Staff were told on Tuesday.", None),
    ],
)
def test_durations_modal_verbs_and_unanchored_dates_are_not_dates(
    phrase: str, reference: date | None
) -> None:
    assert find_dates(phrase, reference) == []


def test_a_month_is_not_given_a_made_up_day() -> None:
    june = resolve_phrase("In June", OCT_8_2024)
    assert june == ResolvedDate(2024, 6, None) and june.render() == "June 2024"


def test_less_than_and_fewer_than_are_one_layoffs_fact_with_two_sources() -> None:
    first = (
        "Kaspersky is closing its office in the United Kingdom, the company said on Monday. "
        "Kaspersky spokesperson Jane Roe said there are “less than 50 employees” in its London office."
    )
    second = "It added it has ‘(fewer) than 50 employees’ in its London office, and will begin a wind-down."
    per_source = [
        extract_facts(text, article_sentences(text), published=OCT_8_2024, vendors=("Kaspersky",))
        for text in (first, second)
    ]
    quantities = [f for f in merge_facts(per_source) if f.kind == "layoffs"]
    assert len(quantities) == 1
    assert quantities[0].sources == (0, 1)
    assert quantities[0].text == "Fewer than 50 employees in London"


@pytest.mark.parametrize(
    ("text", "key", "rendered"),
    [
        ("laying off dozens of workers", "quantity:vague:dozens:staff", "dozens of workers"),
        ("a $2.5 million fine", "quantity:eq:2500000:money", "$2.5 million"),
        ("more than 1.2 billion records", "quantity:gt:1200000000:records", "more than 1.2 billion records"),
        ("some 1,200 staff", "quantity:approx:1200:staff", "about 1,200 staff"),
        ("10% of its workforce", "quantity:eq:10:percent", "10% of its workforce"),
    ],
)
def test_quantities_have_a_unit(text: str, key: str, rendered: str) -> None:
    (quantity,) = find_quantities(text)
    assert quantity.key == key and quantity.render() == rendered


def test_numbers_without_a_unit_are_not_quantities() -> None:
    assert find_quantities("In 2024, version 2.1 fixed 3 of the 12 issues reported at +1 917 257 1382.") == []


def test_quotes_keep_their_speaker_across_continuations() -> None:
    body = "\n\n".join(
        [
            "Contoso spokesperson Jane Roe said in an email that the company “will move every customer "
            "to the new platform before the end of the year.”",
            "“This step lets our company serve customers in the U.K. far more efficiently than before. "
            "Our partners keep full access to the European support team,” the statement continued.",
            "Roe said there are “fewer than 50 employees” in its London office.",
            "“We regret the impact on the people who built this office over the years,”",
            "A former employee, who asked not to be named, said “nobody saw this coming at all.”",
            "“We are confident the decision is the right one for the business,” Roe added.",
        ]
    )
    people = find_people(body)
    assert [p.name for p in people] == ["Jane Roe"]
    quotes = find_quotes(paragraphs(body), people, "Contoso")
    speakers = {q.text.split()[0]: q.speaker for q in quotes}
    assert speakers["will"] == "Jane Roe"
    assert speakers["This"] == "Jane Roe"  # "the statement continued"
    assert speakers["Our"] == "Jane Roe"
    assert speakers["We"] == "Jane Roe"  # a bare quote paragraph continues the last speaker
    assert "nobody" not in speakers  # an unnamed source is not put in Jane Roe's mouth
    assert all(len(q.text.split()) >= 6 for q in quotes)  # "fewer than 50 employees" is no quote fact
    assert sum(1 for q in quotes if q.text.startswith("We are confident")) == 1


@pytest.mark.parametrize(
    ("text", "name", "phrase"),
    [
        ("Kaspersky spokesperson Francesco Tius said", "Francesco Tius", "spokesperson Francesco Tius"),
        (
            "said Jane Roe, a security researcher at Contoso Labs.",
            "Jane Roe",
            "Jane Roe, a security researcher at Contoso Labs",
        ),
        ("Acme CEO John Smith told reporters", "John Smith", "Acme CEO John Smith"),
        (
            "Maria Lopez, the company's chief executive, said",
            "Maria Lopez",
            "Maria Lopez, the company's chief executive",
        ),
    ],
)
def test_people_come_with_their_role(text: str, name: str, phrase: str) -> None:
    (person,) = find_people(text)
    assert person.name == name
    assert phrase in person.phrase


def test_places_have_one_canonical_name_and_pronouns_are_not_places() -> None:
    found = [
        p for _, p in find_places("The U.K. office, the United Kingdom team and US staff told us in London.")
    ]
    assert found == ["United Kingdom", "United Kingdom", "United States", "London"]
    assert find_places("Tell us what happened to them.") == []


def test_statements_and_no_bare_names_from_an_article() -> None:
    body = (
        "In June, the U.S. government banned Kaspersky from selling its products in the U.S. market, which "
        "led to layoffs.\n\nThe ban forced Kaspersky to move its customer base in the U.S. to a new company "
        "called UltraAV.\n\nTechCrunch has learned that staff were told on Monday."
    )
    facts = extract_facts(body, article_sentences(body), published=OCT_8_2024, vendors=("Kaspersky",))
    by_kind: dict[str, list[ArticleFact]] = {}
    for fact in facts:
        by_kind.setdefault(fact.kind, []).append(fact)
    statements = [f.text for f in by_kind["statement"]]
    assert (
        statements[0]
        == "In June 2024, the U.S. government banned Kaspersky from selling its products in the U.S. market"
    )
    assert any("UltraAV" in s and "customer base" in s for s in statements)
    # a bare organisation or place is no fact of its own (issue 16); statements carry them
    assert "organisation" not in by_kind and "place" not in by_kind


def test_statements_from_two_outlets_meet_when_places_agree_or_one_is_silent() -> None:
    uk = ArticleFact(
        "statement",
        "Acme is closing its UK office",
        "statement:workforce:united kingdom",
        0,
        "United Kingdom",
    )
    us = ArticleFact(
        "statement", "Acme closed its US office", "statement:workforce:united states", 1, "United States"
    )
    silent = ArticleFact("statement", "Acme will close the office", "statement:workforce:-", 0, None)
    merged = merge_facts([[uk, us], [silent], [uk]])
    assert [(f.text, f.sources) for f in merged] == [
        ("Acme is closing its UK office", (0, 1, 2)),
        ("Acme closed its US office", (0,)),
    ]


def test_generic_claims_are_no_statements_of_the_event() -> None:
    body = (
        "Acme Bank disclosed on Monday that attackers breached its network in London. "
        "Cross-site scripting is a type of vulnerability found in web applications in London. "
        "Two-factor authentication is becoming a standard for banks in London. "
        "The company said the breach reinforced the need to protect credentials in London."
    )
    texts = [
        f.text for f in extract_facts(body, article_sentences(body), published=None) if f.kind == "statement"
    ]
    assert any("breached its network" in t for t in texts)
    assert not any("type of" in t or "becoming" in t or "need to" in t for t in texts)
