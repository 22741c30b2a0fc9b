"""One `bot run` per SQLite database: an advisory lock on a file beside it.

Why a lock and not a row in the database: two services on one file would both deliver the outbox
(each takes the other's in-flight rows as crashed and resends them: double posts). `flock` is held
by the open file description, so the kernel drops it when the process dies, SIGKILL included; a
stale lock file is harmless because only the lock, never the file's presence, means "taken". The
holder writes `pid@host` into the file so that the refusal can name it.
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
from pathlib import Path
from types import TracebackType

from bot.store.db import StoreError


class DatabaseInUse(StoreError):
    """Another process holds the database (message names it)."""


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def folder_problem(folder: Path) -> str | None:
    """Why the bot cannot write in the database's folder, phrased as what to fix; None when it can."""
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        return f"database folder {folder} is not a folder: set BOT_DB_PATH to a file in a writable folder"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"database folder {probe} is read-only for this user: fix its permissions"
    return None


class DatabaseOwner:
    """Context manager: hold `<db>.lock` for as long as the service runs."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.path = lock_path(db_path)
        self._fd: int | None = None

    def acquire(self) -> None:
        problem = folder_problem(self.path.parent)
        if problem is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                problem = f"cannot create database folder {self.path.parent} ({exc.strerror}): fix its permissions"
        if problem is not None:
            raise StoreError(problem)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise StoreError(f"cannot open lock file {self.path} ({exc.strerror}): fix its permissions") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _read_holder(fd)
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise StoreError(f"cannot lock {self.path} ({exc.strerror})") from exc
            raise DatabaseInUse(
                f"database {self.db_path} is in use by another bot run ({holder or 'holder unknown'}); "
                "stop that one first, or set BOT_DB_PATH to another file"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        # Truncate first so nobody reads our pid after we are gone; the file itself stays (unlinking
        # would race with a newcomer that already opened it).
        os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing drops the flock
        self._fd = None

    def __enter__(self) -> DatabaseOwner:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace")
    except OSError:
        return ""
    return text.strip().splitlines()[0] if text.strip() else ""
