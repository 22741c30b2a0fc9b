"""1,000 nested folders and paths longer than the system allows, at start-up, in the watcher and in
`bot ingest DIR`: the walk is iterative (no recursion error), depth is bounded with a warning, a path
over PATH_MAX is one clear warning line, and every other story is still read. `bot ingest DIR` obeys
the watcher's rules: no symlink out of the folder is followed."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import Application
from bot.config import Settings
from bot.ingest.watch import MAX_DEPTH, existing_story_files, watch_story_files
from tests.support.app_runner import running_app
from tests.support.folders import PATH_MAX, long_branch, mkdir_deep, nest, remove_tree, write_deep

REPO = Path(__file__).resolve().parents[2]
LEVELS = 1_000
WAIT = 60.0
TOO_LONG_FILE = "t" * 100 + ".md"  # in the deepest long-named folder: a path over PATH_MAX


def story(n: int) -> str:
    return (
        f"Fortinet patches FortiGate flaw number {n}\n\n"
        f"Fortinet said on Monday that it had fixed flaw number {n} in FortiGate firewalls, which let an "
        f"attacker on the network read configuration files, and asked customers to update this week.\n"
    )


@dataclass
class Tree:
    root: Path
    deep: list[Path]  # the 1,000 nested folders, shallowest first
    long: list[str]  # long-named folders under root/long, the deepest just under PATH_MAX
    found: list[Path]  # the story files a walk must find


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[Tree]:
    """A stories folder with 1,000 nested folders (stories at depths 1, MAX_DEPTH, MAX_DEPTH + 1 and
    1,000) and a long-named branch with a story on the way and one whose path is over PATH_MAX."""
    root = tmp_path / "stories"
    root.mkdir()
    deep = nest(root, LEVELS)
    (root / "top.md").write_text(story(1), encoding="utf-8")
    (deep[0] / "shallow.md").write_text(story(2), encoding="utf-8")
    (deep[MAX_DEPTH - 1] / "deepest-read.md").write_text(story(3), encoding="utf-8")
    (deep[MAX_DEPTH] / "too-deep.md").write_text(story(4), encoding="utf-8")
    (deep[-1] / "bottom.md").write_text(story(5), encoding="utf-8")
    (root / "long").mkdir()
    long = long_branch(root / "long")
    write_deep(root / "long", long[:2], "on-the-way.md", story(6))
    write_deep(root / "long", long, TOO_LONG_FILE, story(7))
    mkdir_deep(root / "long", long, "s" * 100)  # a folder over PATH_MAX: cannot even be listed
    found = [
        root / "top.md",
        deep[0] / "shallow.md",
        deep[MAX_DEPTH - 1] / "deepest-read.md",
        root.joinpath("long", *long[:2], "on-the-way.md"),
    ]
    assert len(os.fsencode(root.joinpath("long", *long, TOO_LONG_FILE))) > PATH_MAX
    yield Tree(root, deep, long, sorted(found))
    remove_tree(root)  # shutil.rmtree recurses: pytest's own clean-up would fail on this tree


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_start_up_walk_finds_what_it_may_and_warns_once_a_line(
    tree: Tree, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        found = existing_story_files(tree.root)
    assert found == tree.found
    messages = warnings(caplog)
    assert all("\n" not in m and len(m) < 400 for m in messages), messages  # one short line each
    assert sum(f"more than {MAX_DEPTH} folders deep" in m for m in messages) == 1
    too_long = [m for m in messages if "path too long for this system" in m]
    assert len(too_long) == 2  # the file, and the folder that cannot be listed
    assert any(
        m.startswith("skipping folder ") and m.rstrip(")").split("(")[-1].endswith("bytes") for m in too_long
    )


async def next_path(stream: AsyncIterator[Path]) -> Path:
    return await asyncio.wait_for(anext(stream), timeout=WAIT)


async def test_the_watcher_skips_too_deep_and_too_long_and_reads_the_rest(
    tree: Tree, caplog: pytest.LogCaptureFixture
) -> None:
    stop = asyncio.Event()
    stream = watch_story_files(tree.root, stop_event=stop, settle_seconds=0.05)
    seen: list[Path] = []
    try:
        with caplog.at_level(logging.WARNING):
            for _ in tree.found:
                seen.append(await next_path(stream))
            assert seen == tree.found
            waiter = asyncio.ensure_future(next_path(stream))
            await asyncio.sleep(0.5)  # the watcher is live (its first wake-up) with 1,000 folders watched
            # Written while watched: one too deep, one with a path over PATH_MAX, then a sentinel.
            (tree.deep[-1] / "new-bottom.md").write_text(story(8), encoding="utf-8")
            write_deep(tree.root / "long", tree.long, "n" * 100 + ".md", story(9))
            (tree.deep[1] / "new.md").write_text(story(10), encoding="utf-8")
            later = [await waiter]
            while tree.deep[1] / "new.md" not in later:
                later.append(await next_path(stream))
    finally:
        stop.set()
        later_still = [p async for p in stream]
    assert tree.deep[-1] / "new-bottom.md" not in [*later, *later_still]
    assert all(len(os.fsencode(p)) < PATH_MAX for p in [*later, *later_still])
    messages = warnings(caplog)
    assert any("new-bottom.md: more than" in m for m in messages)
    assert any("nnnn.md: path too long for this system" in m for m in messages)


def bot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "SLACK_", "DISCORD_"))}
    env["BOT_DB_PATH"] = str(cwd / "data" / "bot.sqlite3")
    env["BOT_STORIES_DIR"] = str(cwd / "watched")
    env["PYTHONPATH"] = str(REPO)  # this tree's code, whatever the working folder
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_bot_ingest_dir_reads_a_thousand_nested_folders(tree: Tree, tmp_path: Path) -> None:
    done = bot("ingest", str(tree.root), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["stored"] * len(tree.found), done.stdout
    assert {Path(line.split()[1]).name for line in lines} == {p.name for p in tree.found}
    errors = done.stderr.splitlines()
    assert sum("folders deep" in line for line in errors) == 1
    assert sum("path too long for this system" in line for line in errors) == 2
    assert "Traceback" not in done.stderr and "RecursionError" not in done.stderr


def test_bot_ingest_dir_does_not_follow_links_out_of_the_folder(tmp_path: Path) -> None:
    """`ln -s /etc/passwd x.md` in a folder given to `bot ingest` is not read, nor is a linked folder."""
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text(
        "Okta fixes a Verify flaw\n\nOkta said on Tuesday that it had fixed a flaw in Okta Verify that "
        "let an attacker skip the second factor on a stolen phone.\n",
        encoding="utf-8",
    )
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "x.md").symlink_to(secret)
    (folder / "passwd.md").symlink_to("/etc/passwd")
    (folder / "linked").symlink_to(outside, target_is_directory=True)
    (folder / "real.txt").write_text(story(1), encoding="utf-8")
    done = bot("ingest", str(folder), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [line.split()[:2] for line in done.stdout.splitlines()] == [["stored", str(folder / "real.txt")]]
    assert sum("symlink points outside the stories folder" in line for line in done.stderr.splitlines()) == 3
    story_done = bot("story", "Okta", cwd=tmp_path)
    assert story_done.returncode == 1 and "No story about Okta yet" in story_done.stderr


async def test_the_service_starts_on_a_thousand_nested_folders_and_keeps_watching(
    tree: Tree, tmp_path: Path
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_DB_PATH=tmp_path / "bot.sqlite3",
        BOT_STORIES_DIR=tree.root,
        BOT_SETTLE_SECONDS=0.05,
    )
    app = Application(settings, console=False)
    async with running_app(app, WAIT):
        core = app.core
        assert core is not None
        deadline = time.monotonic() + WAIT
        while await core.store.articles.count() < len(tree.found):
            assert time.monotonic() < deadline, "the stories found at start-up were not all stored"
            await asyncio.sleep(0.1)
        (tree.deep[2] / "later.md").write_text(story(11), encoding="utf-8")
        while await core.store.articles.count() < len(tree.found) + 1:
            assert time.monotonic() < deadline, "a story written after start-up was not stored"
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # the deep and too-long ones would have been read by now
        assert await core.store.articles.count() == len(tree.found) + 1
    assert not (tree.root / ".rejected").exists()
