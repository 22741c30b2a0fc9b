"""Each stored format is read, cleaned and given the right metadata (bundled sample pages and small
fixtures of our own)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ingest import article_from_bytes, clean_text, load_article, parse_page
from bot.ingest.formats import detect_format
from bot.ingest.glued_words import repair_glued_words
from bot.ingest.outlets import credited_outlets, outlet_for, outlet_from_host

SAMPLES = Path(__file__).resolve().parents[2] / "bot" / "samples" / "stories"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"


def sample(name: str) -> Path:
    path = SAMPLES / name
    assert path.exists(), path
    return path


def test_front_matter_markdown_sample() -> None:
    article = load_article(sample("2026-03-10-breachwire-okta-support-breach.md"))
    assert article.title == "Okta confirms hackers accessed its customer support system again"
    assert article.outlet == "Breach Wire"  # from the URL host, spelled as the page spells itself
    assert article.published == datetime(2026, 3, 10, 13, 14, tzinfo=UTC)  # byline 9:14 AM EDT
    assert article.fetched == datetime(2026, 3, 11, 7, 42, 18, 552310, tzinfo=UTC)
    body = article.body
    assert body.startswith("Identity management giant Okta said on Tuesday")
    assert "review admin sessions created since February 19" in body
    for chrome in (
        "Subscribe to the Breach Wire",
        "Most Popular",
        "Dana Whitfield is a senior",
        "Podcasts",
        "©",
    ):
        assert chrome not in body
    assert "[" not in body and "](" not in body and "**" not in body


def test_plain_text_sample_names_its_outlet_and_credits_the_source() -> None:
    article = load_article(sample("2026-03-11-patchreport-okta-support-breach.txt"))
    assert article.title == "Okta support system breached for the second time"  # first line
    assert article.outlet == "The Patch Report"  # "Sign up to The Patch Report newsletter", "More from ..."
    assert article.credits == ("Breach Wire",)  # "Via Breach Wire"
    assert article.url is None
    # Nothing on the page dates it: the time the file arrived stands in, recorded as such.
    assert article.published == article.fetched and article.published_precision == "fetched"
    body = article.body
    assert "was not affected" in body and "environments in 2023" in body  # glued words repaired
    assert body.count("Déjà vu for Okta customers") == 1
    for chrome in ("affiliate", "newsletter", "Marcus Ellery", "Best password managers", "Via Breach Wire"):
        assert chrome not in body


def test_html_sample_uses_trafilatura_metadata() -> None:
    article = load_article(sample("2026-02-17-crowdstrike-acquires-keystone.html"))
    assert article.title == "CrowdStrike to buy data security startup Keystone Labs for $420 million"
    assert article.outlet == "Threat Ledger"
    assert article.url == "https://threatledger.example/2026/02/17/crowdstrike-keystone-labs-acquisition/"
    assert article.published is not None and article.published.date().isoformat() == "2026-02-17"
    assert "$420 million in cash and stock" in article.body
    assert (
        "<p>" not in article.body
        and "Privacy" not in article.body
        and "More deals coverage" not in article.body
    )
    assert "\n\n" in article.body  # paragraphs, not one line per paragraph


def test_json_sample_with_markdown_body() -> None:
    article = load_article(sample("2026-03-06-netdefense-fortinet-fortios-zero-day.json"))
    assert article.outlet == "NetDefense"
    assert article.published == datetime(2026, 3, 6, 16, 20, tzinfo=UTC)  # same day as the URL, with time
    assert "CVE-2026-21762" in article.body
    assert "Trending now" not in article.body and "Share on LinkedIn" not in article.body


def test_json_with_html_field() -> None:
    html = (FIXTURES / "advisory.html").read_text(encoding="utf-8")
    data = json.dumps({"title": "Stored title", "source": "Feedly aggregator", "html": html}).encode()
    article = article_from_bytes(data, "story.json")
    assert "Palo Alto Networks" in article.body
    assert article.outlet == "Firewall Times"  # the page's site name; the aggregator is not the outlet
    assert "Subscribe" not in article.body


def test_every_bundled_sample_loads_and_covers_the_formats() -> None:
    files = sorted(p for p in SAMPLES.iterdir() if p.is_file())
    assert 6 <= len(files) <= 10
    formats = {parse_page(p.read_text(encoding="utf-8"), str(p)).fmt for p in files}
    assert formats == {"markdown", "text", "html", "json"}
    articles = [load_article(p) for p in files]
    assert all(a.body and a.title and a.outlet for a in articles)
    assert all(a.published is None or a.published.year == 2026 for a in articles)
    okta = [a for a in articles if a.title.startswith("Okta")]
    assert len(okta) == 3 and len({a.outlet for a in okta}) == 3
    assert len({a.content_hash for a in articles}) == len(articles)


def test_detect_format() -> None:
    assert detect_format("---\ntitle: x\n---\nbody") == "markdown"
    assert detect_format('{"title": "x", "body": "y"}') == "json"
    assert detect_format("<!DOCTYPE html><html><body><p>x</p></body></html>") == "html"
    assert detect_format("# Title\n\n* [a](b)\n* [c](d)\n") == "markdown"
    assert detect_format("Just a title\n\nSome scraped text.\n") == "text"
    assert detect_format("whatever", ".md") == "markdown"


def test_syndicated_copy_shares_the_content_hash() -> None:
    text = (FIXTURES / "syndicated.md").read_text(encoding="utf-8")
    first = article_from_bytes(text.encode(), "a.md")
    rewrapped = text.replace("shared by both copies", "shared   by both\ncopies").replace(
        "Microsoft", "MICROSOFT"
    )
    second = article_from_bytes(rewrapped.encode(), "b.md")
    assert first.content_hash == second.content_hash
    changed = article_from_bytes(text.replace("two", "three").encode(), "c.md")
    assert changed.content_hash != first.content_hash


def test_outlet_comes_from_the_url_not_the_aggregator_and_date_from_byline() -> None:
    text = (FIXTURES / "syndicated.md").read_text(encoding="utf-8")
    article = article_from_bytes(text.encode(), "a.md")
    assert article.outlet == "The Register"  # theregister.com, source says "Daily Sec Aggregator"
    assert article.published == datetime(
        2026, 4, 14, 17, 30, tzinfo=UTC
    )  # byline 17:30 GMT, not front matter


def test_url_date_beats_the_aggregator_date_when_no_byline() -> None:
    page = (
        "---\nurl: https://www.securityweek.example/2026/05/02/cisco-patches-ios-xe/\n"
        "source: Security news aggregator\ndate: 2026-05-04\n---\n\n"
        + "Cisco released patches for a privilege escalation flaw in IOS XE software used on its routers "
        "and switches, the company said in an advisory published on Friday.\n\n" * 2
    )
    article = article_from_bytes(page.encode(), "p.md")
    assert article.published == datetime(2026, 5, 2, tzinfo=UTC)
    assert article.outlet == "Securityweek"  # no better spelling on the page: made from the domain


@pytest.mark.parametrize(
    ("host", "name"),
    [
        ("techcrunch.com", "TechCrunch"),
        ("www.bleepingcomputer.com", "BleepingComputer"),
        ("news.bbc.co.uk", "BBC"),
        ("edition.cnn.com", "CNN"),
        ("www.example-news.co.uk", "Example News"),
        ("cyber-daily.example", "Cyber Daily"),
    ],
)
def test_outlet_from_host(host: str, name: str) -> None:
    assert outlet_from_host(host) == name


def test_outlet_for_prefers_a_spelling_of_the_host() -> None:
    assert outlet_for("https://www.breachwire.example/a", ["Breach Wire Media"]) == "Breach Wire"
    assert (
        outlet_for("https://techcrunch.com/x", ["Over Security - Cybersecurity news aggregator"])
        == "TechCrunch"
    )
    assert outlet_for(None, ["Daily aggregator feed", "The Record"]) == "The Record"


def test_credits() -> None:
    lines = [
        "Via The Record",
        "The flaw was first reported by BleepingComputer on Monday.",
        "Photo via Getty Images",
        "You can reach me via Signal.",
        "Source: Reuters",
        "Via TechCrunch",  # own outlet: not a credit
    ]
    assert credited_outlets(lines, "TechCrunch") == ("The Record", "BleepingComputer", "Reuters")


@pytest.mark.parametrize(
    ("glued", "fixed"),
    [
        ("the firm wasbanned from selling", "the firm was banned from selling"),
        ("products in the USafter being accused", "products in the US after being accused"),
        ("alarmed to findtheir antivirus gone", "alarmed to find their antivirus gone"),
    ],
)
def test_glued_words_are_split(glued: str, fixed: str) -> None:
    assert repair_glued_words(glued, english=True) == fixed


@pytest.mark.parametrize(
    "kept",
    [
        "The ransomware gang used cybersecurity tools against antivirus products.",
        "CrowdStrike, SharePoint, PowerShell, macOS and iPhone users at NASA.",
        "See https://example.com/wasbanned and mail user@findtheir.example about #findtheir.",
        "HTTPServer returned IDs, URLs and CEOs.",
        "Die Datenschutzbehörde prüft den Vorfall bei der Bundesregierung.",
    ],
)
def test_words_that_are_not_glued_stay(kept: str) -> None:
    assert repair_glued_words(kept, english=True) == kept


def test_non_english_text_is_left_alone() -> None:
    text = "Die Firma wurde wegen Sicherheitsbedenken gesperrt und untersucht und dann wasbanned."
    assert repair_glued_words(text) == text


def test_clean_text_strips_markdown_syntax() -> None:
    page = (FIXTURES / "syndicated.md").read_text(encoding="utf-8").split("---", 2)[2]
    body = clean_text(page, "markdown")
    assert "Microsoft" in body
    for syntax in ("](", "![", "**", "# ", "* "):
        assert syntax not in body
    assert all(p.strip() == p and p for p in body.split("\n\n"))
