"""Figure 1: pipeline throughput, articles per second through parse -> clean -> match -> cluster ->
summarise -> store, beside trafilatura extracting the same pages (its `extract` alone), same run.

Each page becomes a story file (markdown with front matter, as the aggregator stores them) and goes
through `Pipeline.process_file`, the service's own path, into a fresh database per round. A warm-up
pass on a throwaway database first, so the figure is the steady state and not module imports and
first-use regex compilation. Input: the dev pages when present, else the bundled sample store, else
generated story files.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.common import Result, bench_settings
from benchmarks.corpus import ArticleFactory, CorpusVendors
from benchmarks.extraction import DevPages
from benchmarks.stages import measure_stages
from bot.app import open_core, sample_story_files

WARMUP_FILES = 12
GENERATED_FILES = 100
TARGET = ">= 300 articles/s, faster than trafilatura"


def skeleton() -> Result:
    return {
        "unit": "articles/s",
        "input": None,
        "articles": None,
        "articles_per_second": None,
        "trafilatura_pages_per_second": None,
        "ratio_vs_trafilatura": None,
        "stored": None,
        "stories": None,
        "rounds": None,
        "stages_ms_per_article": None,
        "target": TARGET,
        "missing": None,
    }


def _write_inputs(folder: Path, dev: DevPages | None) -> tuple[str, list[Path]]:
    """Story files to process, and what they are."""
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    if dev is not None:
        for index, page in enumerate(dev.pages):
            path = folder / f"{index:04d}.md"
            path.write_text(
                f"---\nurl: {json.dumps(str(page['url']))}\n---\n{page['markdown']}", encoding="utf-8"
            )
            files.append(path)
        return "extraction-dev pages (markdown)", files
    samples = sample_story_files()
    if samples:  # copied: a rejected file is moved aside, and the package's own files must stay put
        for path in samples:
            files.append(folder / path.name)
            shutil.copyfile(path, files[-1])
        return "bundled sample store", files
    factory = ArticleFactory(seed=5)
    vendors = CorpusVendors.prepare(folder, total=50).names
    for index in range(GENERATED_FILES):
        path = folder / f"gen-{index:04d}.md"
        path.write_text(factory.story_file(vendors[index % len(vendors)], index), encoding="utf-8")
        files.append(path)
    return "generated story files", files


async def _one_pass(folder: Path, files: list[Path]) -> tuple[float, int, int]:
    """(seconds, stored, stories) for every file through the pipeline into a fresh database."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = bench_settings(folder, BOT_STORIES_DIR=str(files[0].parent))
    async with open_core(settings) as core:
        stored = 0
        started = time.perf_counter()
        for path in files:
            result = await core.pipeline.process_file(path, settle_seconds=0)
            stored += result.status == "stored"
        elapsed = time.perf_counter() - started
        row = await core.store.db.fetchone("SELECT COUNT(*) FROM stories")
    return elapsed, stored, int(row[0]) if row else 0


async def bench_throughput(dev: DevPages | None, rounds: int) -> Result:
    result = skeleton()
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp:
        root = Path(tmp)
        label, files = _write_inputs(root / "stories", dev)
        await _one_pass(root / "warmup", files[:WARMUP_FILES])
        passes = [await _one_pass(root / f"round{n}", files) for n in range(rounds)]
        stages = await measure_stages(root, files, rounds)
    best = min(passes)
    ours = len(files) / best[0]
    result.update(
        input=label,
        articles=len(files),
        articles_per_second=round(ours, 1),
        stored=best[1],
        stories=best[2],
        rounds=rounds,
        stages_ms_per_article=stages,
    )
    if dev is not None:
        theirs = dev.run_trafilatura(rounds)
        result["trafilatura_pages_per_second"] = round(theirs, 1)
        result["ratio_vs_trafilatura"] = round(ours / theirs, 3)
    else:
        result["missing"] = "trafilatura is compared on the dev pages only (not present)"
    return result
