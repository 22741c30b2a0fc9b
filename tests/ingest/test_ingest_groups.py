"""Files read and stored as a group keep every single-file guarantee.

`Pipeline.process_files` puts a group of articles in one transaction, each in its own savepoint: an
article whose story change cannot be routed is undone alone (no article, story, outbox row or
processed-file record left of it) while the others land with their alerts queued, and it is read
again later like any file that was never processed. The parse pool reads the group in chunks of
several files per worker, and the budgets still hold per file: a page over its CPU budget, or a
worker stopped mid-chunk, costs that one file only.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from bot.app import open_core, sample_story_files
from bot.chat.ports import CommandContext
from bot.config import Settings
from bot.delivery.router import Router
from bot.ingest import RejectedFile
from bot.ingest.source import StoryBytes
from bot.ingest.worker import ParsePool, ReadJob
from bot.models import Article, ChannelRef, StoryChange
from bot.pipeline import Pipeline
from bot.store import Database

pytestmark = pytest.mark.slow

VENDORS = ("Okta", "Cisco", "Fortinet")
CHANNEL = ChannelRef("console", "local", "groups")


def story(vendor: str, n: int = 0) -> str:
    return (
        f"{vendor} fixes a sign-in bypass in its VPN client ({n})\n\n"
        f"{vendor} said on Tuesday that it had fixed a flaw in its VPN client that let an attacker with a "
        f"stolen password skip the second factor, and that it had seen no sign of abuse before the fix.\n\n"
        f"Customers of {vendor} should update the client to the latest version this week, the company said.\n"
    )


class RouterFailingFor:
    """The real router, except that routing a story about `vendor` fails as a bug would."""

    def __init__(self, router: Router, vendor: str) -> None:
        self.router = router
        self.vendor = vendor

    async def route(self, change: StoryChange) -> int:
        if self.vendor in change.story.vendors:
            raise RuntimeError(f"routing {self.vendor} failed")
        return await self.router.route(change)


async def _admin() -> bool:
    return True


def settings_for(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_DB_PATH=tmp_path / "bot.sqlite3",
        BOT_STORIES_DIR=tmp_path / "stories",
    )


async def count(db: Database, sql: str) -> int:
    row = await db.fetchone(sql)
    assert row is not None
    return int(row[0])


async def test_an_article_that_fails_in_a_group_is_undone_alone_and_read_again_later(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    settings.stories_dir.mkdir()
    files = []
    for vendor in VENDORS:
        files.append(settings.stories_dir / f"{vendor.lower()}.txt")
        files[-1].write_text(story(vendor))
    async with open_core(settings) as core:
        for vendor in VENDORS:
            reply = await core.commands.run_text(CommandContext(CHANNEL, "U1", _admin), "subscribe", vendor)
            assert not reply.error, reply.text
        failing = Pipeline(
            settings,
            core.store,
            core.registry,
            core.engine,
            RouterFailingFor(core.router, "Cisco"),
            reader=core.readers,
        )
        results = await failing.process_files(files, settle_seconds=0)
        assert [r.status for r in results] == ["stored", "failed", "stored"]
        assert "routing Cisco failed" in (results[1].reason or "")
        db = core.store.db
        assert await count(db, "SELECT COUNT(*) FROM articles") == 2
        assert await count(db, "SELECT COUNT(*) FROM processed_files") == 2
        assert await count(db, "SELECT COUNT(*) FROM story_vendors WHERE vendor = 'Cisco'") == 0
        assert await count(db, "SELECT COUNT(*) FROM outbox") == 2  # one alert each for Okta and Fortinet
        again = await core.pipeline.process_files(files, settle_seconds=0)
        assert [r.status for r in again] == ["seen", "stored", "seen"]
        assert await count(db, "SELECT COUNT(*) FROM articles") == 3
        assert await count(db, "SELECT COUNT(*) FROM outbox") == 3


async def test_a_group_gives_the_same_answers_as_one_file_at_a_time(tmp_path: Path) -> None:
    """Copies, a re-delivered file and an edit in one group: as if read one by one, in order."""
    settings = settings_for(tmp_path)
    settings.stories_dir.mkdir()
    first = settings.stories_dir / "a.txt"
    same_bytes = settings.stories_dir / "b.txt"
    copy = settings.stories_dir / "c.txt"
    first.write_text(story("Okta", 1))
    same_bytes.write_text(story("Okta", 1))  # the same bytes under another name
    copy.write_text(story("Okta", 1) + "\n")  # the same article, other bytes
    async with open_core(settings) as core:
        results = await core.pipeline.process_files([first, same_bytes, copy], settle_seconds=0)
        assert [r.status for r in results] == ["stored", "seen", "duplicate"]
        first.write_text(story("Okta", 1).replace("this week", "today, as attacks began"))
        (edited,) = await core.pipeline.process_files([first], settle_seconds=0)
        assert edited.status == "stored" and "new version" in (edited.reason or "")
        assert await count(core.store.db, "SELECT COUNT(*) FROM articles") == 1


def job(text: str, name: str) -> ReadJob:
    data = text.encode()
    return ReadJob(StoryBytes(Path(name), data, len(data), time.time_ns()), max_bytes=2_000_000)


def hostile(size: int) -> str:
    return "Vendors named\n\n" + ("Microsoft Google Cisco Okta Oracle VMware " * (size // 40 + 1))[:size]


async def test_a_page_over_its_cpu_budget_mid_chunk_costs_that_file_only() -> None:
    pool = ParsePool(1, cpu_seconds=0.02, wall_seconds=30)
    jobs = [
        job(story("Okta", 1), "1.txt"),
        job(hostile(1_900_000), "big.txt"),
        job(story("Okta", 2), "2.txt"),
    ]
    with pool.closing():
        outcomes = await pool.read_many(jobs)
        assert isinstance(outcomes[0], tuple) and isinstance(outcomes[2], tuple)
        assert outcomes[0][0].subjects == ("Okta",) and outcomes[0][1] is None  # nothing prepared unasked
        assert isinstance(outcomes[1], RejectedFile) and "CPU" in outcomes[1].reason
        assert pool.restarts == 0


async def test_a_worker_stopped_mid_chunk_costs_one_file_and_the_rest_is_read_elsewhere() -> None:
    pool = ParsePool(2, cpu_seconds=5, wall_seconds=1.0)
    with pool.closing():
        await pool.start()
        stopped = pool.pids[0]
        os.kill(stopped, signal.SIGSTOP)  # as a page stuck in C code: no answer, no CPU timer
        jobs = [job(story("Okta", n), f"{n}.txt") for n in range(6)]
        outcomes = await pool.read_many(jobs)
        rejected = [o for o in outcomes if isinstance(o, RejectedFile)]
        assert len(rejected) == 1 and "time budget" in rejected[0].reason
        assert sum(isinstance(o, tuple) and isinstance(o[0], Article) for o in outcomes) == 5
        assert pool.restarts == 1 and stopped not in pool.pids


async def test_stories_are_the_same_whether_the_workers_prepare_the_analysis_or_not(tmp_path: Path) -> None:
    """The engine's text-only work done in the parse workers (`prepare`) gives the very stories that
    doing it in the main process gives: titles, summaries, key facts, event types, members."""
    shown: list[list[tuple[object, ...]]] = []
    for name, use_workers in (("workers", True), ("inline", False)):
        settings = settings_for(tmp_path / name)
        settings.stories_dir.mkdir(parents=True)
        files = []
        for path in sample_story_files():
            files.append(settings.stories_dir / path.name)
            files[-1].write_bytes(path.read_bytes())
        async with open_core(settings) as core:
            pipeline = Pipeline(
                settings,
                core.store,
                core.registry,
                core.engine,
                core.router,
                reader=core.readers if use_workers else None,
            )
            results = await pipeline.process_files(files, settle_seconds=0)
            assert all(r.status in ("stored", "duplicate") for r in results), results
            stories = [await core.stories.get_story(i) for i in range(1, 20)]
            shown.append(
                [
                    (s.title, s.summary, s.key_facts, s.event_type, s.sources, s.vendors)
                    for s in stories
                    if s is not None
                ]
            )
    assert shown[0] and shown[0] == shown[1]
