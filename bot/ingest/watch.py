"""The stories folder as an async stream of paths: every story file already there (sorted), then every
file created or modified later, via native file-system notifications (watchfiles).

A file written slowly in place is yielded again on each change; the caller's `load_article` tells a
half-written file by `NotReady`, and content hashes make a repeat harmless. Hidden entries (including
`.rejected/`), editor and download temp files, and symlinks that lead out of the folder are skipped.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path

import watchfiles

from bot.ingest.source import shown

log = logging.getLogger(__name__)

TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp", ".swx", "~")
DEBOUNCE_MS = 50
STEP_MS = 25


def is_story_name(relative: Path) -> bool:
    """False for hidden files and folders (any part starting with '.') and for temp files."""
    if any(part.startswith(".") for part in relative.parts):
        return False
    name = relative.name
    return not (name.lower().endswith(TEMP_SUFFIXES) or (name.startswith("#") and name.endswith("#")))


def _inside(path: Path, root: Path) -> bool:
    """Whether `path` (a symlink or a file under a symlinked folder) really lives under `root`."""
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a symlink loop
        return False


MAX_DEPTH = 32  # folders below the stories folder that are searched; deeper ones are skipped, with a warning
SHOWN_CHARS = 200  # of a path in a warning (a path near the system's limit is 4,096 bytes)


def _skipping(path: Path, exc: OSError, what: str = "") -> None:
    """One warning line for an entry that cannot be looked at; a path longer than the system allows
    (ENAMETOOLONG: deep folders with long names) says so plainly."""
    if exc.errno == errno.ENAMETOOLONG:
        why = f"path too long for this system ({len(os.fsencode(path))} bytes)"
    else:
        why = exc.strerror or str(exc)
    log.warning("skipping %s%s: %s", what, shown(path, limit=SHOWN_CHARS), why)


def is_story_file(path: Path, root: Path, *, max_depth: int = MAX_DEPTH) -> bool:
    """A regular story file of the folder `root` (already resolved), at most `max_depth` folders down.
    Never raises: an entry that cannot be looked at is skipped with a warning."""
    try:
        relative = path.relative_to(root)
    except ValueError:
        try:
            relative = path.resolve().relative_to(root)
        except (ValueError, OSError, RuntimeError):
            return False
    if not is_story_name(relative):
        return False
    if len(relative.parts) - 1 > max_depth:
        log.warning("skipping %s: more than %d folders deep", shown(path, limit=SHOWN_CHARS), max_depth)
        return False
    try:
        if path.is_symlink() and not _inside(path, root):
            log.warning("skipping %s: symlink points outside the stories folder", shown(path))
            return False
        return path.is_file()
    except OSError as exc:
        _skipping(path, exc)
        return False


def existing_story_files(stories_dir: Path, *, max_depth: int = MAX_DEPTH) -> list[Path]:
    """Story files already in the folder, sorted; hidden folders are not entered, symlinked ones not
    followed, and nothing deeper than `max_depth` (walked without recursion: 1,000 nested folders are
    a warning, not a crash)."""
    root = Path(stories_dir).resolve()
    found: list[Path] = []
    pending: list[tuple[Path, int]] = [(Path(stories_dir), 0)]
    while pending:
        folder, depth = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as exc:
            _skipping(folder, exc, "folder ")
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
            except OSError as exc:
                _skipping(path, exc)
                continue
            if is_folder:
                if entry.name.startswith("."):
                    continue
                if depth + 1 > max_depth:
                    log.warning(
                        "skipping %s: more than %d folders deep", shown(path, limit=SHOWN_CHARS), max_depth
                    )
                    continue
                pending.append((path, depth + 1))
            elif is_story_file(path, root, max_depth=max_depth):
                found.append(path)
    return sorted(found)


async def watch_story_files(
    stories_dir: Path,
    *,
    stop_event: asyncio.Event | None = None,
    settle_seconds: float = 0.2,
) -> AsyncIterator[Path]:
    """Yield existing story files, then new and modified ones, until `stop_event` is set.

    Files that appear between the first scan and the moment the watcher is live are caught by a second
    scan once it is (so nothing is missed; a file may be yielded twice). `settle_seconds` sets how long
    events are gathered into one batch (capped to keep latency low); readiness itself is checked by
    `load_article(..., settle_seconds=...)`.
    """
    stories_dir = Path(stories_dir)
    stories_dir.mkdir(parents=True, exist_ok=True)
    root = stories_dir.resolve()
    seen: dict[Path, int] = {}
    for path in existing_story_files(stories_dir):
        seen[path] = _mtime_ns(path)
        yield path
    if stop_event is not None and stop_event.is_set():
        return
    debounce = max(DEBOUNCE_MS, min(int(settle_seconds * 1000), 500))
    rescanned = False
    async for changes in watchfiles.awatch(
        stories_dir,
        stop_event=stop_event,
        debounce=debounce,
        step=STEP_MS,
        rust_timeout=200,
        yield_on_timeout=True,
        recursive=True,
        watch_filter=lambda change, raw: change != watchfiles.Change.deleted,
    ):
        batch: set[Path] = set()
        if not rescanned:  # the watcher is live now: pick up what arrived while it started
            rescanned = True
            for path in existing_story_files(stories_dir):
                if seen.get(path) != _mtime_ns(path):
                    batch.add(path)
            seen.clear()
        for _change, raw in changes:
            path = Path(raw)
            if is_story_file(path, root):
                batch.add(path)
        for path in sorted(batch):
            yield path


def _mtime_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1
