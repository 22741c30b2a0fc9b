"""Regressions: a clean all-prose page keeps every paragraph, its front-matter date and its declared
outlet; news prose that borrows chrome vocabulary or mentions a date stays prose; aggregator copies
still take the publisher's byline date and name."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ingest import article_from_bytes, classify, clean_text
from bot.ingest.classify import is_dateline
from bot.ingest.frontmatter import split_front_matter
from bot.ingest.markup import parse_blocks
from bot.ingest.outlets import outlet_for, outlet_from_host

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"


def _load(name: str) -> tuple[str, list[str]]:
    """The fixture's text and its body paragraphs as written (front matter and headings left out)."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    _, body = split_front_matter(text)
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip() and not p.startswith("#")]
    return text, paragraphs


def test_all_prose_page_keeps_every_paragraph_its_date_and_its_outlet() -> None:
    text, paragraphs = _load("prose-only.md")
    article = article_from_bytes(text.encode(), "prose-only.md")
    assert article.body.split("\n\n") == paragraphs
    # front matter by the publisher, not "April 30, 2025" from a sentence of the article
    assert article.published == datetime(2025, 3, 14, tzinfo=UTC)
    assert article.outlet == "Grid Watch Bulletin"  # declared, not "Example" from the host


def test_clean_text_keeps_prose_that_uses_chrome_words() -> None:
    _, paragraphs = _load("prose-only.md")
    page = "\n\n".join(paragraphs)
    assert clean_text(page, "markdown").split("\n\n") == paragraphs


def test_chrome_sentences_are_still_dropped() -> None:
    _, paragraphs = _load("prose-only.md")
    chrome = [
        "Sign up for our free newsletter to get the day's top security stories in your inbox every morning.",
        "In each episode our editors take a longer look at the week's biggest breaches. Click to subscribe!",
        "Copyright 2025 Grid Watch Media Group. All rights reserved. This material may not be redistributed.",
    ]
    page = "\n\n".join([*paragraphs[:3], chrome[0], *paragraphs[3:], *chrome[1:]])
    body = clean_text(page, "markdown")
    assert body.split("\n\n") == paragraphs
    assert not any(line in body for line in chrome)


@pytest.mark.parametrize(
    ("line", "stamp"),
    [
        ("May 6, 2025 4:10 PM EDT", True),
        ("Updated 14 March 2025", True),
        ("By Lena Brookes | 2025-05-06", True),
        ("The patch ships to all customers on October 8, 2024.", False),
        ("Support for older firmware ends on June 30, 2025!", False),
    ],
)
def test_a_sentence_that_mentions_a_date_is_no_date_stamp(line: str, stamp: bool) -> None:
    assert is_dateline(parse_blocks(line)[0]) is stamp


def test_aggregator_copy_takes_the_byline_date_not_the_aggregator_or_a_sentence_date() -> None:
    text, _ = _load("byline-and-aggregator.md")
    article = article_from_bytes(text.encode(), "byline.md")
    assert article.published == datetime(2025, 5, 6, 20, 10, tzinfo=UTC)  # 4:10 PM EDT
    assert article.outlet == "Netgearwatch"  # the host's label, not the aggregator
    assert article.body.startswith("A router manufacturer") and article.body.endswith("older versions ends.")


def test_publisher_front_matter_date_wins_over_a_date_in_the_body_without_byline() -> None:
    page = (
        "---\ntitle: Vendor ends support\nurl: https://cyberledger.example.net/2025/01/vendor-ends\n"
        "source: Cyber Ledger\ndate: 2025-01-20\n---\n\n"
        "The vendor said it would end security support for its legacy appliances on March 1, 2026, and "
        "urged customers to migrate to its cloud service before then.\n\n"
        "Customers who stay on the old appliances will no longer receive firmware fixes after that date, "
        "the company said in a notice to partners.\n"
    )
    article = article_from_bytes(page.encode(), "ledger.md")
    assert article.published == datetime(2025, 1, 20, tzinfo=UTC)
    assert article.outlet == "Cyber Ledger"
    assert len(article.body.split("\n\n")) == 2


def test_aggregator_repost_names_the_outlet_it_credits() -> None:
    text, paragraphs = _load("aggregator-repost.md")
    article = article_from_bytes(text.encode(), "repost.md")
    assert article.outlet == "Clinic Security Review"
    assert article.body.split("\n\n")[:3] == paragraphs[:3]


@pytest.mark.parametrize(
    ("host", "name"),
    [
        ("dailypatch.example.org", "Dailypatch"),
        ("www.cyber-desk.example.com", "Cyber Desk"),
        ("jdoe-security.substack.com", "Jdoe Security"),
        ("breachwire.example", "Breachwire"),
        ("news.bbc.co.uk", "BBC"),
    ],
)
def test_host_fallback_uses_the_most_specific_label(host: str, name: str) -> None:
    assert outlet_from_host(host) == name


def test_a_declared_outlet_beats_the_host_but_not_a_known_news_host() -> None:
    url = "https://dailypatch.example.org/news/x"
    assert outlet_for(url, [], declared="Daily Patch Report") == "Daily Patch Report"
    assert outlet_for(url, ["Daily Patch"]) == "Daily Patch"  # a name the page gives, spelling the host
    assert outlet_for(url, [], declared="Weekly security digest") == "Dailypatch"  # an aggregator
    assert outlet_for("https://techcrunch.com/2024/x", [], declared="Some Reposter") == "TechCrunch"


def test_spaced_rules_are_rules_and_a_run_of_them_is_one_block() -> None:
    # CommonMark: "- - -" and "* * *" are thematic breaks, not list items; a page of 100,000 of them
    # (a hostile or broken scrape) must not become 100,000 blocks for every later stage to walk.
    blocks = parse_blocks("Intro line here.\n\n" + "- - -\n* * *\n" * 50_000 + "\nThe article goes on.\n")
    assert [b.kind for b in blocks] == ["p", "hr", "p"]
    assert [b.kind for b in parse_blocks("- - -\n\n- item one\n\n---\n\ntext\n")] == ["hr", "li", "hr", "p"]


@pytest.mark.parametrize("name", ["_CHROME_WEAK", "_CHROME", "_CHROME_ALWAYS"])
def test_chrome_phrases_are_all_found_behind_their_first_character_lookahead(name: str) -> None:
    # The look-ahead only skips positions where no phrase starts: on a text of every word the phrases
    # use (as written, capitalised, upper case), the list finds exactly what it finds without it.
    fast = getattr(classify, name)
    plain = re.compile(fast.pattern.split(")(?:", 1)[1][:-1], re.IGNORECASE)
    words = re.findall(r"[a-z]+", plain.pattern)
    text = " ".join([*words, *(w.capitalize() for w in words), *(w.upper() for w in words), "©"])
    spans = [m.span() for m in plain.finditer(text)]
    assert len(spans) >= len(re.findall(r"\|", plain.pattern)) // 3
    assert [m.span() for m in fast.finditer(text)] == spans
