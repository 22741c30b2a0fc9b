"""Several `bot run` workers on one database: who is alive, who sends to which channel, who reads a
folder, and the budgets they share (sends, and Slack's history ration).

Why leases on rows rather than locks held by connections: a worker that dies (SIGKILL, a lost
machine) must hand everything over without anyone's help, and the same SQL must work on SQLite and
PostgreSQL. Each worker has a row in `workers` whose `lease_until` it pushes forward by heartbeat;
everything it holds (channels, in-flight outbox rows, the watcher role) is held "while its owner is
alive", so one missed lease frees all of it at once, and a live worker never loses anything to a
slow neighbour. On PostgreSQL the due rows a worker looks at are locked with `FOR UPDATE SKIP
LOCKED` while it takes their channels, so workers refilling at the same moment split the backlog
instead of queueing on each other's rows.

Clocks: leases and budgets compare the workers' wall clocks; keep hosts on NTP (a skew of a second
is harmless against the default 30 s lease and is absorbed by the budgets' margin).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence

from bot.models import ChannelRef
from bot.store.db import Database
from bot.store.outbox_rows import ROW_SELECT, OutboxRow, outbox_row

log = logging.getLogger(__name__)

_ALIVE = "EXISTS (SELECT 1 FROM workers w WHERE w.id = {owner} AND w.lease_until >= ?)"


def dialect(db: Database) -> str:
    """'sqlite' or 'postgresql' (the store's dialect layer names it; SQLite when it does not)."""
    return str(getattr(db, "dialect", "sqlite"))


def _greatest(db: Database) -> str:
    return "MAX" if dialect(db) == "sqlite" else "GREATEST"


class WorkerRegistry:
    """This process as a worker: registered at start, kept alive by `run()`, retired at stop."""

    def __init__(
        self,
        db: Database,
        lease_seconds: float,
        *,
        clock: Callable[[], float] = time.time,
        name: str | None = None,
    ) -> None:
        self._db = db
        self.lease_seconds = lease_seconds
        self._clock = clock
        self.id = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        # Counts the times a heartbeat found this worker already given up on (its claims freed):
        # whoever keeps claims in memory drops them when it changes.
        self.generation = 0

    def now(self) -> float:
        return self._clock()

    async def register(self, *, exclusive: bool = False) -> None:
        """`exclusive`: this process holds the database alone (SQLite's flock), so rows of earlier
        workers are dead now rather than when their lease runs out: a restart resumes at once."""
        now = self.now()
        async with self._db.write():
            if exclusive:
                await self._db.execute("DELETE FROM workers WHERE id <> ?", (self.id,))
            await self._db.execute(
                "INSERT INTO workers (id, host, pid, started_at, lease_until) VALUES (?,?,?,?,?)"
                " ON CONFLICT (id) DO UPDATE SET lease_until=excluded.lease_until",
                (self.id, socket.gethostname(), os.getpid(), now, now + self.lease_seconds),
            )

    async def heartbeat(self) -> bool:
        """Push the lease forward. False when it had already run out (someone may have taken over
        what this worker held): the worker is registered again and must let go of its claims."""
        now = self.now()
        async with self._db.write():
            rows = await self._db.fetchall(
                "UPDATE workers SET lease_until=? WHERE id=? AND lease_until >= ? RETURNING id",
                (now + self.lease_seconds, self.id, now),
            )
            # Forget workers gone for an hour; their channel claims go with them.
            await self._db.execute("DELETE FROM workers WHERE lease_until < ?", (now - 3600,))
        if rows:
            return True
        log.warning("worker %s missed its lease (stalled?): re-registering; its claims were freed", self.id)
        async with self._db.write():
            await self._db.execute("DELETE FROM channel_owners WHERE owner=?", (self.id,))
            await self._db.execute("DELETE FROM leases WHERE owner=?", (self.id,))
            await self._db.execute("DELETE FROM workers WHERE id=?", (self.id,))
        await self.register()
        self.generation += 1
        return False

    async def run(self) -> None:
        """Heartbeat until cancelled, three times per lease."""
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                await self.heartbeat()
            except Exception:  # a database hiccup: the next beat is still inside the lease
                log.exception("worker heartbeat failed")

    async def retire(self) -> None:
        """An orderly stop: free everything now instead of after the lease."""
        async with self._db.write():
            await self._db.execute("DELETE FROM channel_owners WHERE owner=?", (self.id,))
            await self._db.execute("DELETE FROM leases WHERE owner=?", (self.id,))
            await self._db.execute("DELETE FROM workers WHERE id=?", (self.id,))


class ChannelClaims:
    """The outbox seen by one worker among several: rows only of channels it owns."""

    def __init__(self, db: Database, worker: WorkerRegistry) -> None:
        self._db = db
        self.worker = worker

    async def due(self, platform: str, capacity: int, limit: int) -> list[OutboxRow]:
        """Take up to `capacity` more channels with due rows that no live worker owns, then return
        the due rows of every channel this worker owns (oldest first, at most `limit`)."""
        me, now = self.worker.id, self.worker.now()
        if capacity > 0:
            lock = " FOR UPDATE OF o SKIP LOCKED" if dialect(self._db) == "postgresql" else ""
            async with self._db.write():
                candidates = await self._db.fetchall(
                    "SELECT o.workspace, o.channel FROM outbox o WHERE o.platform=? AND o.state='pending'"
                    " AND o.not_before<=? AND NOT EXISTS (SELECT 1 FROM channel_owners c JOIN workers w"
                    " ON w.id = c.owner WHERE c.platform=o.platform AND c.workspace=o.workspace"
                    f" AND c.channel=o.channel AND w.lease_until >= ?) ORDER BY o.id LIMIT ?{lock}",
                    (platform, now, now, limit),
                )
                wanted = list(dict.fromkeys((r[0], r[1]) for r in candidates))[:capacity]
                if wanted:
                    await self._db.executemany(
                        "INSERT INTO channel_owners (platform, workspace, channel, owner) VALUES (?,?,?,?)"
                        " ON CONFLICT (platform, workspace, channel) DO UPDATE SET owner=excluded.owner"
                        f" WHERE NOT {_ALIVE.format(owner='channel_owners.owner')}",
                        [(platform, ws, ch, me, now) for ws, ch in wanted],
                    )
        rows = await self._db.fetchall(
            f"{ROW_SELECT} JOIN channel_owners c ON c.platform=o.platform AND c.workspace=o.workspace"
            " AND c.channel=o.channel AND c.owner=? WHERE o.platform=? AND o.state='pending'"
            " AND o.not_before<=? ORDER BY o.id LIMIT ?",
            (me, platform, now, limit),
        )
        return [outbox_row(r) for r in rows]

    async def release(self, channels: Sequence[ChannelRef]) -> None:
        """Give up channels this worker has nothing left to send to."""
        if channels:
            await self._db.executemany(
                "DELETE FROM channel_owners WHERE platform=? AND workspace=? AND channel=? AND owner=?",
                [(c.platform, c.workspace, c.channel, self.worker.id) for c in channels],
            )

    async def take_over(self, platform: str) -> int:
        """Rows left in flight by a worker that is no longer alive (or by a single process before
        its restart) go back to pending as `maybe_sent`: they may have reached the platform, so
        they are looked for before being sent again. Returns how many."""
        now = self.worker.now()
        async with self._db.write():
            rows = await self._db.fetchall(
                "UPDATE outbox SET state='pending', maybe_sent=1, last_attempt_at=?, claimed_by=NULL"
                " WHERE platform=? AND state='in_flight' AND (claimed_by IS NULL OR NOT"
                f" {_ALIVE.format(owner='outbox.claimed_by')}) RETURNING id",
                (now, platform, now),
            )
        return len(rows)


class Leases:
    """Named roles held by one live worker at a time (the watcher of a stories folder)."""

    def __init__(self, db: Database, worker: WorkerRegistry) -> None:
        self._db = db
        self.worker = worker

    async def hold(self, name: str) -> bool:
        """Take the role if it is free or its holder is dead; True while this worker holds it."""
        me, now = self.worker.id, self.worker.now()
        async with self._db.write():
            await self._db.execute(
                "INSERT INTO leases (name, owner, acquired_at) VALUES (?,?,?) ON CONFLICT (name) DO UPDATE"
                " SET owner=excluded.owner, acquired_at=excluded.acquired_at"
                f" WHERE NOT {_ALIVE.format(owner='leases.owner')}",
                (name, me, now, now),
            )
            row = await self._db.fetchone("SELECT owner FROM leases WHERE name=?", (name,))
        return row is not None and row[0] == me

    async def holder(self, name: str) -> str | None:
        row = await self._db.fetchone("SELECT owner FROM leases WHERE name=?", (name,))
        return str(row[0]) if row else None


class SharedBudgets:
    """Send budgets shared by every worker: each send reserves the scope's next free moment.

    Why evenly spaced slots (a "virtual scheduling" token bucket without burst): the reservation is
    one atomic upsert, and spaced sends stay inside a platform's "N per T" however the workers'
    sends interleave, which a burst allowance shared between processes cannot promise."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    def now(self) -> float:
        return self._clock()

    async def reserve(self, scope: str, interval: float) -> float:
        """Reserve the next send of `scope`: the moment (Unix seconds, `now()`'s clock) it may go."""
        async with self._db.write():
            now = self._clock()  # once the transaction is ours: a wait for it must not age `now`
            row = await self._db.fetchone(
                "INSERT INTO rate_budgets (scope, next_at) VALUES (?, ?) ON CONFLICT (scope) DO UPDATE"
                f" SET next_at = {_greatest(self._db)}(rate_budgets.next_at, ?) + ? RETURNING next_at",
                (scope, now + interval, now, interval),
            )
        assert row is not None
        return float(row[0]) - interval

    async def hold(self, scope: str, seconds: float) -> None:
        """A 429 for the whole scope: nobody sends in it for `seconds`."""
        until = self._clock() + seconds
        await self._db.execute(
            "INSERT INTO rate_budgets (scope, next_at) VALUES (?, ?) ON CONFLICT (scope) DO UPDATE"
            f" SET next_at = {_greatest(self._db)}(rate_budgets.next_at, ?)",
            (scope, until, until),
        )

    async def claim(self, scope: str, interval: float) -> float:
        """One call of `scope` now if the last one claimed was `interval` ago or more (0.0: taken, and
        the next is `interval` away); else the seconds until it may. One compare-and-set upsert:
        two workers asking at once cannot both get it (PostgreSQL re-checks the condition on the
        row the other just wrote; SQLite writes one transaction at a time)."""
        async with self._db.write():
            now = self._clock()
            taken = await self._db.fetchone(
                "INSERT INTO rate_budgets (scope, next_at) VALUES (?, ?) ON CONFLICT (scope) DO UPDATE"
                " SET next_at = excluded.next_at WHERE rate_budgets.next_at <= ? RETURNING next_at",
                (scope, now + interval, now),
            )
            if taken is not None:
                return 0.0
            row = await self._db.fetchone("SELECT next_at FROM rate_budgets WHERE scope=?", (scope,))
        assert row is not None
        return max(float(row[0]) - now, 0.001)
