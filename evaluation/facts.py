"""Key-fact quality on real articles (issue 16): CVE ids in the text vs in the facts, CVSS scores
stated vs captured, versions, exploitation status, kinds produced; reported per fold (5 folds of
rows) with the spread, and the labelled sample's per-kind precision when labels exist.

Reads /work/devdata/vendor-dev.jsonl (real The Hacker News rows; dev-time only, never committed)
or the path given; says so and exits 0 when it is absent. Run: `python -m evaluation.facts [PATH]`.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import statistics
import sys
from collections import Counter
from pathlib import Path

from bot.intel.event_model import article_features, decide_story
from bot.intel.events import score_text, split_lead
from bot.intel.facts import extract_facts, facts_for_event, merge_facts
from bot.intel.facts.extract import FIRST_ONLY
from bot.intel.facts.kev import load_catalog
from bot.intel.sentences import article_sentences, split_sentences
from bot.intel.similarity import TfidfSimilarity
from bot.intel.summary import SALES_INTRO, SECURITY_CORE, summarize
from bot.models import KeyFact

DEFAULT = Path("/work/devdata/vendor-dev.jsonl")
LABELS = Path(__file__).with_name("labels") / "facts-sample.jsonl"
# Feed ledes (headline + 1-5 sentences) of the multi-outlet dev split, one item per event or singleton,
# labelled the same way (`row` is the item's link hash): the short text a feed-fed store holds.
FEED_LABELS = Path(__file__).with_name("labels") / "facts-feed-ledes.jsonl"
FEED_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "multi-outlet-dev"
# Fresh held-out samples of feed items never read before (`--sample N --seed S --fresh --feed`),
# each labelled on first reading and never used for a change: reported each on its own.
FRESH_LABELS = (Path(__file__).with_name("labels") / "facts-fresh-dec6.jsonl",)
FOLDS = 5
_CVE = re.compile(r"\bCVE-\d{4}-\d{4,7}\b", re.IGNORECASE)
# Broader than the extractor on purpose: a number within a few words after "CVSS".
_STATED = re.compile(
    r"CVSS(?:\s*v?[234](?:\.[01])?(?=\s+(?:base\s+)?score))?[^.\d]{0,40}?(10(?:\.0)?|\d\.\d)(?!\d)|(10(?:\.0)?|\d\.\d)\s+out\s+of\s+10\b[^.]{0,40}CVSS",
    re.I,
)
_VERSIONED = re.compile(
    r"\b(?:versions?|prior\s+to|before|earlier|fixed\s+in|patched\s+in|upgrade\s+to|update\s+to)\b[^.\n]{0,40}"
    r"\d+\.\d+",
    re.I,
)
_WILD = re.compile(r"exploited in the wild|actively exploited|active exploitation|under active attack", re.I)
# a sentence that says it with a negation or a modal ("None of … were found being exploited in the
# wild", "could be exploited in the wild imminently") does not state it
_HEDGED = re.compile(r"\b(?:none|neither|no|not|could|would|might|may\s+be|can\s+be)\b", re.I)


def states_in_the_wild(text: str) -> bool:
    return any(_WILD.search(s) and not _HEDGED.search(s) for s in re.split(r"(?<=[.!?])\s+", text))


def story_facts(article: str, first_only: frozenset[str] = FIRST_ONLY) -> tuple[KeyFact, ...]:
    sentences = article_sentences(article)
    facts = extract_facts(article, sentences, published=None, kev=load_catalog(), first_only=first_only)
    return merge_facts([facts], ["The Hacker News"])


def typed_story(
    row: dict[str, object], first_only: frozenset[str] = FIRST_ONLY
) -> tuple[str, tuple[KeyFact, ...]]:
    """One row read as a one-source story: its event type and the facts shown for that type."""
    title, text = str(row.get("title") or ""), str(row.get("article") or "")
    facts = story_facts(text, first_only)
    lead, rest = split_lead(text)
    verdict = decide_story(
        [score_text(title, lead, rest)], [f.kind for f in facts], [article_features(title, lead, rest)]
    )
    return str(verdict.event_type), facts_for_event(facts, str(verdict.event_type))


def story_reading(row: dict[str, object]) -> dict[str, object]:
    """What a reader labels for one row: the story's event type, summary and facts (one-source story)."""
    title, text = str(row.get("title") or ""), str(row.get("article") or "")
    event_type, facts = typed_story(row)
    summary = summarize([article_sentences(text)[:24]], TfidfSimilarity())
    return {
        "row": row.get("row"),
        "title": title,
        "event_type": event_type,
        "summary": summary,
        "summary_sentences": len(split_sentences(summary)) if summary else 0,
        "facts": [(f.kind, f.text) for f in facts],
    }


