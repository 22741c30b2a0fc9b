"""One `bot run` per database file: two real `python -m bot run` processes on one SQLite file, the
second refused in one line naming the first; a SIGKILLed holder leaves nothing that blocks a restart.
Start-up problems with the database's folder are named with what to fix, never "move it aside"."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.store import StoreError
from bot.store.owner import DatabaseInUse, DatabaseOwner, lock_path
from tests.support.bot_process import child_environment

pytestmark = pytest.mark.slow



def env_for(tmp_path: Path) -> dict[str, str]:
    return child_environment(
        BOT_DB_PATH=str(tmp_path / "data" / "bot.sqlite3"), BOT_STORIES_DIR=str(tmp_path / "stories")
    )


def start(tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    with (tmp_path / f"{name}.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--console"],
            stdin=subprocess.PIPE,  # kept open: the console adapter waits for commands
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env_for(tmp_path),
            cwd=tmp_path,
        )


def wait_serving(proc: subprocess.Popen[bytes], tmp_path: Path, name: str, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    log = tmp_path / f"{name}.log"
    while "console mode" not in log.read_text(errors="replace"):
        assert proc.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() < deadline, f"{name} did not start: {log.read_text(errors='replace')}"
        time.sleep(0.05)


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> int:
    proc.send_signal(sig)
    try:
        return proc.wait(20)
    finally:
        if proc.stdin:
            proc.stdin.close()


def test_a_second_bot_run_on_one_database_refuses_and_a_killed_holder_does_not_block(tmp_path: Path) -> None:
    first = start(tmp_path, "first")
    try:
        wait_serving(first, tmp_path, "first")
        second = subprocess.run(
            [sys.executable, "-m", "bot", "run", "--console"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=env_for(tmp_path),
            cwd=tmp_path,
            timeout=60,
        )
        assert second.returncode == 1, second.stderr
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1, second.stderr
        assert "in use by another bot run" in lines[0]
        assert f"pid {first.pid} on {socket.gethostname()}" in lines[0]
        assert "Traceback" not in second.stderr
        assert first.poll() is None, "the holder keeps running"
        assert stop(first, signal.SIGKILL) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()

    # The lock file is still there (nothing removed it), yet it does not hold anyone back.
    assert lock_path(tmp_path / "data" / "bot.sqlite3").exists()
    third = start(tmp_path, "third")
    try:
        wait_serving(third, tmp_path, "third")
        assert stop(third) == 0
    finally:
        if third.poll() is None:
            third.kill()
    assert lock_path(tmp_path / "data" / "bot.sqlite3").read_text() == "", "a clean stop leaves no holder named"


def test_owner_is_exclusive_within_and_across_opens(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    with DatabaseOwner(db), pytest.raises(DatabaseInUse, match=rf"pid {os.getpid()} "):
        DatabaseOwner(db).acquire()
    with DatabaseOwner(db):  # released on exit
        pass


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_database_folder_says_fix_permissions(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(StoreError) as raised:
            DatabaseOwner(folder / "bot.sqlite3").acquire()
    finally:
        folder.chmod(0o755)
    message = str(raised.value)
    assert "read-only" in message and "fix its permissions" in message
    assert "move it aside" not in message and "backup" not in message
