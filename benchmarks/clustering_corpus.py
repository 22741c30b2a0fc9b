"""How fast and how well clustering works: a benchmark over a large synthetic store, and an
evaluation on the seed story and the bundled sample store. Called by `bot bench` and the tests.

Kept apart from bot/intel/cluster.py (pure scoring) because it builds databases and reads files.
"""

from __future__ import annotations

import json
import math
import random
import re
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.intel.engine import StoryEngine
from bot.intel.identifiers import identifiers, lead_of
from bot.intel.same_event import CENTROID_TERMS, KEY_PREFIX, idf
from bot.intel.similarity import TfidfSimilarity, normalise
from bot.models import Article, Salience, Story
from bot.store import bulk
from bot.store.articles import ArticleStore
from bot.store.backends import open_database
from bot.store.db import Database
from bot.store.story_store import StoryStore
from bot.store.timefmt import to_db

_BENCH_START = datetime(2023, 1, 1, tzinfo=UTC)
_BENCH_DAYS = 730


def _word(i: int) -> str:
    """Synthetic vocabulary that the tokenizer keeps as is (no stop word, no stemmable suffix)."""
    return f"w{i:x}q"


class _SyntheticCorpus:
    """Stories of 1-4 articles each, over 2 years and many vendors, written with bulk inserts."""

    def __init__(self, n_articles: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.vendors = [f"Vendor{i:04d}" for i in range(max(20, n_articles // 500))]
        self.common = [_word(i) for i in range(3000)]
        self.next_word = 3000
        self.topics: list[tuple[str, datetime, list[str]]] = []  # per story: vendor, date, topic words
        self.n_articles = n_articles

    def topic(self) -> list[str]:
        words = [_word(self.next_word + i) for i in range(10)]
        self.next_word += 10
        return words

    def text(self, vendor: str, topic: list[str]) -> tuple[str, str, list[str]]:
        """Title, body, and the body's tokens (the words are built so that `tokenize` gives them back
        unchanged, which spares tokenizing 100,000 synthetic articles)."""
        rng = self.rng
        sentences, tokens = [], []
        for _ in range(5):
            words = [*rng.sample(topic, 4), *rng.choices(self.common, k=9), vendor]
            rng.shuffle(words)
            tokens += words
            sentences.append(" ".join(words).capitalize() + ".")
        title_words = rng.sample(topic, 4)
        tokens += [vendor, *title_words] * 2  # the engine counts the title twice
        title = f"{vendor} " + " ".join(title_words)
        body = "\n\n".join(" ".join(sentences[i : i + 2]) for i in range(0, 5, 2))
        return title, body, [t.lower() for t in tokens]

    @staticmethod
    def words(text: str) -> list[str]:
        """What `tokenize` gives for synthetic text, without its cost (tested to agree)."""
        return [word.strip(".").lower() for word in text.split()]

    async def write(self, db: Database, sim: TfidfSimilarity) -> int:
        rng, articles, members, stories, vendor_rows = self.rng, [], [], [], []
        frequencies: Counter[str] = Counter()
        story_words: list[tuple[Counter[str], Counter[str], Counter[str]]] = []  # title, lead, identifiers
        article_id = 0
        while article_id < self.n_articles:
            vendor = rng.choice(self.vendors)
            day = _BENCH_START + timedelta(days=rng.uniform(0, _BENCH_DAYS))
            topic = self.topic()
            self.topics.append((vendor, day, topic))
            story_id = len(self.topics)
            counts: Counter[str] = Counter()
            title_counts: Counter[str] = Counter()
            lead_counts: Counter[str] = Counter()
            key_counts: Counter[str] = Counter()
            size = min(rng.choice((1, 1, 2, 2, 3, 4)), self.n_articles - article_id)
            for position in range(size):
                article_id += 1
                title, body, tokens = self.text(vendor, topic)
                counts.update(tokens)
                title_counts.update(t.lower() for t in title.split())
                lead = lead_of(title, body)
                lead_counts.update(self.words(lead))
                named = identifiers(title, lead)
                key_counts.update(named)
                frequencies.update(set(tokens) | {KEY_PREFIX + k for k in named})
                published = to_db(day + timedelta(hours=6 * position))
                analysis = {"sentences": [[body.split("\n\n")[0], 0, 0, True]], "subjects": [vendor]}
                articles.append(
                    (
                        article_id,
                        f"bench/{article_id}",
                        title,
                        body,
                        "",
                        f"h{article_id}",
                        "Outlet",
                        f"https://bench.example/{article_id}",
                        published,
                        published,
                        "[]",
                        f'["{vendor}"]',
                        "[]",
                        published,
                    )
                )
                members.append(
                    (
                        article_id,
                        story_id,
                        position,
                        position,
                        None,
                        "Outlet",
                        f"https://bench.example/{article_id}",
                        title,
                        published,
                        f"h{article_id}",
                        rng.getrandbits(63),
                        json.dumps(analysis),
                    )
                )
            first, last = to_db(day), to_db(day + timedelta(hours=6 * (size - 1)))
            story_words.append((title_counts, lead_counts, key_counts))
            stories.append(
                [
                    story_id,
                    title,
                    body.split(".")[0] + ".",
                    "[]",
                    "other",
                    "[]",
                    f'["{vendor}"]',
                    first,
                    last,
                    size,
                    first,
                    last,
                    last,
                    size,
                    "{}",
                    "[]",
                ]
            )
            vendor_rows.append((vendor, story_id, first, last, last, last, last))
        sim.use_corpus(self.n_articles, frequencies)

        def centroid(words: Counter[str]) -> dict[str, float]:
            weights = {t: (1.0 + math.log(c)) * sim.idf(t) for t, c in words.items()}
            return normalise(weights, keep=CENTROID_TERMS)

        for row, (title_counts, lead_counts, key_counts) in zip(stories, story_words, strict=True):
            # the same-event profile the engine keeps (bot/intel/same_event.Profile): title and lead
            # centroids, dates, outlets, members
            first, last, size = str(row[10]), str(row[11]), int(str(row[13]))
            profile = {
                "title": centroid(title_counts),
                "lead": centroid(lead_counts),
                "keys": {
                    k: [idf(self.n_articles, frequencies[KEY_PREFIX + k]), float(n)]
                    for k, n in key_counts.items()
                },
                "event_type": "other",
                "first": first,
                "last": last,
                "dated": True,
                "outlets": {"outlet": last},
                "weight": float(size),
                "members": size,
            }
            row[14] = json.dumps(profile, separators=(",", ":"))
        async with db.write():
            await bulk.insert_articles(db, articles)
            await bulk.insert_story_rows(db, stories, members, vendor_rows, frequencies, self.n_articles)
        return len(stories)

    async def probes(self, db: Database, count: int) -> list[Article]:
        """New articles to cluster: half follow up an existing story, half report something new."""
        out: list[Article] = []
        rows = []
        for i in range(count):
            if i % 2 == 0 and self.topics:
                vendor, day, topic = self.rng.choice(self.topics)
                day += timedelta(hours=self.rng.uniform(1, 30))
            else:
                vendor, topic = self.rng.choice(self.vendors), self.topic()
                day = _BENCH_START + timedelta(days=self.rng.uniform(0, _BENCH_DAYS))
            title, body, _ = self.text(vendor, topic)
            article_id = self.n_articles + i + 1
            url = f"https://probe.example/{article_id}"
            rows.append(
                (
                    article_id,
                    f"probe/{i}",
                    title,
                    body,
                    "",
                    f"p{article_id}",
                    "Probe",
                    url,
                    to_db(day),
                    to_db(day),
                    "[]",
                    f'["{vendor}"]',
                    "[]",
                    to_db(day),
                )
            )
            out.append(
                Article(
                    f"probe/{i}",
                    title,
                    body,
                    "",
                    f"p{article_id}",
                    "Probe",
                    url,
                    day,
                    day,
                    subjects=(vendor,),
                    id=article_id,
                )
            )
        await bulk.insert_articles(db, rows)
        return out


async def bench_clustering(n_articles: int, probes: int = 200, seed: int = 7) -> dict[str, float | int]:
    """Build a synthetic store of `n_articles` in a temporary database, then cluster `probes` new
    articles through the real engine. `cluster_ms_*` is the clustering decision (corpus counts,
    candidate lookup through the index, scoring, re-post check); `story_ms_*` the story rebuild that
    follows (sentences, facts, summary, writes)."""
    with tempfile.TemporaryDirectory() as folder:
        db = await open_database(Path(folder) / "bench.sqlite3")
        try:
            started = time.perf_counter()
            corpus = _SyntheticCorpus(n_articles, seed)
            stories = await corpus.write(db, TfidfSimilarity())
            built = time.perf_counter() - started
            articles = await corpus.probes(db, probes)
            now = _BENCH_START + timedelta(days=_BENCH_DAYS + 1)
            engine = StoryEngine(StoryStore(db), clock=lambda: now)
            cluster, story, joined, candidates = [], [], 0, 0
            for article in articles:
                change = await engine.add_article(article)
                cluster.append(engine.timings["cluster_ms"])
                story.append(engine.timings.get("story_ms", 0.0))
                joined += bool(change and not change.created)
                candidates += len(engine.last_scores)
        finally:
            await db.close()
    cluster.sort()
    return {
        "articles": n_articles,
        "stories": stories,
        "build_seconds": round(built, 2),
        "probes": len(articles),
        "joined_existing": joined,
        "candidates_per_article": round(candidates / max(1, len(articles)), 2),
        "cluster_ms_per_article": round(statistics.fmean(cluster), 3),
        "cluster_ms_p50": round(cluster[len(cluster) // 2], 3),
        "cluster_ms_p95": round(cluster[int(len(cluster) * 0.95) - 1], 3),
        "story_ms_per_article": round(statistics.fmean(story), 3),
    }


# ----- evaluation: the seed story and the bundled sample store ------------------------------------------

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "bot" / "samples" / "stories"
SEEDS_DIR = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "seeds"
)  # repo sits beside shared/
_SAMPLE_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}-[a-z0-9]+-(?P<event>.+)$")

# What the seed story must say (the brief's list), as patterns over fact kind and text.
SEED_FACTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "uk_office_closing_staff_laid_off": (
        "statement",
        (r"clos|shut|wind", r"United Kingdom|\bU\.?K\b", r"lay|laid"),
    ),
    "fewer_than_50_employees_in_london": ("layoffs", (r"fewer than 50 employees", r"London")),
    "business_moves_to_partner_channel": ("statement", (r"partner channel",)),
    "uk_operations_wind_down": ("statement", (r"wind[- ]down",)),
    "us_banned_sales_in_june_2024": ("statement", (r"\bbann", r"June 2024")),
    "us_customers_moved_to_ultraav": ("statement", (r"customer", r"UltraAV")),
}


def seed_fact_checks(story: Story) -> dict[str, bool]:
    """Which of the seed story's required facts it carries (in the fact's text or any outlet's own
    wording of it)."""
    return {
        name: any(
            f.kind == kind
            and any(
                all(re.search(p, str(w), re.IGNORECASE) for p in patterns)
                for w in [f.text, *(w["text"] for w in f.data.get("wordings", []))]
            )
            for f in story.key_facts
        )
        for name, (kind, patterns) in SEED_FACTS.items()
    }


def _story_files(folder: Path | None) -> list[Path]:
    """The story files of a folder (none when it is absent, e.g. a checkout without shared/data)."""
    if folder is None or not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".") and p.suffix != ".sha256"
    )


def _event_label(path: Path) -> str:
    """Sample files are named DATE-OUTLET-EVENT.ext; files that share EVENT report one event."""
    match = _SAMPLE_NAME.match(path.stem)
    return match.group("event") if match else path.stem


async def _cluster_files(
    paths: list[Path],
) -> tuple[dict[str, int | None], list[float], list[str], StoryEngine[StoryStore], Database]:
    """Ingest and cluster files into a fresh in-memory store: file name -> story id (None: no story)."""
    from bot.ingest import load_article
    from bot.intel.vendors import VendorCatalog, VendorMatcher

    matcher = VendorMatcher.of(VendorCatalog.load())
    db = await open_database(":memory:")
    engine = StoryEngine(StoryStore(db))
    stories: dict[str, int | None] = {}
    timings: list[float] = []
    errors: list[str] = []
    for path in paths:
        try:
            article = load_article(path)
        except Exception as exc:  # a file the pipeline rejects is reported, not fatal
            errors.append(f"{path.name}: {exc}")
            continue
        matches = matcher.match(article.title, article.body)
        article = replace(
            article,
            subjects=tuple(m.vendor for m in matches if m.salience is Salience.SUBJECT),
            mentions=tuple(m.vendor for m in matches if m.salience is Salience.MENTION),
        )
        stored, _ = await ArticleStore(db).add(article)
        started = time.perf_counter()
        await engine.add_article(stored)
        timings.append((time.perf_counter() - started) * 1000)
        member = await engine.store.member(stored.id or -1)
        stories[path.name] = member.story_id if member else None
    return stories, timings, errors, engine, db


def _pair_report(
    stories: dict[str, int | None], labels: dict[str, str], timings: list[float]
) -> dict[str, Any]:
    """Pairs of files expected together (same label) or apart, and how many came out that way."""
    names = sorted(stories)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    same = [(a, b) for a, b in pairs if labels[a] == labels[b]]
    correct = sum(
        (stories[a] is not None and stories[a] == stories[b]) == (labels[a] == labels[b]) for a, b in pairs
    )
    return {
        "articles": len(stories),
        "stories": len({s for s in stories.values() if s is not None}),
        "pairs": len(pairs),
        "pairs_correct": correct,
        "pair_accuracy": round(correct / len(pairs), 3) if pairs else None,
        "pairs_together_expected": len(same),
        "pairs_together_correct": sum(stories[a] is not None and stories[a] == stories[b] for a, b in same),
        "ms_per_article": round(statistics.fmean(timings), 2) if timings else None,
    }


async def _evaluate_seeds(folder: Path | None) -> dict[str, Any]:
    """The seed files are one event: one story in both arrival orders, with every required fact."""
    files = _story_files(folder)
    if not files:
        return {"missing": f"no seed files in {folder}"}
    report: dict[str, Any] = {}
    timings: list[float] = []
    for order in (files, files[::-1]):
        stories, spent, errors, engine, db = await _cluster_files(order)
        timings += spent
        try:
            ids = sorted({sid for sid in stories.values() if sid is not None})
            story = await engine.store.get_story(ids[0]) if ids else None
            checks = seed_fact_checks(story) if story else dict.fromkeys(SEED_FACTS, False)
            part = _pair_report(stories, dict.fromkeys(stories, "seed event"), spent)
            part |= {
                "sources": len(story.sources) if story else 0,
                "event_type": str(story.event_type) if story else None,
                "summary_words": len(story.summary.split()) if story else 0,
                "required_facts": len(checks),
                "required_facts_found": sum(checks.values()),
                "facts": checks,
                "errors": errors,
            }
        finally:
            await db.close()
        if not report:
            report = part
        else:  # the reversed order must agree: a pair counts per order, a fact only if found in both
            report["pairs"] += part["pairs"]
            report["pairs_correct"] += part["pairs_correct"]
            report["facts"] = {k: v and part["facts"][k] for k, v in report["facts"].items()}
            report["required_facts_found"] = sum(report["facts"].values())
    report["pair_accuracy"] = round(report["pairs_correct"] / report["pairs"], 3) if report["pairs"] else None
    report["ms_per_article"] = round(statistics.fmean(timings), 2) if timings else None
    report["orders"] = 2
    return report


async def _evaluate_samples(folder: Path | None, expected: dict[str, str] | None) -> dict[str, Any]:
    files = _story_files(folder)
    if not files:
        return {"missing": f"no sample files in {folder}"}
    stories, timings, errors, _, db = await _cluster_files(files)
    await db.close()
    labels = {p.name: (expected or {}).get(p.name, _event_label(p)) for p in files}
    # no required facts are defined for the samples: 0 of 0
    return _pair_report(stories, labels, timings) | {
        "required_facts": 0,
        "required_facts_found": 0,
        "errors": errors,
    }


async def evaluate_clustering(
    which: str = "all",
    seeds_dir: Path | None = SEEDS_DIR,
    samples_dir: Path | None = SAMPLES_DIR,
    expected: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Cluster the seeds and/or the sample store through the real pipeline (ingest, vendor matching,
    engine) and report pairs of files kept together / apart as expected, required seed facts found,
    and time per article. `which` is "seeds", "samples" (one flat report) or "all" (both, keyed).

    The seeds are one event, clustered in both arrival orders. Sample files are expected together
    when `expected` (file name -> event label) says so; by default when their DATE-OUTLET-EVENT
    names share the EVENT part."""
    if which == "seeds":
        return await _evaluate_seeds(seeds_dir)
    if which == "samples":
        return await _evaluate_samples(samples_dir, expected)
    return {
        "seeds": await _evaluate_seeds(seeds_dir),
        "samples": await _evaluate_samples(samples_dir, expected),
    }
