"""Article-extraction score of the cleaner, the benchmark's own metric (scrapinghub
article-extraction-benchmark): so a change to the cleaner can be judged by a number, not by eye.

Tokens are `\\w+` matches with case kept; each text becomes a multiset of 4-token shingles; per page
TP/FP/FN are the multiset overlaps normalised to sum 1; precision is averaged over pages with TP+FP > 0,
recall over pages with TP+FN > 0, and F1 = 2PR/(P+R) of the two averages.

The scoring only: evaluation/extraction_cv.py cross-validates with it and
evaluation/extraction_report.py (`python -m evaluation extraction`) prints the report.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

_TOKEN = re.compile(r"\w+")
SHINGLE_SIZE = 4
DEFAULT_PAGES = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "extraction-dev" / "pages.jsonl.gz"
)

Page = Mapping[str, Any]
Extractor = Callable[[Page], str]


def shingles(text: str, size: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    """The multiset of `size`-token shingles; a text shorter than `size` tokens is one shingle."""
    tokens = _TOKEN.findall(text)
    if not tokens:
        return Counter()
    return Counter(tuple(tokens[i : i + size]) for i in range(max(1, len(tokens) - size + 1)))


def page_counts(gold: str, predicted: str) -> tuple[float, float, float]:
    """(TP, FP, FN) of one page, normalised so that they sum to 1 (all zero when both are empty)."""
    gold_sh, pred_sh = shingles(gold), shingles(predicted)
    tp = sum((gold_sh & pred_sh).values())
    fp = sum((pred_sh - gold_sh).values())
    fn = sum((gold_sh - pred_sh).values())
    total = tp + fp + fn
    if total == 0:
        return 0.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


def score_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, float]:
    """Averaged precision/recall and their F1 over (gold, predicted) pairs."""
    precisions: list[float] = []
    recalls: list[float] = []
    for gold, predicted in pairs:
        tp, fp, fn = page_counts(gold, predicted)
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall, "pages": float(len(recalls))}


def score_extraction(pages: Iterable[Page], extractor: Extractor) -> dict[str, float]:
    """Score `extractor(page) -> body` against each page's `gold_body`; also report pages/s."""
    pairs: list[tuple[str, str]] = []
    elapsed = 0.0
    for page in pages:
        started = time.perf_counter()
        predicted = extractor(page)
        elapsed += time.perf_counter() - started
        pairs.append((str(page["gold_body"]), predicted))
    result = score_pairs(pairs)
    result["seconds"] = elapsed
    result["pages_per_second"] = len(pairs) / elapsed if elapsed > 0 else float("inf")
    return result


def load_pages(path: Path = DEFAULT_PAGES) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def markdown_to_html(markdown: str) -> str:
    """A plain CommonMark rendering (markdown-it, shipped with rich) so trafilatura sees real HTML."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"breaks": True}).render(markdown)
    return f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>"


def trafilatura_on_markdown(page: Page) -> str:
    import trafilatura

    # deduplicate=True keeps a process-wide cache that empties repeated texts: never use it.
    out = trafilatura.extract(markdown_to_html(str(page["markdown"])), deduplicate=False)
    return out or ""


def ours(field: str) -> Extractor:
    from bot.ingest.clean import clean_text

    fmt = "markdown" if field == "markdown" else "text"
    return lambda page: clean_text(str(page[field]), fmt)
