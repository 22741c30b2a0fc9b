"""Crash and restart: every due alert is delivered and none twice.

The hard window is "the platform accepted the message, we had not recorded it yet". It is produced
three ways: rows left in_flight in the database, a service cancelled while its sends hang, and a
real SIGKILL of a child process whose platform lives in this test process (so the platform's memory
survives the kill, as Slack's or Discord's would).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import signal
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from bot.config import Settings
from bot.delivery.limits import PlatformLimits, RetryPolicy
from bot.delivery.router import Router
from bot.delivery.service import DeliveryService
from bot.models import ChangeKind, ChannelRef, Story, StoryChange
from bot.store.backends import open_database
from bot.store.outbox import OutboxStore
from bot.store.subscriptions import SubscriptionStore
from tests.support.delivery_fakes import FakePlatform, add_subscriptions
from tests.support.stories import make_story

REPO = Path(__file__).resolve().parents[2]
SETTINGS = Settings.model_construct(
    edit_coalesce_seconds=0.05, delivery_max_age_seconds=30.0, uncertain_wait_seconds=0.05
)
FAST_RETRY = RetryPolicy(base_seconds=0.02, max_seconds=0.1, send_timeout_seconds=2.0)
STORY = make_story(1)


async def load(story_id: int) -> Story | None:
    return STORY if story_id == STORY.id else None


async def prepare(path: str | Path, n: int) -> None:
    """Subscriptions and the routed story, committed; nothing delivered yet."""
    db = await open_database(path)
    await add_subscriptions(db, [ChannelRef("fake", "W1", f"C{i}") for i in range(n)], "Acme Cloud")
    async with db.write():
        await Router(db, SubscriptionStore(db), SETTINGS).route(StoryChange(STORY, (ChangeKind.CREATED,)))
    await db.close()


async def deliver_all(path: str | Path, platform: object, within: float = 5.0) -> None:
    db = await open_database(path)
    service = DeliveryService(
        db,
        {"fake": platform},  # type: ignore[dict-item]
        SETTINGS,
        limits={"fake": PlatformLimits(max_parallel=8)},
        load_story=load,
        retry=FAST_RETRY,
    )
    runner = asyncio.create_task(service.run())
    try:
        assert await service.drain(within)
        states = await db.fetchall("SELECT DISTINCT state FROM outbox")
        assert [r["state"] for r in states] == ["done"]
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
        await db.close()


@pytest.mark.parametrize("style", ["slack", "discord"])
async def test_rows_left_in_flight_are_checked_not_resent(
    tmp_path: Path, db_target: str | Path, style: str
) -> None:
    path = db_target
    await prepare(path, 6)
    db = await open_database(path)
    await db.execute("UPDATE outbox SET state='in_flight'")  # the previous process died mid-send
    rows = [r for r in [await OutboxStore(db).get(i) for i in range(1, 7)] if r is not None]
    await db.close()
    fake = FakePlatform(finds_delivered=style == "slack", idempotent_keys=style == "discord")
    for row in rows[:3]:  # ... after the platform had accepted three of them
        await fake.post_alert(row.channel, STORY, delivery_key=row.delivery_key)

    await deliver_all(path, fake)

    assert fake.posts_per_channel() == {f"C{i}": 1 for i in range(6)}
    if style == "slack":
        assert sorted(c for op, c in fake.calls if op == "find_delivered") == [f"C{i}" for i in range(6)]


async def test_service_stopped_while_sends_hang_delivers_once_after_restart(
    tmp_path: Path, db_target: str | Path
) -> None:
    path = db_target
    await prepare(path, 5)
    fake = FakePlatform()
    fake.hold = asyncio.Event()  # every message is accepted, no reply comes back
    db = await open_database(path)
    service = DeliveryService(db, {"fake": fake}, SETTINGS, load_story=load, retry=FAST_RETRY)
    runner = asyncio.create_task(service.run())
    for _ in range(200):
        if len(fake.sent) == 5:
            break
        await asyncio.sleep(0.01)
    runner.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await runner
    states = await db.fetchall("SELECT state FROM outbox")
    assert {r["state"] for r in states} == {"in_flight"}
    await db.close()
    fake.hold = None

    await deliver_all(path, fake)

    assert fake.posts_per_channel() == {f"C{i}": 1 for i in range(5)}


# -- SIGKILL ---------------------------------------------------------------------------------------

SOCKET_PLATFORM = '''
"""A ChatPlatform whose messages live in another process (the test), reached over 127.0.0.1."""
import asyncio
import json

from bot.chat.errors import TransientFailure
from bot.models import MessageRef


class SocketPlatform:
    name = "fake"

    def __init__(self, port):
        self.port = port
        self.ready = asyncio.Event()
        self.ready.set()

    async def _ask(self, **request):
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError as exc:
            raise TransientFailure(str(exc)) from exc
        try:
            writer.write(json.dumps(request).encode() + b"\\n")
            await writer.drain()
            line = await reader.readline()
        finally:
            writer.close()
        if not line:
            raise TransientFailure("connection closed")
        return json.loads(line)

    async def run(self):
        await asyncio.Event().wait()

    async def post_alert(self, channel, story, *, delivery_key):
        answer = await self._ask(op="post", channel=channel.channel, key=delivery_key)
        return MessageRef(channel, answer["id"])

    async def find_delivered(self, channel, delivery_key, *, since=None, until=None, thread=None):
        answer = await self._ask(op="find", channel=channel.channel, key=delivery_key)
        return MessageRef(channel, answer["id"]) if answer["id"] else None

    async def edit_alert(self, ref, story):
        raise NotImplementedError

    async def post_followup(self, ref, story, new_outlets, *, delivery_key=None):
        raise NotImplementedError

    async def post_digest(self, channel, stories, *, delivery_key):
        raise NotImplementedError
'''

CHILD = """
import asyncio, sys
sys.path.insert(0, sys.argv[3])
from tests_support_child import main
asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""

