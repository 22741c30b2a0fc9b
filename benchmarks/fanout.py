"""Figure 5: fan-out of one story to many channels against a platform enforcing its rate limits, time
scaled down (the delivery issue's figure; the run itself is `benchmarks.delivery_fanout.bench_fanout`).

Efficiency = achieved / allowed send rate, where "allowed" is the fastest schedule the platform's
windows accept; duplicates and lost deliveries must be zero.
"""

from __future__ import annotations

from typing import Any

from benchmarks.common import Result

TARGET = "efficiency >= 0.9, 0 duplicates, 0 lost"
PLATFORM_KEYS = (
    "channels",
    "time_scale",
    "delivered",
    "duplicates",
    "lost",
    "dead_letters",
    "rate_limited_429s",
    "achieved_rate_per_s",
    "allowed_rate_per_s",
    "efficiency",
    "send_span_seconds",
    "ideal_span_seconds",
    "end_to_end_seconds",
)
# Slack's shared budget (300 posts a minute) makes 2,000 channels ~7 minutes of real time.
TIME_SCALES = {"slack": 0.05, "discord": 0.1}


def _empty_platform() -> dict[str, Any]:
    return dict.fromkeys(PLATFORM_KEYS)


def skeleton() -> Result:
    return {
        "unit": "efficiency = achieved/allowed send rate; rates in messages/s (unscaled time)",
        "slack": _empty_platform(),
        "discord": _empty_platform(),
        "target": TARGET,
        "missing": None,
    }


def _unscaled(row: dict[str, Any]) -> dict[str, Any]:
    """Rates as the real platform would see them (the run is `time_scale` times faster)."""
    scale = float(row["time_scale"])
    out = {key: row.get(key) for key in PLATFORM_KEYS}
    for key in ("achieved_rate_per_s", "allowed_rate_per_s"):
        value = out[key]
        if value is not None:
            out[key] = round(float(value) * scale, 2)
    return out


async def bench_fanout_both(channels: int) -> Result:
    from benchmarks.delivery_fanout import bench_fanout

    result = skeleton()
    for platform, scale in TIME_SCALES.items():
        result[platform] = _unscaled(await bench_fanout(channels, scale, platform=platform))
    return result
