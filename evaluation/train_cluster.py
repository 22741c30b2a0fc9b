"""Train the same-event model (bot/intel/same_event.py) on the multi-outlet dev labels.

The dev items are loaded and vendor-matched once, then replayed in publication order by `replay`,
which keeps story profiles exactly as the engine does (same `signals`, `Profile.add`, `features`).
Training rows come from a replay guided by the gold labels: every candidate story an article meets
is a row, positive when it is the article's gold event (pairs of two events of one thread are left
out: merging them is neither right nor wrong). A logistic regression (numpy, L2) is fitted to them.

Cross-validation splits by EVENT (grouped k-fold: no event has items in both train and test): each
fold's model clusters all items and is scored on the pairs with a held-out item. The L2 penalty and
the threshold are the pair with the best mean of held-out strict and lenient F1 (tracked vendors),
chosen on the same folds (a small optimism: five penalties by ten thresholds); the fold spread is
printed beside hand-set weights and the word-overlap baseline. The final model (all rows) and that threshold are
written to bot/intel/data/same_event.json. evaluation/nested_cv.py removes the optimism:
each outer fold chooses penalty and threshold on its own training events.

    python -m evaluation.train_cluster [--folds 5] [--write]
"""

from __future__ import annotations

import argparse
import statistics
import zlib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from bot.intel.events import decide, score_text
from bot.intel.identifiers import identifiers, lead_of
from bot.intel.same_event import (
    FEATURES,
    KEY_PREFIX,
    Model,
    Profile,
    Signals,
    features,
    shared_keys,
    signals,
)
from bot.intel.same_event_choice import choose, joins_by_mention, judge
from bot.intel.sentences import paragraphs
from bot.intel.similarity import TfidfSimilarity
from bot.intel.story_build import publication_known
from bot.models import EventType, Salience
from evaluation.clustering import DEV_DIR, Item, headline, load_items, pair_scores, word_overlap_baseline
from evaluation.untimed_cv import cross_validate_untimed

