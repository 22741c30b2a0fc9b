"""Reading real stored pages: CVE ids kept by the cleaner, how precisely publication dates are known,
and which front-matter shapes are read, on the real dev sets.

- CVE ids kept: per article, the distinct CVE ids in the page vs in the cleaned body, summed over the
  800 real The Hacker News articles of /work/devdata/vendor-dev.jsonl (fetched at dev time; skipped
  with a note when absent), each read as a plain scraped page (title line, then the text) and as a
  front-matter markdown page (title, url, source; headline; text).
- Date precision: day / month / fetched / none over the same pages, the multi-outlet dev stories, the
  seeds and the extraction dev pages (wrapped with their URL). A page with nothing dated falls back to
  its arrival time, here the time of the run.
- Front-matter shapes: files read as strict YAML or as loose `key: value` lines (a warning is logged),
  and files rejected, with the share of titles and URLs read back as written. The vendor-dev titles
  are written unquoted, as real stores do ("title: Threat Advisory: ..." is not YAML).

`python -m evaluation.ingest_real [--json]`
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import re
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.ingest import RejectedFile, article_from_page, parse_page
from bot.ingest.decode import decode_bytes

CVE = re.compile(r"CVE-\d{4}-\d{4,7}", re.IGNORECASE)
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
VENDOR_DEV = Path(os.environ.get("BOT_VENDOR_DEV_JSONL", "/work/devdata/vendor-dev.jsonl"))  # dev-time text, never committed
MULTI_OUTLET = SHARED / "multi-outlet-dev" / "stories"
SEEDS = SHARED / "seeds"
EXTRACTION_PAGES = SHARED / "extraction-dev" / "pages.jsonl.gz"


def vendor_dev_rows(path: Path = VENDOR_DEV) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def as_text_page(row: dict[str, Any]) -> str:
    return f"{row['title']}\n\n{row['article']}"


def as_markdown_page(row: dict[str, Any]) -> str:
    """Front matter as a real store writes it: unquoted values, whatever they hold."""
    return (
        f"---\ntitle: {row['title']}\nurl: {row['link']}\nsource: The Hacker News\n---\n\n"
        f"# {row['title']}\n\n{row['article']}"
    )


class _LooseCount(logging.Handler):
    """Counts the reader's "not strict YAML" warnings (the loose key: value reading)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.loose = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "not strict YAML" in record.getMessage():
            self.loose += 1


def read(text: str, name: str, now: datetime) -> Any:
    """The Article of one page (arrival time `now`), or the RejectedFile that says why there is none."""
    try:
        return article_from_page(parse_page(decode_bytes(text.encode("utf-8")), name), fetched=now)
    except RejectedFile as exc:
        return exc


def cve_kept(rows: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for form, wrap, name in (("text", as_text_page, "row.txt"), ("markdown", as_markdown_page, "row.md")):
        in_page = kept = articles = 0
        for row in rows:
            ids = {m.upper() for m in CVE.findall(row["article"])}
            if not ids:
                continue
            articles += 1
            article = read(wrap(row), name, now)
            body = "" if isinstance(article, RejectedFile) else article.body
            in_page += len(ids)
            kept += len(ids & {m.upper() for m in CVE.findall(body)})
        result[form] = {"articles": articles, "ids": in_page, "kept": kept, "share": kept / in_page if in_page else 0.0}
    return result


def _pages(now: datetime) -> Iterator[tuple[str, str, str]]:
    """(set name, text, file name) of every real page the date and front-matter figures read."""
    rows = vendor_dev_rows()
    for row in rows:
        yield "vendor-dev (text)", as_text_page(row), "row.txt"
        yield "vendor-dev (front matter)", as_markdown_page(row), "row.md"
    if MULTI_OUTLET.exists():
        for path in sorted(MULTI_OUTLET.glob("*.md")):
            yield "multi-outlet-dev", path.read_text(encoding="utf-8"), path.name
    if SEEDS.exists():
        for path in sorted(SEEDS.iterdir()):
            yield "seeds", path.read_text(encoding="utf-8"), path.name
    if EXTRACTION_PAGES.exists():
        with gzip.open(EXTRACTION_PAGES, "rt", encoding="utf-8") as handle:
            for line in handle:
                page = json.loads(line)
                yield "extraction-dev (markdown + url)", f"---\nurl: {page['url']}\n---\n\n{page['markdown']}", "p.md"


def dates_and_shapes(now: datetime, counter: _LooseCount) -> dict[str, Any]:
    precision: dict[str, Counter[str]] = {}
    shapes: dict[str, Counter[str]] = {}
    for name, text, file_name in _pages(now):
        before = counter.loose
        article = read(text, file_name, now)
        shape = shapes.setdefault(name, Counter())
        if isinstance(article, RejectedFile):
            shape["rejected"] += 1
            continue
        if text.startswith("---"):
            shape["loose key: value" if counter.loose > before else "strict YAML"] += 1
            shape["with title"] += bool(article.title)
            shape["with url"] += bool(article.url)
        precision.setdefault(name, Counter())[article.published_precision or "none"] += 1
    return {
        "date precision": {k: dict(v) for k, v in precision.items()},
        "front matter": {k: dict(v) for k, v in shapes.items()},
    }


def run() -> dict[str, Any]:
    """Every figure; the reader's warnings about loose front matter are counted, not printed."""
    now = datetime.now(tz=UTC)
    counter = _LooseCount()
    logger = logging.getLogger("bot.ingest")
    propagate = logger.propagate
    logger.addHandler(counter)
    logger.propagate = False
    try:
        rows = vendor_dev_rows()
        result: dict[str, Any] = {"cve ids kept": cve_kept(rows, now) if rows else None}
        result.update(dates_and_shapes(now, counter))
    finally:
        logger.removeHandler(counter)
        logger.propagate = propagate
    return result


def print_report(result: dict[str, Any]) -> None:
    kept = result["cve ids kept"]
    if kept is None:
        print(f"CVE ids kept: skipped ({VENDOR_DEV} absent: the real articles are fetched at dev time)")
    else:
        for form, row in kept.items():
            print(
                f"CVE ids kept ({form:8}): {row['kept']}/{row['ids']} = {row['share']:.1%} "
                f"over {row['articles']} real articles that name a CVE"
            )
    print("publication date precision (day / month / fetched / none):")
    for name, counts in result["date precision"].items():
        total = sum(counts.values())
        parts = " / ".join(f"{counts.get(k, 0)}" for k in ("day", "month", "fetched", "none"))
        print(f"  {name:34} {parts}   of {total}")
    print("front matter read (strict YAML / loose key: value / rejected; titles, urls read):")
    for name, counts in result["front matter"].items():
        if "strict YAML" not in counts and "loose key: value" not in counts:
            continue
        print(
            f"  {name:34} {counts.get('strict YAML', 0)} / {counts.get('loose key: value', 0)} / "
            f"{counts.get('rejected', 0)}; {counts.get('with title', 0)} titles, {counts.get('with url', 0)} urls"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
