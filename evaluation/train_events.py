"""Train the event-type model (bot/intel/event_model.py) on the labelled real stories, and measure it
against the cue rules by grouped cross-validation in the same run.

Rows: evaluation/labels/facts-sample.jsonl (vendor-dev articles read as one-source stories) and
facts-feed-ledes.jsonl (multi-outlet feed ledes); `truth` is the type read, `a|b` right for either.
Each row's features are what the engine sees: title / lead / body cues, the decisive phrases, who did
it, the facts found and the rules' verdict (bot/intel/event_model.story_features).

Folds are grouped by SAMPLE (every row of one reading session is in the same fold), so a fold's test
rows come from readings the model did not train on. The rules were tuned on all of these rows, so
their accuracy here is optimistic, and so is the part of the model that leans on their verdict: the
unseen estimate is a fresh sample read afterwards. Fitted by full-batch gradient descent (numpy) on
the partial-label log-likelihood (log of the summed probability of the allowed types), L2 on every
weight but the biases; the penalty and the rules-margin below which the model may overrule them are
chosen on the same folds from a small grid (a small optimism, printed beside the fold spread).

    python -m evaluation.train_events [--write] [--rebuild] [--fresh PATH] [--roles section|compact] [--without PREFIX]
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import cast

import numpy as np

from bot.intel.event_model import MODEL_PATH, EventModel, article_features, decide_story, story_features
from bot.intel.events import decide, score_text, split_lead
from bot.models import EventType
from evaluation.event_roles import VARIANTS
from evaluation.facts import DEFAULT, FEED_LABELS, LABELS, feed_rows, load_labels, story_facts

CACHE = Path("/tmp/train_events_rows_roles.pkl")
ROLES = ("role",)  # the candidate vendor-role features (evaluation/event_roles.py), dropped for the baseline
FOLDS = 5
MIN_SUPPORT = 60  # rows allowing a type before the model learns it (rarer types stay with the rules)
MIN_DF = 3  # a word feature must stand in this many training rows
L2_GRID = (1.0, 3.0, 10.0)
MARGIN_GRID = (0.0, 0.2, 0.4)


def load_rows(
    rebuild: bool = False, paths: Sequence[Path] = (LABELS, FEED_LABELS)
) -> list[dict[str, object]]:
    """Every labelled row with its article features, fact kinds and the rules' verdict (cached)."""
    if CACHE.exists() and not rebuild and paths == (LABELS, FEED_LABELS):
        return with_features(pickle.loads(CACHE.read_bytes()))
    from bot.intel.vendors import VendorCatalog, VendorMatcher
    from bot.models import Salience

    matcher = VendorMatcher.of(VendorCatalog.load())
    vendor = {str(r["row"]): r for r in map(json.loads, DEFAULT.read_text(encoding="utf-8").splitlines())}
    feeds = feed_rows()
    out: list[dict[str, object]] = []
    for path in paths:
        for label in load_labels(path):
            row = vendor.get(str(label["row"])) or feeds.get(str(label["row"]))
            if row is None:
                continue
            title, text = str(row.get("title") or ""), str(row.get("article") or "")
            lead, rest = split_lead(text)
            kinds = [f.kind for f in story_facts(text)]
            scored = [score_text(title, lead, rest)]
            rules = decide(scored, kinds)
            out.append(
                {
                    "row": label["row"],
                    "first": str(label.get("first_type") or ""),
                    "sample": label["sample"],
                    "truth": str(label["truth"]).split("|"),
                    "rules": rules,
                    "scored": scored,
                    "kinds": kinds,
                    "text": (title, lead, rest),
                    # the subject vendors as the engine's matcher tags them (registry.tag_vendors)
                    "subjects": [
                        m.vendor for m in matcher.match(title, text) if m.salience is Salience.SUBJECT
                    ],
                }
            )
    if paths == (LABELS, FEED_LABELS):
        CACHE.write_bytes(pickle.dumps(out))
    return with_features(out)


def with_features(rows: list[dict[str, object]], roles: str | None = None) -> list[dict[str, object]]:
    """The model's features of each row, from its cached text, facts and rules' verdict (the slow
    part, facts, is cached; features are recomputed so a feature change needs no --rebuild), plus
    the candidate role features of `roles` (a VARIANTS name) when measuring them."""
    for row in rows:
        text = cast(tuple[str, str, str], row["text"])
        article = article_features(*text)
        if roles:
            article.update(VARIANTS[roles](*text, cast(list[str], row.get("subjects", []))))
        row["article"] = article
        row["features"] = story_features(row["article"], row["kinds"], row["rules"])  # type: ignore[arg-type]
    return rows


