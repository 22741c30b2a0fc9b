"""Does one real event make one story? The engine, the word-overlap baseline and the seeds-format pages
on the multi-outlet dev split, in one run, and the printed table (the metric: evaluation/clustering.py;
the pages: evaluation/cluster_pages.py; this module sits above both so neither imports the other).

    python -m evaluation.cluster_report [--folder DIR]     (or: python -m evaluation clustering)
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path

from evaluation.cluster_pages import cluster_pages, ledes_read
from evaluation.clustering import DEV_DIR, cluster_folder, headline, load_items, report, word_overlap_baseline


async def evaluate(folder: Path = DEV_DIR, *, pages: bool = True) -> dict[str, object]:
    """Engine and baseline scores on the dev split, in one run; with `pages`, also the same items as
    whole pages in the seeds' format (evaluation/cluster_pages.py), scored over all items and over
    those whose page text ingest read (not taken for a copy of another page's boilerplate)."""
    items = load_items(folder)
    stories, rejected, spent = await cluster_folder(folder / "stories", [i.file for i in items])
    baseline = word_overlap_baseline(
        [(i.file, headline(folder / "stories" / i.file), i.published) for i in items]
    )
    result: dict[str, object] = {
        "items": len(items),
        "tracked_items": sum(i.tracked for i in items),
        "ms_per_item": round(spent * 1000, 2),
        "rejected": rejected,
        "engine": report(items, stories),
        "baseline": report(items, baseline),
    }
    if pages:
        copies: set[str] = set()
        on_pages, _, _ = await cluster_pages(items, folder, copies)
        read = [i for i in items if i.file not in copies]
        result["pages"] = report(items, on_pages)
        result["pages read"] = report(read, on_pages)
        result["feed, same items"] = report(read, stories)
        result["page copies"] = len(copies)
        result["page ledes"] = ledes_read(items, folder)
    return result


def print_report(result: Mapping[str, object]) -> None:
    print(
        f"multi-outlet-dev: {result['items']} items ({result['tracked_items']} with a tracked vendor),"
        f" {result['ms_per_item']} ms per item through the engine;"
        f" {result['rejected']} refused by the loader (each counts as a story of its own)"
    )
    _table(result, ("engine", "baseline"))
    if "pages" in result:
        print(
            "\nthe same items as seeds-format pages (evaluation/cluster_pages.py) through bot.ingest;"
            f" {result['page copies']} pages stored as a copy of another (their story text was not"
            " found, only the page's boilerplate, the same on every page); 'pages read' leaves them out"
        )
        if isinstance(ledes := result.get("page ledes"), tuple):
            print(f"the item's lede is in the stored body of {ledes[0]} of the {ledes[1]} pages whose item has one")
        _table(result, ("pages", "pages read", "feed, same items"))


def _table(result: Mapping[str, object], columns: Sequence[str]) -> None:
    print(f"{'pairwise P / R / F1':18}" + "".join(f"  {c:>22}" for c in columns))
    tables = [result[c] for c in columns]
    assert all(isinstance(t, dict) for t in tables)
    for name in ("tracked strict", "tracked lenient", "all strict", "all lenient"):
        cells = [t[name] for t in tables]  # type: ignore[index]
        print(f"{name:18}" + "".join(f"  {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}   " for c in cells))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=DEV_DIR)
    args = parser.parse_args(argv)
    if not (args.folder / "labels.jsonl").is_file():
        print(f"no labelled dev split at {args.folder} (needs ../shared/data/multi-outlet-dev)")
        return 1
    print_report(asyncio.run(evaluate(args.folder)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
