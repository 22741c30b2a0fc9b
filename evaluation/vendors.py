"""Which vendor a story is about: subject precision/recall on the labelled sets, with error kinds.

`python -m evaluation vendors` prints, per set (full-text vendor-dev, feed-item multi-outlet):
- a title-keyword baseline (every vendor the title names is a subject),
- the shipped matcher (hand rules or the learned weights in bot/intel/data/vendor_weights.json),
- the same model retrained inside k-fold cross-validation (weights fitted on k-1 folds, scored on the
  held-out one; the shipped weights were fitted on all labels, so only the CV row is an honest figure),
each as micro precision/recall over all articles with the spread over folds, and the errors by kind:
false subjects by the role the labels give them (researcher, platform, commentator, incidental, or
title-only / other where the labels name no role), missed subjects split into "product not mapped"
(the matcher never found the vendor) and "judged mention", plus subjects the catalog does not know.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.intel.vendors import VendorCatalog, VendorMatcher
from bot.intel.vendors.salience import HAND_RULES
from bot.models import Salience
from evaluation.vendor_sets import (
    Case,
    Predictor,
    Trainer,
    load_multi_outlet,
    load_vendor_dev,
    stores_ambiguous,
)

FOLDS = 5
LATE_ROWS = 300  # the full-text rows labelled after the first weights were fitted


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_kinds: Counter[str] = field(default_factory=Counter)
    missed_kinds: Counter[str] = field(default_factory=Counter)
    missing_from_catalog: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.false_kinds.update(other.false_kinds)
        self.missed_kinds.update(other.missed_kinds)
        self.missing_from_catalog += other.missing_from_catalog
        self.errors.extend(other.errors)


def score_case(case: Case, predicted: set[str], found: set[str]) -> Score:
    """Compare one prediction with the labels; `found` is every vendor the matcher saw at all."""
    score = Score(missing_from_catalog=len(case.missing))
    predicted = predicted - case.ambiguous
    title_only = _title_only(case, predicted)
    for vendor in sorted(predicted):
        if vendor in case.subjects:
            score.tp += 1
            continue
        score.fp += 1
        kind = case.mention_roles.get(vendor) or ("title-only" if vendor in title_only else "other")
        score.false_kinds[kind] += 1
        score.errors.append(f"{case.key}: false {vendor} ({kind}) | {case.title[:70]}")
    for vendor in sorted(case.subjects - predicted):
        score.fn += 1
        kind = "judged mention" if vendor in found else "product not mapped"
        score.missed_kinds[kind] += 1
        score.errors.append(f"{case.key}: missed {vendor} ({kind}) | {case.title[:70]}")
    return score


def _title_only(case: Case, predicted: set[str]) -> set[str]:
    return {v for v in predicted if v in case.title and v not in case.body}


def folds_of(cases: Sequence[Case], k: int = FOLDS, seed: int = 14) -> list[list[Case]]:
    """k folds of about equal size, grouped: all articles of one event (Case.group) share a fold, so a
    story told by five outlets is never both trained on and scored (the groups are shuffled, then each
    goes to the smallest fold)."""
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(case.group or case.key, []).append(case)
    order = sorted(groups)
    random.Random(seed).shuffle(order)
    order.sort(key=lambda name: -len(groups[name]))  # big events first, ties in shuffled order
    folds: list[list[Case]] = [[] for _ in range(k)]
    for name in order:
        min(folds, key=len).extend(groups[name])
    return folds


@dataclass
class Result:
    name: str
    total: Score
    fold_precision: list[float]
    fold_recall: list[float]

    def line(self) -> str:
        p_sd = statistics.pstdev(self.fold_precision) if len(self.fold_precision) > 1 else 0.0
        r_sd = statistics.pstdev(self.fold_recall) if len(self.fold_recall) > 1 else 0.0
        t = self.total
        false = ", ".join(f"{k} {n}" for k, n in t.false_kinds.most_common()) or "-"
        missed = ", ".join(f"{k} {n}" for k, n in t.missed_kinds.most_common()) or "-"
        return (
            f"  {self.name:<28} P {t.precision:.3f} ±{p_sd:.3f}  R {t.recall:.3f} ±{r_sd:.3f}"
            f"  (tp {t.tp} fp {t.fp} fn {t.fn})\n"
            f"  {'':<28} false: {false}; missed: {missed}; not in catalog: {t.missing_from_catalog}"
        )


def evaluate(
    name: str,
    folds: list[list[Case]],
    matcher: VendorMatcher,
    predictor: Predictor | None = None,
    trainer: Trainer | None = None,
) -> Result:
    """Score `predictor` per fold, or (with `trainer`) a model fitted on the other folds for each fold."""
    total = Score()
    fold_p: list[float] = []
    fold_r: list[float] = []
    for index, fold in enumerate(folds):
        if trainer is not None:
            training = [case for other, cases in enumerate(folds) if other != index for case in cases]
            predict = trainer(training)
        else:
            assert predictor is not None
            predict = predictor
        fold_score = Score()
        for case in fold:
            found = {m.vendor for m in matcher.match(case.title, case.body)}
            fold_score.add(score_case(case, predict(case), found))
        fold_p.append(fold_score.precision)
        fold_r.append(fold_score.recall)
        total.add(fold_score)
    return Result(name, total, fold_p, fold_r)


def title_keyword(matcher: VendorMatcher) -> Predictor:
    """The baseline: every vendor the title names is a subject."""
    return lambda case: {hit.vendor for hit in matcher.find(case.title, in_title=True)}


def shipped(matcher: VendorMatcher, model: str | None = None) -> Predictor:
    def predict(case: Case) -> set[str]:
        matches = matcher.match(case.title, case.body, model=model)
        return {m.vendor for m in matches if m.salience is Salience.SUBJECT}

    return predict


def report(verbose: bool = False) -> list[str]:
    """Every vendor figure as printable lines (a set whose data is absent says so and is skipped)."""
    from evaluation.train_vendors import trainer_for

    catalog = VendorCatalog.load()
    matcher = VendorMatcher.of(catalog)
    ungrown = VendorMatcher.of(VendorCatalog.load(grown=False))  # what growing from public data changed
    lines: list[str] = [f"vendor subjects (micro P/R over articles; ± = spread over {FOLDS} folds)"]
    sets: list[tuple[str, list[Case] | str]] = [
        ("full text (The Hacker News, vendor-dev)", load_vendor_dev(catalog)),
        ("feed items (multi-outlet-dev)", load_multi_outlet(catalog)),
    ]
    for index, (title, cases) in enumerate(sets):
        if isinstance(cases, str):
            lines.append(f"{title}: skipped: {cases}")
            continue
        other = [case for i, (_, c) in enumerate(sets) if i != index and not isinstance(c, str) for case in c]
        labelled = sum(1 for case in cases if case.subjects)
        lines.append(f"{title}: {len(cases)} articles, {labelled} with a catalog subject")
        folds = folds_of(cases)
        results = [
            evaluate("title keyword (baseline)", folds, matcher, predictor=title_keyword(matcher)),
            evaluate("hand rules", folds, matcher, predictor=shipped(matcher, HAND_RULES)),
            evaluate("learned, CV (other set too)", folds, matcher, trainer=trainer_for(matcher, other)),
            evaluate("learned, CV (this set only)", folds, matcher, trainer=trainer_for(matcher)),
            evaluate("  same, catalog without KEV", folds, ungrown, trainer=trainer_for(ungrown, other)),
        ]
        for result in results:
            lines.append(result.line())
        if any(stores_ambiguous(case) is not case for case in cases):
            alternative = [[stores_ambiguous(case) for case in fold] for fold in folds]
            again = evaluate(
                "  same, Google stores ambiguous", alternative, matcher, trainer=trainer_for(matcher, other)
            )
            lines.append(again.line())
        if verbose:
            lines.extend(f"    {error}" for error in results[2].total.errors)
    full, feed = sets[0][1], sets[1][1]
    if not isinstance(full, str):
        lines.extend(_late_rows_report(matcher, full, [] if isinstance(feed, str) else feed))
    if not isinstance(full, str):
        lines.extend(_pages_report(catalog, matcher, full, [] if isinstance(feed, str) else feed, verbose))
    return lines


def _late_rows_report(matcher: VendorMatcher, full: list[Case], feed: list[Case]) -> list[str]:
    """A held-out check on labelling order: fitted on the rows labelled first (plus the feed items),
    scored on the LATE_ROWS labelled last, beside the title baseline on the same rows."""
    from evaluation.train_vendors import trainer_for

    early, late = full[:-LATE_ROWS], full[-LATE_ROWS:]  # load_vendor_dev keeps the labels' order
    train = trainer_for(matcher, feed)
    results = [
        evaluate("title keyword (baseline)", [late], matcher, predictor=title_keyword(matcher)),
        evaluate("learned, fitted on the rest", [late], matcher, trainer=lambda _: train(early)),
    ]
    title = (
        f"full text, labelled later (last {LATE_ROWS} rows of the labels, fitted on the {len(early)} before)"
    )
    return [title] + [result.line() for result in results]


def _pages_report(
    catalog: VendorCatalog, matcher: VendorMatcher, full: list[Case], feed: list[Case], verbose: bool
) -> list[str]:
    """The full-text rows as seeds-shaped pages through ingest (evaluation/vendor_pages.py), in the same
    grouped folds; the CV model is fitted on the plain-text twins of the other folds (plus the feed
    items), as the shipped weights are, and scored on the held-out pages."""
    from evaluation.train_vendors import trainer_for
    from evaluation.vendor_pages import load_vendor_dev_pages

    title = "seeds-format pages (vendor-dev rows as aggregator pages, read by bot.ingest)"
    pages = load_vendor_dev_pages(catalog)
    if isinstance(pages, str):
        return [f"{title}: skipped: {pages}"]
    page_of = {page.key: page for page in pages}
    twin = {page.key: case for case in full for page in (page_of[f"page {case.key}"],)}
    folds = [[page_of[f"page {case.key}"] for case in fold] for fold in folds_of(full)]
    train = trainer_for(matcher, feed)
    results = [
        evaluate("title keyword (baseline)", folds, matcher, predictor=title_keyword(matcher)),
        evaluate("shipped weights (in-sample)", folds, matcher, predictor=shipped(matcher)),
        evaluate(
            "learned, CV (plain twins)",
            folds,
            matcher,
            trainer=lambda cases: train([twin[c.key] for c in cases]),
        ),
    ]
    lines = [f"{title}: {len(pages)} pages"] + [result.line() for result in results]
    if verbose:
        lines.extend(f"    {error}" for error in results[2].total.errors)
    return lines


def main(argv: Sequence[str] = ()) -> int:
    for line in report(verbose="-v" in argv or "--verbose" in argv):
        print(line)
    return 0
