"""Which fact kinds an article should give only once (issue 16): the second and later facts of a kind
against the reader's verdicts, and a cross-validated check of keeping only the first.

For every labelled dev story (evaluation/labels/facts-sample.jsonl) the facts are produced with no
kind limited (`evaluation.facts.typed_story(first_only=frozenset())`), so each kind's later facts can
be scored. Then
5 folds of stories x 5 shuffles: inside each training part, a kind is limited to its first fact when
its later facts were useful less than `BAR` of the time (at least 3 seen); the test part's precision
is compared with and without those limits, in the same run. A fact nobody judged is left out (the
shipped limits produce only judged facts; `python -m evaluation facts` checks that).

Run: `python -m evaluation.fact_caps [PATH]` (PATH: the vendor-dev text, /work/devdata by default).
"""

from __future__ import annotations

import json
import random
import statistics
import sys
from collections import Counter
from pathlib import Path

from bot.intel.facts.extract import FIRST_ONLY
from evaluation.facts import DEFAULT, fact_key, load_labels, typed_story

BAR = 0.70  # later facts right less often than 7 in 10: more noise than the alert can carry
FOLDS, SHUFFLES = 5, 5
Story = list[tuple[str, int, bool]]  # (kind, rank within its kind, useful)


def story_facts(row: dict[str, object], verdicts: dict[str, str]) -> Story:
    """The judged facts one story shows with no kind limited, each with its rank within its kind."""
    _, facts = typed_story(row, first_only=frozenset())
    seen: Counter[str] = Counter()
    out: Story = []
    for fact in facts:
        seen[fact.kind] += 1
        judged = verdicts.get(fact_key(fact.kind, fact.text))
        if judged is not None:
            out.append((fact.kind, seen[fact.kind], judged == "useful"))
    return out


def precision(stories: list[Story], limited: set[str]) -> float:
    kept = [useful for story in stories for kind, rank, useful in story if rank == 1 or kind not in limited]
    return sum(kept) / max(1, len(kept))


def later_facts(stories: list[Story]) -> dict[str, tuple[int, int]]:
    """Per kind: (useful, seen) among the second and later facts."""
    counts: dict[str, list[int]] = {}
    for story in stories:
        for kind, rank, useful in story:
            if rank > 1:
                c = counts.setdefault(kind, [0, 0])
                c[0] += useful
                c[1] += 1
    return {k: (u, n) for k, (u, n) in counts.items()}


def spread(gains: list[float]) -> dict[str, float | int]:
    """A precision gain over the test parts: mean, range and how many parts it made worse."""
    return {
        "mean": round(statistics.mean(gains), 4),
        "min": round(min(gains), 4),
        "max": round(max(gains), 4),
        "folds_worse": sum(g < 0 for g in gains),
        "folds": len(gains),
    }


def chosen(stories: list[Story]) -> set[str]:
    return {k for k, (u, n) in later_facts(stories).items() if k != "cve" and n >= 3 and u / n < BAR}


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT
    if not path.exists():
        print(f"fact caps skipped: {path} not found (dev-time data)")
        return 0
    rows = {
        str(r["row"]): r for r in map(json.loads, filter(str.strip, path.read_text("utf-8").splitlines()))
    }
    stories: list[Story] = []
    for label in (x for x in load_labels() if str(x["row"]) in rows):
        verdicts = {key: v for _, v, key in label.get("facts", [])}  # type: ignore[attr-defined]
        stories.append(story_facts(rows[str(label["row"])], verdicts))
    gains: list[float] = []
    fixed: list[float] = []  # the shipped kinds, on the same test parts
    picked: Counter[str] = Counter()
    for shuffle in range(SHUFFLES):
        order = list(range(len(stories)))
        random.Random(shuffle).shuffle(order)
        for fold in range(FOLDS):
            test_ids = set(order[fold::FOLDS])
            train = [s for i, s in enumerate(stories) if i not in test_ids]
            test = [s for i, s in enumerate(stories) if i in test_ids]
            limited = chosen(train)
            picked.update(limited)
            gains.append(precision(test, limited) - precision(test, set()))
            fixed.append(precision(test, set(FIRST_ONLY)) - precision(test, set()))
    report = {
        "stories": len(stories),
        "later_facts_useful": {k: f"{u}/{n}" for k, (u, n) in sorted(later_facts(stories).items())},
        "precision_no_limit": round(precision(stories, set()), 3),
        "precision_shipped": round(precision(stories, set(FIRST_ONLY)), 3),
        "shipped_first_only": sorted(FIRST_ONLY),
        "cv_gain": spread(gains),  # the kinds chosen inside each training part
        "shipped_gain_per_test_part": spread(fixed),
        "kinds_chosen_in_folds": dict(picked.most_common()),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
