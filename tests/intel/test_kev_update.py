"""`bot kev update` against a feed served on 127.0.0.1: the refreshed catalog is written and used;
a broken feed leaves the file in place and says why in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.intel.facts.kev import load_catalog

FEED = {
    "title": "CISA Catalog of Known Exploited Vulnerabilities",
    "catalogVersion": "2099.01.02",
    "dateReleased": "2099-01-02T10:00:00.000Z",
    "count": 2,
    "vulnerabilities": [
        {
            "cveID": "CVE-2099-0001",
            "vendorProject": "Contoso",
            "product": "Gateway",
            "vulnerabilityName": "Contoso Gateway Out-of-Bounds Write",
            "dateAdded": "2099-01-02",
            "shortDescription": "…",
            "requiredAction": "Apply updates.",
            "dueDate": "2099-01-23",
            "knownRansomwareCampaignUse": "Known",
            "notes": "",
            "cwes": ["CWE-787"],
        },
        {
            "cveID": "CVE-2099-0002",
            "vendorProject": "Contoso",
            "product": "Portal",
            "dateAdded": "2099-01-02",
            "dueDate": "2099-01-23",
            "knownRansomwareCampaignUse": "Unknown",
        },
    ],
}


@pytest.fixture
def feed_server() -> Iterator[str]:
    bodies = {"/feed.json": json.dumps(FEED).encode(), "/broken.json": b"<html>captive portal</html>"}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = bodies.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run_bot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "BOT_KEV_FILE": str(tmp_path / "kev.json"),
        "BOT_DB_PATH": str(tmp_path / "db.sqlite3"),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )


def test_kev_update_writes_the_feed_and_the_bot_uses_it(tmp_path: Path, feed_server: str) -> None:
    done = run_bot(tmp_path, "kev", "update", "--url", f"{feed_server}/feed.json")
    assert done.returncode == 0, done.stderr
    assert "2099.01.02: 2 vulnerabilities" in done.stdout
    catalog = load_catalog(tmp_path / "kev.json")
    entry = catalog.get("CVE-2099-0001")
    assert entry is not None and entry.due_date == "2099-01-23" and entry.ransomware == "Known"
    status = run_bot(tmp_path, "kev", "status")
    assert status.returncode == 0 and "2099.01.02" in status.stdout and "kev.json" in status.stdout


def test_a_broken_feed_changes_nothing_and_says_why(tmp_path: Path, feed_server: str) -> None:
    assert run_bot(tmp_path, "kev", "update", "--url", f"{feed_server}/feed.json").returncode == 0
    before = (tmp_path / "kev.json").read_bytes()
    for path in ("/broken.json", "/missing.json"):
        done = run_bot(tmp_path, "kev", "update", "--url", f"{feed_server}{path}")
        assert done.returncode == 1
        lines = done.stderr.strip().splitlines()
        assert (
            len(lines) == 1
            and lines[0].startswith("error: KEV update failed")
            and "Traceback" not in done.stderr
        )
        assert (tmp_path / "kev.json").read_bytes() == before


def test_without_a_refresh_the_shipped_snapshot_answers(tmp_path: Path) -> None:
    catalog = load_catalog(tmp_path / "absent.json")
    assert catalog.get("CVE-2024-21762") is not None
