"""Channel subscriptions (with filters, mutes, digest settings) and workspace-tracked vendors."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.models import ChannelRef, DeliveryMode, EventType, Subscription, Vendor
from bot.store.db import Database
from bot.store.dialect import Row
from bot.store.timefmt import from_db, to_db, utcnow


def _row_to_subscription(row: Row) -> Subscription:
    return Subscription(
        id=row["id"],
        channel=ChannelRef(row["platform"], row["workspace"], row["channel"]),
        vendor=row["vendor"],
        event_types=tuple(EventType(t) for t in json.loads(row["event_types"])),
        include=tuple(json.loads(row["include_words"])),
        exclude=tuple(json.loads(row["exclude_words"])),
        mode=DeliveryMode(row["mode"]),
        digest_time=row["digest_time"],
        timezone=row["timezone"],
        created_at=from_db(row["created_at"]) or utcnow(),
        created_by=row["created_by"],
        muted_until=from_db(row["muted_until"]),
        disabled_reason=row["disabled_reason"],
    )


@dataclass(frozen=True, slots=True)
class SubscriptionFilters:
    event_types: tuple[EventType, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    mode: DeliveryMode = DeliveryMode.INSTANT
    digest_time: str = "09:00"
    timezone: str = "UTC"


class SubscriptionStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def upsert(
        self, channel: ChannelRef, vendor: str, filters: SubscriptionFilters, *, user: str = ""
    ) -> tuple[Subscription, bool]:
        """Subscribe, or replace the filters of an existing subscription (re-enabling it).
        `created_at` is kept on update so a re-subscribe does not move the no-backlog line."""
        params = (
            json.dumps([str(t) for t in filters.event_types]),
            json.dumps(list(filters.include)),
            json.dumps(list(filters.exclude)),
            str(filters.mode),
            filters.digest_time,
            filters.timezone,
        )
        async with self._db.write() as conn:
            existing = await self.find(channel, vendor)
            if existing is None:
                await conn.execute(
                    "INSERT INTO subscriptions (platform, workspace, channel, vendor, event_types, include_words,"
                    " exclude_words, mode, digest_time, timezone, created_at, created_by)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        channel.platform,
                        channel.workspace,
                        channel.channel,
                        vendor,
                        *params,
                        to_db(utcnow()),
                        user,
                    ),
                )
            else:
                await conn.execute(
                    "UPDATE subscriptions SET event_types=?, include_words=?, exclude_words=?, mode=?,"
                    " digest_time=?, timezone=?, disabled_reason=NULL WHERE id=?",
                    (*params, existing.id),
                )
            sub = await self.find(channel, vendor)
        assert sub is not None
        return sub, existing is None

    async def find(self, channel: ChannelRef, vendor: str) -> Subscription | None:
        row = await self._db.fetchone(
            "SELECT * FROM subscriptions WHERE platform=? AND workspace=? AND channel=? AND vendor=?",
            (channel.platform, channel.workspace, channel.channel, vendor),
        )
        return _row_to_subscription(row) if row else None

    async def get(self, sub_id: int) -> Subscription | None:
        row = await self._db.fetchone("SELECT * FROM subscriptions WHERE id = ?", (sub_id,))
        return _row_to_subscription(row) if row else None

    async def remove(self, channel: ChannelRef, vendor: str) -> bool:
        async with (
            self._db.write() as conn,
            conn.execute(
                "DELETE FROM subscriptions WHERE platform=? AND workspace=? AND channel=? AND vendor=?",
                (channel.platform, channel.workspace, channel.channel, vendor),
            ) as cur,
        ):
            return cur.rowcount > 0

    async def for_channel(self, channel: ChannelRef) -> list[Subscription]:
        rows = await self._db.fetchall(
            "SELECT * FROM subscriptions WHERE platform=? AND workspace=? AND channel=? ORDER BY vendor",
            (channel.platform, channel.workspace, channel.channel),
        )
        return [_row_to_subscription(r) for r in rows]

    async def for_vendors(self, vendors: Sequence[str]) -> list[Subscription]:
        if not vendors:
            return []
        marks = ",".join("?" * len(vendors))
        rows = await self._db.fetchall(
            f"SELECT * FROM subscriptions WHERE vendor IN ({marks}) ORDER BY id", tuple(vendors)
        )
        return [_row_to_subscription(r) for r in rows]

    async def delivery_trouble(self, channel: ChannelRef) -> tuple[int, str, float] | None:
        """Messages owed to this channel that are waiting after a failure or a held rate limit:
        (how many, the latest reason, when the next try is due as Unix seconds); None when none wait."""
        row = await self._db.fetchone(
            "SELECT COUNT(*) AS n, MIN(not_before) AS next_try,"
            " (SELECT last_error FROM outbox o2 WHERE o2.platform=? AND o2.workspace=? AND o2.channel=?"
            "  AND o2.state='pending' AND o2.last_error IS NOT NULL ORDER BY o2.updated_at DESC LIMIT 1) AS reason"
            " FROM outbox WHERE platform=? AND workspace=? AND channel=? AND state='pending'"
            " AND last_error IS NOT NULL",
            (channel.platform, channel.workspace, channel.channel) * 2,
        )
        if row is None or not row["n"]:
            return None
        return int(row["n"]), str(row["reason"]), float(row["next_try"])

    async def digest_subscriptions(self) -> list[Subscription]:
        rows = await self._db.fetchall(
            "SELECT * FROM subscriptions WHERE mode = 'digest' AND disabled_reason IS NULL ORDER BY id"
        )
        return [_row_to_subscription(r) for r in rows]

    async def disable(self, sub_id: int, reason: str) -> None:
        await self._db.execute(
            "UPDATE subscriptions SET disabled_reason = ? WHERE id = ?", (reason[:300], sub_id)
        )

    async def mute(self, channel: ChannelRef, vendor: str, until: datetime | None) -> bool:
        async with (
            self._db.write() as conn,
            conn.execute(
                "UPDATE subscriptions SET muted_until=? WHERE platform=? AND workspace=? AND channel=? AND vendor=?",
                (to_db(until), channel.platform, channel.workspace, channel.channel, vendor),
            ) as cur,
        ):
            return cur.rowcount > 0

    async def count(self) -> int:
        row = await self._db.fetchone("SELECT COUNT(*) FROM subscriptions")
        return int(row[0]) if row else 0

    # -- vendors a workspace tracks with /track ---------------------------------------------------

    async def track(self, platform: str, workspace: str, name: str, aliases: Sequence[str]) -> None:
        await self._db.execute(
            "INSERT INTO tracked_vendors (platform, workspace, name, aliases, created_at) VALUES (?,?,?,?,?)"
            " ON CONFLICT(platform, workspace, name) DO UPDATE SET aliases=excluded.aliases,"
            " created_at=excluded.created_at",
            (platform, workspace, name, json.dumps(list(aliases)), to_db(utcnow())),
        )

    async def untrack(self, platform: str, workspace: str, name: str) -> bool:
        async with (
            self._db.write() as conn,
            conn.execute(
                "DELETE FROM tracked_vendors WHERE platform=? AND workspace=? AND lower(name)=lower(?)",
                (platform, workspace, name),
            ) as cur,
        ):
            return cur.rowcount > 0

    async def tracked(self, platform: str | None = None, workspace: str | None = None) -> list[Vendor]:
        """Tracked vendors of one workspace, or of every workspace when none is given."""
        if platform is None or workspace is None:
            rows = await self._db.fetchall("SELECT * FROM tracked_vendors ORDER BY name")
        else:
            rows = await self._db.fetchall(
                "SELECT * FROM tracked_vendors WHERE platform=? AND workspace=? ORDER BY name",
                (platform, workspace),
            )
        return [
            Vendor(
                name=r["name"],
                aliases=tuple(json.loads(r["aliases"])),
                category="tracked",
                workspace=f"{r['platform']}:{r['workspace']}",
            )
            for r in rows
        ]
