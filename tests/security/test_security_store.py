"""The SQLite database under hostile conditions: a process killed (SIGKILL) in the middle of a write
transaction leaves a consistent file, and a corrupt or newer-schema file stops `bot run` / `bot ingest`
with a one-line error and exit status 1, the file left untouched.

(tests/test_store.py covers `Store.open` refusing such files; here it is the real process and CLI.)
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.models import ChannelRef
from bot.store import Store, SubscriptionFilters
from tests.support.bot_process import child_environment

ROWS_PER_TRANSACTION = 40

# A writer that commits transactions of ROWS_PER_TRANSACTION subscriptions each (one vendor per
# transaction), says "committed N" after each commit, and in transaction 5 stops half-way, says "mid"
# and waits there to be killed.
WRITER = textwrap.dedent(
    """
    import asyncio, sys, time
    from bot.models import ChannelRef
    from bot.store import Store, SubscriptionFilters

    async def main(path, rows):
        store = await Store.open(path)
        for batch in range(1, 1000):
            async with store.db.write():
                for row in range(rows):
                    channel = ChannelRef("slack", "T1", f"C{row}")
                    await store.subscriptions.upsert(channel, f"Vendor{batch}", SubscriptionFilters())
                    if batch == 5 and row == rows // 2:
                        print("mid", flush=True)
                        time.sleep(60)  # killed here, inside the open transaction
            print(f"committed {batch}", flush=True)

    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
    """
)


def test_sigkill_mid_transaction_leaves_a_consistent_database(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(ROWS_PER_TRANSACTION)],
        stdout=subprocess.PIPE,
        text=True,
        env=child_environment(),
        cwd=tmp_path,
    ) as proc:
        try:
            assert proc.stdout is not None
            lines = []
            for line in proc.stdout:  # blocking is fine: the writer reaches "mid" within a second or two
                lines.append(line.strip())
                if line.strip() == "mid":
                    break
            assert lines and lines[-1] == "mid", lines
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert lines[:-1] == [f"committed {n}" for n in range(1, 5)]
    assert Path(f"{path}-wal").exists(), "the writer was in WAL mode"

    with sqlite3.connect(path) as conn:  # the raw file, before the bot touches it
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        counts = dict(conn.execute("SELECT vendor, COUNT(*) FROM subscriptions GROUP BY vendor").fetchall())
    # Every committed transaction whole, the killed one not at all.
    assert counts == {f"Vendor{n}": ROWS_PER_TRANSACTION for n in range(1, 5)}

    asyncio.run(_reopen_and_write(path))


async def _reopen_and_write(path: Path) -> None:
    """The bot reopens the file (its own quick_check), reads what was committed and can write again."""
    store = await Store.open(path)
    try:
        subs = await store.subscriptions.for_channel(ChannelRef("slack", "T1", "C0"))
        assert sorted(s.vendor for s in subs) == [f"Vendor{n}" for n in range(1, 5)]
        assert await store.subscriptions.count() == 4 * ROWS_PER_TRANSACTION
        await store.subscriptions.upsert(ChannelRef("slack", "T1", "C0"), "After", SubscriptionFilters())
        assert await store.subscriptions.count() == 4 * ROWS_PER_TRANSACTION + 1
    finally:
        await store.close()


def _bot(*args: str, db: Path, stories: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=child_environment(BOT_DB_PATH=str(db), BOT_STORIES_DIR=str(stories)),
        cwd=stories.parent,
    )


def _corrupt(path: Path) -> bytes:
    """A real database whose pages were overwritten in the middle (a disk or copy gone wrong)."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x TEXT)")
        conn.executemany("INSERT INTO t VALUES (?)", [(f"row {i} " * 20,) for i in range(2000)])
    data = bytearray(path.read_bytes())
    data[8192:40960] = b"\xde\xad\xbe\xef" * ((40960 - 8192) // 4)
    path.write_bytes(bytes(data))
    return bytes(data)


def _garbage(path: Path) -> bytes:
    data = b"this is not a database at all\n" * 200
    path.write_bytes(data)
    return data


def _newer(path: Path) -> bytes:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE future_things (x)")
        conn.execute("PRAGMA user_version = 9999")
    return path.read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("command", "make", "says"),
    [
        (("run",), _corrupt, "database"),
        (("run",), _newer, "newer than this bot knows"),
        (("ingest", "stories"), _garbage, "not usable"),
    ],
    ids=["run-corrupt-pages", "run-newer-schema", "ingest-not-a-database"],
)
def test_cli_refuses_a_bad_database_in_one_line(
    tmp_path: Path, command: tuple[str, ...], make: object, says: str
) -> None:
    db = tmp_path / "bot.sqlite3"
    stories = tmp_path / "stories"
    stories.mkdir()
    (stories / "a.txt").write_text("Title\n\nSome words of a story that would be ingested.\n")
    before = make(db)  # type: ignore[operator]
    result = _bot(*command, db=db, stories=stories)
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert says in lines[0] and "Traceback" not in result.stderr
    assert db.read_bytes() == before, "the bad file must be left as it was"
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
