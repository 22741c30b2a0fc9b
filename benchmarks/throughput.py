"""Figure 1: pipeline throughput, articles per second through parse -> clean -> match -> cluster ->
summarise -> store, beside trafilatura extracting the same pages (its `extract` alone), same run.

Each page becomes a story file (markdown with front matter, as the aggregator stores them) and goes
through `Pipeline.process_many`, the service's own path: groups of files read in chunks by the parse
worker processes, stored one transaction per group, as many groups at a time as the watcher runs
(workers + 1). Every pass opens a fresh database and a fresh worker pool, started and warmed on a few
generated stories first (imports, the workers' vendor matcher, first-use regex compilation), so the
figure is the steady state. The rounds interleave our pass and trafilatura's, so both see the same
machine load; the figure is the median over rounds with the spread (min-max) beside it, and the ratio
is taken round by round.

Scaling: the same pass with 1, 2, ... parse workers up to the machine's cores (at least 2), which on a
2-core machine is the whole curve: the main process (storing, clustering) shares those cores. Where the
time goes: CPU milliseconds per article in the main process and in the workers (from /proc), and each
stage timed one after another in one process (benchmarks/stages.py). The multi-outlet dev set (short
feed items from 19 outlets) is a second input, ours only (it has no HTML for trafilatura).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import SHARED_DATA, Result, bench_settings
from benchmarks.corpus import ArticleFactory, CorpusVendors
from benchmarks.extraction import DevPages
from benchmarks.stages import measure_stages
from bot.app import open_core, sample_story_files
from bot.intel.similarity import forget_texts

WARMUP_FILES = 8
GENERATED_FILES = 100
MULTI_OUTLET = SHARED_DATA / "multi-outlet-dev" / "stories"
WARM_VENDORS = ("Okta", "Cisco", "Fortinet", "Ivanti")
TARGET = ">= 300 articles/s on 2 cores, >= 2x trafilatura in the same run"


def skeleton() -> Result:
    return {
        "unit": "articles/s",
        "input": None,
        "articles": None,
        "workers": None,
        "articles_per_second": None,
        "articles_per_second_range": None,
        "trafilatura_pages_per_second": None,
        "trafilatura_range": None,
        "ratio_vs_trafilatura": None,
        "ratio_range": None,
        "scaling": [],
        "cpu_ms_per_article": None,
        "multi_outlet": None,
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


def _copy_folder(source: Path, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for path in sorted(source.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            files.append(folder / path.name)
            shutil.copyfile(path, files[-1])
    return files


def _warm_files(folder: Path) -> list[Path]:
    """Generated stories unlike the measured ones (so none of those is taken for a copy of them)."""
    folder.mkdir(parents=True, exist_ok=True)
    factory = ArticleFactory(seed=11)
    files = []
    for index in range(WARMUP_FILES):
        files.append(folder / f"warm-{index:02d}.md")
        files[-1].write_text(
            factory.story_file(WARM_VENDORS[index % len(WARM_VENDORS)], index), encoding="utf-8"
        )
    return files


def _cpu_seconds(pids: list[int]) -> float | None:
    """User + system CPU of live processes (Linux /proc), None where that cannot be read."""
    total = 0.0
    try:
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    return total


@dataclass(frozen=True, slots=True)
class Pass:
    seconds: float
    stored: int
    stories: int
    main_cpu: float
    workers_cpu: float | None


async def _one_pass(folder: Path, files: list[Path], workers: int) -> Pass:
    """Every file through the service's path into a fresh database, with `workers` parse workers."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = bench_settings(folder, BOT_STORIES_DIR=str(files[0].parent), BOT_PARSE_WORKERS=workers)
    async with open_core(settings) as core:
        await core.readers.start()
        await core.pipeline.process_many(_warm_files(folder / "warm"), concurrency=workers + 1)
        pids = core.readers.pids
        forget_texts()  # the same files every round: no round may reuse another's tokenised texts
        workers_before = _cpu_seconds(pids)
        main_before = time.process_time()
        started = time.perf_counter()
        results = await core.pipeline.process_many(files, concurrency=workers + 1)
        elapsed = time.perf_counter() - started
        main_cpu = time.process_time() - main_before
        workers_after = _cpu_seconds(pids) if sorted(core.readers.pids) == sorted(pids) else None
        row = await core.store.db.fetchone("SELECT COUNT(*) FROM stories")
    spent = None if workers_before is None or workers_after is None else workers_after - workers_before
    stored = sum(r.status == "stored" for r in results)
    return Pass(elapsed, stored, int(row[0]) if row else 0, main_cpu, spent)