MODEL_PATH = Path(__file__).resolve().parents[1] / "bot" / "intel" / "data" / "same_event.json"
WINDOW = timedelta(days=7)
MAX_SPAN = timedelta(days=30)
PENALTIES = (1.0, 5.0, 10.0, 20.0, 50.0)  # L2 strengths tried: 54 events call for a strong one
THRESHOLDS = (0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
MIN_LENIENT_PRECISION = 0.97  # in every held-out fold
TOLERANCE = 0.01  # the highest threshold within this of the best is taken (fewer merges)


@dataclass(frozen=True, slots=True)
class Prepared:
    """One dev item after loading and vendor matching (what the engine would see)."""

    item: Item
    title: str
    body: str
    subjects: tuple[str, ...]
    outlet: str
    day: datetime
    event_type: EventType
    dated: bool = True  # False: `day` is an arrival time
    precise: bool = True  # False: `day` is only the month of publication
    mentions: tuple[str, ...] = ()  # vendors named in passing: such an article may join, never start


def prepare(items: Sequence[Item], folder: Path = DEV_DIR) -> list[Prepared]:
    """Load and match the items as the pipeline does (a file the loader refuses is left out: in the
    engine's run it is a story of its own)."""
    from bot.ingest import RejectedFile, load_article
    from bot.intel.vendors import VendorCatalog, VendorMatcher

    matcher = VendorMatcher.of(VendorCatalog.load())
    out = []
    for item in items:
        path = folder / "stories" / item.file
        try:
            article = load_article(path)
        except RejectedFile:
            continue
        title, body = article.title, article.body
        outlet, day = article.outlet or "", article.published or article.fetched or item.published
        matches = matcher.match(title, body)
        parts = paragraphs(body)
        event = decide([score_text(title, " ".join(parts[:1]), " ".join(parts[1:]))]).event_type
        out.append(
            Prepared(
                item,
                title,
                body,
                tuple(m.vendor for m in matches if m.salience is Salience.SUBJECT),
                outlet.lower(),
                day,
                event,
                publication_known(article),
                mentions=tuple(m.vendor for m in matches if m.salience is Salience.MENTION),
            )
        )
    return out


Row = tuple[list[float], int, str]  # features, label, the article's gold group


@dataclass(slots=True)
class _Story:
    profile: Profile
    vendors: set[str]
    group: str
    key: int


@lru_cache(maxsize=1)
def catalog_topics() -> frozenset[str]:
    from bot.intel.vendors import VendorCatalog

    return frozenset(a.lower() for v in VendorCatalog.load().vendors for a in (v.name, *v.aliases))


def replay(
    prepared: Sequence[Prepared],
    model: Model | None,
    *,
    gold: bool = False,
    fits: dict[str, float] | None = None,
    explain: dict[str, str] | None = None,
) -> tuple[dict[str, int | None], list[Row]]:
    """Cluster in order as the engine does: by `model`, or (gold=True) into the gold event's story,
    collecting training rows. Returns file -> story key and the rows."""
    similarity = TfidfSimilarity()
    frequencies: Counter[str] = Counter()
    documents = 0
    stories: list[_Story] = []
    assigned: dict[str, int | None] = {}
    rows: list[Row] = []
    for p in prepared:
        assigned[p.item.file] = None
        if not p.subjects and (gold or not p.mentions):
            continue
        vendors = set(p.subjects) | set(p.mentions)
        text = f"{p.title}\n{p.title}\n{p.body}"
        terms = similarity.document_terms(text)
        keys = {KEY_PREFIX + k for k in identifiers(p.title, lead_of(p.title, p.body))}
        documents += 1
        frequencies.update(terms | keys)
        similarity.use_corpus(documents, {t: frequencies[t] for t in terms | keys})
        article: Signals = signals(
            p.title,
            p.body,
            similarity,
            frequencies,
            documents,
            event_type=p.event_type,
            day=p.day,
            outlet=p.outlet,
            dated=p.dated,
            precise=p.precise,
            topics=catalog_topics(),
        )
        best: _Story | None = None
        best_p = -1.0
        candidates = [
            story for story in stories if story.vendors & vendors and in_window(p.day, story.profile)
        ]
        if gold:
            for story in candidates:
                if story.group != p.item.group and _same_thread(story, p):
                    continue
                label = int(story.group == p.item.group)
                rows.append((features(article, story.profile), label, p.item.group))
                if label:
                    best, best_p = story, 1.0
        else:
            assert model is not None
            profiles = [(s.key, s.profile) for s in candidates]
            chosen = choose(article, judge(article, profiles, model), profiles, model)
            if chosen is not None and (
                p.subjects or joins_by_mention(article, chosen, stories[chosen.story_id].profile, model)
            ):
                best, best_p = stories[chosen.story_id], chosen.probability
        if best is None and not p.subjects:
            continue
        if best is None:
            best = _Story(Profile.start(article), set(p.subjects), p.item.group, len(stories))
            stories.append(best)
        else:
            if explain is not None:
                explain[p.item.file] = " ".join(
                    f"{k}:{article.keys[k]:.1f}" for k in shared_keys(article, best.profile)
                )
            best.profile.add(article, best_p)
            best.vendors |= set(p.subjects)
        assigned[p.item.file] = best.key
        if fits is not None:
            fits[p.item.file] = best_p
    return assigned, rows


_THREADS: dict[str, str | None] = {}


def in_window(day: datetime, profile: Profile) -> bool:
    """The engine's candidate rule: within WINDOW of the story's dates, and at most MAX_SPAN after its
    first article."""
    assert profile.first is not None and profile.last is not None
    return profile.first - WINDOW <= day <= min(profile.last + WINDOW, profile.first + MAX_SPAN)


def _same_thread(story: _Story, p: Prepared) -> bool:
    return bool(p.item.thread) and _THREADS.get(story.group) == p.item.thread


DROPPED: set[str] = set()  # features left out (weight 0), to compare feature sets


def fit(rows: Sequence[Row], threshold: float, l2: float = 1.0) -> Model:
    """Logistic regression on standardised features, Newton steps with an L2 penalty."""
    x = np.array([r[0] for r in rows], dtype=float)
    x[:, [i for i, f in enumerate(FEATURES) if f in DROPPED]] = 0.0
    y = np.array([r[1] for r in rows], dtype=float)
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales == 0] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - means) / scales])
    w = np.zeros(z.shape[1])
    penalty = np.eye(z.shape[1]) * l2
    penalty[0, 0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(z @ w)))
        gradient = z.T @ (p - y) + penalty @ w
        hessian = (z.T * (p * (1 - p))) @ z + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return Model(tuple(w[1:].tolist()), float(w[0]), tuple(means.tolist()), tuple(scales.tolist()), threshold)


def folds_by_event(prepared: Sequence[Prepared], k: int) -> list[set[str]]:
    """k sets of gold groups of about equal item counts; an event is never in two folds."""
    sizes = Counter(p.item.group for p in prepared)
    order = sorted(sizes, key=lambda g: (-sizes[g], zlib.crc32(g.encode())))
    folds: list[set[str]] = [set() for _ in range(k)]
    loads = [0] * k
    for group in order:
        i = loads.index(min(loads))
        folds[i].add(group)
        loads[i] += sizes[group]
    return folds


def scores_on(
    items: Sequence[Item], assigned: Mapping[str, object], focus: set[str] | None = None
) -> dict[str, tuple[float, float, float]]:
    """Scores over all pairs, or (a fold) over the pairs with at least one item in `focus`: a
    held-out item wrongly joined to a training item's story counts against it."""
    tracked = [i for i in items if i.tracked]
    out = {}
    for name, subset, lenient in (
        ("tracked strict", tracked, False),
        ("tracked lenient", tracked, True),
        ("all strict", items, False),
        ("all lenient", items, True),
    ):
        s = pair_scores(subset, assigned, lenient=lenient, focus=focus)
        out[name] = (s.precision, s.recall, s.f1)
    return out


