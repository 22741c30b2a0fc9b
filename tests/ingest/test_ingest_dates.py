"""Publication dates and their precision: metadata, bylines, datelines, day and month URLs, and the
fetch time recorded as such when nothing on the page dates it (own fixtures, shaped like real pages)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.ingest import article_from_bytes, load_article
from bot.ingest.dates import dated_url, dated_value, dateline_date
from bot.ingest.html import date_in_markup
from bot.store import Store

PROSE = (
    "The vendor shipped fixes for two flaws in its remote access gateway on Thursday, after researchers "
    "showed that an attacker could read session tokens from memory without logging in first.\n\n"
    "Customers who cannot update right away should restrict the management interface to trusted "
    "networks, the company said in its advisory, and rotate every credential the gateway stores.\n"
)


def page(front: str = "", body: str = PROSE) -> bytes:
    head = f"---\n{front}---\n\n" if front else ""
    return (head + "# Gateway flaws patched\n\n" + body).encode()


@pytest.mark.parametrize(
    ("url", "expected", "precision"),
    [
        ("https://news.example/2021/07/12/gateway-flaw/", datetime(2021, 7, 12, tzinfo=UTC), "day"),
        ("https://news.example/security/news-20240315-gateway", datetime(2024, 3, 15, tzinfo=UTC), "day"),
        ("https://news.example/2021/07/gateway-flaw.html", datetime(2021, 7, 1, tzinfo=UTC), "month"),
        ("https://news.example/2021/07/1password-flaw.html", datetime(2021, 7, 1, tzinfo=UTC), "month"),
        # a slug opening with a number is no day folder
        ("https://news.example/2014/03/25-million-accounts-breached.html", datetime(2014, 3, 1, tzinfo=UTC), "month"),
        ("https://news.example/news-2024-10-08-gateway", datetime(2024, 10, 8, tzinfo=UTC), "day"),
    ],
)
def test_url_dates_carry_their_precision(url: str, expected: datetime, precision: str) -> None:
    found = dated_url(url)
    assert found is not None and found.value == expected and found.precision == precision


def test_urls_without_a_date() -> None:
    assert dated_url("https://news.example/gateway-flaw") is None
    assert dated_url("https://news.example/2021/13/slug") is None  # no 13th month
    assert dated_url(None) is None


def test_metadata_values_with_only_a_month() -> None:
    assert dated_value("2021-07") == (datetime(2021, 7, 1, tzinfo=UTC), "month")
    assert dated_value("July 2021") == (datetime(2021, 7, 1, tzinfo=UTC), "month")
    assert dated_value("2021-07-12T09:30:00+02:00") == (datetime(2021, 7, 12, 7, 30, tzinfo=UTC), "day")
    assert dated_value("nonsense") is None


def test_dateline_opening_a_lede_but_not_a_date_in_a_sentence() -> None:
    assert dateline_date("WASHINGTON, July 12, 2021 — The agency said ...") == datetime(2021, 7, 12, tzinfo=UTC)
    assert dateline_date("Jan. 5, 2022 (Wire) - A gateway maker ...") == datetime(2022, 1, 5, tzinfo=UTC)
    assert dateline_date("On July 12, 2021, the vendor shipped a fix - late.") is None


def test_month_only_url_dates_a_page_with_nothing_else() -> None:
    article = article_from_bytes(page("title: Gateway flaws patched\nurl: https://hn.example/2021/07/gw.html\n"))
    assert article.published == datetime(2021, 7, 1, tzinfo=UTC)
    assert article.published_precision == "month"


def test_a_byline_day_refines_a_month_url() -> None:
    body = "By Ana Ruiz\n\nJuly 14, 2021 09:10 AM EDT\n\n" + PROSE
    article = article_from_bytes(page("url: https://hn.example/2021/07/gw.html\n", body))
    assert article.published == datetime(2021, 7, 14, 13, 10, tzinfo=UTC)
    assert article.published_precision == "day"


def test_dateline_in_the_lede_dates_a_plain_page() -> None:
    text = "Gateway flaws patched\n\nBOSTON, March 3, 2025 - " + PROSE
    article = article_from_bytes(text.encode(), "scrape.txt")
    assert article.published == datetime(2025, 3, 3, tzinfo=UTC) and article.published_precision == "day"


def test_front_matter_month_is_month_precision() -> None:
    article = article_from_bytes(page("title: Gateway flaws patched\ndate: 2023-09\n"))
    assert article.published == datetime(2023, 9, 1, tzinfo=UTC) and article.published_precision == "month"


def test_fetch_date_stands_in_when_nothing_dates_the_page() -> None:
    article = article_from_bytes(page("title: Gateway flaws patched\nfetch_date: 2024-02-03 10:00:00\n"))
    assert article.published == datetime(2024, 2, 3, 10, tzinfo=UTC)
    assert article.published_precision == "fetched"


def test_arrival_time_stands_in_for_an_undated_file(tmp_path: Path) -> None:
    path = tmp_path / "scrape.txt"
    path.write_bytes(b"Gateway flaws patched\n\n" + PROSE.encode())
    arrived = datetime(2024, 6, 1, 12, 0, tzinfo=UTC).timestamp()
    os.utime(path, (arrived, arrived))
    article = load_article(path)
    assert article.published == datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    assert article.published_precision == "fetched"
    # Without a file (bytes only) and no fetch_date there is nothing to stand in: undated, said so.
    undated = article_from_bytes(path.read_bytes(), "scrape.txt")
    assert undated.published is None and undated.published_precision is None


def test_publisher_front_matter_date_is_day_precision() -> None:
    article = article_from_bytes(page("source: Gateway Weekly\ndate: 2024-10-08T15:59:00Z\n"))
    assert article.published == datetime(2024, 10, 8, 15, 59, tzinfo=UTC)
    assert article.published_precision == "day"


def test_meta_and_json_ld_dates_in_markup() -> None:
    assert date_in_markup('<script type="application/ld+json">{"datePublished": "2022-05-04T08:00:00Z"}') == (
        "2022-05-04T08:00:00Z"
    )
    assert date_in_markup('<meta property="article:published_time" content="2022-05-04">') == "2022-05-04"
    assert date_in_markup("<meta content='2022-05-05' name='pubdate'>") == "2022-05-05"
    assert date_in_markup('<meta name="description" content="2022-05-06">') is None


def test_json_story_with_json_ld_style_field() -> None:
    data = json.dumps({"headline": "Gateway flaws patched", "datePublished": "2022-05-04", "body": PROSE})
    article = article_from_bytes(data.encode(), "story.json")
    assert article.published == datetime(2022, 5, 4, tzinfo=UTC) and article.published_precision == "day"


async def test_precision_is_stored_and_read_back(db_target: str | Path) -> None:
    article = article_from_bytes(page("title: Gateway flaws patched\nurl: https://hn.example/2021/07/gw.html\n"))
    store = await Store.open(db_target)
    try:
        stored, created = await store.articles.add(article)
        assert created and stored.id is not None
        again = await store.articles.get(stored.id)
        assert again is not None and again.published_precision == "month"
        assert again.published == datetime(2021, 7, 1, tzinfo=UTC)
        # The file rewritten with a byline: the revised article carries the finer date.
        body = "By Ana Ruiz\n\nJuly 14, 2021\n\n" + PROSE
        edited = article_from_bytes(page("url: https://hn.example/2021/07/gw.html\n", body))
        await store.articles.revise(stored.id, edited)
        revised = await store.articles.get(stored.id)
        assert revised is not None and revised.published_precision == "day"
        assert revised.published == datetime(2021, 7, 14, tzinfo=UTC)
    finally:
        await store.close()


def test_inspect_json_shows_the_precision(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    path.write_bytes(page("title: Gateway flaws patched\nurl: https://hn.example/2021/07/gw.html\n"))
    result = CliRunner().invoke(app, ["inspect", "--json", str(path)], env={"BOT_DB_PATH": str(tmp_path / "d.db")})
    assert result.exit_code == 0, result.output
    record = json.loads(result.output.strip().splitlines()[-1])
    assert record["published"] == "2021-07-01" and record["published_precision"] == "month"
