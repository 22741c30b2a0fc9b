"""Moving an unreadable story file aside, so the watcher does not see it again and a person can."""

from __future__ import annotations

import errno
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
    except OSError as exc:  # no hard links here (some mounts): fall back to a checked rename
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise  # a full disk, an I/O error: the caller keeps the file where it is
        if target.exists() or target.is_symlink():
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
    line = " ".join(reason.split()) or "rejected"
    for target in _candidates(folder, source.name):
        if _taken(target):
            continue
        # The reason is written first: a full disk or a lack of file descriptors then fails the whole
        # move (the file stays in place, to be tried again), never leaves a file without its reason.
        reason_path = Path(f"{target}.reason")
        try:
            with reason_path.open("x", encoding="utf-8") as handle:
                handle.write(line + "\n")
        except FileExistsError:
            continue
        except OSError:
            reason_path.unlink(missing_ok=True)
            raise
        try:
            moved = _move_without_overwrite(source, target)
        except OSError:
            reason_path.unlink(missing_ok=True)
            raise
        if moved:
            return target
        reason_path.unlink(missing_ok=True)
    raise FileExistsError(f"too many rejected files named {source.name!r} in {folder}")
