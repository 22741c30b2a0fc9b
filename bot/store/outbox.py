"""The delivery outbox: deliveries owed, the messages they became, dead letters, digest bookkeeping.

Why an outbox: routing writes its rows inside the transaction that changes the story, so a crash can
never leave a change without its alerts or alerts for a change that was rolled back. Workers then
move each row pending -> in_flight (committed *before* the platform call) -> done, recording the
platform's message reference in the same transaction as `done`. A row found in_flight after a restart
may have reached the platform, so it is retried with `maybe_sent` set and the worker asks
`find_delivered` first: no alert is lost and none is sent twice.

Worker writes go through a group commit: many claims and results share one transaction, so fan-out
to thousands of channels costs a few dozen commits rather than thousands. (So the worker-side methods
must not be called while holding `db.write()`: the group commit runs in its own task.)
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

import aiosqlite

from bot.models import ChannelRef, MessageRef
from bot.store.db import Database
from bot.store.timefmt import from_db, to_db, utcnow

T = TypeVar("T")


class OutboxKind(StrEnum):
    POST = "post"
    EDIT = "edit"
    FOLLOWUP = "followup"
    DIGEST = "digest"


class OutboxState(StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    DEAD = "dead"
    CANCELLED = "cancelled"


OPEN_STATES = (OutboxState.PENDING, OutboxState.IN_FLIGHT)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    kind: OutboxKind
    subscription_id: int
    story_id: int  # 0 for digests
    story_version: int
    channel: ChannelRef
    state: OutboxState
    attempts: int
    maybe_sent: bool
    created_at: float
    not_before: float
    new_outlets: tuple[str, ...] = ()
    story_ids: tuple[int, ...] = ()  # digests: the stories listed
    last_error: str | None = None
    subscription_active: bool = True  # the owning subscription exists and is not disabled

    @property
    def delivery_key(self) -> str:
        """Stable per delivery across retries and restarts; at most 25 chars (Discord nonce limit)."""
        if self.kind is OutboxKind.DIGEST:
            return f"d{self.subscription_id}r{self.id}"
        return f"s{self.story_id}p{self.id}"

    @property
    def channel_key(self) -> str:
        return f"{self.channel.workspace}\x1f{self.channel.channel}"


@dataclass(frozen=True, slots=True)
class StoredRef:
    """The alert message of one (story, channel): what later edits and follow-ups act on."""

    ref: MessageRef
    subscription_id: int
    posted_version: int  # the story version the first post showed (follow-ups older than it are moot)
    version: int  # the story version the message shows now


@dataclass(frozen=True, slots=True)
class DeadLetter:
    outbox_id: int
    kind: OutboxKind
    subscription_id: int
    story_id: int
    channel: ChannelRef
    attempts: int
    reason: str
    dead_at: datetime | None


_Op = Callable[[aiosqlite.Connection], Awaitable[Any]]


class _GroupCommit:
    """Queued write operations run together in one transaction; each caller awaits its own result
    only after COMMIT, so "committed before sending" still holds for every single row."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._queue: list[tuple[_Op, asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, op: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        fut: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append((op, fut))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="outbox-group-commit")
        return await fut

    async def _flush(self) -> None:
        while self._queue:
            batch = [item for item in self._queue if not item[1].cancelled()]
            self._queue = []
            if not batch:
                continue
            results: list[Any] = []
            try:
                async with self._db.write() as conn:
                    for op, _ in batch:
                        results.append(await op(conn))
            except Exception as exc:
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            for (_, fut), result in zip(batch, results, strict=True):
                if not fut.done():
                    fut.set_result(result)

    async def close(self) -> None:
        if self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)


_ROW_SELECT = (
    "SELECT o.*, (s.id IS NOT NULL AND s.disabled_reason IS NULL) AS sub_active"
    " FROM outbox o LEFT JOIN subscriptions s ON s.id = o.subscription_id"
)


