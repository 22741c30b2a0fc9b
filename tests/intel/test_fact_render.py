"""Security facts as people scan them: Slack fields, Discord inline fields, aligned console lines,
a long CVE list shortened to "+N more" (every id in JSON), and edits that say what changed."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.discord.embeds import story_embed
from bot.adapters.discord.platform import followup_text as discord_followup
from bot.adapters.slack.blocks import alert_blocks
from bot.adapters.slack.blocks import followup_text as slack_followup
from bot.chat.render import story_plain_text, story_view
from bot.intel.engine import StoryEngine
from bot.intel.facts import merge_facts
from bot.intel.story_build import story_to_dict
from bot.models import Article, EventType, Source, Story
from bot.store.backends import open_database
from bot.store.db import Database
from bot.store.story_store import StoryStore
from tests.support.advisories import FORTIOS, facts_of
from tests.support.articles import store_article
from tests.support.clock import ONE_SECOND, FixedClock

NOW = datetime(2024, 2, 9, 12, tzinfo=UTC)


def story_of(body: str, outlets: tuple[str, ...] = ("Example News",)) -> Story:
    facts = merge_facts([facts_of(body) for _ in outlets], list(outlets))
    sources = tuple(Source(o, f"https://{o.lower().replace(' ', '')}.example/a", "T", NOW) for o in outlets)
    return Story(
        1,
        "Fortinet warns of FortiOS SSL VPN flaw",
        "Summary.",
        facts,
        sources,
        ("Fortinet",),
        EventType.VULNERABILITY,
        NOW,
        NOW,
    )


def test_slack_shows_cve_cvss_exploited_fixed_as_fields() -> None:
    blocks = alert_blocks(story_of(FORTIOS))
    (grid,) = [b for b in blocks if "fields" in b]
    texts = [f["text"] for f in grid["fields"]]
    assert texts[0] == "*CVE*\nCVE-2024-21762 (out-of-bounds write)"
    assert texts[1].startswith("*CVSS*\n9.6")
    assert texts[2].startswith("*Exploited*\nYes, in the wild")
    assert texts[3] == "*Fixed in*\nFortiOS 7.4.3, 7.2.7, 7.0.14"
    assert texts[4].startswith("*CISA KEV*\nadded 2024-02-09, due 2024-02-16")
    assert len(grid["fields"]) <= 10 and all(len(t) <= 2000 for t in texts)
    bullets = next(b for b in blocks if b.get("text", {}).get("text", "").startswith("*Key facts*"))
    assert "CVE-2024-21762 ·" not in bullets["text"]["text"]  # shown once, as a field


def test_a_long_cve_list_is_shortened_but_every_id_is_in_the_json() -> None:
    ids = [f"CVE-2024-{1000 + n}" for n in range(12)]
    body = "Microsoft fixed these flaws this month: " + ", ".join(ids) + ", all of them rated important."
    story = story_of(body)
    field = dict(story_view(story).fields)["CVE"]
    assert field == "CVE-2024-1000, CVE-2024-1001, CVE-2024-1002 +9 more"
    listed = [f["data"]["id"] for f in story_to_dict(story)["key_facts"] if f["kind"] == "cve"]  # type: ignore[index, union-attr]
    assert listed == ids


def test_discord_inline_fields_and_console_columns() -> None:
    story = story_of(FORTIOS, ("Fortinet PSIRT", "NVD"))
    embed = story_embed(story)
    inline = [(f.name, f.value) for f in embed.fields if f.inline]
    assert [name for name, _ in inline] == ["CVE", "CVSS", "Exploited", "Fixed in", "CISA KEV"]
    assert len(embed) <= 6000 and all(len(v or "") <= 1024 for _, v in inline)
    lines = story_plain_text(story).splitlines()
    grid = [
        line
        for line in lines
        if line.startswith("  ") and line.split()[0] in {"CVE", "CVSS", "Exploited", "Fixed", "CISA"}
    ]
    assert len(grid) == 5
    assert (
        len({len(line) - len(line[2:].split("  ", 1)[1].lstrip()) for line in grid}) == 1
    )  # one value column


@pytest.fixture
async def db(db_target: str | Path) -> AsyncIterator[Database]:
    database = await open_database(db_target)
    yield database
    await database.close()


def article(outlet: str, body: str, hour: int) -> Article:
    return Article(
        path=f"{outlet}.md",
        title="Fortinet patches critical FortiOS SSL VPN flaw CVE-2024-21762",
        body=body,
        raw=body,
        content_hash=hashlib.sha256(body.encode()).hexdigest(),
        outlet=outlet,
        url=f"https://{outlet.lower()}.example/fortios",
        published=datetime(2024, 2, 9, hour, tzinfo=UTC),
        subjects=("Fortinet",),
    )


async def test_an_edit_says_what_changed(db: Database) -> None:
    first = (
        "Fortinet fixed CVE-2024-21762 (CVSS score: 9.6), an out-of-bounds write in FortiOS SSL VPN.\n\n"
        "Fortinet said it is not aware of any attacks exploiting the vulnerability at this time.\n\n"
        "Customers should upgrade FortiOS to 7.4.3 or above."
    )
    second = (
        "Fortinet's FortiOS SSL VPN flaw CVE-2024-21762 (CVSS score: 9.8) is being exploited in the wild, "
        "the company said on Friday.\n\nCustomers should upgrade FortiOS to 7.4.3 or above as soon as possible."
    )
    engine = StoryEngine(StoryStore(db), clock=FixedClock(tick=ONE_SECOND))
    await engine.add_article(await store_article(db, article("Alpha", first, 8)))
    change = await engine.add_article(await store_article(db, article("Beta", second, 10)))
    assert change is not None and change.story.version == 2
    notes = change.story.change_notes
    assert "now exploited in the wild" in notes and "CVSS 9.8 per Beta" in notes
    assert story_plain_text(change.story).splitlines()[2].startswith("Updated: ")
    blocks = alert_blocks(change.story)
    assert "now exploited in the wild" in blocks[1]["elements"][0]["text"]
    assert "now exploited in the wild" in slack_followup(change.story, ["Beta"])
    assert "CVSS 9.8 per Beta" in discord_followup(change.story, ["Beta"])
    stored = await StoryStore(db).get_story(change.story.id)
    assert stored is not None and stored.change_notes == notes  # kept with the story's facts
