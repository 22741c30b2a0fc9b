"""Cross-validate the threshold for joins without publication dates (Model.untimed_threshold).

The dev split is dated, but pasted articles and some pages are not: there the engine places an
article at its fetch or arrival time and a vendor's stories from any year compete. To choose the
threshold on held-out events, the dev items are replayed with no publication date, all arriving
together (the hardest case: time says nothing), with each fold's model (trained on the other events'
dated rows), and scored on the pairs with a held-out item: strict pairwise precision and recall and
the share of members of multi-item stories that belong to another event (the full-text measure of
evaluation/full_text.py). The threshold is the lowest whose mean held-out share of members from
another event is at most MAX_OTHER (the issue's bound for undated text), so that recall
is given up only where precision needs it; when none is that low, the highest of those with the
fewest (the gap left is then not a matter of threshold).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.intel.same_event import Model
from evaluation.clustering import pair_scores

if TYPE_CHECKING:  # train_cluster imports this module
    from evaluation.train_cluster import Prepared, Row

UNTIMED_THRESHOLDS = (0.8, 0.85, 0.9, 0.95, 0.98, 0.99)
MAX_OTHER = 0.05
ARRIVAL = datetime(2026, 12, 1, 12, tzinfo=UTC)


def other_event_share(
    prepared: Sequence[Prepared], assigned: dict[str, int | None], focus: set[str]
) -> tuple[int, int]:
    """(members, members of another event than the story's commonest) over multi-item stories that
    hold a held-out item."""
    groups: dict[int, list[str]] = {}
    files: dict[int, set[str]] = {}
    for p in prepared:
        story = assigned.get(p.item.file)
        if story is not None:
            groups.setdefault(story, []).append(p.item.group)
            files.setdefault(story, set()).add(p.item.file)
    members = wrong = 0
    for story, events in groups.items():
        if len(events) < 2 or not files[story] & focus:
            continue
        members += len(events)
        wrong += len(events) - Counter(events).most_common(1)[0][1]
    return members, wrong


def cross_validate_untimed(
    prepared: Sequence[Prepared],
    folds: Sequence[set[str]],
    rows: Sequence[Row],
    make: Callable[[list[Row], float], Model],
    threshold: float,
    replay: Callable[[Sequence[Prepared], Model], tuple[dict[str, int | None], object]],
) -> float:
    """Print held-out scores per untimed threshold and return the chosen one."""
    undated = [replace(p, dated=False, day=ARRIVAL) for p in prepared]
    items = [p.item for p in undated]
    results: dict[float, list[tuple[float, float, float]]] = {t: [] for t in UNTIMED_THRESHOLDS}
    for test in folds:
        model = make([r for r in rows if r[2] not in test], threshold)
        held_out = {p.item.file for p in undated if p.item.group in test}
        for untimed in UNTIMED_THRESHOLDS:
            assigned, _ = replay(undated, replace(model, untimed_threshold=untimed))
            tracked = [i for i in items if i.tracked]
            score = pair_scores(tracked, assigned, focus=held_out)
            members, wrong = other_event_share(undated, assigned, held_out)
            results[untimed].append((score.precision, score.recall, wrong / members if members else 0.0))
    means = {t: statistics.fmean(f[2] for f in results[t]) for t in UNTIMED_THRESHOLDS}
    fine = [t for t in UNTIMED_THRESHOLDS if means[t] <= MAX_OTHER]
    chosen = (
        min(fine) if fine else max(t for t in UNTIMED_THRESHOLDS if means[t] <= min(means.values()) + 0.001)
    )
    print("undated replay of the dev split, held-out folds (tracked strict P, R; members of another event):")
    for untimed in UNTIMED_THRESHOLDS:
        folds_ = results[untimed]
        cols = []
        for i, label in enumerate(("P", "R", "other")):
            values = [f[i] for f in folds_]
            cols.append(f"{label} {statistics.fmean(values):.3f} [{min(values):.3f}-{max(values):.3f}]")
        print(f"  {untimed:5}  " + "  ".join(cols))
    print(
        f"untimed threshold {chosen} (the lowest with at most {MAX_OTHER:.0%} members of another event on"
        " mean, else the highest of the fewest)"
    )
    return chosen
