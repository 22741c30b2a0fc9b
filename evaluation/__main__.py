"""`python -m evaluation [extraction|extraction-cv|ingest-real|facts|vendors|clustering] [options]`: every quality figure, each
beside its baseline. No argument runs them all: extraction (evaluation/extraction_report.py, by k-fold with the fold spread in
evaluation/extraction_cv.py), CVE ids kept / date precision / front-matter shapes on real pages
(evaluation/ingest_real.py), key facts on
real articles (evaluation/facts.py), vendor subjects (evaluation/vendors.py), one story per event on
the multi-outlet dev split (evaluation/clustering.py). Other arguments go to extraction
(`python -m evaluation pages.jsonl.gz --json`)."""

from __future__ import annotations

import sys

from evaluation import cluster_report, extraction_cv, extraction_report, facts, ingest_real, vendors


def main(argv: list[str]) -> int:
    parts = {
        "extraction": extraction_report.main,
        "extraction-cv": extraction_cv.main,
        "ingest-real": ingest_real.main,
        "facts": facts.main,
        "vendors": vendors.main,
        "clustering": cluster_report.main,
    }
    if argv[:1] and argv[0] in parts:
        return parts[argv[0]](argv[1:])
    if argv:
        return extraction_report.main(argv)
    status = extraction_report.main([])
    print("\nkey facts (evaluation/facts.py):")
    status = facts.main([]) or status
    print("\nvendor subjects (evaluation/vendors.py):")
    status = vendors.main([]) or status
    print("\none story per event (evaluation/cluster_report.py):")
    return cluster_report.main([]) or status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
