"""A synthetic stored corpus for the benchmarks: articles of realistic length about 500 vendors, grouped
into many stories per vendor, written through the store's bulk loader (`bot.store.bulk`).

Why bulk SQL rather than the pipeline: 100,000 articles through the full pipeline would take far longer
than the whole suite may run, and the figures that need a big corpus (`/story` latency, memory) read
what the story engine writes (stories, their sources, the vendor index), not how it got there. The rows
are written the way the engine writes them: articles in bulk (`bot.store.bulk.insert_articles`), stories
and their member articles through the story store's own `save` / `add_member`, so they keep the
engine's table shapes (key facts, cached sentence analyses, the vendor index) as those evolve.

`ArticleFactory.story_file` also writes single story files (markdown with front matter) about one
vendor, for the benchmarks that drive the real service through its watched folder.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from benchmarks import texts
from bot.intel.vendors import VendorCatalog
from bot.models import ArticleAnalysis, ChangeKind, EventType, KeyFact, Member, Source, Story, StoryRecord
from bot.store import bulk
from bot.store.db import Database
from bot.store.story_store import StoryStore
from bot.store.timefmt import to_db

CORPUS_VENDORS = 500
EPOCH = datetime(2025, 10, 1, tzinfo=UTC)
SPAN_DAYS = 3 * 365
BATCH_ARTICLES = 5000
# Articles per story: mostly one or two outlets, sometimes a big event covered by many.
STORY_SIZES = (1, 2, 3, 4, 5, 6, 8, 12)
STORY_SIZE_WEIGHTS = (30, 25, 18, 11, 7, 4, 3, 2)
_NAME_HEADS = ("Quor", "Zen", "Vell", "Nym", "Tarr", "Ostr", "Kyv", "Bral", "Ixo", "Marn", "Pellu", "Drav")
_NAME_TAILS = ("vex", "tora", "quin", "dalis", "brook", "mera", "sondo", "ilux", "arra", "neth")
_NAME_KINDS = ("Labs", "Systems", "Security", "Networks", "Cloud", "Software")


def invented_vendor_names(count: int, catalog: VendorCatalog, seed: int = 11) -> list[str]:
    """`count` made-up vendor names that the catalog does not know (not even as a typo of a real one)."""
    rng = random.Random(seed)
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = f"{rng.choice(_NAME_HEADS)}{rng.choice(_NAME_TAILS)} {rng.choice(_NAME_KINDS)}"
        if name in seen or catalog.lookup(name) is not None:
            continue
        seen.add(name)
        names.append(name)
    return names


@dataclass(frozen=True, slots=True)
class CorpusVendors:
    """The vendors of the corpus: the whole built-in catalog plus invented ones up to `CORPUS_VENDORS`,
    the latter in a vendor file (BOT_VENDORS_FILE) so that the service knows them too."""

    names: tuple[str, ...]
    vendors_file: Path

    @classmethod
    def prepare(cls, folder: Path, total: int = CORPUS_VENDORS) -> CorpusVendors:
        catalog = VendorCatalog.load()
        builtin = [v.name for v in catalog.vendors]
        extra = invented_vendor_names(max(0, total - len(builtin)), catalog)
        path = folder / "bench-vendors.yaml"
        document = {"vendors": [{"name": n, "category": "bench"} for n in extra]}
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        return cls(tuple((builtin + extra)[:total]), path)


@dataclass(frozen=True, slots=True)
class GeneratedArticle:
    title: str
    body: str
    raw: str
    outlet: str
    url: str
    published: datetime


class ArticleFactory:
    """Deterministic (seeded) articles: a lead paragraph, then 3 to 24 body paragraphs (log-normal, so
    bodies run from about 1 to 12 KB, median about 4 KB), wrapped in page boilerplate for `raw`."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)

    def _values(self, vendor: str, kind: int) -> dict[str, str]:
        rng = self.rng
        surname = "".join(rng.choice(texts.SURNAME_SYLLABLES) for _ in range(3)).capitalize()
        return {
            "vendor": vendor,
            "product": f"{vendor} {rng.choice(texts.PRODUCT_SUFFIXES)}",
            "count": f"{rng.randrange(2, 900) * 10:,}",
            "percent": str(rng.randrange(3, 25)),
            "city": rng.choice(texts.CITIES),
            "group": rng.choice(texts.GROUPS),
            "person": f"{rng.choice(texts.FIRST_NAMES)} {surname}",
            "month": rng.choice(texts.MONTHS),
            "day": str(rng.randrange(1, 29)),
            "weekday": rng.choice(texts.WEEKDAYS),
            "cve": f"CVE-{rng.randrange(2023, 2026)}-{rng.randrange(1000, 49999)}",
            "score": f"{rng.randrange(70, 100) / 10:.1f}",
            "kind": str(kind),
        }

    def paragraphs(self) -> int:
        return max(3, min(24, round(self.rng.lognormvariate(2.0, 0.55))))

    def article(self, vendor: str, kind: int, published: datetime, serial: int) -> GeneratedArticle:
        values = self._values(vendor, kind)
        title = texts.TITLES[kind].format_map(values)
        chosen = self.rng.sample(texts.BODY, k=min(len(texts.BODY), self.paragraphs()))
        body = "\n\n".join([texts.LEADS[kind].format_map(values), *(p.format_map(values) for p in chosen)])
        outlet = self.rng.choice(texts.OUTLETS)
        slug = "-".join(title.lower().split()[:8])
        url = f"https://news.example/{published:%Y/%m/%d}/{serial}-{slug}"
        raw = "\n\n".join(
            [
                f"---\ntitle: {json.dumps(title)}\nurl: {url}\nsource: {outlet}\ndate: {published:%Y-%m-%d}\n---",
                *texts.BOILERPLATE_TOP,
                f"# {title}",
                f"By {values['person']} · {published:%d %B %Y}",
                body,
                *texts.BOILERPLATE_BOTTOM,
            ]
        )
        return GeneratedArticle(title, body, raw, outlet, url, published)

    def story_file(self, vendor: str, serial: int, published: datetime | None = None) -> str:
        """One stored page about `vendor` as an aggregator would save it (front matter + whole page),
        published now unless told otherwise: newer than any corpus story, so it starts a story."""
        kind = serial % len(texts.TITLES)
        return self.article(vendor, kind, published or datetime.now(UTC), serial).raw + "\n"