CHILD_MAIN = """
import asyncio
from bot.config import Settings
from tests.support.stories import make_story
from bot.delivery.limits import PlatformLimits, RetryPolicy
from bot.delivery.service import DeliveryService
from bot.store.backends import open_database
from socket_platform import SocketPlatform

STORY = make_story(1)


async def load(story_id):
    return STORY if story_id == 1 else None


async def main(path, port):
    db = await open_database(path)
    settings = Settings.model_construct(delivery_max_age_seconds=30.0, uncertain_wait_seconds=0.05)
    service = DeliveryService(db, {"fake": SocketPlatform(port)}, settings, load_story=load,
                              limits={"fake": PlatformLimits(max_parallel=8)}, retry=RetryPolicy(0.02, 0.1, 2.0))
    await service.run()
"""


def _module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("socket_platform", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
async def test_sigkill_between_accept_and_record_loses_and_doubles_nothing(
    tmp_path: Path, db_target: str | Path
) -> None:
    n, kill_at = 40, 12
    path = db_target
    await prepare(path, n)
    (tmp_path / "socket_platform.py").write_text(SOCKET_PLATFORM, encoding="utf-8")
    (tmp_path / "tests_support_child.py").write_text(textwrap.dedent(CHILD_MAIN), encoding="utf-8")

    accepted: list[tuple[str, str]] = []  # (channel, key), in the "platform"
    ids: dict[str, str] = {}
    child: asyncio.subprocess.Process | None = None

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = json.loads(await reader.readline())
        if request["op"] == "post":
            accepted.append((request["channel"], request["key"]))
            ids.setdefault(request["key"], f"m{len(accepted)}")
            if len(accepted) == kill_at and child is not None:
                os.kill(child.pid, signal.SIGKILL)  # accepted, never answered, never recorded
                writer.close()
                return
            await asyncio.sleep(0.01)
        answer = {"id": ids.get(request["key"])}
        writer.write(json.dumps(answer).encode() + b"\n")
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, str(path), str(port), str(tmp_path), cwd=str(tmp_path), env=env
    )
    assert await asyncio.wait_for(child.wait(), 20) == -signal.SIGKILL
    assert kill_at <= len(accepted) < n  # killed part-way through

    db = await open_database(path)
    in_flight = await db.fetchone("SELECT COUNT(*) FROM outbox WHERE state='in_flight'")
    await db.close()
    assert in_flight is not None and in_flight[0] >= 1  # the unrecorded one at least

    await deliver_all(path, _module(tmp_path / "socket_platform.py").SocketPlatform(port))
    server.close()
    await server.wait_closed()

    per_channel: dict[str, int] = {}
    for channel, _ in accepted:
        per_channel[channel] = per_channel.get(channel, 0) + 1
    assert per_channel == {f"C{i}": 1 for i in range(n)}


async def test_a_rolled_back_story_change_does_not_undo_delivery_bookkeeping(
    tmp_path: Path, db_target: str | Path
) -> None:
    path = db_target
    await prepare(path, 1)
    db = await open_database(path)
    fake = FakePlatform()  # Slack-like: would find the message again, but only if the row says maybe_sent
    fake.ready.clear()
    service = DeliveryService(db, {"fake": fake}, SETTINGS, load_story=load, retry=FAST_RETRY)
    runner = asyncio.create_task(service.run())
    release = asyncio.Event()

    async def failing_story_change() -> None:
        with contextlib.suppress(RuntimeError):
            async with db.write() as conn:
                await conn.execute("UPDATE subscriptions SET created_by='story engine was here'")
                await release.wait()  # the pipeline awaits other work inside its transaction
                raise RuntimeError("clustering failed: roll the story change back")

    await asyncio.sleep(0.05)  # the service has done its start-up writes and waits for the platform
    engine = asyncio.create_task(failing_story_change())
    await asyncio.sleep(0.02)
    fake.ready.set()  # delivery starts while the story change's transaction is open
    for _ in range(30):
        if fake.sent:
            break
        await asyncio.sleep(0.01)
    release.set()
    await engine
    try:
        assert await service.drain(5)
        assert fake.posts_per_channel() == {"C0": 1}
        leaked = await db.fetchone(
            "SELECT COUNT(*) FROM subscriptions WHERE created_by='story engine was here'"
        )
        assert leaked is not None and leaked[0] == 0  # the failed story change stayed rolled back
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
        await db.close()
