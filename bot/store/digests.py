"""Digest bookkeeping: the stories gathered for each digest subscription (`digest_items`) and the
last digest slot handled for it (`digest_state`), serving `DigestScheduler`.

Routing adds items inside the story change's transaction (db.write() nests); closing a slot queues the
digest's outbox row and remembers the slot in one transaction, so a slot is handled exactly once.
"""

from __future__ import annotations

import json
from datetime import datetime

from bot.models import ChannelRef
from bot.store.db import Database
from bot.store.outbox_rows import channel_params
from bot.store.timefmt import from_db, to_db


class DigestStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_digest_item(self, subscription_id: int, story_id: int, at: datetime) -> bool:
        async with (
            self._db.write() as conn,
            conn.execute(
                "INSERT INTO digest_items (subscription_id, story_id, added_at) VALUES (?,?,?) ON CONFLICT DO NOTHING",
                (subscription_id, story_id, to_db(at)),
            ) as cur,
        ):
            return cur.rowcount > 0

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
                        " channel, payload, created_at, not_before, updated_at) VALUES ('digest',?,0,0,?,?,?,?,?,?,?)"
                        " RETURNING id",
                        (
                            subscription_id,
                            *channel_params(channel),
                            json.dumps({"stories": story_ids}),
                            now,
                            now,
                            now,
                        ),
                    ) as cur:
                        inserted = await cur.fetchone()
                    row_id = int(inserted[0]) if inserted else None
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
