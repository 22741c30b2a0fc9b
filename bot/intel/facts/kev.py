"""CISA's Known Exploited Vulnerabilities catalog, as a dated snapshot shipped with the bot.

The catalog is public domain (CC0). Nothing is fetched at run time: the snapshot in
bot/intel/data/kev.json is what the bot knows, unless the operator runs `bot kev update`, which
downloads CISA's JSON feed, trims it to the fields the bot shows and writes it to `BOT_KEV_FILE`
(preferred over the shipped snapshot when present). A feed that does not parse or looks wrong is
refused with a one-line reason and the file in place is kept.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

CISA_FEED_URL = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
MAX_FEED_BYTES = 64 * 1024 * 1024
_CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class KevError(ValueError):
    """The feed could not be used (one line, for the operator)."""


@dataclass(frozen=True, slots=True)
class KevEntry:
    cve: str
    vendor: str
    product: str
    date_added: str  # ISO day
    due_date: str | None
    ransomware: str  # "Known" | "Unknown"
    cwes: tuple[str, ...] = ()

    def to_data(self, catalog_version: str) -> dict[str, object]:
        return {
            "id": self.cve,
            "date_added": self.date_added,
            "due_date": self.due_date,
            "ransomware_use": self.ransomware.lower() == "known",
            "catalog_version": catalog_version,
        }


@dataclass(frozen=True, slots=True)
class KevCatalog:
    version: str
    released: str
    entries: dict[str, KevEntry]

    def get(self, cve: str) -> KevEntry | None:
        return self.entries.get(cve.upper())

    def __len__(self) -> int:
        return len(self.entries)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> KevCatalog:
        entries = {}
        for row in data.get("vulnerabilities", []):
            entry = KevEntry(
                row["cve"],
                row["vendor"],
                row["product"],
                row["added"],
                row.get("due"),
                row["ransomware"],
                tuple(row.get("cwes", ())),
            )
            entries[entry.cve] = entry
        return cls(str(data.get("catalogVersion", "")), str(data.get("dateReleased", "")), entries)


def trim_feed(feed: object) -> dict[str, Any]:
    """CISA's feed (or the trimmed snapshot) -> the snapshot the bot ships. Raises KevError on a feed
    that is not a KEV catalog, so that a captive portal's HTML or a truncated file never replaces data."""
    if not isinstance(feed, dict) or not isinstance(feed.get("vulnerabilities"), list):
        raise KevError("not a KEV catalog: no 'vulnerabilities' list")
    rows: list[dict[str, object]] = []
    for n, item in enumerate(feed["vulnerabilities"]):
        if not isinstance(item, dict):
            raise KevError(f"entry {n} is not an object")
        cve = str(item.get("cveID") or item.get("cve") or "").upper()
        added = str(item.get("dateAdded") or item.get("added") or "")
        if not _CVE.match(cve) or not _DAY.match(added):
            raise KevError(f"entry {n} has no valid cveID/dateAdded")
        due = item.get("dueDate") or item.get("due")
        rows.append(
            {
                "cve": cve,
                "vendor": str(item.get("vendorProject") or item.get("vendor") or ""),
                "product": str(item.get("product") or ""),
                "added": added,
                "due": str(due) if due and _DAY.match(str(due)) else None,
                "ransomware": str(
                    item.get("knownRansomwareCampaignUse") or item.get("ransomware") or "Unknown"
                ),
                "cwes": [str(c) for c in item.get("cwes") or []],
            }
        )
    if not rows:
        raise KevError("the catalog lists no vulnerabilities")
    rows.sort(key=lambda r: (str(r["added"]), str(r["cve"])))
    return {
        "title": "CISA Catalog of Known Exploited Vulnerabilities (trimmed)",
        "licence": "CC0-1.0 (CISA)",
        "catalogVersion": str(feed.get("catalogVersion", "")),
        "dateReleased": str(feed.get("dateReleased", "")),
        "count": len(rows),
        "vulnerabilities": rows,
    }


def write_snapshot(snapshot: dict[str, Any], path: Path) -> None:
    """Atomically: a crash mid-write leaves the previous file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".kev-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(snapshot, out, separators=(",", ":"))
            out.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def download_feed(url: str, timeout: float = 30.0) -> object:
    if not url.startswith(("https://", "http://")):
        raise KevError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": "vendor-alert-bot kev update"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_FEED_BYTES + 1)
    except OSError as exc:
        raise KevError(f"could not download {url}: {exc}") from exc
    if len(body) > MAX_FEED_BYTES:
        raise KevError(f"feed larger than {MAX_FEED_BYTES // (1024 * 1024)} MB")
    try:
        return json.loads(body)
    except ValueError as exc:
        raise KevError(f"feed is not JSON: {exc}") from exc


def update(path: Path, url: str = CISA_FEED_URL) -> KevCatalog:
    """Download, check, trim and write the catalog; the new catalog (for the report)."""
    snapshot = trim_feed(download_feed(url))
    write_snapshot(snapshot, path)
    load_catalog.cache_clear()
    return KevCatalog.from_snapshot(snapshot)


def _shipped() -> dict[str, Any]:
    text = resources.files("bot.intel").joinpath("data/kev.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=4)
def load_catalog(path: Path | None = None) -> KevCatalog:
    """The operator's refreshed file when it exists and reads, else the shipped snapshot."""
    if path is not None and path.is_file():
        try:
            return KevCatalog.from_snapshot(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a damaged refresh must not stop the bot: the shipped snapshot still answers
    return KevCatalog.from_snapshot(_shipped())