@dataclass(frozen=True, slots=True)
class CorpusSize:
    articles: int
    stories: int
    vendors: int


async def corpus_size(db: Database) -> CorpusSize:
    articles, stories, vendors, _ = await bulk.corpus_counts(db)
    return CorpusSize(articles, stories, vendors)


def _cumulative_vendor_weights(count: int) -> list[float]:
    """Zipf-like: a few vendors are in the news all the time, most now and then."""
    return list(itertools.accumulate(1.0 / (rank + 3) for rank in range(count)))


class _Batch:
    """Article rows for one bulk insert, and the stories to save through the story store."""

    def __init__(self) -> None:
        self.articles: list[tuple[object, ...]] = []
        self.article_vendors: list[tuple[object, ...]] = []
        self.stories: list[tuple[StoryRecord, list[Member]]] = []


def _facts(values: Sequence[GeneratedArticle], vendor: str) -> tuple[KeyFact, ...]:
    facts = []
    for index, article in enumerate(values[:5]):
        sentence = article.body.split("\n\n", 1)[0].split(". ")[0]
        facts.append(KeyFact("statement", sentence[:200], (index,), f"s:{vendor}:{index}"))
    return tuple(facts)


def _analysis(article: GeneratedArticle, vendor: str) -> ArticleAnalysis:
    """The shape of the engine's per-article cache (sentences, facts, names, event cues, subjects)."""
    sentences = [(p, i, 0, True) for i, p in enumerate(article.body.split("\n\n")[:6])]
    return ArticleAnalysis(sentences=sentences, facts=[], names=[], event={}, subjects=[vendor])


