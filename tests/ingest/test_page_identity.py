"""What makes two pages one article: a long body is its own identity (a syndicated copy under another
URL or headline is a copy), a short one is not (pages that share only an author line or a stub are
different articles, each stored and clustered)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.ingest import article_from_bytes, content_hash
from bot.ingest.article import MIN_IDENTIFYING_WORDS
from bot.intel.engine import StoryEngine
from bot.models import Article
from bot.store.articles import ArticleStore
from bot.store.backends import open_database
from bot.store.db import Database
from bot.store.story_store import StoryStore

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"


@pytest.fixture
async def db(db_target: str | Path) -> AsyncIterator[Database]:
    database = await open_database(db_target)
    yield database
    await database.close()


def stub_page(title: str, url: str) -> bytes:
    """An aggregator's page on which only the site's boilerplate stands under the headline."""
    return (
        f"---\ntitle: {title}\nurl: {url}\nsource: Security news aggregator\ndate: 2026-03-02\n---\n\n"
        f"# {title}\n\n* [Latest](/latest/)\n* [Security](/security/)\n\n"
        "Jo Writer follows the security beat for this website.\n\n"
        "Share this article: [X](https://x.example/share)\n"
    ).encode()


async def store_and_cluster(db: Database, article: Article) -> tuple[Article, bool, int | None]:
    stored, new = await ArticleStore(db).add(replace(article, subjects=("Microsoft",)))
    engine = StoryEngine(StoryStore(db))
    await engine.add_article(stored)
    member = await engine.store.member(stored.id or -1)
    return stored, new, member.story_id if member else None


async def test_pages_sharing_only_boilerplate_are_different_articles(db: Database) -> None:
    first = article_from_bytes(
        stub_page("Microsoft fixes a flaw in its mail server", "https://a.example/2026/03/01/mail-flaw/"),
        "a.md",
    )
    second = article_from_bytes(
        stub_page("Microsoft retires an old VPN client", "https://b.example/2026/03/01/vpn-client/"), "b.md"
    )
    assert first.body == second.body and len(first.body.split()) < MIN_IDENTIFYING_WORDS
    assert first.content_hash != second.content_hash
    stored_first, new_first, story_first = await store_and_cluster(db, first)
    stored_second, new_second, story_second = await store_and_cluster(db, second)
    assert new_first and new_second and stored_first.id != stored_second.id
    assert story_first is not None and story_second is not None  # both reached the engine
    assert await ArticleStore(db).count() == 2


async def test_a_redelivered_short_page_is_still_a_copy(db: Database) -> None:
    page = stub_page("Microsoft fixes a flaw in its mail server", "https://a.example/2026/03/01/mail-flaw/")
    first = article_from_bytes(page, "a.md")
    again = article_from_bytes(page.replace(b"https://a.example", b"https://mirror.example"), "b.md")
    assert first.content_hash == again.content_hash  # same headline, same text
    await ArticleStore(db).add(first)
    _, new = await ArticleStore(db).add(again)
    assert not new


async def test_a_long_syndicated_copy_under_another_headline_stays_one_article(db: Database) -> None:
    text = (FIXTURES / "syndicated.md").read_text(encoding="utf-8")
    original = article_from_bytes(text.encode(), "a.md")
    assert len(original.body.split()) >= MIN_IDENTIFYING_WORDS
    copy_text = text.replace("theregister.com/2026/04/14", "news.example.net/2026/04/15").replace(
        "Microsoft revokes certificates abused to sign malicious drivers",
        "Redmond pulls rogue driver certificates",
    )
    copy = article_from_bytes(copy_text.encode(), "b.md")
    assert copy.url != original.url and copy.title != original.title
    assert copy.content_hash == original.content_hash
    stored, new, _ = await store_and_cluster(db, original)
    again, again_new, _ = await store_and_cluster(db, copy)
    assert new and not again_new and again.id == stored.id
    assert await ArticleStore(db).count() == 1


def test_the_headline_counts_only_for_a_short_body() -> None:
    short = "The vendor shipped a fix."
    long = " ".join(["The vendor shipped a fix for the flaw in its mail server."] * 5)
    assert content_hash(short, "One headline") != content_hash(short, "Another headline")
    assert content_hash(long, "One headline") == content_hash(long, "Another headline")
    assert content_hash(short, "One  HEADLINE") == content_hash(short, "one headline")
