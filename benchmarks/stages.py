"""Time per article by stage, on the throughput figure's own story files: where an article's time goes.

The stages are timed one after another in this process (no parse workers, no overlap), with the
service's own functions in the pipeline's order: read the file (`read_story_file`), parse and clean it
(`article_from_story`), match vendors (`match_vendors`), then inside one write transaction as the
pipeline does: store the article, cluster it and rebuild its story (summary, facts), route the change
to subscriptions; and the commit. Mean milliseconds per stored article, best of the rounds.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.common import bench_settings
from bot.app import open_core
from bot.ingest.article import article_from_story
from bot.ingest.errors import IngestError
from bot.ingest.source import read_story_file
from bot.intel.similarity import forget_texts
from bot.intel.vendors.registry import match_vendors

STAGES = ("read", "parse & clean", "vendor match", "store article", "cluster & story", "route", "commit")


async def _one_round(folder: Path, files: list[Path]) -> dict[str, float]:
    settings = bench_settings(folder, BOT_STORIES_DIR=str(files[0].parent))
    totals = dict.fromkeys(STAGES, 0.0)
    stored = 0
    async with open_core(settings) as core:
        _ = core.registry.matcher  # built once per service, not on the first article's clock
        forget_texts()  # every round reads the same files: none may reuse another's tokenised texts
        for path in files:
            marks = [time.perf_counter()]
            try:
                story = read_story_file(path, max_bytes=settings.max_file_bytes)
                marks.append(time.perf_counter())
                article = article_from_story(story, max_bytes=settings.max_file_bytes)
            except IngestError:
                continue
            marks.append(time.perf_counter())
            article = match_vendors(article, core.registry)
            marks.append(time.perf_counter())
            async with core.store.db.write():
                marks.append(time.perf_counter())
                saved, is_new = await core.store.articles.add(article)
                marks.append(time.perf_counter())
                change = await core.engine.add_article(saved) if is_new else None
                marks.append(time.perf_counter())
                if change is not None:
                    await core.router.route(change)
                marks.append(time.perf_counter())
            marks.append(time.perf_counter())
            if not is_new:
                continue
            stored += 1
            read, parse, match, begin, store, story_done, route, commit = marks[1:]
            spans = (
                read - marks[0],
                parse - read,
                match - parse,
                store - begin,
                story_done - store,
                route - story_done,
                commit - route,
            )
            for stage, seconds in zip(STAGES, spans, strict=True):
                totals[stage] += seconds
    return {stage: round(total * 1000 / max(stored, 1), 3) for stage, total in totals.items()}


async def measure_stages(root: Path, files: list[Path], rounds: int) -> dict[str, float]:
    """Mean ms per stored article for each stage (the round with the smallest total)."""
    results = [await _one_round(root / f"stages{n}", files) for n in range(max(rounds, 1))]
    return min(results, key=lambda r: sum(r.values()))