def grouped_folds(rows: Sequence[Mapping[str, object]], k: int = FOLDS) -> list[int]:
    """Fold of each row: whole samples, largest first, into the currently smallest fold."""
    sizes = Counter(str(r["sample"]) for r in rows)
    load, fold_of = [0] * k, {}
    for sample, n in sorted(sizes.items(), key=lambda x: (-x[1], x[0])):
        f = load.index(min(load))
        fold_of[sample] = f
        load[f] += n
    return [fold_of[str(r["sample"])] for r in rows]


def classes_of(rows: Sequence[Mapping[str, object]]) -> tuple[EventType, ...]:
    support = Counter(t for r in rows for t in r["truth"])  # type: ignore[attr-defined]
    return tuple(e for e in EventType if support[str(e)] >= MIN_SUPPORT)


def fit(
    rows: Sequence[Mapping[str, object]],
    l2: float,
    classes: tuple[EventType, ...],
    margin: float = 0.0,
    drop: tuple[str, ...] = (),
) -> EventModel:
    """Partial-label multinomial LR by gradient descent (Nesterov momentum) on the rows' features."""
    df = Counter(name for r in rows for name in r["features"])  # type: ignore[attr-defined]
    names = sorted(
        n for n, c in df.items() if c >= (MIN_DF if n[:3] in ("tw:", "lw:") else 2) and not n.startswith(drop)
    )
    index = {n: i for i, n in enumerate(names)}
    x = np.zeros((len(rows), len(names)))
    allowed = np.zeros((len(rows), len(classes)))
    for i, r in enumerate(rows):
        for n, v in r["features"].items():  # type: ignore[attr-defined]
            if n in index:
                x[i, index[n]] = v
        for j, c in enumerate(classes):
            allowed[i, j] = str(c) in r["truth"]  # type: ignore[operator]
    keep = allowed.sum(axis=1) > 0
    x, allowed = x[keep], allowed[keep]
    w = np.zeros((len(names), len(classes)))
    b = np.zeros(len(classes))
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    rate, n = 0.5, len(x)
    for _ in range(600):
        lw, lb = w + 0.9 * vw, b + 0.9 * vb
        z = x @ lw + lb
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        q = p * allowed
        q /= q.sum(axis=1, keepdims=True)
        g = (p - q) / n
        gw = x.T @ g + l2 * lw / n
        gb = g.sum(axis=0)
        vw = 0.9 * vw - rate * gw
        vb = 0.9 * vb - rate * gb
        w, b = w + vw, b + vb
    weights = {
        name: tuple(float(v) for v in w[i]) for i, name in enumerate(names) if np.abs(w[i]).max() > 1e-4
    }
    return EventModel(classes, tuple(float(v) for v in b), weights, margin)


def predict(model: EventModel | None, row: Mapping[str, object]) -> str:
    verdict = decide_story(row["scored"], row["kinds"], [row["article"]], model)  # type: ignore[arg-type, list-item]
    return str(verdict.event_type)


def right(row: Mapping[str, object], event: str) -> bool:
    return event in row["truth"]  # type: ignore[operator]


def cross_validate(
    rows: list[dict[str, object]], l2: float, margin: float, drop: tuple[str, ...] = ()
) -> tuple[list[float], list[float], Counter[str]]:
    folds = grouped_folds(rows)
    model_acc, rules_acc, errors = [], [], Counter[str]()
    for f in range(FOLDS):
        train = [r for r, g in zip(rows, folds, strict=True) if g != f]
        test = [r for r, g in zip(rows, folds, strict=True) if g == f]
        model = fit(train, l2, classes_of(train), margin, drop)
        guesses = [predict(model, r) for r in test]
        model_acc.append(sum(right(r, g) for r, g in zip(test, guesses, strict=True)) / len(test))
        rules_acc.append(sum(right(r, str(r["rules"].event_type)) for r in test) / len(test))  # type: ignore[attr-defined]
        errors.update(
            f"{'|'.join(r['truth'])}->{g}"  # type: ignore[arg-type]
            for r, g in zip(test, guesses, strict=True)
            if not right(r, g)
        )
    return model_acc, rules_acc, errors


