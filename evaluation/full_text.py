"""Do big stories swallow other events? Contamination on real full-text articles.

The 800 The Hacker News articles of /work/devdata/vendor-dev.jsonl (full text, 2011-2021; dev-time
only, never in the repository) are clustered in a shuffled order, undated (as a folder of pasted
articles arrives) or dated by the month in their URL. The figure is the share of members of
multi-article stories that belong to another event than the story's main one, judged on the rows
labelled by reading in evaluation/labels/thn_events.jsonl (row number -> event id; names only).

    python -m evaluation.full_text [--dated] [--seed 1] [--show]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from evaluation.clustering import Item
from evaluation.train_cluster import Prepared, replay

ROWS = Path("/work/devdata/vendor-dev.jsonl")
LABELS = Path(__file__).resolve().parent / "labels" / "thn_events.jsonl"
ARRIVAL = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _month_of(link: str) -> datetime | None:
    """thehackernews.com/2021/06/... -> 2021-06-01 (month precision)."""
    parts = link.split("/")
    try:
        return datetime(int(parts[3]), int(parts[4]), 1, tzinfo=UTC)
    except (IndexError, ValueError):
        return None


def prepare_rows(rows: Sequence[Mapping[str, object]], *, dated: bool) -> list[Prepared]:
    """Each row through the real loader and vendor matcher, as a plain-text story file."""
    from bot.ingest import RejectedFile, load_article
    from bot.intel.events import decide, score_text
    from bot.intel.sentences import paragraphs
    from bot.intel.vendors import VendorCatalog, VendorMatcher
    from bot.models import Salience

    matcher = VendorMatcher.of(VendorCatalog.load())
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for row in rows:
            path = Path(tmp) / f"row{row['row']}.txt"
            path.write_text(f"{row['title']}\n\n{row['article']}", encoding="utf-8")
            try:
                article = load_article(path)
            except RejectedFile:
                continue
            day = (_month_of(str(row["link"])) if dated else None) or ARRIVAL
            matches = matcher.match(article.title, article.body)
            parts = paragraphs(article.body)
            event = decide([score_text(article.title, " ".join(parts[:1]), " ".join(parts[1:]))]).event_type
            item = Item(str(row["row"]), day, "The Hacker News", None, None, True)
            out.append(
                Prepared(
                    item,
                    article.title,
                    article.body,
                    tuple(m.vendor for m in matches if m.salience is Salience.SUBJECT),
                    "the hacker news",
                    day,
                    event,
                    dated,
                    precise=False,  # the URL gives the month
                )
            )
    return out


def load_labels(path: Path = LABELS) -> dict[str, str]:
    if not path.is_file():
        return {}
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            labels[str(row["row"])] = str(row["event"])
    return labels


def contamination(clusters: Mapping[int, list[str]], labels: Mapping[str, str]) -> tuple[int, int, int]:
    """(judged clusters, members, members of another event) over multi-member clusters whose members
    are all labelled; a cluster's main event is its most common one."""
    judged = members = wrong = 0
    for rows in clusters.values():
        if len(rows) < 2 or any(r not in labels for r in rows):
            continue
        counts = Counter(labels[r] for r in rows)
        judged += 1
        members += len(rows)
        wrong += len(rows) - counts.most_common(1)[0][1]
    return judged, members, wrong


def same_event_pairs(assigned: Mapping[str, int | None], labels: Mapping[str, str]) -> tuple[int, int]:
    """(pairs joined, pairs) over labelled rows of one event: the recall side of the judged set."""
    rows = sorted(r for r in labels if r in assigned)
    pairs = [(a, b) for i, a in enumerate(rows) for b in rows[i + 1 :] if labels[a] == labels[b]]
    joined = sum(1 for a, b in pairs if assigned[a] is not None and assigned[a] == assigned[b])
    return joined, len(pairs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dated", action="store_true", help="date each article by the month in its URL")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", action="store_true", help="print the multi-article clusters (dev only)")
    args = parser.parse_args(argv)
    if not ROWS.is_file():
        print(f"no full-text rows at {ROWS} (dev-time data)")
        return 1
    rows = [json.loads(line) for line in ROWS.read_text(encoding="utf-8").splitlines() if line.strip()]
    random.Random(args.seed).shuffle(rows)
    prepared = prepare_rows(rows, dated=args.dated)
    from bot.intel.same_event import shipped_model

    fits: dict[str, float] = {}
    explain: dict[str, str] = {}
    assigned, _ = replay(prepared, shipped_model(), fits=fits, explain=explain)
    clusters: dict[int, list[str]] = {}
    for name, story in assigned.items():
        if story is not None:
            clusters.setdefault(story, []).append(name)
    multi = {k: v for k, v in clusters.items() if len(v) > 1}
    titles = {p.item.file: p.title for p in prepared}
    print(
        f"{len(prepared)} articles, {sum(1 for v in assigned.values() if v is not None)} in stories,"
        f" {len(multi)} multi-article stories with {sum(map(len, multi.values()))} members"
    )
    labels = load_labels()
    judged, members, wrong = contamination(multi, labels)
    if judged:
        print(f"judged {judged} stories, {members} members: {wrong} of another event ({wrong / members:.1%})")
    joined, pairs = same_event_pairs(assigned, labels)
    print(f"labelled same-event pairs in one story: {joined} of {pairs}")
    if args.show:
        for key, names in sorted(multi.items(), key=lambda kv: -len(kv[1])):
            print(f"--- story {key} ({len(names)})")
            for name in names:
                mark = labels.get(name, "?")
                print(
                    f"  {name:>5} [{mark}] {fits.get(name, 0):5.2f} {titles[name][:70]} {{{explain.get(name, '')}}}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
