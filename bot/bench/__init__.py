"""`bot bench`: the benchmark suite, run on this machine in one go.

`run_bench(as_json, quick)` prints a rich table, or with `as_json` one JSON object holding every
figure (the same keys in quick and full mode; a figure whose input is absent has null values and a
`missing` note). `python -m bot.bench --docs docs` also writes docs/benchmarks.md and docs/latency.png.
One module per figure: throughput, extraction, latency (alerts), story_latency, fanout, memory,
matching, stories; corpus.py generates the big stored corpus.
"""

from __future__ import annotations

import asyncio
import json
import sys

from bot.bench.common import Result

__all__ = ["progress", "run_bench", "run_suite_result"]


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_suite_result(quick: bool) -> Result:
    """Run every figure; the result object (what `--json` prints)."""
    from bot.bench.runner import run_suite

    return asyncio.run(run_suite(quick, progress)).result


def run_bench(as_json: bool, quick: bool) -> None:
    """The `bot bench` command."""
    result = run_suite_result(quick)
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    from bot.bench.report import print_table

    print_table(result)
