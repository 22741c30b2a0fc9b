"""Writes docs/benchmarks.md (the latest run's table, how each figure is measured, how to reproduce)
and its plots (alert latency, /story latency against corpus size, time per article by stage, extraction
against trafilatura, fan-out against the rate-limit ceiling; `benchmarks/plots.py`) from one suite run.

`python -m benchmarks --docs docs` runs the full suite and writes both; matplotlib comes with the
`bench` extra (`pip install .[bench]`) and is only needed for the plot.
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.common import Result
from benchmarks.plots import plot_latency, plot_result
from benchmarks.report import markdown_table

PLOT_NAME = "latency.png"

METHOD = """\
## What each figure measures

1. **Pipeline throughput**: every dev page (`../shared/data/extraction-dev`, 88 real news pages in
   markdown) written as a story file and run through `Pipeline.process_many`, the service's own path:
   groups of up to 32 files read in chunks by the parse worker processes (read, parse, clean, match
   vendors, the story engine's text analysis), then stored one SQLite transaction per group with a
   savepoint per article (store, cluster, rebuild the story, route), workers + 1 groups at a time, into
   a fresh database and a fresh worker pool per pass (warmed on generated stories first). Beside it,
   in the same run and interleaved round by round, trafilatura's `extract` alone on the same pages
   (markdown rendered to HTML beforehand, outside its clock); median over the rounds with the range,
   and the ratio taken round by round. The scaling row is the same pass with 1, 2, … parse workers up
   to the machine's cores: on 2 cores the main process shares them, so the curve is short by nature.
   CPU per article is read from /proc for the main process and the workers; the stages row times each
   stage one after another in one process. The multi-outlet set (268 short feed items) is a second
   input. Without the dev pages, the bundled sample store.
2. **Extraction quality**: the scrapinghub article-extraction-benchmark metric (F1 of 4-token shingles,
   `evaluation/extraction.py`) against the pages' gold bodies: our cleaner on the markdown and on the text
   form, trafilatura on a CommonMark rendering of the markdown, and keeping everything.
3. **Alert latency**: the real service (`python -m bot run`) in a subprocess, connected to stand-in Slack
   (Web API + Socket Mode) and Discord (REST + gateway) servers on 127.0.0.1 with the real slack-bolt and
   discord.py clients. One channel per vendor on each platform, subscribed through the command layer;
   each story file is about its own vendor, so each one is a new alert. A finished file is renamed into
   the watched folder (as a download or sync tool finishes a file) and the clock stops when the stand-in
   receives `chat.postMessage` / `POST /channels/{id}/messages`. Stories go one at a time, no faster
   than Slack's shared budget, so the figure is the bot's latency, not queueing behind rate limits. The
   settle time (`BOT_SETTLE_SECONDS`) is the default. Bots that poll feeds instead alert after 2-20 minutes.
4. **`/story` latency**: a generated corpus (realistic article lengths, 500 vendors: the built-in catalog
   plus invented ones through `BOT_VENDORS_FILE`, Zipf-distributed coverage, 1-12 outlets per story)
   bulk-written in the engine's table shapes, grown 1k → 10k → 100k articles, then to 1,000,000 by
   nine copies of that corpus made in SQL, each a year further back (`bot/store/bulk.py`
   `replicate_corpus`: generating a million articles one by one would take an hour). At each size,
   `/story <vendor>` through `CommandService.run_text` for random vendors; at the largest, the service in
   Slack HTTP mode answering slash-command requests signed with the signing secret, timed from the POST
   to the reply arriving at the stand-in's `response_url`.
5. **Fan-out**: one story routed to 2,000 subscribed channels and delivered by the outbox against an
   in-process platform that enforces Slack's and Discord's limits (answering 429 with Retry-After past
   them), time scaled down (`benchmarks/delivery_fanout.py`). Efficiency = the fastest schedule the limits allow ÷
   the achieved span; rates are shown in real (unscaled) time.
6. **Memory**: the real service with the console adapter (standard input a pipe) over the
   1,000,000-article database: start, a subscription, 20 new story files through the watched folder, 100 `/story` commands;
   the kernel's high-water mark of its resident set (`VmHWM`).
7. **Vendor matching**: `VendorMatcher.find` with the full built-in catalog over 5 MB of invented
   security-news text full of vendor names and unseen surnames (best of three).

Story-engine figures (the clustering issue's): on the seeds and on the bundled sample store, article
pairs clustered together/apart as expected, required key facts found, and time per article.

Every figure in the JSON carries its unit, its input size and the machine's core count (`cores`).
Targets are printed beside the figures (✓ met, ✗ not met); no test asserts them.
"""

REPRODUCE = """\
## Reproduce

```sh
make bench                      # sets up .venv, then `python -m benchmarks` (rich table)
python -m benchmarks --json     # one JSON object with every figure
python -m benchmarks --quick --json  # smaller inputs (10k-article corpus, 50 alert stories): under a minute
python -m benchmarks --docs docs # full run, then rewrite docs/benchmarks.md and its plots
python -m benchmarks --docs docs --only throughput,alert_latency  # rerun some figures, keep the others
```

The figures that need real pages read `../shared/data` beside the repository (the extraction-dev pages
and the seeds); without it those figures are null with a `missing` note and the rest still run.
"""


def previous_result(folder: Path) -> Result | None:
    """The run recorded in folder/benchmarks.md (its JSON block), to refresh some figures only."""
    path = folder / "benchmarks.md"
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    start, end = text.find("```json\n"), text.rfind("```")
    if start < 0 or end <= start:
        return None
    loaded: Result = json.loads(text[start + len("```json\n") : end])
    return loaded


def write_docs(result: Result, samples: dict[str, list[float]], folder: Path) -> Path:
    """docs/benchmarks.md and its plots; returns the markdown file's path. Without latency samples
    (the latency figure was not rerun) the existing latency plot is kept."""
    folder.mkdir(parents=True, exist_ok=True)
    plotted = plot_latency(samples, folder / PLOT_NAME) or (not samples and (folder / PLOT_NAME).is_file())
    drawn = plot_result(result, folder)
    suite = result["suite"]
    parts = [
        "# Benchmarks",
        "",
        (
            f"Latest run: {suite['started_at']}, `bot bench` ({suite['mode']} mode) on {suite['cores']} cores "
            f"({suite['system']}, Python {suite['python']}), shared with other work; the whole suite took "
            f"{suite['seconds']} s."
            if not suite.get("figures_run")
            else f"Figures {', '.join(suite['figures_run'])} rerun {suite['started_at']} ({suite['mode']} mode, "
            f"{suite['cores']} cores, {suite['system']}, Python {suite['python']}, shared with other work, "
            f"{suite['seconds']} s); the others are from the run of {suite.get('others_from') or 'an earlier run'}."
        ),
        "",
        markdown_table(result),
        "",
        f"![Alert latency distribution]({PLOT_NAME})"
        if plotted
        else "_(no latency plot: matplotlib missing)_",
        "",
        *[line for name, caption in drawn for line in (f"![{caption}]({name})", "")],
        METHOD,
        REPRODUCE,
        "## The run's JSON",
        "",
        "```json",
        json.dumps(result, indent=1, ensure_ascii=False),
        "```",
        "",
    ]
    path = folder / "benchmarks.md"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
