"""The seed event end to end: two outlets' pages -> stored articles -> one story with a summary,
key facts, event type and sources, in either arrival order; plus the engine's storage contract."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.intel.engine import StoryEngine
from bot.intel.sentences import split_sentences
from bot.intel.story_build import story_to_dict
from bot.models import Article, ChangeKind, EventType, KeyFact, Story, StoryChange
from bot.store.backends import open_database
from bot.store.db import Database
from bot.store.story_store import StoryStore
from tests.support.articles import fixture, read_article, store_article
from tests.support.clock import FIXED_NOW, ONE_SECOND, FixedClock

PRONOUN_START = re.compile(r"^(?:It|He|She|They|This|That|These|Those|His|Her|Its|Their)\b")
RENDERING_WORDS = {"fewer", "than", "more", "about", "laid", "off", "in", "of", "up", "to", "at", "least"}
MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september"}
MONTHS |= {"october", "november", "december"}
PLACE_SPELLINGS = {
    "United States": ("United States", "U.S.", "US"),
    "United Kingdom": ("United Kingdom", "U.K.", "UK"),
}


@pytest.fixture
async def db(db_target: str | Path) -> AsyncIterator[Database]:
    database = await open_database(db_target)
    yield database
    await database.close()


async def cluster(engine: StoryEngine, db: Database, articles: list[Article]) -> list[StoryChange | None]:
    changes = []
    for article in articles:
        stored = await store_article(db, article)
        changes.append(await engine.add_article(stored))
    return changes


def seed_articles(seeds: list[Path], order: tuple[int, ...]) -> list[Article]:
    return [read_article(seeds[i], ("Kaspersky",)) for i in order]


def normalise(text: str) -> str:
    return " ".join(text.split())


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower().replace("’", "'")))


def supported(fact: KeyFact, story: Story, bodies: dict[int, str]) -> bool:
    """Every word of the fact is in one of its cited sources (bar comparison words, months and years
    of a structured rendering such as "fewer than 50 employees" or "In June 2024")."""
    cited = " ".join(
        bodies[story.sources[i].article_id or -1] + " " + story.sources[i].title for i in fact.sources
    )
    if fact.kind == "place":  # a canonical name: one of its spellings is in every cited source
        spellings = PLACE_SPELLINGS.get(fact.text, (fact.text,))
        return all(
            any(
                re.search(rf"(?<!\w){re.escape(sp)}(?!\w)", bodies[story.sources[i].article_id or -1])
                for sp in spellings
            )
            for i in fact.sources
        )
    missing = {
        w
        for w in words(fact.text) - words(cited)
        if w not in RENDERING_WORDS | MONTHS and not re.fullmatch(r"20\d\d", w)
    }
    return not missing


def fact_matching(story: Story, kind: str, *patterns: str) -> KeyFact | None:
    for fact in story.key_facts:
        if fact.kind == kind and all(re.search(p, fact.text, re.IGNORECASE) for p in patterns):
            return fact
    return None


def said(story: Story, kind: str, *patterns: str) -> KeyFact | None:
    """A fact whose text, or any outlet's own wording of it (`data["wordings"]`), matches."""
    for fact in story.key_facts:
        wordings = [str(w["text"]) for w in fact.data.get("wordings", [])] or [fact.text]
        if fact.kind == kind and any(all(re.search(p, w, re.IGNORECASE) for p in patterns) for w in wordings):
            return fact
    return None


@pytest.mark.parametrize("order", [(0, 1), (1, 0)], ids=["techcrunch-first", "techradar-first"])
async def test_the_seeds_are_one_story_with_both_sources(
    db: Database, seeds: list[Path], order: tuple[int, ...]
) -> None:
    engine = StoryEngine(StoryStore(db), clock=FixedClock(tick=ONE_SECOND))
    first, second = await cluster(engine, db, seed_articles(seeds, order))
    assert first is not None and first.created
    assert second is not None and not second.created
    assert ChangeKind.NEW_SOURCE in second.kinds
    story = second.story
    assert story.id == first.story.id and story.version == 2
    assert len(story.sources) == 2
    techcrunch = next(s for s in story.sources if s.outlet == "TechCrunch")
    techradar = next(s for s in story.sources if "TechRadar" in s.outlet)
    assert techcrunch.url is not None and techcrunch.url.startswith("https://techcrunch.com/2024/10/08/")
    assert techradar.url is None
    assert second.new_outlets == (story.sources[1].outlet,)
    assert story.vendors[0] == "Kaspersky"
    assert story.event_type is EventType.LAYOFFS
    stored = await engine.store.get_story(story.id)
    assert stored is not None and stored.sources == story.sources and stored.key_facts == story.key_facts


