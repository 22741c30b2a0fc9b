"""The result object as rows for people: a rich table on a terminal, a markdown table for the docs.

Targets are shown beside the figures with whether this run met them; nothing here asserts them.
"""

from __future__ import annotations

from typing import Any

from benchmarks.common import Result

Row = tuple[str, str, str, str, str]  # figure, measure, value, input, target (with ✓ / ✗)


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _mark(ok: bool | None) -> str:
    return "" if ok is None else (" ✓" if ok else " ✗")


def _at_most(value: Any, limit: float) -> bool | None:
    return None if value is None else float(value) <= limit


def _at_least(value: Any, limit: float) -> bool | None:
    return None if value is None else float(value) >= limit


def _spread(values: Any, digits: int = 1) -> str:
    """ " (min-max)" over the rounds, or nothing when there was one round or none."""
    if not values or values[0] == values[1]:
        return ""
    return f" ({_num(values[0], digits)}-{_num(values[1], digits)})"


def _dist(row: dict[str, Any]) -> str:
    return " / ".join(_num(row.get(k), 1) for k in ("p50_ms", "p95_ms", "p99_ms")) + " ms"


def notes(result: Result) -> list[str]:
    """One line per figure that is missing an input or failed."""
    out = []
    for name, figure in result.items():
        if name == "suite" or not isinstance(figure, dict):
            continue
        if figure.get("error"):
            out.append(f"{name}: FAILED: {figure['error']}")
        if figure.get("missing"):
            out.append(f"{name}: {figure['missing']}")
    return out