def _add_story(
    batch: _Batch, factory: ArticleFactory, story_id: int, first_article: int, size: int, vendor: str
) -> None:
    rng = factory.rng
    kind = rng.randrange(len(texts.TITLES))
    start = EPOCH - timedelta(days=rng.uniform(0, SPAN_DAYS))
    articles = [
        factory.article(
            vendor, kind, start + timedelta(hours=rng.uniform(0, 48) if i else 0), first_article + i
        )
        for i in range(size)
    ]
    first = min(a.published for a in articles)
    last = max(a.published for a in articles)
    seen = last + timedelta(minutes=5)
    members: list[Member] = []
    for position, article in enumerate(articles):
        article_id = first_article + position
        digest = hashlib.sha256(article.body.encode("utf-8")).hexdigest()
        published = to_db(article.published)
        batch.articles.append(
            (
                article_id,
                f"corpus/{article_id}.md",
                article.title,
                article.body,
                article.raw,
                digest,
                article.outlet,
                article.url,
                published,
                published,
                "[]",
                json.dumps([vendor]),
                "[]",
                to_db(seen),
            )
        )
        batch.article_vendors.append((article_id, vendor, "subject"))
        members.append(
            Member(
                article_id,
                story_id,
                position,
                position,
                article.outlet,
                article.url,
                article.title,
                article.published,
                digest,
                rng.getrandbits(62),
                _analysis(article, vendor),
            )
        )
    story = Story(
        id=story_id,
        title=articles[0].title,
        summary=" ".join(articles[0].body.split("\n\n")[0].split()[:70]),
        key_facts=_facts(articles, vendor),
        sources=tuple(Source(a.outlet, a.url, a.title, a.published) for a in articles),
        vendors=(vendor,),
        event_type=EventType(texts.EVENT_TYPES[kind]),
        first_seen=start,
        updated_at=seen,
        version=size,
    )
    record = StoryRecord(
        story=story,
        event_cues=(texts.EVENT_TYPES[kind],),
        first_published=first,
        last_published=last,
        last_seen=seen,
        articles=size,
    )
    batch.stories.append((record, members))


async def _write(db: Database, stories: StoryStore, batch: _Batch) -> None:
    """Articles with bulk SQL (the pipeline's own insert checks for copies one by one); stories and their
    members through the story store, so they always have the engine's current table shapes."""
    async with db.write():
        await bulk.insert_articles(db, batch.articles, batch.article_vendors)
        for record, members in batch.stories:
            await stories.save(record, (ChangeKind.CREATED,), members[0].article_id)
            for member in members:
                await stories.add_member(member)


async def grow_corpus(
    db: Database, target_articles: int, vendors: Sequence[str], *, seed: int = 7
) -> CorpusSize:
    """Add generated stories until the database holds at least `target_articles` articles."""
    size = await corpus_size(db)
    next_article = (await bulk.corpus_counts(db))[3] + 1
    stories = StoryStore(db)
    next_story = await stories.next_story_id()
    factory = ArticleFactory(seed + size.articles)
    weights = _cumulative_vendor_weights(len(vendors))
    remaining = target_articles - size.articles
    while remaining > 0:
        batch = _Batch()
        while remaining > 0 and len(batch.articles) < BATCH_ARTICLES:
            story_size = min(remaining, factory.rng.choices(STORY_SIZES, STORY_SIZE_WEIGHTS)[0])
            vendor = factory.rng.choices(vendors, cum_weights=weights)[0]
            _add_story(batch, factory, next_story, next_article, story_size, vendor)
            next_story += 1
            next_article += story_size
            remaining -= story_size
        await _write(db, stories, batch)
    return await corpus_size(db)


GENERATED_AT_MOST = 100_000  # articles generated one by one; a larger corpus repeats them (replicate_corpus)
COPY_SHIFT_DAYS = 365  # each repetition a year further back: a decade of news at a million articles


async def grow_to(db: Database, target_articles: int, vendors: Sequence[str]) -> CorpusSize:
    """`grow_corpus` up to GENERATED_AT_MOST articles, then whole copies of that corpus, each moved a
    year into the past, until the target (a multiple of the generated size) is reached: a million
    articles in minutes rather than the hour generating them would take."""
    size = await grow_corpus(db, min(target_articles, GENERATED_AT_MOST), vendors)
    if target_articles > size.articles and size.articles == GENERATED_AT_MOST:
        await bulk.replicate_corpus(db, -(-target_articles // size.articles) - 1, COPY_SHIFT_DAYS)
        size = await corpus_size(db)
    return size
