"""The docs' plots are drawn from a suite result (the one recorded in docs/benchmarks.md), one file per
plot; a result without a figure's data draws nothing for it instead of failing."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.docs import previous_result
from benchmarks.plots import PLOTS, plot_latency, plot_result

pytest.importorskip("matplotlib")
DOCS = Path(__file__).resolve().parents[1] / "docs"
PNG = b"\x89PNG\r\n\x1a\n"


def test_every_plot_is_drawn_from_the_recorded_run(tmp_path: Path) -> None:
    result = previous_result(DOCS)
    assert result is not None
    drawn = plot_result(result, tmp_path)
    assert [name for name, _ in drawn] == [name for name, _, _ in PLOTS]
    for name, _ in drawn:
        assert (tmp_path / name).read_bytes().startswith(PNG)
    for name, _ in drawn:  # and the docs embed each of them
        assert f"]({name})" in (DOCS / "benchmarks.md").read_text(encoding="utf-8")


def test_missing_data_draws_nothing(tmp_path: Path) -> None:
    empty = {"suite": {}, "throughput": {"stages_ms_per_article": None}, "story_latency": {"growth": None}}
    assert plot_result(empty, tmp_path) == []
    assert not plot_latency({"slack": [], "discord": []}, tmp_path / "latency.png")
    assert list(tmp_path.iterdir()) == []


def test_latency_gets_a_panel_per_platform(tmp_path: Path) -> None:
    samples = {"slack": [0.05 + i / 10_000 for i in range(100)], "discord": [0.05 + i / 10_000 for i in range(100)]}
    assert plot_latency(samples, tmp_path / "latency.png")
    assert (tmp_path / "latency.png").read_bytes().startswith(PNG)
