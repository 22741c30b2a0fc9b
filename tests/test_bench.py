"""`bot bench --quick --json` runs as a user would run it and emits every figure's keys with numbers.

Targets are not asserted here (they are printed beside the figures); this checks that the suite runs
end to end and that nothing is silently missing: a value may be null only when the input it needs is
absent from this machine (the shared dev pages or seeds), and then the figure says so in `missing`.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
HAS_DEV_PAGES = (SHARED_DATA / "extraction-dev" / "pages.jsonl.gz").is_file()
HAS_SEEDS = (SHARED_DATA / "seeds").is_dir()
TIMEOUT = 240  # the quick run takes well under a minute alone; two shared cores can slow it a lot

SCORES = ("f1", "precision", "recall")
DISTRIBUTION = ("count", "p50_ms", "p95_ms", "p99_ms", "max_ms")
FANOUT = (
    "channels",
    "delivered",
    "duplicates",
    "lost",
    "rate_limited_429s",
    "achieved_rate_per_s",
    "allowed_rate_per_s",
    "efficiency",
)
AT_SCALE = ("articles", "probes", "cluster_ms_per_article", "cluster_ms_p95", "story_ms_per_article")
STORY_INPUT = (
    "articles",
    "stories",
    "pairs",
    "pairs_correct",
    "required_facts",
    "required_facts_found",
    "ms_per_article",
)

# (figure, dotted path, may be null because its input is absent)
NUMBERS: list[tuple[str, str, bool]] = [
    ("suite", "cores", False),
    ("suite", "seconds", False),
    ("throughput", "articles", False),
    ("throughput", "articles_per_second", False),
    ("throughput", "trafilatura_pages_per_second", not HAS_DEV_PAGES),
    ("throughput", "ratio_vs_trafilatura", not HAS_DEV_PAGES),
    *[
        ("extraction", f"{who}.{s}", not HAS_DEV_PAGES)
        for who in (
            "ours_markdown",
            "ours_text",
            "trafilatura",
            "keep_everything_markdown",
            "keep_everything_text",
        )
        for s in SCORES
    ],
    ("extraction", "pages", not HAS_DEV_PAGES),
    ("alert_latency", "stories", False),
    *[("alert_latency", f"{p}.{k}", False) for p in ("slack", "discord") for k in (*DISTRIBUTION, "lost")],
    ("story_latency", "articles", False),
    ("story_latency", "stories", False),
    ("story_latency", "vendors", False),
    *[
        ("story_latency", f"{w}.{k}", False)
        for w in ("command", "slack_http", "slack_http_ack")
        for k in DISTRIBUTION
    ],
    *[("fanout", f"{p}.{k}", False) for p in ("slack", "discord") for k in FANOUT],
    ("memory", "articles", False),
    ("memory", "peak_rss_mb", False),
    ("matching", "input_mb", False),
    ("matching", "vendors", False),
    ("matching", "mb_per_second", False),
    *[("stories", f"seeds.{k}", not HAS_SEEDS) for k in STORY_INPUT],
    *[("stories", f"samples.{k}", False) for k in STORY_INPUT],
    *[("stories", f"at_scale.{k}", False) for k in AT_SCALE],
]
FIGURES = sorted({figure for figure, _, _ in NUMBERS} - {"suite"})


def _get(tree: dict[str, Any], dotted: str) -> Any:
    node: Any = tree
    for part in dotted.split("."):
        assert isinstance(node, dict) and part in node, f"missing key {dotted!r}"
        node = node[part]
    return node


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "BOT_"))}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "bench", "--quick", "--json"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        cwd=tmp_path_factory.mktemp("bench"),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one JSON object on stdout, got {len(lines)} lines"
    result = json.loads(lines[0])
    assert isinstance(result, dict)
    result["_notice"] = [line for line in done.stderr.splitlines() if "benchmark suite moved" in line]
    return result


def test_quick_json_has_every_figure_without_errors(quick_run: dict[str, Any]) -> None:
    assert quick_run["suite"]["mode"] == "quick"
    for figure in FIGURES:
        assert figure in quick_run, f"figure {figure} missing"
        block = quick_run[figure]
        assert block["error"] is None, f"{figure} failed: {block['error']}"
        assert isinstance(block["unit"], str) and block["unit"], f"{figure} states no unit"
        assert _is_number(block["cores"]) and block["cores"] >= 1


@pytest.mark.parametrize(("figure", "path", "absent"), NUMBERS, ids=[f"{f}.{p}" for f, p, _ in NUMBERS])
def test_every_key_is_a_number(quick_run: dict[str, Any], figure: str, path: str, absent: bool) -> None:
    value = _get(quick_run[figure], path)
    if absent:
        assert value is None or _is_number(value)
        if value is None:
            assert quick_run[figure]["missing"], f"{figure}.{path} is null without a `missing` note"
    else:
        assert _is_number(value), f"{figure}.{path} = {value!r}, expected a number"


def test_story_growth_covers_each_corpus_size(quick_run: dict[str, Any]) -> None:
    growth = quick_run["story_latency"]["growth"]
    assert [row["articles"] for row in growth] == [1_000, 10_000]
    for row in growth:
        assert _is_number(row["command_p50_ms"]) and _is_number(row["command_p99_ms"])


def test_bench_from_a_checkout_says_where_the_suite_moved(quick_run: dict[str, Any]) -> None:
    """The quick run above went through `bot bench`; it printed one notice line on stderr."""
    assert quick_run["_notice"] == ["the benchmark suite moved to `make bench` / `python -m benchmarks`; running it"]


def test_bench_without_a_checkout_says_so_in_one_line(tmp_path: Path) -> None:
    """An installed package has bot/ but no benchmarks/ beside it: one line, exit 1, no traceback."""
    shutil.copytree(REPO / "bot", tmp_path / "site" / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "BOT_"))}
    env["PYTHONPATH"] = str(tmp_path / "site")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "bench", "--quick"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: the benchmark suite needs a source checkout: clone the repository and run `make bench`"
    ]
