"""Small pieces every benchmark module shares: sizes per mode, percentiles, where the data sets are,
settings that never read a developer's `.env`, and the environment for a service subprocess."""

from __future__ import annotations

import math
import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Settings

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
DEV_PAGES = SHARED_DATA / "extraction-dev" / "pages.jsonl.gz"
SEEDS = SHARED_DATA / "seeds"

Result = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Sizes:
    """Input sizes of one run. `--quick` shrinks them; the keys of the result never change."""

    corpus_articles: int
    corpus_steps: tuple[int, ...]
    story_queries: int
    slack_http_queries: int
    latency_stories: int
    fanout_channels: int
    matching_bytes: int
    throughput_rounds: int
    clustering_articles: int
    clustering_probes: int

    @classmethod
    def for_mode(cls, quick: bool) -> Sizes:
        if quick:
            return cls(10_000, (1_000, 10_000), 200, 60, 50, 400, 1_000_000, 1, 2_000, 50)
        return cls(
            1_000_000, (1_000, 10_000, 100_000, 1_000_000), 1000, 300, 200, 2000, 5_000_000, 5, 100_000, 200
        )


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def distribution_ms(seconds: Sequence[float]) -> Result:
    """p50/p95/p99/max in milliseconds of a list of durations in seconds."""
    if not seconds:
        return {"count": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    ms = [s * 1000 for s in seconds]
    return {
        "count": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2),
    }


def machine() -> Result:
    return {
        "cores": os.cpu_count() or 1,
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.machine()}",
    }


def bench_settings(folder: Path, **values: Any) -> Settings:
    """Settings for a benchmark run in `folder` (never the developer's `.env` or tokens)."""
    base: dict[str, Any] = {
        # Explicit None: a token in the caller's environment must not switch on a real platform.
        "SLACK_BOT_TOKEN": None,
        "SLACK_APP_TOKEN": None,
        "SLACK_SIGNING_SECRET": None,
        "DISCORD_TOKEN": None,
        "BOT_VENDORS_FILE": None,
        "BOT_DB_PATH": str(folder / "bot.sqlite3"),
        "BOT_STORIES_DIR": str(folder / "stories"),
        "BOT_LOG_LEVEL": "WARNING",
    }
    base.update(values)
    return Settings(_env_file=None, **base)


def service_env(values: dict[str, str]) -> dict[str, str]:
    """The environment for a `python -m bot run` subprocess: ours, minus any chat token or BOT_ setting of
    the caller's, plus `values`; the repository on PYTHONPATH so a checkout runs without installing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "BOT_"))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(values)
    return env


def python() -> str:
    return sys.executable


def missing(skeleton: Result, reason: str) -> Result:
    """The figure's keys with null values and why they are null."""
    return {**skeleton, "missing": reason}
