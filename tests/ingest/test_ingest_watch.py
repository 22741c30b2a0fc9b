"""`watch_story_files` with a real watcher on a temp folder: existing files first (sorted, hidden and
temp files skipped), then new ones, then in-place rewrites again; it stops on the stop event."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.ingest import existing_story_files, watch_story_files

TIMEOUT = 15.0


async def next_path(stream: AsyncIterator[Path]) -> Path:
    return await asyncio.wait_for(anext(stream), timeout=TIMEOUT)


async def collect_until(stream: AsyncIterator[Path], wanted: Path) -> list[Path]:
    seen: list[Path] = []
    while wanted not in seen:
        seen.append(await next_path(stream))
    return seen


def test_existing_files_are_listed_sorted_without_hidden_or_temp(stories_dir: Path) -> None:
    for name in ("b.md", "a.txt", "c.json", "x.tmp", "y.part", ".~lock.a.txt#", "#autosave#", "z.txt~"):
        (stories_dir / name).write_text("x", encoding="utf-8")
    (stories_dir / ".rejected").mkdir()
    (stories_dir / ".rejected" / "old.txt").write_text("x", encoding="utf-8")
    (stories_dir / "sub").mkdir()
    (stories_dir / "sub" / "d.md").write_text("x", encoding="utf-8")
    names = [p.relative_to(stories_dir).as_posix() for p in existing_story_files(stories_dir)]
    assert names == ["a.txt", "b.md", "c.json", "sub/d.md"]


def test_symlinks_out_of_the_folder_are_skipped(stories_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("x", encoding="utf-8")
    (stories_dir / "escape.txt").symlink_to(outside)
    (stories_dir / "real.txt").write_text("x", encoding="utf-8")
    (stories_dir / "alias.txt").symlink_to(stories_dir / "real.txt")
    names = [p.name for p in existing_story_files(stories_dir)]
    assert names == ["alias.txt", "real.txt"]


async def test_yields_existing_then_new_then_rewritten_files(stories_dir: Path) -> None:
    (stories_dir / "2.md").write_text("two", encoding="utf-8")
    (stories_dir / "1.txt").write_text("one", encoding="utf-8")
    stop = asyncio.Event()
    stream = watch_story_files(stories_dir, stop_event=stop, settle_seconds=0.05)
    try:
        assert await next_path(stream) == stories_dir / "1.txt"
        assert await next_path(stream) == stories_dir / "2.md"

        # Let the watcher start (its first wake-up), then add files: a story, a temp file, a hidden one.
        waiter = asyncio.ensure_future(collect_until(stream, stories_dir / "3.md"))
        await asyncio.sleep(0.5)
        (stories_dir / "ignored.tmp").write_text("partial", encoding="utf-8")
        (stories_dir / ".hidden.md").write_text("hidden", encoding="utf-8")
        (stories_dir / "3.md").write_text("three", encoding="utf-8")
        seen = await waiter
        assert stories_dir / "ignored.tmp" not in seen and stories_dir / ".hidden.md" not in seen

        # A file written slowly in place is yielded again when it changes.
        with (stories_dir / "3.md").open("a", encoding="utf-8") as handle:
            handle.write(" more")
        assert stories_dir / "3.md" in await collect_until(stream, stories_dir / "3.md")

        # An atomic rename from a temp name counts as a new story file.
        (stories_dir / "4.txt.part").write_text("four", encoding="utf-8")
        (stories_dir / "4.txt.part").rename(stories_dir / "4.txt")
        assert stories_dir / "4.txt" in await collect_until(stream, stories_dir / "4.txt")
    finally:
        stop.set()
        rest = [p async for p in stream]  # the generator ends once the stop event is set
        assert all(p.suffix != ".tmp" for p in rest)


async def test_files_added_while_the_watcher_starts_are_not_missed(stories_dir: Path) -> None:
    stop = asyncio.Event()
    stream = watch_story_files(stories_dir, stop_event=stop, settle_seconds=0.05)
    try:
        (stories_dir / "early.md").write_text("x", encoding="utf-8")  # before the first anext()
        assert await next_path(stream) == stories_dir / "early.md"
        (stories_dir / "race.md").write_text("x", encoding="utf-8")  # between scan and watcher start
        assert stories_dir / "race.md" in await collect_until(stream, stories_dir / "race.md")
    finally:
        stop.set()
        async for _ in stream:
            pass


async def test_stop_event_ends_the_stream(stories_dir: Path) -> None:
    stop = asyncio.Event()
    stream = watch_story_files(stories_dir, stop_event=stop)
    task = asyncio.ensure_future(anext(stream, None))
    await asyncio.sleep(0.3)
    stop.set()
    assert await asyncio.wait_for(task, timeout=TIMEOUT) is None


async def test_stop_before_watching_yields_only_existing(stories_dir: Path) -> None:
    (stories_dir / "a.md").write_text("x", encoding="utf-8")
    stop = asyncio.Event()
    stop.set()
    got = [p async for p in watch_story_files(stories_dir, stop_event=stop)]
    assert got == [stories_dir / "a.md"]


@pytest.mark.parametrize("name", ["missing", "nested/missing"])
async def test_missing_folder_is_created(tmp_path: Path, name: str) -> None:
    stop = asyncio.Event()
    stop.set()
    assert [p async for p in watch_story_files(tmp_path / name, stop_event=stop)] == []
    assert (tmp_path / name).is_dir()
