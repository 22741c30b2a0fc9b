"""Runs every figure in one go and gathers one result object with the same keys in both modes.

A figure that fails keeps its keys (null values) and says why in `error`; a figure whose input is not
on this machine says so in `missing`. The other figures still run. Each figure also carries the
machine's core count and its own wall time, so any figure quoted alone states where it was measured.
"""

from __future__ import annotations

import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import clustering, extraction, fanout, latency, matching, memory, story_latency, throughput
from benchmarks.common import Result, Sizes, machine
from bot.config import Settings

FIGURES = (
    "throughput",
    "extraction",
    "alert_latency",
    "story_latency",
    "fanout",
    "memory",
    "matching",
    "stories",
)
SKELETONS: dict[str, Callable[[], Result]] = {
    "throughput": throughput.skeleton,
    "extraction": extraction.skeleton,
    "alert_latency": latency.skeleton,
    "story_latency": story_latency.skeleton,
    "fanout": fanout.skeleton,
    "memory": memory.skeleton,
    "matching": matching.skeleton,
    "stories": clustering.skeleton,
}
# Cheap figures first; memory reuses the corpus the /story figure builds.
ORDER = (
    "matching",
    "extraction",
    "throughput",
    "stories",
    "story_latency",
    "memory",
    "alert_latency",
    "fanout",
)


@dataclass
class SuiteRun:
    """The result object, plus what only the docs need (latency samples for the plot)."""

    result: Result
    latency_samples: dict[str, list[float]] = field(default_factory=dict)


class _State:
    def __init__(self, quick: bool, folder: Path) -> None:
        self.sizes = Sizes.for_mode(quick)
        self.folder = folder
        self.dev: extraction.DevPages | None = None
        self.corpus: Settings | None = None
        self.corpus_articles = 0
        self.samples: dict[str, list[float]] = {}


async def _figure(name: str, state: _State) -> Result:
    sizes = state.sizes
    if name == "matching":
        return matching.bench_matching(sizes.matching_bytes)
    if name == "extraction":
        state.dev = extraction.DevPages.load()
        return extraction.bench_extraction(state.dev)
    if name == "throughput":
        if state.dev is None:  # run without the extraction figure (--only)
            state.dev = extraction.DevPages.load()
        return await throughput.bench_throughput(state.dev, sizes.throughput_rounds)
    if name == "stories":
        return await clustering.bench_stories(sizes.clustering_articles, sizes.clustering_probes)
    if name == "story_latency":
        result, state.corpus = await story_latency.bench_story_latency(state.folder / "corpus", sizes)
        state.corpus_articles = int(result["articles"])
        return result
    if name == "memory":
        if state.corpus is None:
            return {**memory.skeleton(), "missing": "no corpus: the /story figure did not build it"}
        names = await story_latency.vendors_with_stories(state.corpus)
        return memory.bench_memory(state.corpus, names, state.corpus_articles, state.folder / "memory")
    if name == "alert_latency":
        result, state.samples = await latency.bench_alert_latency(sizes.latency_stories)
        return result
    if name == "fanout":
        return await fanout.bench_fanout_both(sizes.fanout_channels)
    raise ValueError(name)


async def run_suite(
    quick: bool,
    progress: Callable[[str], None] = lambda _: None,
    *,
    only: frozenset[str] | None = None,
    previous: Result | None = None,
) -> SuiteRun:
    """Every figure, or with `only` just those (the others taken from `previous` when given)."""
    started = time.perf_counter()
    info = machine()
    result: dict[str, Any] = {
        "suite": {
            **info,
            "mode": "quick" if quick else "full",
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": None,
        }
    }
    with tempfile.TemporaryDirectory(prefix="bot-bench-") as tmp:
        state = _State(quick, Path(tmp))
        chosen = [name for name in ORDER if only is None or name in only]
        if only is not None:
            result["suite"]["figures_run"] = chosen  # the others come from the previous run
            earlier = (previous or {}).get("suite") or {}
            result["suite"]["others_from"] = earlier.get("others_from") or earlier.get("started_at")
        for name in ORDER:
            if name not in chosen:
                result[name] = (previous or {}).get(name) or {**SKELETONS[name](), "missing": "not run"}
        for index, name in enumerate(chosen, 1):
            progress(f"[{index}/{len(chosen)}] {name}")
            figure_started = time.perf_counter()
            figure = {**SKELETONS[name](), "error": None}
            try:
                figure.update(await _figure(name, state))
            except Exception as exc:  # one broken figure must not hide the others
                figure["error"] = f"{type(exc).__name__}: {exc}"
                progress("".join(traceback.format_exception(exc)[-3:]))
            figure["cores"] = info["cores"]
            figure["seconds"] = round(time.perf_counter() - figure_started, 1)
            result[name] = figure
    result["suite"]["seconds"] = round(time.perf_counter() - started, 1)
    ordered = {"suite": result["suite"], **{name: result[name] for name in FIGURES}}
    return SuiteRun(ordered, state.samples)
