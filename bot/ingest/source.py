"""The one safe read of a story file: open without following it out of the folder or blocking on a
FIFO, check it is a regular file under the size cap, read it once, and make sure it did not change
while it was read. The watcher, the pipeline and `load_article` all go through here, so a file is
opened and read once on its way in.

What can go wrong is sorted by whose fault it is: the file's (`RejectedFile`: moved aside with its
reason), the writer's (`NotReady`: still being written or gone), or the machine's (`Transient`: out of
file descriptors, disk full, I/O error: retried, never a rejection).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from bot.ingest.errors import NotReady, RejectedFile, Transient

# The system's trouble, not the file's: worth waiting for.
TRANSIENT_ERRNOS = frozenset(
    {
        errno.EMFILE,
        errno.ENFILE,
        errno.ENOSPC,
        errno.EIO,
        errno.EAGAIN,
        errno.EINTR,
        errno.ENOMEM,
        errno.EBUSY,
        errno.ETIMEDOUT,
        errno.EDQUOT,
        errno.ESTALE,
    }
)


def shown(path: Path | str, *, limit: int | None = None) -> str:
    """A file name as it may appear in a log line: control characters (a newline in a name could forge a
    log line), undecodable bytes and invisible formatting are escaped; ordinary names are unchanged.
    With `limit`, a longer name keeps its start and its end around an ellipsis (a path of 4,000
    characters says nothing more than its two ends, and would bury the line it is in)."""
    name = os.fspath(path)
    if not name.isprintable():
        name = "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)
    if limit is not None and len(name) > limit:
        half = max(1, (limit - 1) // 2)
        name = f"{name[:half]}…{name[-half:]}"
    return name


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in TRANSIENT_ERRNOS


def transient(exc: OSError, doing: str) -> Transient:
    return Transient(f"{doing}: {os.strerror(exc.errno) if exc.errno else exc} (a system error: will retry)")


@dataclass(frozen=True, slots=True)
class StoryBytes:
    """What was read: the bytes, and the size and modification time they were read at."""

    path: Path
    data: bytes
    size: int
    mtime_ns: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def mtime(self) -> float:
        return self.mtime_ns / 1e9


def _check_link(path: Path, root: Path | None) -> None:
    if not path.is_symlink():
        return
    try:
        target = path.resolve()
    except (OSError, RuntimeError):
        raise RejectedFile("symlink loop") from None
    if root is not None and not target.is_relative_to(Path(root).resolve()):
        raise RejectedFile("symlink points outside the stories folder")
    if not target.exists():
        raise RejectedFile("broken symlink")


def read_story_file(
    path: Path, *, max_bytes: int, root: Path | None = None, wait_for_writers: bool = False
) -> StoryBytes:
    """Open, check and read `path` once. With `root`, a symlink leading out of that folder is refused.
    With `wait_for_writers`, a file another program still has open for writing is NotReady (where the
    platform can tell: Linux leases), however long ago it last wrote: a writer pausing mid-file.

    Raises RejectedFile (the file is bad), NotReady (it vanished or changed while read) or Transient."""
    path = Path(path)
    try:
        _check_link(path, root)
        # O_NONBLOCK: a FIFO (or a device behind a symlink) put in place of a story must not block.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise NotReady("file disappeared before it could be read") from None
    except PermissionError:
        raise RejectedFile("permission denied") from None
    except OSError as exc:
        raise _classify(exc, "cannot open file") from None
    try:
        if wait_for_writers and open_for_writing(fd):
            raise NotReady("still open for writing by another program")
        return _read_open(path, fd, max_bytes)
    except OSError as exc:
        raise _classify(exc, "cannot read file") from None
    finally:
        os.close(fd)


def open_for_writing(fd: int) -> bool:
    """Whether any process has the file open for writing: a read lease is refused (EAGAIN) exactly
    then. The lease is dropped at once, so a writer opening the file meanwhile is not held up. False
    where leases are not available (other systems, network file systems, files of another user)."""
    if not hasattr(fcntl, "F_SETLEASE"):
        return False
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except OSError as exc:
        return exc.errno in (errno.EAGAIN, errno.EBUSY)
    fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
    return False


def _read_open(path: Path, fd: int, max_bytes: int) -> StoryBytes:
    before = os.fstat(fd)
    if not stat.S_ISREG(before.st_mode):
        raise RejectedFile("not a regular file")
    if before.st_size > max_bytes:
        raise RejectedFile(f"file too large: {before.st_size} bytes (limit {max_bytes})")
    chunks: list[bytes] = []
    remaining = max_bytes + 1
    while remaining > 0:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise RejectedFile(f"file too large: over {max_bytes} bytes")
    after = os.fstat(fd)
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or len(
        data
    ) != after.st_size:
        raise NotReady("file changed while being read: still being written")
    if not data.strip():
        raise RejectedFile("empty file")
    return StoryBytes(path, data, after.st_size, after.st_mtime_ns)


def _classify(exc: OSError, doing: str) -> Exception:
    if exc.errno in TRANSIENT_ERRNOS:
        return transient(exc, doing)
    if isinstance(exc, IsADirectoryError) or exc.errno == errno.EISDIR:
        return RejectedFile("not a regular file")
    if isinstance(exc, PermissionError):
        return RejectedFile("permission denied")
    if exc.errno == errno.ELOOP:
        return RejectedFile("symlink loop")
    return RejectedFile(f"{doing}: {os.strerror(exc.errno) if exc.errno else exc}")
