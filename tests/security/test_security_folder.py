"""The watched folder under hostile conditions: symlinks out of it, FIFOs and devices, symlink loops,
unreadable files, files that vanish or change while being read, and a flood of 10,000 files at once.
Every case is handled (the service keeps running), reported (`.rejected/NAME` + `NAME.reason`, a log
line) and nothing is lost (each file ends up stored or rejected).

Tests run as root, where `chmod 000` does not stop a read: that case is skipped then, and an
unreadable entry is simulated with a symlink loop (ELOOP) and a FIFO instead.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Application, Core, open_core
from bot.config import Settings
from bot.ingest import REJECTED_DIR
from tests.support.app_runner import running_app

pytestmark = pytest.mark.slow

WAIT = 90.0


def story(n: int, *, extra: str = "") -> str:
    return (
        f"Widget maker number {n} recalls its model {n} routers\n\n"
        f"The company said on Monday that {n * 7} routers of model {n} shipped with a default password, "
        f"and that it would replace every affected unit free of charge.{extra}\n"
    )


def make_settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_DB_PATH=tmp_path / "bot.sqlite3",
        BOT_STORIES_DIR=tmp_path / "stories",
        **{"BOT_SETTLE_SECONDS": 0.05, **extra},
    )


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = make_settings(tmp_path)
    settings.stories_dir.mkdir()
    async with open_core(settings) as opened:
        yield opened


def rejected(stories_dir: Path) -> dict[str, str]:
    """name -> reason of every file moved aside."""
    folder = stories_dir / REJECTED_DIR
    if not folder.is_dir():
        return {}
    return {
        p.name.removesuffix(".reason"): p.read_text(encoding="utf-8").strip()
        for p in folder.iterdir()
        if p.name.endswith(".reason")
    }


async def test_symlinks_out_of_the_folder_are_never_read_into_a_story(core: Core, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text(story(1, extra=" TOP SECRET LINE."))
    stories = core.settings.stories_dir
    (stories / "leak.txt").symlink_to(secret)
    (stories / "via-dots.txt").symlink_to(Path("..") / "outside" / "secret.txt")
    for name in ("leak.txt", "via-dots.txt"):
        result = await core.pipeline.process_file(stories / name, settle_seconds=0)
        assert result.status == "rejected" and "outside" in (result.reason or ""), result
    # A file under a symlinked folder: rejected too, and the file out there is neither read nor moved.
    (stories / "linked").symlink_to(outside, target_is_directory=True)
    result = await core.pipeline.process_file(stories / "linked" / "secret.txt", settle_seconds=0)
    assert result.status == "rejected" and "outside" in (result.reason or ""), result
    assert await core.store.articles.count() == 0
    assert secret.read_text().endswith("TOP SECRET LINE.\n")  # the target is never moved or changed
    moved = stories / REJECTED_DIR / "leak.txt"
    assert moved.is_symlink() and not (stories / "leak.txt").exists()
    assert set(rejected(stories)) == {"leak.txt", "via-dots.txt"}


async def test_fifos_devices_and_loops_are_rejected_without_blocking(core: Core) -> None:
    stories = core.settings.stories_dir
    os.mkfifo(stories / "pipe.txt")
    (stories / "zero.txt").symlink_to("/dev/zero")
    (stories / "loop-a.txt").symlink_to(stories / "loop-b.txt")
    (stories / "loop-b.txt").symlink_to(stories / "loop-a.txt")
    (stories / "folder.md").mkdir()
    for name in ("pipe.txt", "zero.txt", "loop-a.txt", "folder.md"):
        result = await asyncio.wait_for(core.pipeline.process_file(stories / name, settle_seconds=0), 5)
        assert result.status == "rejected", result
        assert result.reason and "\n" not in result.reason
    assert {"pipe.txt", "zero.txt", "loop-a.txt", "folder.md"} <= set(rejected(stories))
    assert await core.store.articles.count() == 0


async def test_a_huge_file_is_rejected_without_being_loaded(core: Core) -> None:
    """500 MB (sparse: no disk used) is refused by size; the bot never holds more than the cap."""
    import tracemalloc

    path = core.settings.stories_dir / "huge.txt"
    with path.open("wb") as handle:
        handle.write(b"Huge title\n\n")
        handle.truncate(500 * 1_000_000)
    tracemalloc.start()
    try:
        result = await core.pipeline.process_file(path, settle_seconds=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.status == "rejected" and "too large" in (result.reason or ""), result
    assert peak < 3 * core.settings.max_file_bytes + 5_000_000, f"{peak / 1e6:.0f} MB held"
    assert "huge.txt" in rejected(core.settings.stories_dir)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 file anyway (see the loop/FIFO test)")
async def test_unreadable_file_is_rejected(core: Core) -> None:
    path = core.settings.stories_dir / "locked.txt"
    path.write_text(story(3))
    path.chmod(0)
    result = await core.pipeline.process_file(path, settle_seconds=0)
    assert result.status == "rejected" and "ermission" in (result.reason or "")


async def test_a_file_that_vanishes_is_pending_not_an_error(core: Core) -> None:
    result = await core.pipeline.process_file(core.settings.stories_dir / "gone.txt", settle_seconds=0)
    assert result.status == "pending" and result.reason


async def wait_until(check: object, within: float = WAIT, every: float = 0.1) -> None:
    deadline = time.monotonic() + within
    while not await check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(every)


async def bodies(core: Core) -> list[str]:
    rows = await core.store.db.fetchall("SELECT body FROM articles")
    return [row["body"] for row in rows]


async def test_the_service_survives_vanishing_changing_and_escaping_files(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path, BOT_SETTLE_SECONDS=0.3)
    stories = settings.stories_dir
    stories.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(story(9, extra=" OUTSIDE ONLY."))
    (stories / "linked-folder").symlink_to(outside, target_is_directory=True)
    app = Application(settings, console=False)
    async with running_app(app, WAIT) as task:
        core = app.core
        assert core is not None
        # Files that appear and vanish at once, two hundred times.
        for n in range(200):
            path = stories / f"blink-{n}.txt"
            path.write_text(story(1000 + n))
            path.unlink()
        # A file written slowly, in place, over about a second: read only once it is whole.
        growing = stories / "growing.txt"

        def write_slowly() -> None:
            with growing.open("w") as handle:
                handle.write(story(7))
                for line in range(40):
                    handle.write(
                        f"\nParagraph {line} of a story that is still being written to disk today.\n"
                    )
                    handle.flush()
                    time.sleep(0.025)
                handle.write("\nThe final paragraph says the recall ends in December.\n")

        writer = threading.Thread(target=write_slowly)
        writer.start()
        await asyncio.to_thread(writer.join)
        (stories / "after.txt").write_text(story(8))

        async def settled() -> bool:
            texts = await bodies(core)
            return any("recall ends in December" in t for t in texts) and any("model 8 " in t for t in texts)

        await wait_until(settled)
        await asyncio.sleep(0.5)
        assert not task.done()
        texts = await bodies(core)
    assert not any("OUTSIDE ONLY" in t for t in texts)
    assert not any(f"model {1000 + n} " in t for n in range(200) for t in texts)  # gone before settled
    assert [t for t in texts if "Paragraph 0 of" in t] == [next(t for t in texts if "recall ends" in t)]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


FLOOD = 10_000
GOOD_EVERY = 20  # 500 real stories among 9,500 junk files


def junk(n: int) -> bytes:
    kinds = (
        b"\x00\x01binary %d\x00" % n,
        b"",
        b'{"title": "broken %d", ' % n,
        b"\x89PNG\r\n\x1a\n%d" % n,
        b"---\ntitle: [unclosed %d\n---\nbody words here\n" % n,
    )
    return kinds[n % len(kinds)]


async def test_a_flood_of_ten_thousand_files_is_handled_reported_and_nothing_lost(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path)
    stories = settings.stories_dir
    stories.mkdir()
    app = Application(settings, console=False)
    good = {n for n in range(FLOOD) if n % GOOD_EVERY == 0}
    async with running_app(app, WAIT) as task:
        core = app.core
        assert core is not None
        started = time.monotonic()
        for n in range(FLOOD):  # all at once, as an rsync of a backlog would
            (stories / f"page-{n:05d}.txt").write_bytes(story(n).encode() if n in good else junk(n))

        async def all_accounted() -> bool:
            folder = stories / REJECTED_DIR
            moved = sum(1 for e in os.scandir(folder) if e.name.endswith(".reason")) if folder.is_dir() else 0
            return moved == FLOOD - len(good) and await core.store.articles.count() == len(good)

        await wait_until(all_accounted, within=150, every=0.5)
        elapsed = time.monotonic() - started
        assert not task.done()
    left = {p.name for p in stories.iterdir() if p.is_file()}
    assert left == {f"page-{n:05d}.txt" for n in good}  # stored files stay where they are
    reasons = rejected(stories)
    assert len(reasons) == FLOOD - len(good)
    assert set(reasons) == {f"page-{n:05d}.txt" for n in range(FLOOD) if n not in good}
    assert all(reason and "\n" not in reason for reason in reasons.values())
    assert len([p for p in (stories / REJECTED_DIR).iterdir() if not p.name.endswith(".reason")]) == len(
        reasons
    )
    warned = {r.getMessage().split(":")[0] for r in caplog.records if r.getMessage().startswith("rejected ")}
    assert len(warned) == len(reasons)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert elapsed < 150