@pytest.mark.parametrize("order", [(0, 1), (1, 0)], ids=["techcrunch-first", "techradar-first"])
async def test_the_seed_story_carries_the_required_facts(
    db: Database, seeds: list[Path], order: tuple[int, ...]
) -> None:
    engine = StoryEngine(StoryStore(db), clock=FixedClock(tick=ONE_SECOND))
    articles = seed_articles(seeds, order)
    change = (await cluster(engine, db, articles))[-1]
    assert change is not None
    story = change.story
    both = (0, 1)

    closing = fact_matching(story, "statement", r"clos|shut|wind", r"United Kingdom|\bU\.?K\b", r"lay|laid")
    assert closing is not None and closing.sources == both
    staff = fact_matching(story, "layoffs", r"^fewer than 50 employees", r"London")
    assert staff is not None and staff.sources == both  # "less than 50" and "(fewer) than 50" are one fact
    assert sum(1 for f in story.key_facts if f.key == staff.key) == 1
    channel = fact_matching(story, "statement", r"partner channel")
    assert channel is not None and channel.sources == both
    wind_down = said(story, "statement", r"wind[- ]down")
    assert wind_down is not None, "the wind-down is a statement in some outlet's words"
    ban = said(story, "statement", r"\bbanned\b", r"June 2024")
    assert ban is not None and set(ban.sources) <= set(both)
    moved = fact_matching(story, "statement", r"customer", r"UltraAV")
    assert moved is not None and moved.sources == both
    # a bare name, place or number is no fact on its own (issue 16)
    assert not {f.kind for f in story.key_facts} & {"organisation", "place", "person", "quantity", "quote"}

    bodies = {s.article_id or -1: a.body for s, a in zip(story.sources, articles, strict=True)}
    for fact in story.key_facts:
        assert fact.sources and all(0 <= i < len(story.sources) for i in fact.sources)
        assert supported(fact, story, bodies), fact


@pytest.mark.parametrize("order", [(0, 1), (1, 0)], ids=["techcrunch-first", "techradar-first"])
async def test_the_seed_summary_is_short_extractive_and_readable(
    db: Database, seeds: list[Path], order: tuple[int, ...]
) -> None:
    engine = StoryEngine(StoryStore(db), clock=FixedClock(tick=ONE_SECOND))
    articles = seed_articles(seeds, order)
    change = (await cluster(engine, db, articles))[-1]
    assert change is not None
    summary = change.story.summary
    sentences = split_sentences(summary)
    assert 1 <= len(sentences) <= 3
    assert len(summary.split()) <= 80
    assert "\n" not in summary and "<" not in summary and "*" not in summary
    bodies = [normalise(a.body) for a in articles]
    for sentence in sentences:
        assert any(normalise(sentence) in body for body in bodies), sentence
        assert not PRONOUN_START.match(sentence), sentence
        assert not sentence.startswith(("“", '"', "‘")), sentence
    assert len({normalise(s).lower() for s in sentences}) == len(sentences)
    assert re.search(r"Kaspersky", summary) and re.search(r"United Kingdom|\bUK\b|U\.K\.", summary)


async def test_the_same_input_order_gives_the_same_story(tmp_path: Path, seeds: list[Path]) -> None:
    results = []
    for run in range(2):
        database = await open_database(tmp_path / f"run{run}.sqlite3")
        try:
            engine = StoryEngine(StoryStore(database), clock=FixedClock(tick=ONE_SECOND))
            change = (await cluster(engine, database, seed_articles(seeds, (1, 0))))[-1]
            assert change is not None
            results.append(story_to_dict(change.story))
        finally:
            await database.close()
    assert results[0] == results[1]


async def test_a_repost_or_redelivery_adds_no_source(db: Database, seeds: list[Path]) -> None:
    engine = StoryEngine(StoryStore(db), clock=FixedClock(tick=ONE_SECOND))
    articles = seed_articles(seeds, (0, 1))
    await cluster(engine, db, articles)
    techcrunch = articles[0]
    repost = replace(
        techcrunch,
        path="aggregator/copy.md",
        url="https://aggregator.example.com/r/kaspersky-uk",
        outlet="Security Digest Aggregator",
        body=techcrunch.body
        + "\n\nThis story was first published elsewhere and is reposted here in full with permission.",
        content_hash="repost-" + techcrunch.content_hash,
    )
    stored = await store_article(db, repost)
    assert stored.id is not None
    assert await engine.add_article(stored) is None
    again = await db.fetchone("SELECT id FROM articles WHERE content_hash = ?", (techcrunch.content_hash,))
    assert again is not None
    assert await engine.add_article(replace(techcrunch, id=again["id"])) is None  # same article twice
    story = await engine.store.latest_story_for_vendor("Kaspersky")
    assert story is not None and len(story.sources) == 2 and story.version == 2
    row = await db.fetchone("SELECT duplicate_of FROM story_articles WHERE article_id = ?", (stored.id,))
    assert row is not None and row["duplicate_of"] == again["id"]


