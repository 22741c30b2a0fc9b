"""A failure of the machine is not a bad file: out of file descriptors or with a full database, stories
that arrive wait and are stored once it recovers; none is moved to `.rejected/`.

Each failure is provoked for real in the running service: the process's file-descriptor limit is
lowered and every free descriptor taken (EMFILE), and the SQLite database is capped at its current
size (`max_page_count`: SQLITE_FULL, "database or disk is full"), and, where the tests run as root, the
database is put on a small real filesystem (tmpfs) that is then filled up (ENOSPC).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.app import Application, Core
from bot.config import Settings
from bot.ingest import REJECTED_DIR
from tests.support.app_runner import running_app

pytestmark = pytest.mark.slow

WAIT = 60.0
STORIES = 5  # the first is read before descriptors run out (see `steady`)


def story(n: int) -> str:
    return (
        f"Fortinet patches FortiGate flaw number {n}\n\n"
        f"Fortinet said on Monday that it had fixed flaw number {n} in FortiGate firewalls, which let an "
        f"attacker on the network read configuration files, and asked customers to update this week.\n\n"
        f"The company said it knew of no attacks using flaw number {n} before the fix was published.\n\n"
        # long enough that storing it needs new database pages (the full database is hit for real)
        + "".join(
            f"Step {i} of the upgrade guide for flaw {n} tells administrators to check build {i * 7} first.\n\n"
            for i in range(120)
        )
    )


def settings_for(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_DB_PATH=tmp_path / "bot.sqlite3",
        BOT_STORIES_DIR=tmp_path / "stories",
        BOT_SETTLE_SECONDS=0.05,
    )


def stage(tmp_path: Path) -> list[Path]:
    staging = tmp_path / "staging"
    staging.mkdir()
    files = []
    for n in range(STORIES):
        path = staging / f"story-{n}.txt"
        path.write_text(story(n), encoding="utf-8")
        files.append(path)
    return files


def arrive(files: list[Path], stories_dir: Path) -> None:
    """Renamed into the folder: needs no file descriptor, so it works while none is left."""
    for path in files:
        os.rename(path, stories_dir / path.name)


@contextmanager
def no_file_descriptors_left() -> Iterator[None]:
    """Lower this process's descriptor limit just above what is open, then take every free one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    in_use = len(os.listdir("/proc/self/fd"))
    resource.setrlimit(resource.RLIMIT_NOFILE, (in_use + 32, hard))
    taken: list[int] = []
    try:
        while True:
            try:
                taken.append(os.open(os.devnull, os.O_RDONLY))
            except OSError:
                break
        yield
    finally:
        for fd in taken:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


async def stored_bodies(core: Core) -> list[str]:
    rows = await core.store.db.fetchall("SELECT body FROM articles")
    return [row["body"] for row in rows]


async def wait_for_all_stored(core: Core) -> None:
    deadline = time.monotonic() + WAIT
    while True:
        bodies = await stored_bodies(core)
        if all(any(f"flaw number {n} in" in b for b in bodies) for n in range(STORIES)):
            return
        assert time.monotonic() < deadline, f"not all stored: {len(bodies)} articles"
        await asyncio.sleep(0.1)


def nothing_rejected(stories_dir: Path) -> bool:
    folder = stories_dir / REJECTED_DIR
    return not folder.exists() or not any(folder.iterdir())