def _row(r: sqlite3.Row) -> OutboxRow:
    payload = json.loads(r["payload"] or "{}")
    return OutboxRow(
        id=r["id"],
        kind=OutboxKind(r["kind"]),
        subscription_id=r["subscription_id"],
        story_id=r["story_id"],
        story_version=r["story_version"],
        channel=ChannelRef(r["platform"], r["workspace"], r["channel"]),
        state=OutboxState(r["state"]),
        attempts=r["attempts"],
        maybe_sent=bool(r["maybe_sent"]),
        created_at=r["created_at"],
        not_before=r["not_before"],
        new_outlets=tuple(payload.get("outlets", ())),
        story_ids=tuple(int(i) for i in payload.get("stories", ())),
        last_error=r["last_error"],
        subscription_active=bool(r["sub_active"]),
    )


def _where_channel(story_id: int, channel: ChannelRef) -> tuple[str, tuple[Any, ...]]:
    return (
        "story_id=? AND platform=? AND workspace=? AND channel=?",
        (story_id, channel.platform, channel.workspace, channel.channel),
    )


class OutboxStore:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._group = _GroupCommit(db)

    # -- routing side: called inside the story change's transaction (db.write() nests) -----------------

    async def post_state(self, story_id: int, channel: ChannelRef) -> OutboxState | None:
        where, params = _where_channel(story_id, channel)
        row = await self._db.fetchone(f"SELECT state FROM outbox WHERE kind='post' AND {where}", params)
        return OutboxState(row["state"]) if row else None

    async def post_states(self, story_id: int) -> dict[ChannelRef, OutboxState]:
        """The state of this story's alert in every channel it was ever owed to (one query for a fan-out)."""
        rows = await self._db.fetchall(
            "SELECT platform, workspace, channel, state FROM outbox WHERE kind='post' AND story_id=?",
            (story_id,),
        )
        return {
            ChannelRef(r["platform"], r["workspace"], r["channel"]): OutboxState(r["state"]) for r in rows
        }

    async def enqueue_posts(
        self, story_id: int, version: int, owners: Sequence[tuple[int, ChannelRef]], now: float
    ) -> int:
        """Owe a first alert of this story in each (subscription, channel); a channel owed one before is
        skipped (a story is posted at most once per channel). Returns rows added."""
        if not owners:
            return 0
        async with self._db.write() as conn:
            cur = await conn.executemany(
                "INSERT OR IGNORE INTO outbox (kind, subscription_id, story_id, story_version, platform,"
                " workspace, channel, created_at, not_before, updated_at) VALUES ('post',?,?,?,?,?,?,?,?,?)",
                [(sub_id, story_id, version, *_channel_params(ch), now, now, now) for sub_id, ch in owners],
            )
            added = cur.rowcount
            await cur.close()
        return added

    async def _pending(self, kind: OutboxKind, story_id: int) -> dict[ChannelRef, sqlite3.Row]:
        rows = await self._db.fetchall(
            "SELECT id, platform, workspace, channel, payload FROM outbox WHERE kind=? AND state='pending'"
            " AND story_id=?",
            (str(kind), story_id),
        )
        return {ChannelRef(r["platform"], r["workspace"], r["channel"]): r for r in rows}

    async def enqueue_edits(
        self, story_id: int, version: int, owners: Sequence[tuple[int, ChannelRef]], now: float, delay: float
    ) -> int:
        """Owe an edit showing `version` in each channel; a pending edit there is reused, so all changes
        inside its window (`delay`) become one edit showing the latest version."""
        async with self._db.write():
            pending = await self._pending(OutboxKind.EDIT, story_id)
            await self._db.executemany(
                "UPDATE outbox SET story_version=MAX(story_version, ?), updated_at=? WHERE id=?",
                [(version, now, pending[ch]["id"]) for _, ch in owners if ch in pending],
            )
            await self._db.executemany(
                "INSERT INTO outbox (kind, subscription_id, story_id, story_version, platform, workspace,"
                " channel, created_at, not_before, updated_at) VALUES ('edit',?,?,?,?,?,?,?,?,?)",
                [
                    (sub_id, story_id, version, *_channel_params(ch), now, now + delay, now)
                    for sub_id, ch in owners
                    if ch not in pending
                ],
            )
        return len(owners)

    async def enqueue_followups(
        self,
        story_id: int,
        version: int,
        owners: Sequence[tuple[int, ChannelRef]],
        outlets: Sequence[str],
        now: float,
        delay: float,
    ) -> int:
        """Owe a thread reply naming new outlets in each channel; a pending one there gets them added."""
        async with self._db.write():
            pending = await self._pending(OutboxKind.FOLLOWUP, story_id)
            updates = []
            for _, ch in owners:
                if ch in pending:
                    merged = list(json.loads(pending[ch]["payload"]).get("outlets", []))
                    merged += [o for o in outlets if o not in merged]
                    updates.append((json.dumps({"outlets": merged}), version, now, pending[ch]["id"]))
            await self._db.executemany(
                "UPDATE outbox SET payload=?, story_version=MAX(story_version, ?), updated_at=? WHERE id=?",
                updates,
            )
            payload = json.dumps({"outlets": list(dict.fromkeys(outlets))})
            await self._db.executemany(
                "INSERT INTO outbox (kind, subscription_id, story_id, story_version, platform, workspace,"
                " channel, payload, created_at, not_before, updated_at) VALUES ('followup',?,?,?,?,?,?,?,?,?,?)",
                [
                    (sub_id, story_id, version, *_channel_params(ch), payload, now, now + delay, now)
                    for sub_id, ch in owners
                    if ch not in pending
                ],
            )
        return len(owners)

    async def add_digest_item(self, subscription_id: int, story_id: int, at: datetime) -> bool:
        async with (
            self._db.write() as conn,
            conn.execute(
                "INSERT OR IGNORE INTO digest_items (subscription_id, story_id, added_at) VALUES (?,?,?)",
                (subscription_id, story_id, to_db(at)),
            ) as cur,
        ):
            return cur.rowcount > 0

    # -- worker side: reads ---------------------------------------------------------------------------

    async def due(self, platform: str, now: float, limit: int) -> list[OutboxRow]:
        rows = await self._db.fetchall(
            f"{_ROW_SELECT} WHERE o.platform=? AND o.state='pending' AND o.not_before<=? ORDER BY o.id LIMIT ?",
            (platform, now, limit),
        )
        return [_row(r) for r in rows]

    async def next_due(self, platform: str, after: float) -> float | None:
        """When the next row not yet due (edit window, backoff, Retry-After) becomes due."""
        row = await self._db.fetchone(
            "SELECT MIN(not_before) FROM outbox WHERE platform=? AND state='pending' AND not_before>?",
            (platform, after),
        )
        return float(row[0]) if row and row[0] is not None else None

    async def get(self, row_id: int) -> OutboxRow | None:
        row = await self._db.fetchone(f"{_ROW_SELECT} WHERE o.id=?", (row_id,))
        return _row(row) if row else None

    async def open_count(self, platforms: Sequence[str]) -> int:
        marks = ",".join("?" * len(platforms)) or "NULL"
        row = await self._db.fetchone(
            f"SELECT COUNT(*) FROM outbox WHERE state IN ('pending','in_flight') AND platform IN ({marks})",
            tuple(platforms),
        )
        return int(row[0]) if row else 0

    async def message_ref(self, story_id: int, channel: ChannelRef) -> StoredRef | None:
        where, params = _where_channel(story_id, channel)
        r = await self._db.fetchone(f"SELECT * FROM message_refs WHERE {where}", params)
        if r is None:
            return None
        ref_channel = ChannelRef(channel.platform, r["ref_workspace"], r["ref_channel"])
        return StoredRef(
            ref=MessageRef(ref_channel, r["message_id"], r["thread_id"]),
            subscription_id=r["subscription_id"],
            posted_version=r["posted_version"],
            version=r["version"],
        )

    async def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        rows = await self._db.fetchall("SELECT * FROM dead_letters ORDER BY id DESC LIMIT ?", (limit,))
        return [
            DeadLetter(
                outbox_id=r["outbox_id"],
                kind=OutboxKind(r["kind"]),
                subscription_id=r["subscription_id"],
                story_id=r["story_id"],
                channel=ChannelRef(r["platform"], r["workspace"], r["channel"]),
                attempts=r["attempts"],
                reason=r["reason"],
                dead_at=from_db(r["dead_at"]),
            )
            for r in rows
        ]

    # -- worker side: state changes (group-committed) -------------------------------------------------

    async def recover_in_flight(self, platform: str) -> int:
        """When a platform's worker starts, before it claims anything: rows left in flight (by a process
        that died, or a worker that was restarted) may have reached the platform."""
        async with (
            self._db.write() as conn,
            conn.execute(
                "UPDATE outbox SET state='pending', maybe_sent=1 WHERE state='in_flight' AND platform=?",
                (platform,),
            ) as cur,
        ):
            return cur.rowcount

    async def claim(self, row_id: int, now: float) -> OutboxRow | None:
        """pending -> in_flight, committed before the caller sends. None if someone else changed it."""

        async def op(conn: aiosqlite.Connection) -> OutboxRow | None:
            async with conn.execute(
                "UPDATE outbox SET state='in_flight', updated_at=? WHERE id=? AND state='pending'",
                (now, row_id),
            ) as cur:
                if cur.rowcount == 0:
                    return None
            async with conn.execute(f"{_ROW_SELECT} WHERE o.id=?", (row_id,)) as cur:
                r = await cur.fetchone()
            return _row(r) if r else None

        return await self._group.submit(op)

    async def complete(
        self, row: OutboxRow, now: float, *, ref: MessageRef | None = None, shown_version: int = 0
    ) -> None:
        """Done, with the platform's message reference in the same transaction."""

        async def op(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "UPDATE outbox SET state='done', updated_at=?, message_id=?, thread_id=?, last_error=NULL"
                " WHERE id=?",
                (now, ref.message_id if ref else None, ref.thread_id if ref else None, row.id),
            )
            if row.kind is OutboxKind.POST and ref is not None:
                await conn.execute(
                    "INSERT INTO message_refs (story_id, platform, workspace, channel, subscription_id,"
                    " ref_workspace, ref_channel, message_id, thread_id, posted_version, version, posted_at)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(story_id, platform, workspace, channel)"
                    " DO UPDATE SET message_id=excluded.message_id, thread_id=excluded.thread_id,"
                    " ref_workspace=excluded.ref_workspace, ref_channel=excluded.ref_channel,"
                    " posted_version=excluded.posted_version, version=excluded.version",
                    (
                        row.story_id,
                        *_channel_params(row.channel),
                        row.subscription_id,
                        ref.channel.workspace,
                        ref.channel.channel,
                        ref.message_id,
                        ref.thread_id,
                        shown_version,
                        shown_version,
                        to_db(utcnow()),
                    ),
                )
            elif row.kind is OutboxKind.EDIT and shown_version:
                where, params = _where_channel(row.story_id, row.channel)
                await conn.execute(
                    f"UPDATE message_refs SET version=MAX(version, ?), edited_at=? WHERE {where}",
                    (shown_version, to_db(utcnow()), *params),
                )

        await self._group.submit(op)

    async def reschedule(
        self, row_id: int, not_before: float, now: float, *, error: str | None, maybe_sent: bool, failed: bool
    ) -> None:
        """Back to pending for a later try. `failed` counts an attempt (backoff grows); a 429 does not."""

        async def op(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "UPDATE outbox SET state='pending', not_before=?, updated_at=?, last_error=COALESCE(?, last_error),"
                " maybe_sent=MAX(maybe_sent, ?), attempts=attempts+? WHERE id=? AND state IN ('pending','in_flight')",
                (not_before, now, error, int(maybe_sent), int(failed), row_id),
            )

        await self._group.submit(op)

    async def cancel(self, row_id: int, reason: str, now: float) -> None:
        async def op(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "UPDATE outbox SET state='cancelled', last_error=?, updated_at=? WHERE id=?",
                (reason, now, row_id),
            )

        await self._group.submit(op)

    async def dead_letter(self, row: OutboxRow, reason: str, now: float, attempts: int) -> None:
        async def op(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "UPDATE outbox SET state='dead', last_error=?, attempts=?, updated_at=? WHERE id=?",
                (reason, attempts, now, row.id),
            )
            await conn.execute(
                "INSERT INTO dead_letters (outbox_id, kind, subscription_id, story_id, platform, workspace,"
                " channel, attempts, reason, dead_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    row.id,
                    str(row.kind),
                    row.subscription_id,
                    row.story_id,
                    *_channel_params(row.channel),
                    attempts,
                    reason,
                    to_db(utcnow()),
                ),
            )

        await self._group.submit(op)

    async def channel_unavailable(self, row: OutboxRow, reason: str, now: float) -> int:
        """Disable every subscription of the channel (the reason shows in /subscriptions) and cancel
        what it is still owed. Returns how many subscriptions were disabled."""
        ch = row.channel

        async def op(conn: aiosqlite.Connection) -> int:
            async with conn.execute(
                "UPDATE subscriptions SET disabled_reason=? WHERE platform=? AND workspace=? AND channel=?"
                " AND disabled_reason IS NULL",
                (reason[:300], *_channel_params(ch)),
            ) as cur:
                disabled = cur.rowcount
            await conn.execute(
                "UPDATE outbox SET state='cancelled', last_error=?, updated_at=? WHERE platform=? AND workspace=?"
                " AND channel=? AND state IN ('pending','in_flight')",
                (reason, now, *_channel_params(ch)),
            )
            return disabled

        return int(await self._group.submit(op))

    async def prune(self, before: float) -> int:
        """Forget finished rows older than `before` (message_refs and dead letters are kept)."""
        async with (
            self._db.write() as conn,
            conn.execute(
                "DELETE FROM outbox WHERE state IN ('done','cancelled','dead') AND updated_at < ?", (before,)
            ) as cur,
        ):
            return cur.rowcount

    async def close(self) -> None:
        await self._group.close()

    # -- digests --------------------------------------------------------------------------------------

    async def digest_last_slot(self, subscription_id: int) -> datetime | None:
        row = await self._db.fetchone(
            "SELECT last_slot FROM digest_state WHERE subscription_id=?", (subscription_id,)
        )
        return from_db(row["last_slot"]) if row else None

    async def close_digest_slot(
        self, subscription_id: int, channel: ChannelRef, slot: datetime, now: float, *, send: bool
    ) -> int | None:
        """Handle one digest slot exactly once: queue a digest row listing the stories gathered since
        the last one (if `send` and there are any), and remember the slot. Returns the row id."""
        async with self._db.write() as conn:
            async with conn.execute(
                "SELECT last_slot FROM digest_state WHERE subscription_id=?", (subscription_id,)
            ) as cur:
                state = await cur.fetchone()
            last = from_db(state["last_slot"]) if state else None
            if last is not None and last >= slot:
                return None
            row_id: int | None = None
            if send:
                async with conn.execute(
                    "SELECT story_id FROM digest_items WHERE subscription_id=? AND digest_outbox_id IS NULL"
                    " ORDER BY added_at, story_id",
                    (subscription_id,),
                ) as cur:
                    story_ids = [int(r[0]) for r in await cur.fetchall()]
                if story_ids:
                    async with conn.execute(
                        "INSERT INTO outbox (kind, subscription_id, story_id, story_version, platform, workspace,"
                        " channel, payload, created_at, not_before, updated_at) VALUES ('digest',?,0,0,?,?,?,?,?,?,?)",
                        (
                            subscription_id,
                            *_channel_params(channel),
                            json.dumps({"stories": story_ids}),
                            now,
                            now,
                            now,
                        ),
                    ) as cur:
                        row_id = cur.lastrowid
                    await conn.execute(
                        "UPDATE digest_items SET digest_outbox_id=? WHERE subscription_id=? AND digest_outbox_id IS NULL",
                        (row_id, subscription_id),
                    )
            await conn.execute(
                "INSERT INTO digest_state (subscription_id, last_slot) VALUES (?,?)"
                " ON CONFLICT(subscription_id) DO UPDATE SET last_slot=excluded.last_slot",
                (subscription_id, to_db(slot)),
            )
        return row_id


def _channel_params(channel: ChannelRef) -> tuple[str, str, str]:
    return (channel.platform, channel.workspace, channel.channel)