def _median_range(values: list[float], digits: int = 1) -> tuple[float, list[float]]:
    return round(statistics.median(values), digits), [round(min(values), digits), round(max(values), digits)]


async def bench_throughput(dev: DevPages | None, rounds: int) -> Result:
    result = skeleton()
    cores = os.cpu_count() or 1
    counts = list(range(1, max(2, cores) + 1))
    top = counts[-1]
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp:
        root = Path(tmp)
        label, files = _write_inputs(root / "stories", dev)
        outlets = _copy_folder(MULTI_OUTLET, root / "multi-outlet") if MULTI_OUTLET.is_dir() else []
        await _one_pass(root / "warmup", files, top)  # imports, forkserver, first-use tables
        if dev is not None:
            dev.run_trafilatura(1)  # its imports and caches outside the timed rounds
            dev.trafilatura_seconds.clear()
            dev.trafilatura_cpu_seconds.clear()
        passes: dict[int, list[Pass]] = {n: [] for n in counts}
        multi: list[float] = []
        theirs: list[float] = []
        for round_ in range(max(rounds, 1)):
            for n in counts:
                passes[n].append(await _one_pass(root / f"r{round_}-w{n}", files, n))
            if dev is not None:
                dev.run_trafilatura(1)
                theirs.append(len(dev.pages) / dev.trafilatura_seconds[-1])
            if outlets:
                done = await _one_pass(root / f"r{round_}-multi", outlets, top)
                multi.append(len(outlets) / done.seconds)
        stages = await measure_stages(root, files, rounds)
    ours = [len(files) / p.seconds for p in passes[top]]
    best = passes[top][0]
    result.update(
        input=label,
        articles=len(files),
        workers=top,
        stored=best.stored,
        stories=best.stories,
        rounds=rounds,
        stages_ms_per_article=stages,
        scaling=[
            {
                "workers": n,
                "articles_per_second": _median_range([len(files) / p.seconds for p in passes[n]])[0],
            }
            for n in counts
        ],
    )
    result["articles_per_second"], result["articles_per_second_range"] = _median_range(ours)
    main_ms = [p.main_cpu * 1000 / len(files) for p in passes[top]]
    worker_ms = [p.workers_cpu * 1000 / len(files) for p in passes[top] if p.workers_cpu is not None]
    result["cpu_ms_per_article"] = {
        "main process": round(statistics.median(main_ms), 2),
        "parse workers": round(statistics.median(worker_ms), 2) if worker_ms else None,
    }
    if worker_ms:
        totals = [
            (p.main_cpu + p.workers_cpu) * 1000 / len(files) for p in passes[top] if p.workers_cpu is not None
        ]
        result["cpu_ms_per_article"]["ours in all"] = round(statistics.median(totals), 2)
    if outlets:
        rate, spread = _median_range(multi)
        result["multi_outlet"] = {"articles": len(outlets), "articles_per_second": rate, "range": spread}
    if theirs and dev is not None:
        result["trafilatura_pages_per_second"], result["trafilatura_range"] = _median_range(theirs)
        # CPU per page beside ours: what a busy machine's share of the cores cannot distort
        spent = statistics.median(dev.trafilatura_cpu_seconds) * 1000 / len(dev.pages)
        result["cpu_ms_per_article"]["trafilatura (one process)"] = round(spent, 2)
        ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
        result["ratio_vs_trafilatura"], result["ratio_range"] = _median_range(ratios, 2)
    else:
        result["missing"] = "trafilatura is compared on the dev pages only (not present)"
    return result
