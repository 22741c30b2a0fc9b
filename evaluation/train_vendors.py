"""Fit the subject model (bot/intel/data/vendor_weights.json) on the labelled articles.

`python -m evaluation.train_vendors` fits an L2-regularised logistic regression (numpy, Newton steps)
over the explainable features of bot/intel/vendors/features.py, one example per vendor the matcher
finds in an article (subject or not, ambiguous ones left out), on both labelled sets together, picks the
decision threshold where F1 on the training examples is best (the median of the near-best plateau, so a
refit does not jump between its ends), and writes the weights file. The
cross-validated figure of exactly this procedure is printed by `python -m evaluation vendors`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.intel.vendors import VendorCatalog, VendorMatcher
from bot.intel.vendors.features import FEATURES, SubjectModel, bystander_only, feature_vector
from evaluation.vendor_sets import Case, Predictor, Trainer, load_multi_outlet, load_vendor_dev

WEIGHTS = Path(__file__).resolve().parent.parent / "bot" / "intel" / "data" / "vendor_weights.json"
L2 = 1.0
F1_PLATEAU = 0.005  # thresholds within this F1 of the best form a plateau; its median is taken
VETO = True  # apply the bystander veto of bot/intel/vendors/features.py, as the bot does
Example = tuple[list[float], int]


class FeatureCache:
    """Feature rows per case, computed once (the matcher is the slow part, not the fit)."""

    def __init__(self, matcher: VendorMatcher) -> None:
        self._matcher = matcher
        self._rows: dict[str, list[tuple[str, list[float]]]] = {}
        self.bystanders: dict[str, set[str]] = {}

    def rows(self, case: Case) -> list[tuple[str, list[float]]]:
        cached = self._rows.get(case.key)
        if cached is None:
            cached = []
            self.bystanders[case.key] = set()
            for item in self._matcher.evidence(case.title, case.body):
                if bystander_only(item.evidence):
                    self.bystanders[case.key].add(item.vendor)
                features = feature_vector(item.evidence)
                cached.append((item.vendor, [features[name] for name in FEATURES]))
            self._rows[case.key] = cached
        return cached

    def examples(self, cases: Sequence[Case]) -> list[Example]:
        return [
            (row, int(vendor in case.subjects))
            for case in cases
            for vendor, row in self.rows(case)
            if vendor not in case.ambiguous
        ]


def fit(examples: Sequence[Example], l2: float | None = None) -> SubjectModel:
    """Logistic regression by Newton's method (a few dozen features: exact and fast), L2 on non-bias."""
    x = np.array([row for row, _ in examples], dtype=float)
    y = np.array([label for _, label in examples], dtype=float)
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], L2 if l2 is None else l2)
    penalty[FEATURES.index("bias")] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x.T * (p * (1 - p))) @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    weights = {name: round(float(value), 4) for name, value in zip(FEATURES, w, strict=True)}
    model = SubjectModel(weights)
    return SubjectModel(weights, _best_threshold(model, x, y))


def _best_threshold(model: SubjectModel, x: np.ndarray, y: np.ndarray) -> float:
    w = np.array([model.weights[name] for name in FEATURES])
    p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
    grid = np.arange(0.3, 0.71, 0.025)
    scores = []
    for threshold in grid:
        predicted = p >= threshold
        tp = float(np.sum(predicted & (y == 1)))
        scores.append(2 * tp / (float(np.sum(predicted)) + float(np.sum(y)) or 1.0))
    top = max(scores)
    near = [float(t) for t, f in zip(grid, scores, strict=True) if f >= top - F1_PLATEAU - 1e-9]
    return float(round(float(np.median(near)), 3))


def trainer_for(matcher: VendorMatcher, extra: Sequence[Case] = ()) -> Trainer:
    """A Trainer for evaluation/vendors.py: fit on the training folds (plus `extra`), predict held-out."""
    cache = FeatureCache(matcher)

    def train(cases: Sequence[Case]) -> Predictor:
        model = fit(cache.examples([*cases, *extra]))

        def predict(case: Case) -> set[str]:
            return {
                vendor
                for vendor, row in cache.rows(case)
                if model.probability(dict(zip(FEATURES, row, strict=True))) >= model.threshold
                and (not VETO or vendor not in cache.bystanders[case.key])
            }

        return predict

    return train


def main(argv: Sequence[str] = ()) -> int:
    catalog = VendorCatalog.load()
    matcher = VendorMatcher.of(catalog)
    cases: list[Case] = []
    for loaded in (load_vendor_dev(catalog), load_multi_outlet(catalog)):
        if isinstance(loaded, str):
            print(f"skipped: {loaded}", file=sys.stderr)
            continue
        cases.extend(loaded)
    examples = FeatureCache(matcher).examples(cases)
    model = fit(examples)
    payload = {
        "about": "Subject model for bot/intel/vendors/features.py, written by evaluation/train_vendors.py",
        "examples": len(examples),
        "articles": len(cases),
        "threshold": model.threshold,
        "weights": dict(model.weights),
    }
    WEIGHTS.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS} from {len(examples)} vendor examples in {len(cases)} articles")
    for name, value in sorted(model.weights.items(), key=lambda kv: -abs(kv[1])):
        print(f"  {name:<18} {value:+.3f}")
    print(f"  threshold {model.threshold}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
