"""Figure 7: vendor matching speed with the full catalog, MB/s (the vendors helper's own measure:
`VendorMatcher.find` over invented security-news text with many vendor names and fresh surnames)."""

from __future__ import annotations

from benchmarks.common import Result
from benchmarks.vendor_matching import measure_matching_speed
from bot.intel.vendors import VendorCatalog

TARGET = ">= 20 MB/s"


def skeleton() -> Result:
    return {
        "unit": "MB/s",
        "input_mb": None,
        "vendors": None,
        "mb_per_second": None,
        "target": TARGET,
        "missing": None,
    }


def bench_matching(text_bytes: int, rounds: int = 3) -> Result:
    catalog = VendorCatalog.load()
    best = max(measure_matching_speed(text_bytes, catalog) for _ in range(rounds))
    return {
        **skeleton(),
        "input_mb": round(text_bytes / 1e6, 1),
        "vendors": len(catalog),
        "mb_per_second": round(best, 1),
    }
