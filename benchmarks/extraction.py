"""Figure 2: extraction quality on the dev pages: our cleaner vs trafilatura vs keeping everything.

The metric is the pipeline issue's (scrapinghub article-extraction-benchmark: F1 of 4-token shingles,
evaluation/extraction.py). Trafilatura gets each page as a CommonMark rendering of its markdown, since
the stored pages are markdown, not the original HTML. Its outputs and timing are computed once and
shared with the throughput figure, which compares speeds on the same pages in the same run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from benchmarks.common import DEV_PAGES, Result, missing
from evaluation.extraction import load_pages, markdown_to_html, score_extraction, score_pairs

EXTRACTORS = ("ours_markdown", "ours_text", "trafilatura", "keep_everything_markdown", "keep_everything_text")


@dataclass
class DevPages:
    """The dev pages, their HTML renderings and trafilatura's outputs, each computed at most once."""

    pages: list[dict[str, Any]]
    _html: list[str] | None = None
    trafilatura_outputs: list[str] = field(default_factory=list)
    trafilatura_seconds: list[float] = field(default_factory=list)  # one total per timed round
    trafilatura_cpu_seconds: list[float] = field(default_factory=list)  # its CPU time in those rounds

    @classmethod
    def load(cls) -> DevPages | None:
        return cls(load_pages(DEV_PAGES)) if DEV_PAGES.is_file() else None

    @property
    def html(self) -> list[str]:
        if self._html is None:
            self._html = [markdown_to_html(str(p["markdown"])) for p in self.pages]
        return self._html

    def run_trafilatura(self, rounds: int = 1) -> float:
        """Time `trafilatura.extract` alone (HTML already rendered) over every page, `rounds` times;
        returns the best pages/s. Never with deduplicate=True (a process-wide cache empties repeats)."""
        import trafilatura

        trafilatura.extract(self.html[0], deduplicate=False)  # imports and caches outside the clock
        for _ in range(rounds):
            outputs: list[str] = []
            started, cpu = time.perf_counter(), time.process_time()
            for document in self.html:
                outputs.append(trafilatura.extract(document, deduplicate=False) or "")
            self.trafilatura_seconds.append(time.perf_counter() - started)
            self.trafilatura_cpu_seconds.append(time.process_time() - cpu)
            self.trafilatura_outputs = outputs
        return len(self.pages) / min(self.trafilatura_seconds)


def skeleton() -> Result:
    result: Result = {"unit": "F1 (4-token shingles, 0-1)", "pages": None, "missing": None}
    for name in EXTRACTORS:
        result[name] = {"f1": None, "precision": None, "recall": None}
    return result


def _scores(row: dict[str, float]) -> dict[str, float]:
    return {k: round(row[k], 4) for k in ("f1", "precision", "recall")}


def bench_extraction(dev: DevPages | None) -> Result:
    if dev is None:
        return missing(skeleton(), f"no gold pages at {DEV_PAGES}")
    from bot.ingest import clean_text

    if not dev.trafilatura_outputs:
        dev.run_trafilatura()
    pages = dev.pages
    result = skeleton()
    result["pages"] = len(pages)
    result["ours_markdown"] = _scores(
        score_extraction(pages, lambda p: clean_text(str(p["markdown"]), "markdown"))
    )
    result["ours_text"] = _scores(score_extraction(pages, lambda p: clean_text(str(p["text"]), "text")))
    golds = [str(p["gold_body"]) for p in pages]
    result["trafilatura"] = _scores(score_pairs(zip(golds, dev.trafilatura_outputs, strict=True)))
    result["keep_everything_markdown"] = _scores(score_extraction(pages, lambda p: str(p["markdown"])))
    result["keep_everything_text"] = _scores(score_extraction(pages, lambda p: str(p["text"])))
    return result
