"""The fact-usefulness model (a logistic regression over evaluation/fact_features.py) measured by
grouped cross-validation against today's rules in the same run, on the facts read by hand.

Examples: every fact today's code shows for a labelled dev story (evaluation/labels/facts-sample.jsonl,
vendor-dev text; facts-feed-ledes.jsonl, multi-outlet feed ledes) whose verdict the reader gave
(`useful` = 1). Features come from bot/intel/facts/usefulness.py on the facts as extracted *without*
the model (so it sees what it will filter), matched to the shown facts by key. The fresh held-out
file (facts-fresh-dec6.jsonl) is never read here.

`python -m evaluation.train_facts` prints the cross-validation for three fold draws (5 folds of
stories: a story's facts are never split across folds; weights and threshold fitted on the training
folds only) with the per-fold spread, the out-of-fold AUC, and the weights fitted on all examples for
reading. Not shipped: the gain is not clear (README-facts.md), so no weights file is written.

Threshold rule (fixed before measuring): the highest threshold whose recall of useful facts on the
training folds stays >= RECALL_FLOOR; facts of the KEPT kinds (cve, kev, exploitation) are never
dropped and count in every figure.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.intel.events import decide, score_text, split_lead
from bot.intel.facts import extract_facts, facts_for_event, merge_facts
from bot.intel.facts.kev import load_catalog
from bot.intel.sentences import article_sentences
from evaluation.fact_features import FEATURES, KEPT, FactModel, fact_features
from evaluation.facts import DEFAULT, FEED_LABELS, LABELS, fact_key, feed_rows, load_labels

L2 = 10.0  # the best out-of-fold AUC of 0.5 / 2 / 10 / 30 (0.640 / 0.646 / 0.646 / 0.638)
RECALL_FLOOR = 0.97
FOLDS = 5


@dataclass(frozen=True, slots=True)
class Example:
    story: str  # the group: facts of one story stay in one fold
    kind: str
    values: tuple[float, ...]
    useful: int
    sentence: str = ""  # for reading the errors (`--errors`), never written out


def examples() -> list[Example]:
    """Every judged fact of the dev labels, with its features."""
    rows: dict[str, dict[str, object]] = {}
    if DEFAULT.exists():
        lines = DEFAULT.read_text(encoding="utf-8").splitlines()
        rows = {str(r["row"]): r for r in map(json.loads, filter(str.strip, lines))}
    kev = load_catalog()
    out: list[Example] = []
    for prefix, labels, pool in (
        ("dev", load_labels(LABELS), rows),
        ("feed", load_labels(FEED_LABELS) if FEED_LABELS.exists() else [], feed_rows()),
    ):
        for label in labels:
            row = pool.get(str(label["row"]))
            if row is None:
                continue
            title, text = str(row.get("title") or ""), str(row.get("article") or "")
            sentences = article_sentences(text)
            extracted = extract_facts(text, sentences, published=None, kev=kev)  # no title: unfiltered
            shown = merge_facts([extracted], ["outlet"])
            verdict = decide([score_text(title, *split_lead(text))], [f.kind for f in shown])
            shown = facts_for_event(shown, str(verdict.event_type))
            verdicts = {key: v for _, v, key in label.get("facts", [])}  # type: ignore[attr-defined]
            values = dict(
                zip(
                    (f.key for f in extracted),
                    fact_features(extracted, title, [s for s in sentences if s.complete]),
                    strict=True,
                )
            )
            for fact in shown:
                judged = verdicts.get(fact_key(fact.kind, fact.text))
                if judged is None or fact.key not in values:
                    continue
                row_values = tuple(values[fact.key][name] for name in FEATURES)
                out.append(
                    Example(
                        f"{prefix}:{label['row']}",
                        fact.kind,
                        row_values,
                        int(judged == "useful"),
                        fact.sentence,
                    )
                )
    return out


def fit(train: Sequence[Example], l2: float = L2) -> FactModel:
    """L2-regularised logistic regression by Newton steps over the filtered kinds' facts, then the
    threshold by RECALL_FLOOR on the same training facts (all kinds)."""
    filtered = [e for e in train if e.kind not in KEPT]
    x = np.array([e.values for e in filtered], dtype=float)
    y = np.array([e.useful for e in filtered], dtype=float)
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[FEATURES.index("bias")] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        step = np.linalg.solve(
            (x.T * (p * (1 - p))) @ x + np.diag(penalty + 1e-9), x.T @ (p - y) + penalty * w
        )
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    model = FactModel({n: round(float(v), 4) for n, v in zip(FEATURES, w, strict=True)}, 0.0)
    threshold = 0.0
    for candidate in np.arange(0.05, 0.951, 0.025):
        trial = FactModel(model.weights, float(candidate))
        if score(trial, train)["recall"] >= RECALL_FLOOR:
            threshold = float(round(candidate, 3))
    return FactModel(model.weights, threshold)


def keeps(model: FactModel | None, example: Example) -> bool:
    if model is None or example.kind in KEPT:
        return True
    return model.probability(dict(zip(FEATURES, example.values, strict=True))) >= model.threshold


def score(model: FactModel | None, facts: Sequence[Example]) -> dict[str, float]:
    """Precision of the facts kept (all kinds), recall of the useful facts, facts dropped."""
    kept = [e for e in facts if keeps(model, e)]
    useful = sum(e.useful for e in facts)
    return {
        "precision": sum(e.useful for e in kept) / max(1, len(kept)),
        "recall": sum(e.useful for e in kept) / max(1, useful),
        "dropped": len(facts) - len(kept),
        "dropped_useful": useful - sum(e.useful for e in kept),
    }


def cross_validate(data: Sequence[Example], seed: int = 16, l2: float = L2) -> dict[str, object]:
    """5 folds of stories; the baseline (today's rules: every shown fact) on the same folds."""
    stories = sorted({e.story for e in data})
    random.Random(seed).shuffle(stories)
    fold_of = {story: n % FOLDS for n, story in enumerate(stories)}
    per_fold: list[dict[str, Any]] = []
    ranked: list[tuple[float, int]] = []  # out-of-fold probability and verdict of the filtered kinds
    for fold in range(FOLDS):
        train = [e for e in data if fold_of[e.story] != fold]
        test = [e for e in data if fold_of[e.story] == fold]
        model = fit(train, l2)
        ranked += [
            (model.probability(dict(zip(FEATURES, e.values, strict=True))), e.useful)
            for e in test
            if e.kind not in KEPT
        ]
        per_fold.append(
            {"model": score(model, test), "baseline": score(None, test), "threshold": model.threshold}
        )

    def summary(which: str, metric: str) -> dict[str, object]:
        values = [float(f[which][metric]) for f in per_fold]
        return {
            "mean": round(statistics.fmean(values), 3),
            "folds": [round(v, 3) for v in values],
            "min_max": [round(min(values), 3), round(max(values), 3)],
        }

    gains = [float(f["model"]["precision"]) - float(f["baseline"]["precision"]) for f in per_fold]
    return {
        "facts": len(data),
        "stories": len(stories),
        "precision": summary("model", "precision"),
        "baseline_precision": summary("baseline", "precision"),
        "precision_gain_per_fold": [round(g, 3) for g in gains],
        "recall_of_useful": summary("model", "recall"),
        "dropped": sum(int(f["model"]["dropped"]) for f in per_fold),
        "dropped_useful": sum(int(f["model"]["dropped_useful"]) for f in per_fold),
        "thresholds": [f["threshold"] for f in per_fold],
        "out_of_fold_auc": round(auc(ranked), 3),
    }


def auc(ranked: Sequence[tuple[float, int]]) -> float:
    """Chance that a useful fact scores above a not-useful one (ties count half)."""
    useful = [p for p, y in ranked if y]
    other = [p for p, y in ranked if not y]
    pairs = sum((u > o) + 0.5 * (u == o) for u in useful for o in other)
    return pairs / max(1, len(useful) * len(other))


def main(argv: Sequence[str] = ()) -> int:
    data = examples()
    if not data:
        print("train_facts skipped: no labelled article text found (dev-time data)")
        return 0
    for seed in (16, 17, 18):
        print(json.dumps({"seed": seed, **cross_validate(data, seed)}))
    model = fit(data)
    print(f"weights fitted on all {len(data)} judged facts (for reading; not shipped):")
    for name, value in sorted(model.weights.items(), key=lambda kv: -abs(kv[1])):
        print(f"  {name:<16} {value:+.3f}")
    print(f"  threshold {model.threshold}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
