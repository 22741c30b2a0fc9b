"""Moving an existing SQLite database to PostgreSQL loses nothing, end to end through the commands.

The SQLite database is built the way the bot builds it: subscriptions through /subscribe and the
store, story files through the ingest pipeline (stories of several articles, routed to the outbox),
then deliveries in every state through the outbox's own calls. It is moved with `bot migrate
--from-sqlite` or `bot export` + `bot import`; then every row of every table is compared, and /story
and /subscriptions answer the same on both databases.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.app import open_core
from bot.chat.ports import CommandContext
from bot.cli import app
from bot.config import Settings
from bot.models import ChannelRef, DeliveryMode, MessageRef
from bot.store import SubscriptionFilters
from bot.store.backends import open_database
from bot.store.outbox import OutboxState, OutboxStore
from bot.store.transfer import TABLES, table_rows

STORIES = Path(__file__).resolve().parents[1] / "fixtures" / "stories"
KASPERSKY = [ChannelRef("slack", "T1", "C1"), ChannelRef("discord", "G1", "42")]
OKTA = ChannelRef("slack", "T1", "C2")
DIGEST = ChannelRef("slack", "T2", "C9")

pytestmark = pytest.mark.slow


async def admin() -> bool:
    return True


def settings_for(tmp_path: Path, database_url: str | None = None) -> Settings:
    values = {"BOT_DB_PATH": str(tmp_path / "bot.sqlite3"), "BOT_STORIES_DIR": str(tmp_path / "stories")}
    if database_url:
        values["BOT_DATABASE_URL"] = database_url
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


async def build_sqlite(settings: Settings) -> None:
    async with open_core(settings) as core:
        for channel in KASPERSKY:
            reply = await core.commands.run_text(
                CommandContext(channel, "U1", admin), "subscribe", "kaspersky"
            )
            assert not reply.error, reply.text
        reply = await core.commands.run_text(CommandContext(OKTA, "U1", admin), "subscribe", "okta")
        assert not reply.error, reply.text
        await core.store.subscriptions.upsert(
            DIGEST, "Kaspersky", SubscriptionFilters(mode=DeliveryMode.DIGEST, digest_time="07:30"), user="U2"
        )
        await core.store.subscriptions.track("slack", "T1", "Acme Widgets", ["acme"])
        for path in sorted(STORIES.glob("*.md")):
            await core.pipeline.process_file(path, settle_seconds=0)
        outbox = OutboxStore(core.store.db)
        now = time.time()
        rows = await outbox.due("slack", now + 3600, 100) + await outbox.due("discord", now + 3600, 100)
        assert len(rows) >= 5, rows
        done, retry, dead, cancelled, in_flight = rows[:5]
        claimed = await outbox.claim(done.id, now)
        assert claimed is not None
        await outbox.complete(
            claimed, now, ref=MessageRef(claimed.channel, "1700000000.0001", None), shown_version=1
        )
        await outbox.claim(retry.id, now)
        await outbox.reschedule(retry.id, now + 60, now, error="HTTP 503", maybe_sent=True, failed=True)
        await outbox.dead_letter(dead, "channel_not_found", now, 3)
        await outbox.cancel(cancelled.id, "unsubscribed", now)
        await outbox.claim(in_flight.id, now)
        await outbox.close()
        states = {r.state for r in [await outbox.get(r.id) for r in rows[:5]] if r}
        assert states == {OutboxState.DONE, OutboxState.PENDING, OutboxState.DEAD, OutboxState.CANCELLED,
                          OutboxState.IN_FLIGHT}  # fmt: skip


async def every_row(target: str | Path) -> dict[str, list[dict[str, Any]]]:
    db = await open_database(target)
    try:
        return {table: [row async for row in table_rows(db, table, key)] for table, key in TABLES}
    finally:
        await db.close()


async def answers(settings: Settings) -> list[str]:
    """What /story and /subscriptions say in every channel, as the user sees it."""
    out: list[str] = []
    async with open_core(settings) as core:
        for channel in [*KASPERSKY, OKTA, DIGEST]:
            for command, text in (("story", "kaspersky"), ("story", "okta"), ("subscriptions", "")):
                reply = await core.commands.run_text(CommandContext(channel, "U1", admin), command, text)
                out.append(f"{channel} /{command} {text}: {reply.text}")
    return out


def cli(args: list[str], settings: Settings) -> str:
    env = {"BOT_DB_PATH": str(settings.db_path), "BOT_DATABASE_URL": settings.database_url or ""}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("way", ["migrate --from-sqlite", "export + import"])
async def test_a_sqlite_database_moves_to_postgres_with_every_row(
    tmp_path: Path, pg_url: str, way: str
) -> None:
    sqlite = settings_for(tmp_path)
    await build_sqlite(sqlite)
    postgres = settings_for(tmp_path, pg_url)
    if way == "migrate --from-sqlite":
        said = await asyncio.to_thread(cli, ["migrate", "--from-sqlite", str(sqlite.db_path)], postgres)
        assert "copied" in said and "schema version" in said, said
    else:
        dump = tmp_path / "bot.jsonl"
        said = await asyncio.to_thread(cli, ["export", str(dump)], sqlite)
        assert f"to {dump}" in said, said
        said = await asyncio.to_thread(cli, ["import", str(dump)], postgres)
        assert "imported" in said, said

    before, after = await every_row(sqlite.db_path), await every_row(pg_url)
    for table in (
        "articles",
        "stories",
        "story_articles",
        "subscriptions",
        "outbox",
        "message_refs",
        "dead_letters",
    ):
        assert before[table], f"the SQLite database was built without {table}"
    assert len({r["story_id"] for r in before["story_articles"]}) < len(
        before["story_articles"]
    )  # several a story
    for table, _ in TABLES:
        assert after[table] == before[table], table
    assert await answers(postgres) == await answers(sqlite)

    # Ids go on from where the copy left them: a new subscription and a new article get fresh ones.
    async with open_core(postgres) as core:
        sub, created = await core.store.subscriptions.upsert(
            ChannelRef("slack", "T9", "C9"), "Okta", SubscriptionFilters()
        )
        assert created and sub.id == max(r["id"] for r in before["subscriptions"]) + 1


async def test_import_refuses_a_database_that_holds_rows(tmp_path: Path, pg_url: str) -> None:
    sqlite = settings_for(tmp_path)
    await build_sqlite(sqlite)
    dump = tmp_path / "bot.jsonl"
    await asyncio.to_thread(cli, ["export", str(dump)], sqlite)
    postgres = settings_for(tmp_path, pg_url)
    await asyncio.to_thread(cli, ["import", str(dump)], postgres)
    result = await asyncio.to_thread(
        CliRunner().invoke, app, ["import", str(dump)], env={"BOT_DATABASE_URL": pg_url}
    )
    assert result.exit_code == 1 and "import only into an empty one" in str(result.exception), result.output
