"""Extraction quality by k-fold cross-validation on the dev pages, with the fold spread and the
baselines (keep everything, trafilatura) measured in the same run.

A hand-weighted cleaner learns nothing, so its folds are simply scored one by one; the learned block
model (bot/ingest/data/block_weights.json, trained by evaluation/train_blocks.py) is trained on k-1
folds and scored on the held-out one, so its figure is one for pages it has not seen. The spread
(min-max over folds) says how much of a difference between two variants is noise.

`python -m evaluation.extraction_cv [--folds 5] [--seed 13] [--json]`
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evaluation.extraction import DEFAULT_PAGES, load_pages, score_pairs, trafilatura_on_markdown

Page = dict[str, Any]
FieldExtractor = Callable[[Page, str], str]  # (page, "markdown" | "text") -> body
# Given the training pages, an extractor for the held-out ones (a hand-weighted cleaner ignores them).
Trainer = Callable[[Sequence[Page]], FieldExtractor]
FOLDS = 5
SEED = 13


def folds_of(pages: Sequence[Page], k: int = FOLDS, seed: int = SEED) -> list[list[Page]]:
    """k folds of about equal size, the pages shuffled with a fixed seed (the same split every run)."""
    order = sorted(pages, key=lambda p: str(p["id"]))
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def _summary(rows: list[dict[str, float]]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for key in ("f1", "precision", "recall"):
        values = [row[key] for row in rows]
        summary[key] = statistics.fmean(values)
        summary[f"{key}_min"], summary[f"{key}_max"] = min(values), max(values)
    summary["folds"] = [round(row["f1"], 4) for row in rows]
    return summary


def cross_validate(
    pages: Sequence[Page], trainer: Trainer, fields: Sequence[str], k: int = FOLDS, seed: int = SEED
) -> dict[str, dict[str, Any]]:
    """Per field (page form): mean and min-max over folds of F1, precision and recall, each fold
    scored by what `trainer` made of the other folds (trained once per fold for every form)."""
    folds = folds_of(pages, k, seed)
    rows: dict[str, list[dict[str, float]]] = {field: [] for field in fields}
    for held_out in range(k):
        training = [p for i, fold in enumerate(folds) if i != held_out for p in fold]
        extract = trainer(training)
        for field in fields:
            rows[field].append(score_pairs((str(p["gold_body"]), extract(p, field)) for p in folds[held_out]))
    return {field: _summary(field_rows) for field, field_rows in rows.items()}


def hand_cleaner(_training: Sequence[Page]) -> FieldExtractor:
    from bot.ingest.clean import HAND, clean_text

    return lambda page, field: clean_text(str(page[field]), model=HAND)


def learned_cleaner(training: Sequence[Page]) -> FieldExtractor:
    """Train the block model on the training folds (both page forms), clean with it."""
    from bot.ingest.clean import clean_text
    from evaluation.train_blocks import train

    model = train(training)
    return lambda page, field: clean_text(str(page[field]), model=model)


def keep_everything(_training: Sequence[Page]) -> FieldExtractor:
    return lambda page, field: str(page[field])


def trafilatura_baseline(_training: Sequence[Page]) -> FieldExtractor:
    return lambda page, _field: trafilatura_on_markdown(page)


def run(pages: Sequence[Page], k: int = FOLDS, seed: int = SEED, *, baselines: bool = True) -> dict[str, Any]:
    """Every extractor the report compares, keyed by name."""
    results: dict[str, Any] = {}
    forms = ("markdown", "text")
    learned = cross_validate(pages, learned_cleaner, forms, k, seed)
    hand = cross_validate(pages, hand_cleaner, forms, k, seed)
    for form in forms:
        results[f"ours, learned (held-out folds) ({form})"] = learned[form]
        results[f"ours, hand weights ({form})"] = hand[form]
    if baselines:
        kept = cross_validate(pages, keep_everything, forms, k, seed)
        for form in forms:
            results[f"keep everything ({form})"] = kept[form]
        results["trafilatura (markdown->html)"] = cross_validate(pages, trafilatura_baseline, ("markdown",), k, seed)[
            "markdown"
        ]
    return results


def print_table(results: dict[str, Any], k: int) -> None:
    print(f"extraction, {k}-fold cross-validation (mean, fold min-max)")
    print(f"{'extractor':42} {'F1':>6} {'(min-max)':>13} {'P':>6} {'R':>6}")
    for name, row in results.items():
        spread = f"{row['f1_min']:.3f}-{row['f1_max']:.3f}"
        print(f"{name:42} {row['f1']:6.3f} {spread:>13} {row['precision']:6.3f} {row['recall']:6.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("pages", nargs="?", type=Path, default=DEFAULT_PAGES)
    parser.add_argument("--folds", type=int, default=FOLDS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not args.pages.exists():
        print(f"skipped: no pages file at {args.pages}", file=sys.stderr)
        return 0
    results = run(load_pages(args.pages), args.folds, args.seed, baselines=not args.no_baselines)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results, args.folds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
