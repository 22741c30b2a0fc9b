"""Moving an unreadable story file aside, so the watcher does not see it again and a person can."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

REJECTED_DIR = ".rejected"
MAX_SUFFIX = 10_000


def _candidates(folder: Path, name: str) -> Iterator[Path]:
    """Lazily: building all MAX_SUFFIX paths up front cost ~30 ms per rejected file (a flood of bad files)."""
    stem, dot, ext = name.partition(".") if not name.startswith(".") else (name, "", "")
    yield folder / name
    yield from (folder / f"{stem}-{n}{dot}{ext}" for n in range(1, MAX_SUFFIX))


def _taken(candidate: Path) -> bool:
    return candidate.exists() or candidate.is_symlink() or Path(f"{candidate}.reason").exists()


def _move_without_overwrite(source: Path, target: Path) -> bool:
    """Move `source` to `target` unless `target` exists (checked atomically where the file system can
    hard-link, which also moves a symlink itself rather than its target)."""
    try:
        os.link(source, target, follow_symlinks=False)
    except FileExistsError:
        return False
    except OSError:  # no hard links here (some mounts): fall back to a checked rename
        if _taken(target):
            return False
        os.replace(source, target)
        return True
    os.unlink(source)
    return True


def reject_file(path: Path, stories_dir: Path, reason: str) -> Path:
    """Move `path` into `stories_dir/.rejected/` with `NAME.reason` (one line) beside it; return the new
    path. An earlier rejected file of the same name is never overwritten: the new one gets a suffix
    (`name-1.txt`, `name-2.txt`, ...)."""
    source = Path(path)
    folder = Path(stories_dir) / REJECTED_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for target in _candidates(folder, source.name):
        if not _taken(target) and _move_without_overwrite(source, target):
            line = " ".join(reason.split()) or "rejected"
            Path(f"{target}.reason").write_text(line + "\n", encoding="utf-8")
            return target
    raise FileExistsError(f"too many rejected files named {source.name!r} in {folder}")
