"""`bot backup PATH`: a consistent copy of a database that is open and written to (WAL not yet
checkpointed), which a plain file copy would miss; never over an existing file."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from bot.models import ChannelRef
from bot.store import Store, StoreError
from bot.store.operations import backup_to
from bot.store.subscriptions import SubscriptionFilters
from tests.support.bot_process import BOT, child_environment

CHANNEL = ChannelRef("console", "local", "console")


async def test_backup_of_a_live_database_holds_the_latest_writes(tmp_path: Path) -> None:
    source = tmp_path / "data" / "bot.sqlite3"
    store = await Store.open(source)
    try:
        await store.subscriptions.upsert(CHANNEL, "Okta", SubscriptionFilters())
        assert Path(f"{source}-wal").stat().st_size > 0  # the write is still in the WAL
        await backup_to(source, tmp_path / "backups" / "one.sqlite3")
        with pytest.raises(StoreError, match="already exists"):
            await backup_to(source, tmp_path / "backups" / "one.sqlite3")
    finally:
        await store.close()
    copy = sqlite3.connect(tmp_path / "backups" / "one.sqlite3")
    try:
        assert copy.execute("SELECT vendor FROM subscriptions").fetchall() == [("Okta",)]
    finally:
        copy.close()
    restored = await Store.open(tmp_path / "backups" / "one.sqlite3")  # a backup opens as a database
    try:
        assert await restored.subscriptions.count() == 1
    finally:
        await restored.close()


def run_bot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = child_environment(BOT_DB_PATH=str(tmp_path / "bot.sqlite3"))
    return subprocess.run(
        [*BOT, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )


async def test_the_command(tmp_path: Path) -> None:
    missing = run_bot(tmp_path, "backup", str(tmp_path / "copy.sqlite3"))
    assert missing.returncode == 1
    assert missing.stderr.splitlines() == [f"error: no database at {tmp_path / 'bot.sqlite3'}"]
    store = await Store.open(tmp_path / "bot.sqlite3")
    await store.close()
    done = run_bot(tmp_path, "backup", str(tmp_path / "copy.sqlite3"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"backed up {tmp_path / 'bot.sqlite3'} to {tmp_path / 'copy.sqlite3'}")
    again = run_bot(tmp_path, "backup", str(tmp_path / "copy.sqlite3"))
    assert again.returncode == 1
    assert again.stderr.splitlines() == [f"error: {tmp_path / 'copy.sqlite3'} already exists; back up to a new file"]