def cross_validate(
    prepared: Sequence[Prepared], k: int, make: Callable[[list[Row], float], Model]
) -> dict[float, list[dict[str, tuple[float, float, float]]]]:
    """Per threshold, the held-out scores of each fold."""
    _, rows = replay(prepared, None, gold=True)
    results: dict[float, list[dict[str, tuple[float, float, float]]]] = {t: [] for t in THRESHOLDS}
    for test in folds_by_event(prepared, k):
        train_rows = [r for r in rows if r[2] not in test]
        held_out = {p.item.file for p in prepared if p.item.group in test}
        items = [p.item for p in prepared]
        for threshold in THRESHOLDS:
            assigned, _ = replay(prepared, make(train_rows, threshold))
            results[threshold].append(scores_on(items, assigned, held_out))
    return results


def hand_model(_: list[Row], threshold: float) -> Model:
    """Hand-set weights for comparison: wording and rare keys for, distance against."""
    n = len(FEATURES)
    weights = (4.0, 5.0, 1.5, -1.0, -1.5, 0.5, -1.0)
    return Model(weights + (0.0,) * (n - len(weights)), -3.0, (0.0,) * n, (1.0,) * n, threshold)


def summarise(
    name: str, results: Mapping[float, list[dict[str, tuple[float, float, float]]]]
) -> tuple[float, float]:
    """Print the held-out scores; return the chosen threshold and its mean of strict and lenient F1."""
    # both official scores count: strict (a follow-up is another event) and lenient (merging the
    # follow-ups of one thread is not wrong: the product joins them while the story is open)
    strict = {t: statistics.fmean(f["tracked strict"][2] for f in results[t]) for t in results}
    lenient = {t: statistics.fmean(f["tracked lenient"][2] for f in results[t]) for t in results}
    means = {t: (strict[t] + lenient[t]) / 2 for t in results}
    # the target asks lenient precision >= 0.97 on unseen coverage: a threshold that misses it in a
    # held-out fold is not taken while another meets it in every fold
    safe = [t for t in results if min(f["tracked lenient"][0] for f in results[t]) >= MIN_LENIENT_PRECISION]
    means = {t: m for t, m in means.items() if t in safe} or means
    best = max(t for t in means if means[t] >= max(means.values()) - TOLERANCE)
    print("  mean held-out F1 (tracked) by threshold, strict:", {t: round(m, 3) for t, m in strict.items()})
    print("  lenient:", {t: round(m, 3) for t, m in lenient.items()})
    print(
        f"{name}: threshold {best} (highest within 0.01 of the best mean of held-out strict and lenient F1, tracked,"
        f" among those with lenient precision >= {MIN_LENIENT_PRECISION} in every fold)"
    )
    for measure in ("tracked strict", "tracked lenient", "all strict", "all lenient"):
        folds = results[best]
        cols = []
        for i, label in enumerate(("P", "R", "F1")):
            values = [f[measure][i] for f in folds]
            cols.append(f"{label} {statistics.fmean(values):.3f} [{min(values):.3f}-{max(values):.3f}]")
        print(f"  {measure:16} " + "  ".join(cols))
    return best, means[best]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help=f"write the final model to {MODEL_PATH}")
    parser.add_argument(
        "--keep-rejected",
        action="store_true",
        help="read feed items the loader refuses straight from the file",
    )
    parser.add_argument("--drop", default="", help="comma-separated features to leave out")
    parser.add_argument("--no-hand", action="store_true", help="skip the hand-weights comparison")
    args = parser.parse_args(argv)
    DROPPED.update(f for f in args.drop.split(",") if f)
    items = load_items()
    _THREADS.update({i.group: i.thread for i in items})
    prepared = prepare(items)
    print(f"{len(prepared)} items loaded, {sum(bool(p.subjects) for p in prepared)} with a matched vendor")
    baseline = word_overlap_baseline(
        [(i.file, headline(DEV_DIR / "stories" / i.file), i.published) for i in items]
    )
    base = scores_on(items, baseline)
    print("word-overlap baseline (all items, no CV):", {k: round(v[2], 3) for k, v in base.items()})
    if not args.no_hand:
        summarise("hand weights", cross_validate(prepared, args.folds, hand_model))
    chosen: dict[float, tuple[float, float]] = {}
    for l2 in PENALTIES:
        chosen[l2] = summarise(
            f"logistic regression, L2 {l2}", cross_validate(prepared, args.folds, partial(fit, l2=l2))
        )
    l2 = max(PENALTIES, key=lambda p: (round(chosen[p][1], 3), p))
    threshold = chosen[l2][0]
    print(f"chosen: L2 {l2}, threshold {threshold} (best mean held-out F1; ties to the stronger penalty)")
    _, rows = replay(prepared, None, gold=True)
    make = partial(fit, l2=l2)
    untimed = cross_validate_untimed(
        prepared, folds_by_event(prepared, args.folds), rows, make, threshold, replay
    )
    model = replace(make(rows, threshold), untimed_threshold=untimed)
    print(
        "final model:",
        {f: round(w, 3) for f, w in zip(FEATURES, model.weights, strict=True)},
        "bias",
        round(model.bias, 3),
    )
    if args.write:
        import json

        MODEL_PATH.write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
        print(f"written to {MODEL_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
