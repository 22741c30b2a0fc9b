"""The benchmark suite (speed figures), run on this machine in one go: `make bench` or
`python -m benchmarks [--quick] [--json] [--docs DIR]` from a source checkout. Never installed with the
bot; `bot bench` still starts it from a checkout for one release.

The JSON object holds every figure (the same keys in quick and full mode; a figure whose input is
absent has null values and a `missing` note). `--docs docs` also writes docs/benchmarks.md and
docs/latency.png. One module per figure: throughput, extraction, latency (alerts), story_latency,
fanout, memory, matching, clustering; corpus.py generates the big stored corpus.
"""

from __future__ import annotations

import sys

__all__ = ["progress"]


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
