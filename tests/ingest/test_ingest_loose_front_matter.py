"""Front matter as real stores write it (loose `key: value` lines, not YAML) is read, never rejected.

Each page below reproduces a shape seen in real stored pages (the text is written for this test): an
unquoted value with ": " in it, a value opening with a YAML indicator (`#`, `[`, `*`, `&`, `!`, `%`,
`@`), a quote never closed, a title that is itself YAML, a block never closed. The page must give the
title, URL, outlet and date a person reads in it, and the log must say the block was not strict YAML.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ingest import RejectedFile, article_from_bytes, load_article

BODY = (
    "The vendor said on Tuesday that attackers had used a stolen signing key to push a tampered update "
    "to customers, and that it had revoked the key and shipped a clean build.\n\n"
    "Administrators are urged to install the new release and to rotate any credentials stored on the "
    "affected servers, the company added in its advisory."
)


def page(*lines: str, body: str = BODY) -> bytes:
    return ("---\n" + "\n".join(lines) + "\n---\n\n" + body + "\n").encode()


STANDARD = ("url: https://news.example.com/2025/03/30/story/", "date: 2025-03-30")

# (the title line as written, the title a person reads)
TITLE_SHAPES = [
    (
        "title: Threat Advisory: 3CX Softphone Supply Chain Compromise",
        "Threat Advisory: 3CX Softphone Supply Chain Compromise",
    ),
    (
        "title: Microsoft Patch Tuesday December 2025, (Tue, Dec 9th)",
        "Microsoft Patch Tuesday December 2025, (Tue, Dec 9th)",
    ),
    ("title: #StopRansomware: Akira Ransomware", "#StopRansomware: Akira Ransomware"),
    ("title: [Update] Fortinet warns of FortiOS flaw", "[Update] Fortinet warns of FortiOS flaw"),
    ("title: [Update]", "[Update]"),
    ("title: *Exclusive* Okta support system breached", "Exclusive Okta support system breached"),  # emphasis
    ("title: &Co. patches router firmware", "&Co. patches router firmware"),
    ("title: !Important: Ivanti Connect Secure update", "!Important: Ivanti Connect Secure update"),
    ("title: %TEMP% abuse in new Windows malware", "%TEMP% abuse in new Windows malware"),
    ("title: @Cisco confirms Talos findings", "@Cisco confirms Talos findings"),
    ('title: "Okta says attackers stole support files', '"Okta says attackers stole support files'),
    ("title: 'Citrix Bleed' exploited: patch now", "'Citrix Bleed' exploited: patch now"),
    ('title: "Balanced quotes: stripped"', "Balanced quotes: stripped"),
    ("title: yes", "yes"),
    ("title: null", "null"),
    ("title: 3:30", "3:30"),
    ("title: {Exclusive}: GitLab account takeover", "{Exclusive}: GitLab account takeover"),
    ("title: - dash first: a list item?", "dash first: a list item?"),  # markdown stripped, as any title
    ("title: key: value: value", "key: value: value"),
]


@pytest.mark.parametrize(("line", "title"), TITLE_SHAPES)
def test_title_shapes_are_read_as_written(line: str, title: str) -> None:
    article = article_from_bytes(page(line, *STANDARD), "story.md")
    assert article.title == title
    assert article.url == "https://news.example.com/2025/03/30/story/"
    assert article.published == datetime(2025, 3, 30, tzinfo=UTC)
    assert "stolen signing key" in article.body


def test_source_with_a_colon_names_the_outlet(caplog: pytest.LogCaptureFixture) -> None:
    data = page(
        "title: Handler diary: scanning for exposed VPN portals",
        "url: https://isc.example.org/diary/31000",
        "source: SANS Internet Storm Center, InfoCON: green",
        "date: 2025-12-09T14:05:00+00:00",
        "fetch_date: 2025-12-10",
        "tags: [vpn, scanning",  # an unknown key, unclosed: kept, not fatal
    )
    with caplog.at_level(logging.WARNING):
        article = article_from_bytes(data, "diary.md")
    assert article.title == "Handler diary: scanning for exposed VPN portals"
    assert article.outlet == "SANS Internet Storm Center, InfoCON: green"
    assert article.published == datetime(2025, 12, 9, 14, 5, tzinfo=UTC)
    assert article.fetched == datetime(2025, 12, 10, tzinfo=UTC)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("diary.md" in w and "not strict YAML" in w for w in warnings)


def test_strict_yaml_is_not_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        article = article_from_bytes(page('title: "Plain: quoted"', *STANDARD), "ok.md")
    assert article.title == "Plain: quoted"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_block_never_closed_ends_at_its_last_field(caplog: pytest.LogCaptureFixture) -> None:
    data = ("---\ntitle: Never closed: the block\nurl: https://example.net/a\n\n" + BODY).encode()
    with caplog.at_level(logging.WARNING):
        article = article_from_bytes(data, "open.md")
    assert article.title == "Never closed: the block"
    assert article.url == "https://example.net/a"
    assert article.body.startswith("The vendor said")
    assert any("not closed" in r.getMessage() for r in caplog.records)


def test_a_rule_then_prose_is_no_front_matter() -> None:
    text = "---\nA heading line of the page\n---\n\n" + BODY
    article = article_from_bytes(text.encode(), "rule.md")
    assert article.title == "A heading line of the page"
    assert "stolen signing key" in article.body


def test_yaml_that_is_no_mapping_is_read_loosely() -> None:
    article = article_from_bytes(page("- just", "- a list", "title: after the list"), "list.md")
    assert article.title == "after the list"


def test_continuation_lines_and_lists_are_kept() -> None:
    article = article_from_bytes(
        page("title: A long title that the", "  scraper wrapped: onto two lines", "tags:", "  - a", "  - b"),
        "wrapped.md",
    )
    assert article.title == "A long title that the scraper wrapped: onto two lines"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"---\ntitle: Only a header: no body yet\nurl: https://example.com/x\n", "not closed"),
        (b"---\ntitle: Header: and nothing else\n---\n", "no article text"),
        (b"---\ntitle: Menu only\n---\n\n* [Home](/)\n* [News](/news)\n", "no article text"),
    ],
)
def test_no_article_text_is_the_only_rejection(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "story.md"
    path.write_bytes(data)
    with pytest.raises(RejectedFile) as caught:
        load_article(path)
    assert reason in caught.value.reason


def test_feed_summary_ending_in_an_ellipsis_is_read() -> None:
    """A feed-fed store keeps one paragraph per item ("... [...]"): readable text, so never rejected."""
    summary = (
        "A software tracking company disclosed a breach after attackers reached its systems in early "
        "August and took customer access tokens. [...]"
    )
    article = article_from_bytes(page('title: "Tracker breach"', *STANDARD, body=summary), "feed.md")
    assert article.body.startswith("A software tracking company")


SEEDS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


@pytest.mark.skipif(not (SEEDS / "multi-outlet-dev" / "stories").is_dir(), reason="shared dev data absent")
def test_every_real_stored_page_is_read_with_its_metadata() -> None:
    """The real stored pages in the seeds' format (read at test time, never copied): none rejected,
    every title and URL read, and a date for each page whose front matter gives one."""
    files = [
        *sorted((SEEDS / "multi-outlet-dev" / "stories").glob("*.md")),
        SEEDS / "seeds" / "000_3fb1dfb267da922c.txt",
    ]
    assert len(files) >= 200
    for path in files:
        article = load_article(path)
        assert article.title and article.url and article.published, path.name
