"""The cleaner keeps the lists that belong to the article (CVE lists, affected/fixed versions, steps)
and the lede under a nav list and a dated byline, and still drops menus (own fixtures shaped like real
pages), plus the CVE ids kept on the real dev articles when they are present."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.ingest import article_from_bytes, clean_text

CVE = re.compile(r"CVE-\d{4}-\d{4,7}")
VENDOR_DEV = Path("/work/devdata/vendor-dev.jsonl")

LEDE = (
    "The browser maker shipped an update on Tuesday that fixes eight security flaws, two of which it says "
    "attackers were already exploiting against users before the patch was ready."
)
CLOSING = (
    "The company did not say who was behind the attacks, but it urged users to restart the browser so "
    "that the update takes effect, and said more details would follow once most users have it."
)
MENU = "Home\nNews\nReviews\nDeals\nPodcasts\nNewsletters\nEvents\n"
CVE_LINES = [
    f"CVE-2031-{1000 + i} - {flaw}"
    for i, flaw in enumerate(
        (
            "Type confusion in the script engine",
            "Use after free in the media stack",
            "Heap overflow in the image decoder",
            "Out of bounds read in fonts",
            "Insufficient policy enforcement in downloads",
            "Use after free in extensions",
            "Integer overflow in the GPU process",
            "Inappropriate implementation in autofill",
        )
    )
]


def text_page(middle: str) -> str:
    return f"Browser update fixes eight flaws\n\n{MENU}\n{LEDE}\n\nThe flaws fixed in this release are:\n\n{middle}\n\n{CLOSING}\n"


@pytest.mark.parametrize("bullet", ["", "* ", "1. "])
def test_a_cve_list_is_kept_with_the_prose_after_it(bullet: str) -> None:
    body = clean_text(text_page("\n".join(bullet + line for line in CVE_LINES)))
    assert set(CVE.findall(body)) == {f"CVE-2031-{1000 + i}" for i in range(8)}
    assert LEDE in body and CLOSING in body
    assert "Podcasts" not in body and "Newsletters" not in body


def test_a_list_of_identifiers_needs_no_introduction() -> None:
    lines = "\n".join(f"CVE-2031-{2000 + i} (CVSS score: 9.{i}) - Remote code execution in Gateway" for i in range(5))
    page = f"Gateway flaws\n\n{MENU}\n{LEDE}\n\n{lines}\n\n{CLOSING}\n"
    body = clean_text(page)
    assert len(set(CVE.findall(body))) == 5 and CLOSING in body


def test_affected_and_fixed_versions_are_kept() -> None:
    versions = "Gateway 9.1.2 and earlier\nGateway 8.4.11 and earlier\nGateway Cloud before 2031.3\n"
    page = f"Gateway patch\n\n{LEDE}\n\nThe following versions are affected:\n\n{versions}\n{CLOSING}\n"
    body = clean_text(page)
    for version in ("9.1.2", "8.4.11", "2031.3"):
        assert version in body


def test_step_lists_are_kept_in_markdown() -> None:
    steps = "1. Open the admin console\n2. Turn off the remote support feature\n3. Restart the gateway service\n"
    page = f"# Gateway workaround\n\n{LEDE}\n\nUntil the fix ships, administrators can do the following:\n\n{steps}\n{CLOSING}\n"
    body = clean_text(page)
    assert "Turn off the remote support feature" in body and "Restart the gateway service" in body


def test_a_menu_without_an_introduction_is_still_dropped() -> None:
    body = clean_text(f"Browser update\n\n{MENU}\n{LEDE}\n\n{CLOSING}\n\nAbout us\nContact\nCareers\nPress\n")
    assert body.startswith(LEDE) and body.endswith(CLOSING)


def test_the_lede_after_a_nav_list_and_a_dated_byline_is_kept() -> None:
    nav = "".join(f"* [{name}](https://paper.example/{name.lower()})\n" for name in ("Home", "News", "Security", "Podcasts"))
    page = (
        "---\ntitle: Browser update fixes eight flaws\n---\n\n"
        f"{nav}\n# Browser update fixes eight flaws\n\nBy Ana Ruiz · March 3, 2031\n\n{LEDE}\n\n{CLOSING}\n"
    )
    article = article_from_bytes(page.encode(), "story.md")
    assert article.body.startswith(LEDE) and article.body.endswith(CLOSING)
    assert article.published is not None and article.published.date().isoformat() == "2031-03-03"


@pytest.mark.skipif(not VENDOR_DEV.exists(), reason="real dev articles (/work/devdata) not present")
def test_cve_ids_survive_cleaning_on_the_real_dev_articles() -> None:
    rows = [json.loads(line) for line in VENDOR_DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    in_page = kept = 0
    for row in rows:
        ids = set(CVE.findall(row["article"]))
        if not ids:
            continue
        body = article_from_bytes(f"{row['title']}\n\n{row['article']}".encode(), "row.txt").body
        in_page += len(ids)
        kept += len(ids & set(CVE.findall(body)))
    assert in_page > 100 and kept / in_page >= 0.99
