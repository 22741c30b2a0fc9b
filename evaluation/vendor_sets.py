"""The two labelled vendor sets, read as (title, body, gold) cases for evaluation/vendors.py and training.

- vendor-dev: full-text The Hacker News articles labelled by reading. The labels (row numbers and vendor
  names only) are committed in evaluation/labels/vendor-dev.jsonl; the article text is third-party and
  read at dev time from a JSONL file outside the repo (`row`, `title`, `article`), default
  /work/devdata/vendor-dev.jsonl or $VENDOR_DEV_TEXT. Absent text: the set is skipped, with the reason.
- multi-outlet: headline + lede feed items of ../shared/data/multi-outlet-dev, read through the bot's
  own ingest (`load_article`), so the evaluated body is what the pipeline would match.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.intel.vendors import VendorCatalog

ROOT = Path(__file__).resolve().parent.parent
LABELS = Path(__file__).resolve().parent / "labels" / "vendor-dev.jsonl"
EVENTS = Path(__file__).resolve().parent / "labels" / "thn_events.jsonl"  # rows reporting the same event
DEFAULT_TEXT = Path("/work/devdata/vendor-dev.jsonl")
MULTI_OUTLET = ROOT.parent / "shared" / "data" / "multi-outlet-dev"


@dataclass(frozen=True, slots=True)
class Case:
    """One labelled article. Gold names are canonical catalog names; `ambiguous` counts neither way."""

    key: str
    title: str
    body: str
    subjects: frozenset[str]
    ambiguous: frozenset[str] = frozenset()
    mention_roles: dict[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()  # subject organisations the catalog does not know (recall it cannot get)
    abused: frozenset[str] = frozenset()  # subjects labelled for their service being abused (a store)
    group: str = ""  # the event it reports: cross-validation keeps one event's articles in one fold


Predictor = Callable[[Case], set[str]]
Trainer = Callable[[Sequence[Case]], Predictor]


def vendor_dev_text_path() -> Path:
    return Path(os.environ.get("VENDOR_DEV_TEXT", str(DEFAULT_TEXT)))


def _canonical(catalog: VendorCatalog, names: list[str]) -> tuple[set[str], list[str]]:
    """Known names as the catalog spells them (labels may predate a rename), and the unknown ones."""
    known: set[str] = set()
    unknown: list[str] = []
    for name in names:
        vendor = catalog.get(name) or catalog.lookup(name, typos=False)
        if vendor is None and "(" in name:  # "WinRAR (RARLAB)": the product, then its maker
            product, _, maker = name.partition("(")
            vendor = catalog.lookup(maker.strip(" )"), typos=False) or catalog.lookup(product, typos=False)
        if vendor is None:
            unknown.append(name)
        else:
            known.add(vendor.name)
    return known, unknown


def load_vendor_dev(
    catalog: VendorCatalog, labels: Path = LABELS, text: Path | None = None
) -> list[Case] | str:
    """The labelled full-text cases, or a one-line reason why they cannot be read here."""
    text = text or vendor_dev_text_path()
    if not text.exists():
        return f"article text not found at {text} (dev-time only; set VENDOR_DEV_TEXT)"
    if not labels.exists():
        return f"labels not found at {labels}"
    articles: dict[int, tuple[str, str]] = {}
    with text.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                articles[int(row["row"])] = (row["title"] or "", row["article"] or "")
    events = _events()
    cases = []
    for line in labels.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        label = json.loads(line)
        row = int(label["row"])
        if row not in articles:
            continue
        title, article = articles[row]
        subjects, unknown = _canonical(catalog, label.get("subjects", []))
        grown, missing = _canonical(catalog, label.get("other_subjects", []))  # named since the labelling
        ambiguous, _ = _canonical(catalog, label.get("ambiguous", []))
        roles: dict[str, str] = {}
        for name, role in label.get("mentions", {}).items():
            known, _ = _canonical(catalog, [name])
            for vendor in known:
                roles[vendor] = role
        body = "\n\n".join(part.strip() for part in article.split("\n") if part.strip())
        cases.append(
            Case(
                key=f"row {row}",
                title=title.strip(),
                body=body,
                subjects=frozenset((subjects | grown) - ambiguous),
                ambiguous=frozenset(ambiguous),
                mention_roles=roles,
                missing=tuple(unknown + missing),
                abused=frozenset(v for v, role in label.get("subject_roles", {}).items() if role == "abused"),
                group=events.get(row, f"row {row}"),
            )
        )
    return cases


def _events(path: Path = EVENTS) -> dict[int, str]:
    """Row -> event name for the rows the clustering labels put in one event (others are their own)."""
    if not path.exists():
        return {}
    found = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {int(item["row"]): str(item["event"]) for item in found}


def stores_ambiguous(case: Case, owner: str = "Google") -> Case:
    """The case with `owner` counted neither way where it is labelled a subject for abuse of its
    service (malicious apps in its store): the other labelling convention for those articles."""
    if owner not in case.abused or owner not in case.subjects:
        return case
    return replace(case, subjects=case.subjects - {owner}, ambiguous=case.ambiguous | {owner})


def load_multi_outlet(catalog: VendorCatalog, folder: Path = MULTI_OUTLET) -> list[Case] | str:
    """The labelled feed items, read through the bot's ingest, or a reason why they cannot be."""
    from bot.ingest import RejectedFile, load_article

    labels = folder / "labels.jsonl"
    if not labels.exists():
        return f"multi-outlet labels not found at {labels}"
    cases = []
    for line in labels.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        label = json.loads(line)
        path = folder / "stories" / label["file"]
        try:
            article = load_article(path, settle_seconds=0)
            title, body = article.title, article.body
        except RejectedFile:  # a headline-only item: the title is all the pipeline would match
            title, body = _front_matter_title(path), ""
        subjects, unknown = _canonical(catalog, label.get("vendors_subject", []))
        grown, missing = _canonical(catalog, label.get("other_subjects", []))
        ambiguous, _ = _canonical(catalog, label.get("vendors_ambiguous", []))
        cases.append(
            Case(
                key=label["file"],
                title=title,
                body=body,
                subjects=frozenset((subjects | grown) - ambiguous),
                ambiguous=frozenset(ambiguous),
                missing=tuple(unknown + missing),
                group=str(label.get("event") or label["file"]),
            )
        )
    return cases


def _front_matter_title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if line.startswith("title:"):
            return line.removeprefix("title:").strip().strip('"')
        if line.strip() == "---":
            break
    return ""
