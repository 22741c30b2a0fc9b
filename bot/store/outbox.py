"""The delivery outbox: deliveries owed, the messages they became, dead letters.

Why an outbox: routing writes its rows inside the transaction that changes the story, so a crash can
never leave a change without its alerts or alerts for a change that was rolled back. Workers then
move each row pending -> in_flight (committed *before* the platform call) -> done, recording the
platform's message reference in the same transaction as `done`. A row found in_flight after a restart
may have reached the platform, so it is retried with `maybe_sent` set and the worker asks
`find_delivered` first: no alert is lost and none is sent twice.

Worker writes go through a group commit (`bot.store.group_commit`): many claims and results share one
transaction, so fan-out to thousands of channels costs a few dozen commits rather than thousands. (So
the worker-side methods must not be called while holding `db.write()`: the group commit runs in its own
task.) Digest bookkeeping lives in `bot.store.digests`; the row types in `bot.store.outbox_rows`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

from bot.models import ChannelRef, MessageRef
from bot.store.db import Database
from bot.store.dialect import Connection, Row
from bot.store.group_commit import GroupCommit
from bot.store.outbox_rows import (
    OPEN_STATES,
    ROW_SELECT,
    DeadLetter,
    OutboxKind,
    OutboxRow,
    OutboxState,
    StoredRef,
    channel_params,
    outbox_row,
    where_channel,
)
from bot.store.timefmt import from_db, to_db, utcnow

# The row types are the outbox's vocabulary: callers keep importing them from here.
__all__ = ["OPEN_STATES", "DeadLetter", "OutboxKind", "OutboxRow", "OutboxState", "OutboxStore", "StoredRef"]

# What a commit that adds outbox rows announces on PostgreSQL (the trigger of
# migrations_pg/0009_outbox_notify.sql), so idle workers in other processes look at once.
OUTBOX_CHANNEL = "bot_outbox"


class OutboxStore:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._group = GroupCommit(db)

    # -- routing side: called inside the story change's transaction (db.write() nests) -----------------

    async def post_state(self, story_id: int, channel: ChannelRef) -> OutboxState | None:
        where, params = where_channel(story_id, channel)
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
                "INSERT INTO outbox (kind, subscription_id, story_id, story_version, platform, workspace,"
                " channel, created_at, not_before, updated_at) VALUES ('post',?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                [(sub_id, story_id, version, *channel_params(ch), now, now, now) for sub_id, ch in owners],
            )
            added = cur.rowcount
            await cur.close()
        return added

    async def _pending(self, kind: OutboxKind, story_id: int) -> dict[ChannelRef, Row]:
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
                    (sub_id, story_id, version, *channel_params(ch), now, now + delay, now)
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
                    (sub_id, story_id, version, *channel_params(ch), payload, now, now + delay, now)
                    for sub_id, ch in owners
                    if ch not in pending
                ],
            )
        return len(owners)

    # -- worker side: reads ---------------------------------------------------------------------------

    async def due(self, platform: str, now: float, limit: int) -> list[OutboxRow]:
        rows = await self._db.fetchall(
            f"{ROW_SELECT} WHERE o.platform=? AND o.state='pending' AND o.not_before<=? ORDER BY o.id LIMIT ?",
            (platform, now, limit),
        )
        return [outbox_row(r) for r in rows]

    async def next_due(self, platform: str, after: float) -> float | None:
        """When the next row not yet due (edit window, backoff, Retry-After) becomes due."""
        row = await self._db.fetchone(
            "SELECT MIN(not_before) FROM outbox WHERE platform=? AND state='pending' AND not_before>?",
            (platform, after),
        )
        return float(row[0]) if row and row[0] is not None else None

    async def get(self, row_id: int) -> OutboxRow | None:
        row = await self._db.fetchone(f"{ROW_SELECT} WHERE o.id=?", (row_id,))
        return outbox_row(row) if row else None

    async def open_count(self, platforms: Sequence[str]) -> int:
        marks = ",".join("?" * len(platforms)) or "NULL"
        row = await self._db.fetchone(
            f"SELECT COUNT(*) FROM outbox WHERE state IN ('pending','in_flight') AND platform IN ({marks})",
            tuple(platforms),
        )
        return int(row[0]) if row else 0

    async def message_ref(self, story_id: int, channel: ChannelRef) -> StoredRef | None:
        where, params = where_channel(story_id, channel)
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

    async def recover_in_flight(self, platform: str, now: float | None = None) -> int:
        """When a platform's worker starts, before it claims anything: rows left in flight (by a process
        that died, or a worker that was restarted) may have reached the platform."""
        async with (
            self._db.write() as conn,
            conn.execute(
                # The claim's time may be before a wait for the rate gate; whatever was sent went out
                # before this restart, so "now" bounds the attempt from above (the lookup waits from it).
                "UPDATE outbox SET state='pending', maybe_sent=1, last_attempt_at=? WHERE state='in_flight'"
                " AND platform=?",
                (time.time() if now is None else now, platform),
            ) as cur,
        ):
            return cur.rowcount

    async def claim(self, row_id: int, now: float, worker: str | None = None) -> OutboxRow | None:
        """pending -> in_flight, committed before the caller sends. None if someone else changed it.
        `worker` (several workers on one database) marks whose it is: taken over only once that
        worker is no longer alive (bot.store.cluster)."""

        async def op(conn: Connection) -> OutboxRow | None:
            async with conn.execute(
                # A fresh row is handed to the platform right after this commit: that is its attempt.
                # A maybe-sent one is looked for first; `note_attempt` records a re-send, if any.
                "UPDATE outbox SET state='in_flight', updated_at=?, claimed_by=?,"
                " last_attempt_at=CASE WHEN maybe_sent=0 THEN ? ELSE last_attempt_at END,"
                " first_attempt_at=CASE WHEN maybe_sent=0 THEN COALESCE(first_attempt_at, ?)"
                " ELSE first_attempt_at END WHERE id=? AND state='pending'",
                (now, worker, now, now, row_id),
            ) as cur:
                if cur.rowcount == 0:
                    return None
            async with conn.execute(f"{ROW_SELECT} WHERE o.id=?", (row_id,)) as cur:
                r = await cur.fetchone()
            return outbox_row(r) if r else None

        return await self._group.submit(op)

    async def note_attempt(self, row_id: int, now: float) -> None:
        """A maybe-sent row was not found and is sent again now: committed before the send, so a
        crash during it leaves the lookup window covering this attempt too."""

        async def op(conn: Connection) -> None:
            await conn.execute(
                "UPDATE outbox SET last_attempt_at=?, first_attempt_at=COALESCE(first_attempt_at, ?) WHERE id=?",
                (now, now, row_id),
            )

        await self._group.submit(op)

    async def complete(
        self, row: OutboxRow, now: float, *, ref: MessageRef | None = None, shown_version: int = 0
    ) -> None:
        """Done, with the platform's message reference in the same transaction."""

        async def op(conn: Connection) -> None:
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
                        *channel_params(row.channel),
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
                where, params = where_channel(row.story_id, row.channel)
                await conn.execute(
                    f"UPDATE message_refs SET version=MAX(version, ?), edited_at=? WHERE {where}",
                    (shown_version, to_db(utcnow()), *params),
                )

        await self._group.submit(op)

    async def reschedule(
        self, row_id: int, not_before: float, now: float, *, error: str | None, maybe_sent: bool, failed: bool
    ) -> None:
        """Back to pending for a later try. `failed` counts an attempt (backoff grows); a 429 does not."""

        async def op(conn: Connection) -> None:
            await conn.execute(
                # A failure that may have reached the platform: it was sent before `now`, so the lookup
                # after it waits from now (the claim may precede a wait for the rate gate).
                "UPDATE outbox SET state='pending', not_before=?, updated_at=?, last_error=COALESCE(?, last_error),"
                " maybe_sent=MAX(maybe_sent, ?), attempts=attempts+?,"
                " last_attempt_at=CASE WHEN ? = 1 THEN ? ELSE last_attempt_at END"
                " WHERE id=? AND state IN ('pending','in_flight')",
                (
                    not_before,
                    now,
                    error,
                    int(maybe_sent),
                    int(failed),
                    int(failed and maybe_sent),
                    now,
                    row_id,
                ),
            )

        await self._group.submit(op)

    async def cancel(self, row_id: int, reason: str, now: float) -> None:
        async def op(conn: Connection) -> None:
            await conn.execute(
                "UPDATE outbox SET state='cancelled', last_error=?, updated_at=? WHERE id=?",
                (reason, now, row_id),
            )

        await self._group.submit(op)

    async def dead_letter(self, row: OutboxRow, reason: str, now: float, attempts: int) -> None:
        async def op(conn: Connection) -> None:
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
                    *channel_params(row.channel),
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

        async def op(conn: Connection) -> int:
            async with conn.execute(
                "UPDATE subscriptions SET disabled_reason=? WHERE platform=? AND workspace=? AND channel=?"
                " AND disabled_reason IS NULL",
                (reason[:300], *channel_params(ch)),
            ) as cur:
                disabled = cur.rowcount
            await conn.execute(
                "UPDATE outbox SET state='cancelled', last_error=?, updated_at=? WHERE platform=? AND workspace=?"
                " AND channel=? AND state IN ('pending','in_flight')",
                (reason, now, *channel_params(ch)),
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