async def steady(core: Core, warm_up: Path, stories_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Wait until the service has finished starting: a first story read through the watcher and a
    parse worker and committed (its "stored" line is logged after the commit; a count would see the
    transaction still open), and every worker up. Start-up opens and closes descriptors (the inotify
    watch, the fork server, worker pipes), and a transaction open when they run out fails for real
    (SQLite's statement journal is a new file): either would make the test depend on timing."""
    with caplog.at_level(logging.INFO, logger="bot.app"):
        arrive([warm_up], stories_dir)
        deadline = time.monotonic() + WAIT
        while (
            not any(r.getMessage().startswith(f"stored {warm_up.name} ") for r in caplog.records)
            or len(core.readers.pids) < core.readers.size
        ):
            assert time.monotonic() < deadline, "the service never stored its first story"
            await asyncio.sleep(0.05)
    assert await core.store.articles.count() == 1
    gc.collect()  # nothing left for a finaliser to close during the test


async def arrive_while_full(files: list[Path], stories_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Drop the stories in and wait until the service has logged that storage is full and it will
    retry (waited for, not assumed after a pause)."""
    with caplog.at_level(logging.WARNING):
        arrive(files, stories_dir)
        deadline = time.monotonic() + WAIT
        while not any("full" in r.getMessage() and "will retry" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, "the full database or disk was never hit"
            await asyncio.sleep(0.05)


def out_of_descriptors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if "will retry" in r.getMessage() and "Too many open files" in r.getMessage()
    ]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to count open descriptors")
async def test_out_of_file_descriptors_then_recovered_every_story_is_stored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(tmp_path)
    settings.stories_dir.mkdir()
    files = stage(tmp_path)
    warm_up, *files = files
    app = Application(settings, console=False)
    async with running_app(app, WAIT):
        core = app.core
        assert core is not None
        await steady(core, warm_up, settings.stories_dir, caplog)
        with caplog.at_level(logging.WARNING), no_file_descriptors_left():
            arrive(files, settings.stories_dir)
            # The stories arrive and fail to open, again and again: waited for, not assumed after a
            # fixed pause (on a busy machine the watcher may take seconds to see them).
            deadline = time.monotonic() + WAIT
            while not all(
                f"story-{n}.txt" in " ".join(out_of_descriptors(caplog)) for n in range(1, STORIES)
            ):
                assert time.monotonic() < deadline, (
                    f"not every story was retried: {out_of_descriptors(caplog)}"
                )
                await asyncio.sleep(0.05)
            stored_meanwhile = await core.store.articles.count()
        assert nothing_rejected(settings.stories_dir)
        await wait_for_all_stored(core)
        assert nothing_rejected(settings.stories_dir)
    assert stored_meanwhile == 1  # the warm-up story only


async def test_database_full_then_recovered_every_story_is_stored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(tmp_path)
    settings.stories_dir.mkdir()
    files = stage(tmp_path)
    app = Application(settings, console=False)
    async with running_app(app, WAIT):
        core = app.core
        assert core is not None
        db = core.store.db
        pages = (await db.fetchall("PRAGMA page_count"))[0][0]
        await db.fetchall(f"PRAGMA max_page_count = {pages}")  # no room for one more page
        await arrive_while_full(files, settings.stories_dir, caplog)
        assert await core.store.articles.count() == 0
        await db.fetchall("PRAGMA max_page_count = 1073741823")  # room again
        await wait_for_all_stored(core)
        assert nothing_rejected(settings.stories_dir)


def test_reading_a_file_without_descriptors_is_transient_not_a_rejection(tmp_path: Path) -> None:
    """The one safe read, in a child process whose descriptor limit is exhausted."""
    path = tmp_path / "story.txt"
    path.write_text(story(1), encoding="utf-8")
    script = (
        "import os, resource, sys\n"
        "from pathlib import Path\n"
        "from bot.ingest import Transient, RejectedFile\n"
        "from bot.ingest.source import read_story_file\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))\n"
        "held = []\n"
        "while True:\n"
        "    try: held.append(os.open(os.devnull, os.O_RDONLY))\n"
        "    except OSError: break\n"
        "try:\n"
        "    read_story_file(Path(sys.argv[1]), max_bytes=10**6)\n"
        "except Transient as exc: print('transient', exc.reason)\n"
        "except RejectedFile as exc: print('rejected', exc.reason)\n"
        "for fd in held[:8]: os.close(fd)\n"
        "print('read', len(read_story_file(Path(sys.argv[1]), max_bytes=10**6).data))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("transient") and "Too many open files" in lines[0]
    assert lines[1] == f"read {len(story(1).encode())}"


@contextmanager
def small_filesystem(folder: Path, size: str = "6m") -> Iterator[Path]:
    """A real filesystem of `size` (tmpfs) mounted at `folder`: writes past it fail with ENOSPC."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {mounted.stderr.strip() or mounted.returncode}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Take every free byte of the filesystem holding `folder` (a filler file written until ENOSPC)."""
    filler = folder / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError as exc:
            assert exc.errno == 28, exc  # ENOSPC: the disk is really full
    return filler


@pytest.mark.skipif(
    sys.platform != "linux" or os.geteuid() != 0, reason="mounting a small filesystem needs root on Linux"
)
async def test_disk_really_full_then_space_freed_every_story_is_stored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The database's own disk runs out (ENOSPC from the filesystem, not a SQLite cap): the stories
    that arrive meanwhile wait, none is rejected, and all are stored once space is freed."""
    with small_filesystem(tmp_path / "disk") as disk:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            BOT_DB_PATH=disk / "bot.sqlite3",
            BOT_STORIES_DIR=tmp_path / "stories",
            BOT_SETTLE_SECONDS=0.05,
        )
        settings.stories_dir.mkdir()
        files = stage(tmp_path)
        app = Application(settings, console=False)
        async with running_app(app, WAIT):
            core = app.core
            assert core is not None
            filler = fill(disk)
            await arrive_while_full(files, settings.stories_dir, caplog)
            assert await core.store.articles.count() == 0
            assert nothing_rejected(settings.stories_dir)
            filler.unlink()  # space again
            await wait_for_all_stored(core)
            assert nothing_rejected(settings.stories_dir)