def ids_in_facts(facts: tuple[KeyFact, ...]) -> set[str]:
    out: set[str] = set()
    for fact in facts:
        for value in (fact.data.get("id"), *(fact.data.get("cves") or []), *(fact.data.get("related") or [])):
            if isinstance(value, str):
                out.add(value.upper())
    return out


def scores_in_facts(facts: tuple[KeyFact, ...]) -> set[float]:
    out: set[float] = set()
    for fact in facts:
        related = fact.data.get("related_cvss") or {}
        for cvss in (fact.data.get("cvss"), *(fact.data.get("cvss_variants") or []), *related.values()):
            if isinstance(cvss, dict) and cvss.get("score") is not None:
                out.add(float(cvss["score"]))
    return out


def measure(rows: list[dict[str, object]]) -> dict[str, float | int]:
    c: Counter[str] = Counter()
    for row in rows:
        text = str(row.get("article") or "")
        facts = story_facts(text)
        ids = {m.group(0).upper() for m in _CVE.finditer(text)}
        found = ids_in_facts(facts)
        c["cve_ids"] += len(ids)
        c["cve_ids_found"] += len(ids & found)
        c["stories_with_cve"] += bool(ids)
        c["stories_all_cves"] += bool(ids) and ids <= found
        stated = {float(a or b) for a, b in _STATED.findall(text)}
        c["scores_stated"] += len(stated)
        c["scores_captured"] += len(stated & scores_in_facts(facts))
        kinds = {f.kind for f in facts}
        # baseline in the same run: what untyped facts (statement and date clauses, the kinds the
        # previous extractor's CVE-bearing facts had) carry in their text
        untyped = " ".join(f.text for f in facts if f.kind in ("statement", "date"))
        c["base_cve_ids_found"] += len(ids & {m.group(0).upper() for m in _CVE.finditer(untyped)})
        c["base_scores_captured"] += len(
            {s for s in stated if re.search(rf"(?<![\d.]){s:g}(?![\d])", untyped)}
        )
        if _VERSIONED.search(text):
            c["versions_stated"] += 1
            c["versions_captured"] += bool(kinds & {"affected", "fixed"})
            c["base_versions_captured"] += bool(re.search(r"\d+\.\d+\.\d+|version", untyped, re.I))
        if states_in_the_wild(text):
            c["wild_stated"] += 1
            c["wild_captured"] += any(
                f.kind == "exploitation" and f.data.get("status") == "in_the_wild" for f in facts
            )
            c["base_wild_captured"] += bool(_WILD.search(untyped))
        c["facts"] += len(facts)
        for fact in facts:
            c[f"kind:{fact.kind}"] += 1
    return dict(c)


def ratio(c: dict[str, float | int], num: str, den: str) -> float | None:
    return c.get(num, 0) / c[den] if c.get(den) else None


def report(rows: list[dict[str, object]]) -> dict[str, object]:
    total = measure(rows)
    folds = [measure(rows[i::FOLDS]) for i in range(FOLDS)]
    out: dict[str, object] = {"rows": len(rows), "counts": total}
    for name, num, den in (
        ("cve_id_recall", "cve_ids_found", "cve_ids"),
        ("cvss_capture", "scores_captured", "scores_stated"),
        ("versions_capture", "versions_captured", "versions_stated"),
        ("in_the_wild_capture", "wild_captured", "wild_stated"),
        ("baseline_cve_id_recall", "base_cve_ids_found", "cve_ids"),
        ("baseline_cvss_capture", "base_scores_captured", "scores_stated"),
        ("baseline_versions_capture", "base_versions_captured", "versions_stated"),
        ("baseline_in_the_wild_capture", "base_wild_captured", "wild_stated"),
    ):
        per_fold = [r for f in folds if (r := ratio(f, num, den)) is not None]
        out[name] = {
            "value": ratio(total, num, den),
            "folds": [round(r, 3) for r in per_fold],
            "spread": round(max(per_fold) - min(per_fold), 3) if per_fold else None,
            "stdev": round(statistics.pstdev(per_fold), 3) if len(per_fold) > 1 else None,
        }
    if LABELS.exists():
        out["labelled"] = labelled(rows)
    return out


