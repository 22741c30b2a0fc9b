"""The two stored seed stories (third-party text, read at run time) come out as clean articles with
the right publisher, date, credits and repaired words."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ingest import load_article
from bot.models import Article

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "seeds"
TECHCRUNCH = SEEDS / "000_3fb1dfb267da922c.txt"
TECHRADAR = SEEDS / "001_cccda02b56d872e3.txt"

pytestmark = pytest.mark.skipif(not TECHCRUNCH.exists(), reason="../shared/data/seeds is not present")


@pytest.fixture(scope="module")
def techcrunch() -> Article:
    return load_article(TECHCRUNCH)


@pytest.fixture(scope="module")
def techradar() -> Article:
    return load_article(TECHRADAR)


def _raw_lines(path: Path, start: str) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith(start)]


def test_techcrunch_body_is_the_article(techcrunch: Article) -> None:
    body = techcrunch.body
    assert body.startswith("Russian cybersecurity giant Kaspersky is shutting down its office")
    assert "“less than 50 employees”" in body
    assert "transferring its customer base in the U.S. to a new company called UltraAV" in body
    # The paragraph after the in-article event promo belongs to the article too.
    assert body.rstrip().endswith("consent to switch antivirus software.")
    assert len(body.split("\n\n")) == 7


@pytest.mark.parametrize(
    "boilerplate",
    [
        "Startup Battlefield",  # mega menu
        "Mega Menu Toggle",
        "Image Credits",
        "Disrupt 2025",  # event promo
        "REGISTER NOW",
        "Grab your ticket",
        "Most Popular",
        "Replit",  # most-popular list entry
        "Senior Reporter",  # author bio
        "Keybase",
        "lorenzo@techcrunch.com",
        "Topics",
        "](",  # markdown syntax
        "**",
        "#",
    ],
)
def test_techcrunch_boilerplate_is_gone(techcrunch: Article, boilerplate: str) -> None:
    assert boilerplate not in techcrunch.body


def test_techcrunch_metadata(techcrunch: Article) -> None:
    assert techcrunch.outlet == "TechCrunch"  # not the aggregator named in the front matter
    assert techcrunch.url and techcrunch.url.startswith("https://techcrunch.com/2024/10/08/")
    assert techcrunch.published is not None
    assert techcrunch.published.date().isoformat() == "2024-10-08"  # not the aggregator's 2024-10-09
    assert techcrunch.published.tzinfo is not None and techcrunch.published.utcoffset().total_seconds() == 0
    assert techcrunch.published == datetime(2024, 10, 8, 15, 59, tzinfo=UTC)  # 8:59 AM PDT
    assert techcrunch.fetched == datetime(2025, 10, 6, 18, 55, 35, 111011, tzinfo=UTC)
    # The publisher's own headline, not the stored title with its typo.
    assert techcrunch.title == "Kaspersky says it’s closing down its UK office and laying off dozens"
    assert techcrunch.credits == ()
    assert techcrunch.raw.startswith("---\ntitle: Kasperksy")
    assert techcrunch.subjects == () and techcrunch.mentions == ()


def test_techradar_body_is_the_article(techradar: Article) -> None:
    body = techradar.body
    assert body.startswith("Just months after cyber security giant Kaspersky closed up shop in the US")
    assert "email notifications in the weeks leading up to the update" in body
    lines = [line.strip() for line in techradar.raw.splitlines()]
    doubled = [a for a, b in zip(lines, lines[2:], strict=False) if a and a == b and len(a.split()) <= 4]
    assert doubled  # the scrape prints a subheading twice (desktop + mobile markup) ...
    assert all(body.count(heading) == 1 for heading in doubled)  # ... the body once


@pytest.mark.parametrize(
    "boilerplate",
    [
        "affiliate commission",
        "Subscribe to our newsletter",
        "Sign up to the TechRadar Pro newsletter",
        "More from TechRadar Pro",
        "Ellen has been writing",  # author bio
        "Best CDN provider",  # unrelated related-article titles
        "Nokia",
        "Google’s new AI video maker",
        "ViaTechCrunch",
    ],
)
def test_techradar_boilerplate_is_gone(techradar: Article, boilerplate: str) -> None:
    assert boilerplate not in techradar.body


def test_techradar_metadata_and_glued_words(techradar: Article) -> None:
    assert techradar.outlet in ("TechRadar Pro", "TechRadar")  # named in its own text, no URL
    assert techradar.credits == ("TechCrunch",)  # "ViaTechCrunch"
    assert techradar.title == "Kaspersky is closing its UK office"
    assert techradar.url is None
    body = techradar.body
    for repaired in ("was banned", "US after", "find their", "uninstalled and"):
        assert repaired in body
    for glued in ("wasbanned", "USafter", "findtheir"):
        assert glued not in body
    # The stored text really had them glued: the repair is ours.
    assert any("wasbanned" in line for line in _raw_lines(TECHRADAR, "In June"))


def test_both_seeds_are_the_same_event_with_distinct_hashes(techcrunch: Article, techradar: Article) -> None:
    assert "Kaspersky" in techcrunch.body and "Kaspersky" in techradar.body
    assert techcrunch.content_hash != techradar.content_hash
    assert len(techcrunch.content_hash) == 64
