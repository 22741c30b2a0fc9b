"""`python -m evaluation [pages.jsonl.gz] [--json]`: every quality figure, each beside its baseline:
extraction (evaluation/extraction.py), then key facts on real articles (evaluation/facts.py)."""

from __future__ import annotations

from evaluation import extraction, facts


def main() -> int:
    status = extraction.main()
    print("\nkey facts (evaluation/facts.py):")
    return facts.main([]) or status


if __name__ == "__main__":
    raise SystemExit(main())