def spread(values: Sequence[float]) -> str:
    return f"{statistics.mean(values):.3f} [{min(values):.3f}-{max(values):.3f}]"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="fit on all rows and write the model file")
    parser.add_argument("--rebuild", action="store_true", help="recompute the rows' features")
    parser.add_argument(
        "--roles", choices=sorted(VARIANTS), help="measure candidate role features (no --write)"
    )
    parser.add_argument(
        "--without", action="append", help="feature prefix to leave out of the baseline model (repeatable)"
    )
    parser.add_argument("--fresh", type=Path, help="score a labelled held-out file once (rules vs model)")
    args = parser.parse_args(argv)
    if args.roles and args.write:
        parser.error("--roles measures features the engine does not compute: it cannot --write")
    if not DEFAULT.exists():
        print(f"event training skipped: {DEFAULT} not found (dev-time data)")
        return 0
    if args.fresh:
        fresh = load_rows(True, (args.fresh,))
        model = EventModel.from_json(json.loads(MODEL_PATH.read_text(encoding="utf-8")))
        for name, m in (("rules", None), ("model", model)):
            hits = sum(right(r, predict(m, r) if m else str(r["rules"].event_type)) for r in fresh)  # type: ignore[attr-defined]
            print(f"fresh {args.fresh.name}: {name} {hits}/{len(fresh)} = {hits / max(1, len(fresh)):.3f}")
        return 0
    rows = load_rows(args.rebuild)
    folds = grouped_folds(rows)
    print(
        f"{len(rows)} rows, {len(set(str(r['sample']) for r in rows))} samples, fold sizes {Counter(folds)}"
    )
    variants: tuple[tuple[str, tuple[str, ...]], ...] = (("model", ()),)
    if args.roles:
        rows = with_features(rows, args.roles)
    without = tuple(args.without or ()) + (ROLES if args.roles else ())
    if without:  # the model without those features (the current one), in the same run and folds
        variants = (("candidate", ()), ("without", without))
    chosen: dict[str, tuple[float, float, float]] = {}
    runs: dict[tuple[str, float, float], tuple[list[float], list[float], Counter[str]]] = {}
    for l2 in L2_GRID:
        for margin in MARGIN_GRID:
            for name, drop in variants:
                runs[name, l2, margin] = model_acc, rules_acc, _ = cross_validate(rows, l2, margin, drop)
                print(
                    f"L2 {l2:5} margin {margin} {name}: {spread(model_acc)} rules {spread(rules_acc)} "
                    f"per fold {[round(a, 3) for a in model_acc]}"
                )
                score = statistics.mean(model_acc)
                if name not in chosen or score > chosen[name][0]:
                    chosen[name] = (score, l2, margin)
    for name, _ in variants:
        _, l2, margin = chosen[name]
        model_acc, rules_acc, errors = runs[name, l2, margin]
        print(
            f"chosen {name} L2 {l2} margin {margin}: {spread(model_acc)} vs rules {spread(rules_acc)}; "
            f"per fold {[round(a, 3) for a in model_acc]} rules {[round(a, 3) for a in rules_acc]}"
        )
        print(f"{name} errors (CV):", dict(errors.most_common(12)))
    if without:
        new, old = (runs[name, chosen[name][1], chosen[name][2]][0] for name in ("candidate", "without"))
        sizes = Counter(folds)
        rows_gained = [round((n - o) * sizes[f]) for f, (n, o) in enumerate(zip(new, old, strict=True))]
        print(f"gain over {without}: {statistics.mean(new) - statistics.mean(old):+.4f}, rows per fold {rows_gained}")
    _, l2, margin = chosen[variants[0][0]]
    first = [
        statistics.mean(right(r, str(r["first"])) for r, g in zip(rows, folds, strict=True) if g == f)
        for f in range(FOLDS)
    ]
    print(f"the bot's type at each row's first reading (rules of that day, before tuning on it): {spread(first)}")
    if args.write:
        model = fit(rows, l2, classes_of(rows), margin)
        MODEL_PATH.write_text(json.dumps(model.to_json(), indent=0) + "\n", encoding="utf-8")
        print(
            f"wrote {MODEL_PATH} ({len(model.weights)} features, classes {[str(c) for c in model.classes]})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
