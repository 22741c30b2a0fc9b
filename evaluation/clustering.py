"""Does one real event make one story? Pairwise scores on the multi-outlet dev split.

The 268 feed items of ../shared/data/multi-outlet-dev (19 outlets, June-September 2023, each labelled
with its event, thread and subject vendors) go through the real path: the story-file loader, the
built-in vendor matcher, the article store and the story engine, into a fresh temporary database,
in publication order. Every pair of items is a positive when both are in one gold event; it is
predicted positive when both share a stored story (an item in no story is a story of its own).

Scored four ways, as the split's README asks: over the items whose gold subject is a catalog vendor
("tracked": the product only makes stories about those) and over all items; strict (a follow-up of
one thread is another event) and lenient (merging events of one thread is not counted wrong). Beside
it, in the same run, the word-overlap baseline the issue quotes: headlines grouped by shared words.

The run and its printed report: evaluation/cluster_report.py (`python -m evaluation clustering`).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

import yaml

from bot.ingest import RejectedFile, load_article
from bot.intel.similarity import tokenize
from bot.intel.vendors import VendorCatalog, VendorMatcher
from bot.intel.vendors.registry import tag_vendors

DEV_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "multi-outlet-dev"


@dataclass(frozen=True, slots=True)
class Item:
    """One labelled feed item (labels.jsonl)."""

    file: str
    published: datetime
    outlet: str
    event: str | None
    thread: str | None
    tracked: bool  # a catalog vendor is its subject

    @property
    def group(self) -> str:
        """The gold event, or the item itself when it is a singleton."""
        return self.event or f"single:{self.file}"


@dataclass(frozen=True, slots=True)
class PairScore:
    precision: float
    recall: float
    f1: float
    predicted: int
    gold: int


def load_items(folder: Path = DEV_DIR) -> list[Item]:
    """The labelled items in publication order (ties by file name, so the order is fixed)."""
    items = []
    for line in (folder / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        published = datetime.fromisoformat(row["date"])
        items.append(
            Item(
                row["file"],
                published if published.tzinfo else published.replace(tzinfo=UTC),
                row["outlet"],
                row["event"],
                row.get("thread"),
                bool(row.get("vendors_subject")),
            )
        )
    return sorted(items, key=lambda i: (i.published, i.file))


def pair_scores(
    items: Sequence[Item],
    assigned: Mapping[str, object],
    *,
    lenient: bool = False,
    focus: AbstractSet[str] | None = None,
) -> PairScore:
    """Pairwise precision/recall/F1 of `assigned` (file -> story key; None or absent: alone).

    Lenient: a predicted pair of two events of one thread counts neither as right nor as wrong.
    With `focus` (file names: a cross-validation fold), only pairs with at least one of them count."""
    tp = fp = fn = 0
    for a, b in combinations(items, 2):
        if focus is not None and a.file not in focus and b.file not in focus:
            continue
        gold = a.group == b.group
        story_a, story_b = assigned.get(a.file), assigned.get(b.file)
        together = story_a is not None and story_a == story_b
        if together and not gold and lenient and a.thread and a.thread == b.thread:
            continue
        tp += together and gold
        fp += together and not gold
        fn += gold and not together
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairScore(precision, recall, f1, tp + fp, tp + fn)


def headline(path: Path) -> str:
    """The `title` of a story file's front matter (the baseline reads only headlines)."""
    text = path.read_text(encoding="utf-8")
    front = text.split("---", 2)[1] if text.startswith("---") else ""
    data = yaml.safe_load(front) or {}
    return str(data.get("title", ""))


def word_overlap_baseline(
    titles: Sequence[tuple[str, str, datetime]], threshold: float = 0.2, days: float = 3.0
) -> dict[str, int]:
    """The plain baseline: in publication order, a headline joins the group of the earlier headline
    (at most `days` older) it shares the largest share of words with (Jaccard over stemmed content
    words) when that is >= threshold. Threshold and days are the best of a small grid on this split,
    so the baseline is, if anything, flattered."""
    groups: dict[str, int] = {}
    seen: list[tuple[str, frozenset[str], datetime]] = []
    for name, title, when in titles:
        words = frozenset(tokenize(title))
        best, best_overlap = None, threshold
        for other, other_words, other_when in seen:
            if (when - other_when).total_seconds() > days * 86400:
                continue
            union = words | other_words
            overlap = len(words & other_words) / len(union) if union else 0.0
            if overlap >= best_overlap:
                best, best_overlap = other, overlap
        groups[name] = groups[best] if best is not None else len(groups)
        seen.append((name, words, when))
    return groups


async def cluster_folder(
    folder: Path,
    files: Iterable[str],
    copies: set[str] | None = None,
) -> tuple[dict[str, int | None], int, float]:
    """Cluster the files (in the given order) into a fresh temporary database through the real
    loader, vendor matcher, article store and story engine. Returns file -> story id (None: no story,
    e.g. no tracked vendor), how many files the loader refused, and the seconds spent per item. Files
    the article store took for a copy of another file (the same cleaned body) are added to `copies`."""
    from bot.intel.engine import StoryEngine
    from bot.store.articles import ArticleStore
    from bot.store.backends import open_database
    from bot.store.story_store import StoryStore

    matcher = VendorMatcher.of(VendorCatalog.load())
    stories: dict[str, int | None] = {}
    names = list(files)
    rejected = 0
    with tempfile.TemporaryDirectory() as tmp:
        db = await open_database(Path(tmp) / "eval.sqlite3")
        try:
            engine = StoryEngine(StoryStore(db))
            articles = ArticleStore(db)
            started = time.perf_counter()
            for name in names:
                try:
                    article = load_article(folder / name)
                except RejectedFile:  # the real pipeline moves it aside: a story of its own
                    rejected += 1
                    stories[name] = None
                    continue
                stored, new = await articles.add(tag_vendors(article, matcher))
                if not new and copies is not None and stored.path != article.path:
                    copies.add(name)
                await engine.add_article(stored)
                member = await engine.store.member(stored.id or -1)
                stories[name] = member.story_id if member else None
            spent = (time.perf_counter() - started) / max(1, len(names))
        finally:
            await db.close()
    return stories, rejected, spent


def report(items: Sequence[Item], assigned: Mapping[str, object]) -> dict[str, PairScore]:
    tracked = [i for i in items if i.tracked]
    return {
        "tracked strict": pair_scores(tracked, assigned),
        "tracked lenient": pair_scores(tracked, assigned, lenient=True),
        "all strict": pair_scores(items, assigned),
        "all lenient": pair_scores(items, assigned, lenient=True),
    }
