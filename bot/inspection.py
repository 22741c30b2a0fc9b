"""`bot inspect`: read, clean and match one stored page without storing it (the contract's JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.ingest import NotReady, RejectedFile, load_article
from bot.intel.vendors import VendorMatcher
from bot.models import Salience, VendorMatch


def inspect_file(path: Path, matcher: VendorMatcher, *, max_bytes: int) -> dict[str, Any]:
    record: dict[str, Any] = {
        "path": str(path),
        "title": None,
        "url": None,
        "outlet": None,
        "published": None,
        "published_precision": None,
        "body": None,
        "subjects": [],
        "mentions": [],
        "vendors": [],
        "error": None,
    }
    try:
        article = load_article(path, max_bytes=max_bytes, settle_seconds=0)
    except (RejectedFile, NotReady) as exc:
        record["error"] = str(exc)
        return record
    except OSError as exc:
        record["error"] = f"cannot read file: {exc.strerror or exc}"
        return record
    matches = matcher.match(article.title, article.body)
    record.update(
        title=article.title,
        url=article.url,
        outlet=article.outlet,
        published=article.published.date().isoformat() if article.published else None,
        published_precision=article.published_precision,
        body=article.body,
        subjects=[m.vendor for m in matches if m.salience is Salience.SUBJECT],
        mentions=[m.vendor for m in matches if m.salience is Salience.MENTION],
        vendors=[vendor_detail(m) for m in matches],
    )
    return record


def vendor_detail(match: VendorMatch) -> dict[str, Any]:
    """Why a vendor is a subject or a mention: its role and the words that decided, with offsets
    (into the title when `in_title`, else into `body`)."""
    return {
        "name": match.vendor,
        "salience": str(match.salience),
        "role": match.role,
        "score": match.score,
        "evidence": [
            {"role": e.role, "words": e.words, "start": e.start, "end": e.end, "in_title": e.in_title}
            for e in match.evidence
        ],
    }
