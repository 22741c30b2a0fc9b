"""Nested cross-validation of the same-event model: is the held-out figure honest?

evaluation/train_cluster.py chooses the L2 penalty and the threshold on the same folds it reports
(five penalties by twelve thresholds: a small optimism). Here each outer fold (grouped by event, as
there) chooses them again by an inner grouped cross-validation over its own training events only, with
one of two rules, fits on those events and is scored on its held-out events:

- "highest": the highest threshold within TOLERANCE of the best mean of held-out strict and lenient F1
  (train_cluster's rule: fewer merges);
- "median": the median of that near-best plateau (the rule bot/intel/vendors adopted), so a refit does
  not jump between the plateau's ends.

    python -m evaluation.nested_cv [--folds 5] [--rule highest|median]
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Mapping, Sequence
from functools import partial

from evaluation.clustering import load_items
from evaluation.train_cluster import (
    _THREADS,
    MIN_LENIENT_PRECISION,
    PENALTIES,
    TOLERANCE,
    Prepared,
    cross_validate,
    fit,
    folds_by_event,
    prepare,
    replay,
    scores_on,
)

Scores = dict[str, tuple[float, float, float]]
RULES = ("highest", "median")


def pick_threshold(results: Mapping[float, list[Scores]], rule: str) -> tuple[float, float]:
    """The threshold by `rule` among those with lenient precision >= MIN_LENIENT_PRECISION in every
    fold (all of them when none has), and its mean of held-out strict and lenient F1 (tracked)."""
    means = {
        t: statistics.fmean((f["tracked strict"][2] + f["tracked lenient"][2]) / 2 for f in folds)
        for t, folds in results.items()
    }
    safe = {
        t: m
        for t, m in means.items()
        if min(f["tracked lenient"][0] for f in results[t]) >= MIN_LENIENT_PRECISION
    }
    means = safe or means
    plateau = sorted(t for t in means if means[t] >= max(means.values()) - TOLERANCE)
    chosen = plateau[-1] if rule == "highest" else statistics.median_low(plateau)
    return chosen, means[chosen]


def select(prepared: Sequence[Prepared], k: int, rule: str) -> tuple[float, float]:
    """(L2, threshold) by grouped k-fold CV over `prepared` alone; penalties tie to the stronger."""
    picked = {l2: pick_threshold(cross_validate(prepared, k, partial(fit, l2=l2)), rule) for l2 in PENALTIES}
    l2 = max(PENALTIES, key=lambda p: (round(picked[p][1], 3), p))
    return l2, picked[l2][0]


def nested(prepared: Sequence[Prepared], k: int, rule: str) -> tuple[list[Scores], list[tuple[float, float]]]:
    """Per outer fold: the held-out scores and the (L2, threshold) its training events chose."""
    _, rows = replay(prepared, None, gold=True)
    items = [p.item for p in prepared]
    scores: list[Scores] = []
    settings: list[tuple[float, float]] = []
    for test in folds_by_event(prepared, k):
        training = [p for p in prepared if p.item.group not in test]
        l2, threshold = select(training, k - 1, rule)
        model = fit([r for r in rows if r[2] not in test], threshold, l2)
        assigned, _ = replay(prepared, model)
        scores.append(scores_on(items, assigned, {p.item.file for p in prepared if p.item.group in test}))
        settings.append((l2, threshold))
    return scores, settings


def print_nested(rule: str, scores: Sequence[Scores], settings: Sequence[tuple[float, float]]) -> None:
    print(
        f"nested CV, rule {rule}: per outer fold (L2, threshold) chosen on its training events: {list(settings)}"
    )
    for measure in ("tracked strict", "tracked lenient", "all strict", "all lenient"):
        cols = []
        for i, label in enumerate(("P", "R", "F1")):
            values = [f[measure][i] for f in scores]
            cols.append(f"{label} {statistics.fmean(values):.3f} [{min(values):.3f}-{max(values):.3f}]")
        print(f"  {measure:16} " + "  ".join(cols))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--rule", choices=RULES, action="append", help="threshold rule (default: both)")
    args = parser.parse_args(argv)
    items = load_items()
    _THREADS.update({i.group: i.thread for i in items})
    prepared = prepare(items)
    for rule in args.rule or RULES:
        print_nested(rule, *nested(prepared, args.folds, rule))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
