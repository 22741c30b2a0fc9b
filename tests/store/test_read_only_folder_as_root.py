"""The read-only database folder at start-up, when the tests run as root (CI containers, this machine).

Root ignores file modes, so `test_db_owner`'s chmod test skips there. Root can still give its powers
up honestly: the start-up steps run in a forked child that becomes the unprivileged user `nobody`, for
whom the 0555 folder and 0644 database really are read-only, so the real `os.access` answer and the
real SQLite error reach the messages a user sees."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store.backends import open_database
from bot.store.db import StoreError
from bot.store.owner import DatabaseOwner

NOBODY = 65534



def _start_up_messages(db_path: Path) -> str:
    """What the lock and the database open say (runs in the child, as nobody)."""
    lines: list[str] = []
    try:
        DatabaseOwner(db_path).acquire()
        lines.append("owner: acquired")
    except StoreError as exc:
        lines.append(f"owner: {exc}")

    async def open_and_write() -> None:
        try:
            opened = await open_database(db_path)
            await opened.execute("CREATE TABLE written_by_nobody (x)")
            await opened.close()
            lines.append("open: wrote")
        except StoreError as exc:
            lines.append(f"open: {exc}")

    asyncio.run(open_and_write())
    return "\n".join(lines)


def _as_nobody(db_path: Path) -> str:
    """Fork (no exec: the interpreter may live under root's 0700 home) and drop to nobody."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            os.write(write_end, _start_up_messages(db_path).encode())
            code = 0
        except BaseException:
            os.write(write_end, traceback.format_exc().encode())
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        out = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, out
    return out


pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to start a child as nobody"
)


@pytest.fixture
def folder() -> Iterator[Path]:
    # Not tmp_path: pytest's base folder is 0700 root, which nobody cannot even traverse.
    base = Path(tempfile.mkdtemp(prefix="bot-ro-"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        base.chmod(0o755)
        shutil.rmtree(base)


def test_read_only_folder_and_database_say_fix_permissions_as_nobody(folder: Path) -> None:
    db_path = folder / "bot.sqlite3"

    async def create() -> None:
        db = await open_database(db_path)
        await db.close()

    asyncio.run(create())
    for leftover in folder.glob("bot.sqlite3-*"):
        leftover.unlink()
    db_path.chmod(0o644)
    folder.chmod(0o555)
    lines = dict(line.split(": ", 1) for line in _as_nobody(db_path).splitlines())
    assert lines["owner"] == f"database folder {folder} is read-only for this user: fix its permissions"
    opened = lines["open"]
    assert "read-only for this user" in opened and "fix their permissions" in opened, opened
    assert "move it aside" not in opened and "backup" not in opened