def rows(result: Result) -> list[Row]:
    out: list[Row] = []
    cores = f"{result['suite']['cores']} cores"

    t = result["throughput"]
    size = f"{_num(t['articles'])} × {t['input'] or '—'}, {_num(t.get('workers'))} parse workers, {cores}"
    ok = _at_least(t["articles_per_second"], 300)
    out.append(
        (
            "1 Throughput",
            "pipeline (parse→store), SQLite",
            f"{_num(t['articles_per_second'])} articles/s{_spread(t.get('articles_per_second_range'))}",
            size,
            ">= 300/s" + _mark(ok),
        )
    )
    out.append(
        (
            "",
            "trafilatura extract alone",
            f"{_num(t['trafilatura_pages_per_second'])} pages/s{_spread(t.get('trafilatura_range'))}",
            "same pages, same run, rounds interleaved",
            "",
        )
    )
    ratio = t["ratio_vs_trafilatura"]
    out.append(
        (
            "",
            "ours ÷ trafilatura",
            f"{_num(ratio, 2)} ×{_spread(t.get('ratio_range'), 2)}",
            "round by round",
            ">= 2" + _mark(None if ratio is None else ratio >= 2),
        )
    )
    scaling = t.get("scaling") or []
    if scaling:
        curve = " → ".join(f"{s['workers']}: {_num(s['articles_per_second'])}" for s in scaling)
        out.append(
            (
                "",
                "scaling (parse workers: articles/s)",
                curve,
                f"on {cores} (shared with the main process)",
                "",
            )
        )
    cpu = t.get("cpu_ms_per_article") or {}
    if cpu:
        split = " · ".join(f"{name} {_num(ms, 2)}" for name, ms in cpu.items())
        out.append(("", "CPU ms per article", split, "same passes (from /proc)", ""))
    multi = t.get("multi_outlet") or {}
    if multi:
        rate = f"{_num(multi['articles_per_second'])} articles/s{_spread(multi.get('range'))}"
        out.append(
            ("", "multi-outlet feed items", rate, f"{_num(multi['articles'])} short items, same workers", "")
        )
    stages = t.get("stages_ms_per_article") or {}
    if stages:
        out.append(
            (
                "",
                "ms per article by stage",
                " · ".join(f"{name} {_num(ms, 2)}" for name, ms in stages.items()),
                "same files, stages timed one after another",
                "",
            )
        )

    e = result["extraction"]
    pages = f"{_num(e['pages'])} dev pages"
    for key, label in (
        ("ours_markdown", "ours (markdown)"),
        ("ours_text", "ours (text)"),
        ("trafilatura", "trafilatura (md→html)"),
        ("keep_everything_markdown", "keep everything (md)"),
        ("keep_everything_text", "keep everything (text)"),
    ):
        s = e[key]
        value = f"F1 {_num(s['f1'], 3)} (P {_num(s['precision'], 3)}, R {_num(s['recall'], 3)})"
        out.append(("2 Extraction" if key == "ours_markdown" else "", label, value, pages, ""))

    a = result["alert_latency"]
    for name in ("slack", "discord"):
        row = a[name]
        ok = _at_most(row.get("p99_ms"), 500)
        out.append(
            (
                "3 Alert latency" if name == "slack" else "",
                f"file → {name} p50/p95/p99",
                _dist(row),
                f"{_num(a['stories'])} stories, lost {_num(row.get('lost'))}, {cores}",
                "p99 <= 500 ms" + _mark(ok),
            )
        )

    s = result["story_latency"]
    size = f"{_num(s['articles'])} articles, {_num(s['vendors'])} vendors, {_num(s['stories'])} stories"
    out.append(
        (
            "4 /story latency",
            "command layer p50/p95/p99",
            _dist(s["command"]),
            size,
            "p99 <= 20 ms" + _mark(_at_most(s["command"]["p99_ms"], 20)),
        )
    )
    out.append(
        (
            "",
            "signed Slack HTTP, end to end",
            _dist(s["slack_http"]),
            size,
            "p99 <= 20 ms" + _mark(_at_most(s["slack_http"]["p99_ms"], 20)),
        )
    )
    growth = " → ".join(f"{_num(g['articles'])}: {_num(g['command_p50_ms'], 2)}" for g in s["growth"])
    out.append(("", "growth (articles: p50 ms)", growth or "—", "command layer", "flat"))

    f = result["fanout"]
    for name in ("slack", "discord"):
        row = f[name]
        ok = (
            None
            if row["efficiency"] is None
            else (row["efficiency"] >= 0.9 and row["duplicates"] == 0 and row["lost"] == 0)
        )
        value = (
            f"efficiency {_num(row['efficiency'], 3)}, dup {_num(row['duplicates'])}, lost {_num(row['lost'])}, "
            f"429s {_num(row['rate_limited_429s'])}"
        )
        out.append(
            (
                "5 Fan-out" if name == "slack" else "",
                name,
                value,
                f"{_num(row['channels'])} channels, time ×{_num(row['time_scale'], 2)}",
                ">= 0.9, 0 dup, 0 lost" + _mark(ok),
            )
        )

    m = result["memory"]
    out.append(
        (
            "6 Memory",
            "peak RSS of the service",
            f"{_num(m['peak_rss_mb'])} MB",
            f"{_num(m['articles'])} articles stored, {cores}",
            "<= 150 MB" + _mark(_at_most(m["peak_rss_mb"], 150)),
        )
    )

    v = result["matching"]
    out.append(
        (
            "7 Vendor matching",
            "full catalog",
            f"{_num(v['mb_per_second'])} MB/s",
            f"{_num(v['input_mb'])} MB, {_num(v['vendors'])} vendors, 1 core",
            ">= 20 MB/s" + _mark(_at_least(v["mb_per_second"], 20)),
        )
    )

    st = result["stories"]
    for key in ("seeds", "samples"):
        row = st[key]
        pairs_ok = None if row["pairs"] is None else row["pairs_correct"] == row["pairs"]
        facts_ok = (
            None if row["required_facts"] is None else row["required_facts_found"] == row["required_facts"]
        )
        ok = None if pairs_ok is None else bool(pairs_ok and facts_ok in (True, None))
        value = (
            f"pairs {_num(row['pairs_correct'])}/{_num(row['pairs'])}, facts {_num(row['required_facts_found'])}"
            f"/{_num(row['required_facts'])}, {_num(row['ms_per_article'])} ms/article"
        )
        out.append(
            (
                "Stories" if key == "seeds" else "",
                key,
                value,
                f"{_num(row['articles'])} articles → {_num(row['stories'])} stories",
                "all as expected" + _mark(ok),
            )
        )
    sc = st["at_scale"]
    out.append(
        (
            "",
            "clustering at scale",
            f"decide {_num(sc['cluster_ms_per_article'], 2)} ms (p95 {_num(sc['cluster_ms_p95'], 2)}), "
            f"rebuild {_num(sc['story_ms_per_article'], 2)} ms per article",
            f"{_num(sc['probes'])} new into {_num(sc['articles'])} stored, {_num(sc['candidates_per_article'], 1)}"
            " candidates each",
            "",
        )
    )
    return out


def print_table(result: Result) -> None:
    from rich.console import Console
    from rich.table import Table

    suite = result["suite"]
    table = Table(
        title=f"bot bench ({suite['mode']}) — {suite['cores']} cores, Python {suite['python']}, "
        f"{suite['seconds']} s"
    )
    for column in ("Figure", "Measure", "Value", "Input", "Target"):
        table.add_column(column, overflow="fold")
    for row in rows(result):
        table.add_row(*row)
    console = Console(width=None if Console().is_terminal else 150)
    console.print(table)
    for line in notes(result):
        console.print(f"note: {line}", highlight=False)


def markdown_table(result: Result) -> str:
    lines = ["| Figure | Measure | Value | Input | Target |", "|---|---|---|---|---|"]
    for row in rows(result):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    lines += [""] + [f"- Note: {line}" for line in notes(result)]
    return "\n".join(lines).rstrip() + "\n"