async def test_versions_record_each_change(db: Database, seeds: list[Path]) -> None:
    engine = StoryEngine(StoryStore(db), clock=FixedClock(tick=ONE_SECOND))
    changes = await cluster(engine, db, seed_articles(seeds, (0, 1)))
    story_id = changes[0].story.id if changes[0] else -1
    versions = await engine.store.versions(story_id)
    assert [v for v, _, _ in versions] == [1, 2]
    assert versions[0][1] == (ChangeKind.CREATED,)
    assert versions[1][1][0] is ChangeKind.NEW_SOURCE and changes[1] is not None
    assert versions[1][1] == changes[1].kinds


async def test_the_engine_runs_inside_the_callers_transaction(db: Database, seeds: list[Path]) -> None:
    engine = StoryEngine(StoryStore(db), clock=FixedClock(tick=ONE_SECOND))
    stored = await store_article(db, seed_articles(seeds, (0,))[0])
    with pytest.raises(RuntimeError, match="outbox"):
        async with db.write():
            change = await engine.add_article(stored)
            assert change is not None and change.created
            raise RuntimeError("outbox write failed")
    assert await engine.store.get_story(change.story.id) is None
    assert await db.fetchone("SELECT 1 FROM story_articles") is None
    terms = await db.fetchone("SELECT df FROM term_df WHERE term = ''")
    assert terms is not None and terms["df"] == 0
    retried = await engine.add_article(stored)  # the rolled-back article is clustered on retry
    assert retried is not None and retried.created


async def test_an_article_without_subject_vendors_changes_nothing(db: Database, seeds: list[Path]) -> None:
    engine = StoryEngine(StoryStore(db), clock=FixedClock(tick=ONE_SECOND))
    article = replace(seed_articles(seeds, (0,))[0], subjects=())
    stored = await store_article(db, article)
    assert await engine.add_article(stored) is None
    with pytest.raises(ValueError, match="store the article"):
        await engine.add_article(replace(article, subjects=("Kaspersky",), id=None))


async def test_lookups_for_commands_and_digests(db: Database, seeds: list[Path]) -> None:
    engine = StoryEngine(StoryStore(db), clock=FixedClock(tick=ONE_SECOND))
    ban = [read_article(fixture(n), ("Kaspersky",), pipeline=False) for n in ("kaspersky-us-ban-wire.md",)]
    await cluster(engine, db, ban)
    before_seeds = FIXED_NOW + timedelta(seconds=1, microseconds=1)
    changes = await cluster(engine, db, seed_articles(seeds, (1, 0)))
    uk_story = changes[-1].story if changes[-1] else None
    assert uk_story is not None
    latest = await engine.store.latest_story_for_vendor("kaspersky")  # any case
    assert latest is not None and latest.id == uk_story.id  # October beats June, whatever the order
    assert await engine.store.latest_story_for_vendor("Nobody") is None
    since = await engine.store.stories_since("Kaspersky", before_seeds)
    assert [s.id for s in since] == [uk_story.id]
    everything = await engine.store.stories_since("Kaspersky", FIXED_NOW - timedelta(days=1))
    assert len(everything) == 2
    fetched = await engine.store.get_story(uk_story.id)
    assert fetched is not None and fetched.title == uk_story.title and fetched.version == 2
    assert await engine.store.get_story(9999) is None


async def test_story_to_dict_follows_the_contract(db: Database, seeds: list[Path]) -> None:
    engine = StoryEngine(StoryStore(db), clock=FixedClock(tick=ONE_SECOND))
    change = (await cluster(engine, db, seed_articles(seeds, (0, 1))))[-1]
    assert change is not None
    data = json.loads(json.dumps(story_to_dict(change.story)))
    for key in (
        "id",
        "title",
        "summary",
        "key_facts",
        "sources",
        "vendors",
        "event_type",
        "first_seen",
        "updated_at",
    ):
        assert key in data
    assert data["event_type"] == "layoffs" and data["vendors"][0] == "Kaspersky"
    assert len(data["summary"].split()) <= 80
    for fact in data["key_facts"]:
        assert {"text", "source", "kind", "sources"} <= set(fact) and fact["source"] == fact["sources"][0]
        assert 0 <= fact["source"] < len(data["sources"])
    published = [s["published"] for s in data["sources"]]
    assert published[0].startswith("2024-10-08") and published[1] is None
    assert {tuple(sorted(s)) for s in data["sources"]} == {("outlet", "published", "title", "url")}
    assert data["sources"][1]["url"] is None


def test_huge_bodies_are_analysed_in_bounded_prefix() -> None:
    from bot.intel.story_build import MAX_ANALYSED_CHARS, _analysed_part

    paragraph = "Acme Networks patched a firewall flaw on Monday after attacks were seen. " * 20
    body = "\n\n".join([paragraph] * 200)
    part = _analysed_part(body)
    assert len(body) > MAX_ANALYSED_CHARS >= len(part) > MAX_ANALYSED_CHARS // 2
    assert part.endswith(paragraph.rstrip()) or part.endswith(paragraph)
    assert _analysed_part("short body") == "short body"
