"""`python -m evaluation [pages.jsonl.gz] [--json]`: every quality figure, each beside its baseline."""

from __future__ import annotations

from evaluation.extraction import main

if __name__ == "__main__":
    raise SystemExit(main())
