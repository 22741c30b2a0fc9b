"""Rebuild the dev-time text of the vendor-dev set from a fetched mirror of its public dataset.

The 800 rows named in ../shared/data/vendor-dev/rows.txt come from a workbook with no licence, so
the text never enters the project: this script reads it from a local git mirror (the search tool's
fetch of github:cypher-07/Cybersecurity-News-Article-Dataset) and writes one JSON line per row
(row, title, link, article, label) to /work/devdata/vendor-dev.jsonl, which the evaluations read.
Each title is checked against the sha256 prefix in rows.txt so a changed workbook is caught.

    python -m evaluation.vendor_dev_text MIRROR_GIT_DIR [OUT]

Needs openpyxl (a dev-time tool only: `pip install openpyxl`).
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import subprocess
import sys
from pathlib import Path

ROWS = Path(__file__).resolve().parents[2] / "shared" / "data" / "vendor-dev" / "rows.txt"
OUT = Path("/work/devdata/vendor-dev.jsonl")


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    openpyxl = importlib.import_module("openpyxl")  # dev-time only, not a dependency

    mirror = argv[0]
    out = Path(argv[1]) if len(argv) > 1 else OUT
    blob = subprocess.run(
        ["git", f"--git-dir={mirror}", "show", "HEAD:TheHackerNews_Dataset.xlsx"],
        check=True,
        capture_output=True,
    ).stdout
    wanted: dict[int, str] = {}
    for line in ROWS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row, digest = line.split("\t")
            wanted[int(row)] = digest
    sheet = openpyxl.load_workbook(io.BytesIO(blob), read_only=True)["Sheet1"]
    out.parent.mkdir(parents=True, exist_ok=True)
    written = mismatched = 0
    with out.open("w", encoding="utf-8") as handle:
        for index, cells in enumerate(sheet.iter_rows(min_row=2, values_only=True)):
            if index not in wanted:
                continue
            title, link, article, label = (str(c) if c is not None else "" for c in cells[:4])
            if hashlib.sha256(title.strip().encode("utf-8")).hexdigest()[:16] != wanted[index]:
                mismatched += 1
            handle.write(
                json.dumps({"row": index, "title": title, "link": link, "article": article, "label": label})
                + "\n"
            )
            written += 1
    print(f"{written} rows written to {out}; {mismatched} titles differ from rows.txt")
    return 0 if written == len(wanted) and not mismatched else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
