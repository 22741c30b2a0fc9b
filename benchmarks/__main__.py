"""`python -m benchmarks [--quick] [--json] [--docs DIR]`: the suite, optionally rewriting the docs."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="Run the benchmark suite.")
    parser.add_argument("--quick", action="store_true", help="small inputs; finishes within a minute")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--docs", type=Path, help="write benchmarks.md and its plots into this folder")
    parser.add_argument(
        "--only", help="comma-separated figures to run (with --docs, the others are kept from the last run)"
    )
    args = parser.parse_args(argv)

    from benchmarks import progress
    from benchmarks.report import print_table
    from benchmarks.runner import FIGURES, run_suite

    only = frozenset(args.only.split(",")) if args.only else None
    if only is not None and not only <= set(FIGURES):
        parser.error(f"--only takes figures from: {', '.join(FIGURES)}")
    previous = None
    if only is not None and args.docs is not None:
        from benchmarks.docs import previous_result

        previous = previous_result(args.docs)
    run = asyncio.run(run_suite(args.quick, progress, only=only, previous=previous))
    if args.json:
        print(json.dumps(run.result, ensure_ascii=False))
    else:
        print_table(run.result)
    if args.docs is not None:
        from benchmarks.docs import write_docs

        path = write_docs(run.result, run.latency_samples, args.docs)
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
