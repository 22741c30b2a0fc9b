"""Story-engine figures (the clustering issue's): on the seeds and on the bundled sample store, how many
article pairs end up together / apart as expected, how many required key facts are found, and the
time per article; and the time per article of clustering into a big synthetic store (the decision,
through the vendor/time index, and the story rebuild that follows).

The evaluations belong to the story engine (`benchmarks.clustering_corpus.evaluate_clustering` and
`bench_clustering`); this module runs them and reports their figures in the suite's shape.
"""

from __future__ import annotations

from typing import Any

from benchmarks.common import Result

INPUT_KEYS = (
    "articles",
    "stories",
    "pairs",
    "pairs_correct",
    "pair_accuracy",
    "required_facts",
    "required_facts_found",
    "ms_per_article",
)
SCALE_KEYS = (
    "articles",
    "stories",
    "probes",
    "joined_existing",
    "candidates_per_article",
    "cluster_ms_per_article",
    "cluster_ms_p50",
    "cluster_ms_p95",
    "story_ms_per_article",
)


def skeleton() -> Result:
    return {
        "unit": "pairs and facts (counts), ms per article",
        "seeds": dict.fromkeys(INPUT_KEYS),
        "samples": dict.fromkeys(INPUT_KEYS),
        "at_scale": dict.fromkeys(SCALE_KEYS),
        "target": "every pair as expected, every required fact found",
        "missing": None,
    }


def _pick(report: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: report.get(key) for key in keys}


async def bench_stories(scale_articles: int, probes: int) -> Result:
    from benchmarks.clustering_corpus import bench_clustering, evaluate_clustering

    result = skeleton()
    notes: list[str] = []
    for which in ("seeds", "samples"):
        report = await evaluate_clustering(which)
        if report.get("missing"):
            notes.append(str(report["missing"]))
            continue
        if report.get("errors"):
            notes.append(f"{which}: files the pipeline refused: {'; '.join(map(str, report['errors']))}")
        result[which] = _pick(report, INPUT_KEYS)
    result["at_scale"] = _pick(await bench_clustering(scale_articles, probes), SCALE_KEYS)
    result["missing"] = "; ".join(notes) or None
    return result