# Samples read while tuning (not labelled here); a fresh held-out sample excludes them too.
TUNING_SEEDS = (1616, 4040, 5050)


def fact_key(kind: str, text: str) -> str:
    """A short hash naming one fact without storing its (third-party) text: a verdict stays attached
    to the same fact when the code changes, and a fact the reader never judged shows as unjudged."""
    return hashlib.sha1(f"{kind}|{' '.join(text.split())}".encode()).hexdigest()[:12]


def load_labels(path: Path = LABELS) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def feed_rows(folder: Path = FEED_DIR) -> dict[str, dict[str, object]]:
    """The multi-outlet items as rows (title from the front matter, the lede as the article)."""
    rows: dict[str, dict[str, object]] = {}
    for path in sorted((folder / "stories").glob("*.md")) if folder.exists() else []:
        text = path.read_text(encoding="utf-8")
        _, front, body = text.split("---", 2) if text.startswith("---") else ("", "", text)
        title = re.search(r'^title:\s*"?(.*?)"?\s*$', front, re.M)
        rows[path.stem] = {
            "row": path.stem,
            "title": title.group(1) if title else "",
            "article": body.strip(),
        }
    return rows


def read_rows(labels: list[dict[str, object]], rows: dict[str, dict[str, object]]) -> dict[str, object]:
    """Today's code against the reader's verdicts: event type against the true type (`truth`), facts
    by key (useful / not / unjudged: produced now but never read)."""
    useful: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    events, unjudged, missing, confusion = [0, 0], 0, 0, Counter[str]()
    for label in labels:
        row = rows.get(str(label["row"]))
        if row is None:
            missing += 1
            continue
        reading = story_reading(row)
        verdicts = {key: verdict for _, verdict, key in label.get("facts", [])}  # type: ignore[attr-defined]
        for kind, text in reading["facts"]:  # type: ignore[attr-defined]
            verdict = verdicts.get(fact_key(kind, text))
            if verdict is None:
                unjudged += 1
                continue
            seen[kind] += 1
            useful[kind] += verdict == "useful"
        truth = label.get("truth")
        if truth:
            right = reading["event_type"] in str(truth).split("|")  # "a|b": honestly either
            events[0] += right
            events[1] += 1
            if not right:
                confusion[f"{truth}->{reading['event_type']}"] += 1
    return {
        "precision": {k: f"{useful[k]}/{seen[k]} = {useful[k] / seen[k]:.2f}" for k in sorted(seen)},
        "facts_useful": round(sum(useful.values()) / max(1, sum(seen.values())), 3),
        "facts_judged": sum(seen.values()),
        "facts_unjudged": unjudged,
        "event_type_accuracy": round(events[0] / events[1], 3) if events[1] else None,
        "event_right": f"{events[0]}/{events[1]}",
        "event_errors": dict(confusion.most_common()),
        "rows_missing": missing,
    }


def labelled(rows: list[dict[str, object]]) -> dict[str, object]:
    """Per-kind precision and event-type accuracy from evaluation/labels/facts-sample.jsonl (one line
    per story row: `truth` event type, `facts` as [kind, verdict, key]), re-scored on today's code,
    for the tuning samples and the held-out sample (`heldout`: labelled before any tuning on it)."""
    by_row = {str(r["row"]): r for r in rows}
    labels = load_labels()
    out: dict[str, object] = {}
    for name, group in (
        ("dev", [x for x in labels if not x.get("heldout")]),
        ("heldout", [x for x in labels if x.get("heldout")]),
    ):
        if group:
            out[name] = {"stories": len(group), **read_rows(group, by_row)}
    per_sample: dict[str, str] = {}  # the spread between samples: each one's figures on today's code
    for sample in dict.fromkeys(str(x["sample"]) for x in labels):
        scored = read_rows([x for x in labels if x["sample"] == sample], by_row)
        per_sample[sample] = (
            f"event {scored['event_right']}, facts useful {scored['facts_useful']} of {scored['facts_judged']}"
        )
    out["per_sample"] = per_sample
    feeds = feed_rows()
    if FEED_LABELS.exists() and feeds:
        out["feed_ledes"] = read_rows(load_labels(FEED_LABELS), feeds)
    for n, path in enumerate(FRESH_LABELS):
        if path.exists() and feeds:
            out[f"fresh_heldout{n + 1 if n else ''}"] = {
                "sample": path.name,
                **read_rows(load_labels(path), feeds),
            }
    return out


