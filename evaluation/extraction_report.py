"""The extraction report: F1/P/R by 5-fold cross-validation (mean and fold min-max) of our cleaner from
the markdown and from the text form of each dev page (the learned block model trained on the other
folds, and the hand weights), of keeping everything, and of trafilatura on a markdown->HTML rendering;
the cleaner's speed; then CVE ids kept, date precision and front-matter shapes on the real dev pages
(evaluation/ingest_real.py).

`python -m evaluation extraction [pages.jsonl.gz] [--folds K] [--json]`
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from evaluation import extraction_cv, ingest_real
from evaluation.extraction import DEFAULT_PAGES, load_pages


def cleaner_speed(pages: list[dict[str, Any]], repeats: int = 3, model: Any = None) -> dict[str, float]:
    """CPU time of our cleaner per page over both forms of every page, best of `repeats` runs after a
    warm-up (stop-word lists and the block model load once per process)."""
    from bot.ingest.clean import clean_text

    texts = [str(p[field]) for field in ("markdown", "text") for p in pages]
    for text in texts[:3]:
        clean_text(text, model=model)
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        for text in texts:
            clean_text(text, model=model)
        best = min(best, (time.process_time() - started) / max(1, len(texts)))
    return {"ms_per_page": best * 1000, "pages_per_second": 1 / best if best > 0 else float("inf")}


def main(argv: list[str] | None = None) -> int:
    """Extraction by k-fold cross-validation with its baselines (evaluation/extraction_cv.py), the
    cleaner's speed, then the real-page figures (evaluation/ingest_real.py)."""
    from bot.ingest.clean import HAND

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("pages", nargs="?", type=Path, default=DEFAULT_PAGES)
    parser.add_argument("--folds", type=int, default=extraction_cv.FOLDS)
    parser.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    if args.pages.exists():
        pages = load_pages(args.pages)
        results["extraction"] = extraction_cv.run(pages, args.folds)
        results["cleaner speed"] = {"learned": cleaner_speed(pages), "hand weights": cleaner_speed(pages, model=HAND)}
    else:
        results["extraction"] = None
    results["real pages"] = ingest_real.run()
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    if results["extraction"] is None:
        print(f"extraction: skipped (no pages file at {args.pages})")
    else:
        extraction_cv.print_table(results["extraction"], args.folds)
        for name, speed in results["cleaner speed"].items():
            print(f"cleaner ({name}): {speed['ms_per_page']:.2f} ms CPU per page ({speed['pages_per_second']:.0f} pages/s)")
    ingest_real.print_report(results["real pages"])
    return 0



if __name__ == "__main__":
    raise SystemExit(main())
