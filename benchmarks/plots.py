"""The plots in docs/benchmarks.md, drawn from one suite run (matplotlib, the `bench` extra).

Each function returns False (and draws nothing) when matplotlib is missing or the run has no data for
its figure, so the docs still get written. Series are told apart by colour *and* line style *and*
marker, and the two platforms' latency distributions get a panel each: they are nearly equal, and
drawn on one axis one hides the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import Result, percentile

SLACK, DISCORD, OURS, THEIRS, GREY, TARGET = "#4a154b", "#5865f2", "#1f77b4", "#ff7f0e", "#7f7f7f", "#c0392b"
PLATFORM_COLOURS = {"slack": SLACK, "discord": DISCORD}


def _pyplot() -> Any | None:
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(plt: Any, figure: Any, path: Path) -> bool:
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return True


def plot_latency(samples: dict[str, list[float]], path: Path, target_ms: float = 500.0) -> bool:
    """Alert latency, one ECDF panel per platform (shared axes), p50/p95/p99 marked and labelled."""
    present = {name: sorted(v * 1000 for v in values) for name, values in samples.items() if values}
    plt = _pyplot()
    if plt is None or not present:
        return False
    figure, axes = plt.subplots(1, len(present), figsize=(4.6 * len(present), 4.2), dpi=110, sharey=True)
    axes = list(axes) if len(present) > 1 else [axes]
    upper = max(max(ms) for ms in present.values())
    for axis, (name, ms) in zip(axes, present.items(), strict=True):
        colour = PLATFORM_COLOURS.get(name, OURS)
        fractions = [(i + 1) / len(ms) for i in range(len(ms))]
        axis.step(ms, fractions, where="post", color=colour, linewidth=2.2)
        for q, marker in ((50, "o"), (95, "s"), (99, "^")):
            value = percentile(ms, q)
            axis.plot([value], [q / 100], marker=marker, color=colour, markersize=7, linestyle="none",
                      label=f"p{q} {value:.0f} ms")
        axis.legend(loc="lower right", fontsize=8, title=f"max {ms[-1]:.0f} ms", title_fontsize=8)
        axis.set_title(f"{name} (n={len(ms)})")
        axis.set_xlim(0, upper * 1.25)
        axis.set_xlabel("story file written → alert received (ms)")
        axis.grid(alpha=0.3)
    axes[0].set_ylabel("fraction of alerts")
    figure.suptitle(
        f"Alert latency (target p99 ≤ {target_ms:.0f} ms; polling bots: 120,000–1,200,000 ms)", fontsize=10
    )
    return _save(plt, figure, path)


def plot_story_latency(result: Result, path: Path) -> bool:
    """/story p50 and p99 against the number of stored articles (log scale), and the signed Slack
    request end to end at the largest size."""
    figure_data = result.get("story_latency") or {}
    growth = [g for g in figure_data.get("growth") or [] if g.get("command_p50_ms") is not None]
    plt = _pyplot()
    if plt is None or not growth:
        return False
    figure, axis = plt.subplots(figsize=(7.5, 4.2), dpi=110)
    sizes = [g["articles"] for g in growth]
    axis.plot(sizes, [g["command_p50_ms"] for g in growth], color=OURS, marker="o", linestyle="-",
              linewidth=2, label="command layer p50")
    axis.plot(sizes, [g["command_p99_ms"] for g in growth], color=OURS, marker="s", linestyle="--",
              linewidth=1.5, label="command layer p99")
    http = figure_data.get("slack_http") or {}
    if http.get("p50_ms") is not None:
        largest = figure_data.get("articles") or sizes[-1]
        axis.errorbar([largest], [http["p50_ms"]], yerr=[[0], [http["p99_ms"] - http["p50_ms"]]],
                      color=SLACK, marker="^", markersize=8, capsize=4, linestyle="none",
                      label="signed Slack request, end to end (p50, bar to p99)")
    axis.axhline(50, color=TARGET, linestyle=":", label="target: p99 ≤ 50 ms")
    axis.set_xscale("log")
    axis.set_ylim(0, max(55, axis.get_ylim()[1]))
    axis.set_xlabel("stored articles")
    axis.set_ylabel("/story latency (ms)")
    axis.set_title("/story latency against corpus size")
    axis.grid(alpha=0.3, which="both")
    axis.legend(fontsize=8, loc="upper left")
    return _save(plt, figure, path)


def plot_stages(result: Result, path: Path) -> bool:
    """Where an article's time goes: ms per stored article for each pipeline stage."""
    stages: dict[str, float] = (result.get("throughput") or {}).get("stages_ms_per_article") or {}
    plt = _pyplot()
    if plt is None or not stages:
        return False
    figure, axis = plt.subplots(figsize=(7.5, 3.8), dpi=110)
    names = list(stages)[::-1]
    values = [stages[n] for n in names]
    bars = axis.barh(names, values, color=OURS)
    for bar, value in zip(bars, values, strict=True):
        axis.annotate(f"{value:.2f} ms", (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                      textcoords="offset points", xytext=(4, -3), fontsize=8)
    axis.set_xlim(0, max(values) * 1.25)
    axis.set_xlabel("ms per stored article (stages timed one after another)")
    axis.set_title(f"Time per article by stage: {sum(values):.1f} ms in all")
    axis.grid(alpha=0.3, axis="x")
    return _save(plt, figure, path)


def plot_extraction(result: Result, path: Path) -> bool:
    """F1, precision and recall of our cleaner against trafilatura and keeping everything."""
    figure_data = result.get("extraction") or {}
    rows = [
        (label, figure_data.get(key) or {})
        for key, label in (
            ("ours_markdown", "ours\n(markdown)"),
            ("ours_text", "ours\n(text)"),
            ("trafilatura", "trafilatura\n(md→html)"),
            ("keep_everything_markdown", "keep all\n(markdown)"),
            ("keep_everything_text", "keep all\n(text)"),
        )
    ]
    rows = [(label, scores) for label, scores in rows if scores.get("f1") is not None]
    plt = _pyplot()
    if plt is None or not rows:
        return False
    figure, axis = plt.subplots(figsize=(8, 4.2), dpi=110)
    width = 0.26
    for offset, (metric, colour, hatch) in enumerate(
        (("f1", OURS, ""), ("precision", THEIRS, "//"), ("recall", GREY, ".."))
    ):
        xs = [i + (offset - 1) * width for i in range(len(rows))]
        values = [scores[metric] for _, scores in rows]
        bars = axis.bar(xs, values, width, color=colour, hatch=hatch, edgecolor="white", label=metric)
        if metric == "f1":
            for bar, value in zip(bars, values, strict=True):
                axis.annotate(f"{value:.2f}", (bar.get_x() + bar.get_width() / 2, value),
                              textcoords="offset points", xytext=(0, 2), ha="center", fontsize=8)
    axis.set_xticks(range(len(rows)), [label for label, _ in rows], fontsize=8)
    axis.set_ylim(0, 1.08)
    axis.set_ylabel("score (4-token shingles)")
    axis.set_title(f"Extraction on {figure_data.get('pages')} real dev pages")
    axis.legend(fontsize=8, loc="upper right", ncol=3)
    axis.grid(alpha=0.3, axis="y")
    return _save(plt, figure, path)


def plot_fanout(result: Result, path: Path) -> bool:
    """Fan-out to many channels: the send rate achieved against the rate-limit ceiling, per platform."""
    figure_data = result.get("fanout") or {}
    platforms = [(n, figure_data.get(n) or {}) for n in ("slack", "discord")]
    platforms = [(n, f) for n, f in platforms if f.get("achieved_rate_per_s") is not None]
    plt = _pyplot()
    if plt is None or not platforms:
        return False
    figure, axes = plt.subplots(1, len(platforms), figsize=(4 * len(platforms), 3.8), dpi=110)
    axes = list(axes) if len(platforms) > 1 else [axes]
    for axis, (name, f) in zip(axes, platforms, strict=True):
        colour = PLATFORM_COLOURS[name]
        axis.bar(["achieved"], [f["achieved_rate_per_s"]], color=colour, width=0.5)
        axis.axhline(f["allowed_rate_per_s"], color=TARGET, linestyle="--",
                     label=f"rate-limit ceiling {f['allowed_rate_per_s']:g}/s")
        axis.set_ylim(0, f["allowed_rate_per_s"] * 1.3)
        axis.set_title(
            f"{name}: {f['channels']:,} channels\nefficiency {f['efficiency']:.2f} · dup {f['duplicates']}"
            f" · lost {f['lost']} · 429s {f['rate_limited_429s']}",
            fontsize=9,
        )
        axis.set_ylabel("messages per second")
        axis.legend(fontsize=8, loc="lower right")
        axis.grid(alpha=0.3, axis="y")
    return _save(plt, figure, path)


PLOTS: Sequence[tuple[str, str, Callable[[Result, Path], bool]]] = (
    ("story-latency.png", "/story latency against corpus size", plot_story_latency),
    ("stages.png", "Time per article by stage", plot_stages),
    ("extraction.png", "Extraction F1 against trafilatura", plot_extraction),
    ("fanout.png", "Fan-out against the rate-limit ceiling", plot_fanout),
)


def plot_result(result: Result, folder: Path) -> list[tuple[str, str]]:
    """Draw every result plot into `folder`; (file name, caption) of those drawn."""
    return [(name, caption) for name, caption, draw in PLOTS if draw(result, folder / name)]