def fresh_sample(rows: list[dict[str, object]], size: int, seed: int) -> list[dict[str, object]]:
    """Rows never read before (not labelled, not in a tuning seed's sample), drawn with a fixed seed."""
    read = {int(str(x["row"])) for x in load_labels()} if LABELS.exists() else set()
    for tuning in TUNING_SEEDS:
        read |= {int(str(r["row"])) for r in random.Random(tuning).sample(rows, 30)}
    pool = [r for r in rows if int(str(r["row"])) not in read]
    return random.Random(seed).sample(pool, min(size, len(pool)))


def fresh_feed_sample(size: int, seed: int) -> list[dict[str, object]]:
    """Feed items never read before (in no feed-lede or fresh label file), drawn with a fixed seed."""
    feeds = feed_rows()
    read = {
        str(x["row"]) for path in (FEED_LABELS, *FRESH_LABELS) if path.exists() for x in load_labels(path)
    }
    pool = [row for key, row in sorted(feeds.items()) if key not in read]
    return random.Random(seed).sample(pool, min(size, len(pool)))


def summaries(rows: list[dict[str, object]]) -> dict[str, object]:
    """Share of multi-sentence articles whose summary has 2-3 sentences."""
    counts: Counter[str] = Counter()
    for row in rows:
        text = str(row.get("article") or "")
        if len([s for s in article_sentences(text) if s.complete]) < 2:
            continue
        reading = story_reading(row)
        n, summary = reading["summary_sentences"], str(reading["summary"])
        counts["articles"] += 1
        counts["two_or_three"] += 2 <= int(str(n)) <= 3
        counts["one"] += n == 1
        counts["opens_with_sales"] += bool(SALES_INTRO.search(split_sentences(summary)[0])) if summary else 0
        if SECURITY_CORE.search(" ".join(s.text for s in article_sentences(text)[:12])):
            counts["core_in_lead"] += 1  # the CVE / score / exploitation sentence is among the first twelve
            counts["core_in_summary"] += bool(SECURITY_CORE.search(summary))
    return {
        **counts,
        "rate": round(counts["two_or_three"] / max(1, counts["articles"]), 3),
        "core_rate": round(counts["core_in_summary"] / max(1, counts["core_in_lead"]), 3),
    }


def main(argv: list[str]) -> int:
    """`[PATH]` the figures; `--sample N [--seed S] [--fresh] [--feed]` the sample to read and label
    (printed, not saved; `--fresh` draws only rows never read before, `--feed` draws multi-outlet feed
    items never read before)."""
    args = [a for a in argv if not a.startswith("--")]
    path = Path(args[0]) if args and not args[0].isdigit() else DEFAULT
    if not path.exists():
        print(f"facts evaluation skipped: {path} not found (dev-time data)")
        return 0
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if "--sample" in argv:
        size = int(argv[argv.index("--sample") + 1])
        seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 16
        if "--feed" in argv:  # multi-outlet feed items (ledes) instead of vendor-dev articles
            picked = fresh_feed_sample(size, seed)
        else:
            picked = (
                fresh_sample(rows, size, seed)
                if "--fresh" in argv
                else random.Random(seed).sample(rows, size)
            )
        for row in picked:
            reading = story_reading(row)
            reading["keys"] = [fact_key(k, t) for k, t in reading["facts"]]  # type: ignore[attr-defined]
            print(json.dumps(reading, ensure_ascii=False))
        return 0
    out = report(rows)
    out["summaries"] = summaries(rows)
    print(json.dumps(out, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
