"""The operations port (BOT_HTTP_PORT) of a real running service, asked through a real HTTP client:
/healthz, /readyz, and /metrics in the Prometheus format moving when a story file is processed and its
alert delivered. Stories here are written for the test."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.adapters.slack import SlackPlatform
from bot.app import Application
from bot.config import Settings
from bot.observability.wiring import Operations
from bot.store import Store
from tests.support.app_runner import drop, running_app
from tests.support.slack_server import SlackStandIn

OKTA_STORY = """---
title: Okta discloses data breach after hackers stole customer support files
source: Test Wire
url: https://testwire.example/okta-support-breach
date: 2026-04-02
---
Okta disclosed a data breach on Thursday after hackers used a stolen support credential to access
its customer support system and steal files that customers had uploaded. The company said the
attackers downloaded session tokens belonging to a small number of customers. Okta revoked the
credential, rotated the exposed tokens and notified the affected customers. The investigation is
ongoing with an outside incident response firm.
"""


def settings_for(tmp_path: Path, stories_dir: Path, **extra: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_DB_PATH=tmp_path / "bot.sqlite3",
        BOT_STORIES_DIR=stories_dir,
        BOT_SETTLE_SECONDS=0.05,
        BOT_HTTP_PORT=0,
        BOT_HTTP_HOST="127.0.0.1",
        **extra,
    )


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


async def until(condition: Callable[[], bool], within: float = 20.0) -> None:
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - polls output written by the service under test
            await asyncio.sleep(0.02)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        yield session


async def test_health_readiness_and_metrics_that_move(
    tmp_path: Path, stories_dir: Path, http: aiohttp.ClientSession
) -> None:
    out = io.StringIO()
    app = Application(
        settings_for(tmp_path, stories_dir), console=True, stdin=io.StringIO("/subscribe okta\n"), stdout=out
    )
    async with running_app(app, within=30):
        assert app.operations is not None
        await asyncio.wait_for(app.operations.listening.wait(), 5)
        assert app.operations.address is not None
        base = f"http://127.0.0.1:{app.operations.address[1]}"

        async with http.get(f"{base}/healthz") as response:
            assert response.status == 200
        async with http.get(f"{base}/readyz") as response:
            assert response.status == 200
            ready = await response.json()
        assert ready == {
            "ready": True,
            "checks": {"database": True, "platform:console": True, "watcher": True},
        }
        await until(lambda: "Subscribed" in out.getvalue())

        async with http.get(f"{base}/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            before = await response.text()
        assert value(before, "bot_deliveries_total", platform="console", kind="post", outcome="sent") == 0
        assert value(before, "bot_outbox_depth", platform="console") == 0

        story = tmp_path / "okta-support-tool.md"
        story.write_text(OKTA_STORY, encoding="utf-8")
        drop(story, stories_dir)
        (stories_dir / "empty.md").write_bytes(b"")
        await until(lambda: "ALERT" in out.getvalue() and (stories_dir / ".rejected" / "empty.md").exists())
        assert app.delivery is not None
        assert await app.delivery.drain(10)

        async with http.get(f"{base}/metrics") as response:
            after = await response.text()
    assert value(after, "bot_files_processed_total", status="stored") == 1
    assert value(after, "bot_articles_stored_total") == 1
    assert value(after, "bot_files_rejected_total", reason="empty") == 1
    assert value(after, "bot_story_changes_total", kind="created") == 1
    assert value(after, "bot_deliveries_total", platform="console", kind="post", outcome="sent") == 1
    assert value(after, "bot_alert_latency_seconds_count", platform="console") == 1
    assert 0 < value(after, "bot_alert_latency_seconds_sum", platform="console") < 20
    assert value(after, "bot_watcher_lag_seconds_count") >= 2
    assert value(after, "bot_outbox_depth", platform="console") == 0
    assert value(after, "bot_outbox_oldest_age_seconds", platform="console") == 0
    assert value(after, "bot_dead_letters_total", platform="console") == 0


class Unconnected:
    """A platform that has not connected (yet)."""

    def __init__(self) -> None:
        self.ready = asyncio.Event()


async def test_readyz_names_what_is_not_ready(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    settings = settings_for(tmp_path, tmp_path / "stories")
    store = await Store.open(settings.db_path)
    try:
        slack = Unconnected()
        watching = [False]
        operations = Operations(settings, store.db, {"slack": slack}, watching=lambda: watching[0])
        server = asyncio.create_task(operations.run())
        await asyncio.wait_for(operations.listening.wait(), 5)
        assert operations.address is not None
        url = f"http://127.0.0.1:{operations.address[1]}/readyz"
        async with http.get(url) as response:
            assert response.status == 503
            body = await response.json()
        assert body == {"ready": False, "checks": {"database": True, "platform:slack": False, "watcher": False}}
        slack.ready.set()
        (tmp_path / "stories").mkdir()
        watching[0] = True
        async with http.get(url) as response:
            assert response.status == 200
        await store.close()
        async with http.get(url) as response:  # the database stopped answering
            assert response.status == 503
            assert (await response.json())["checks"]["database"] is False
        server.cancel()
        with pytest.raises(asyncio.CancelledError):
            await server
    finally:
        await store.close()


async def test_without_the_setting_nothing_listens(tmp_path: Path, stories_dir: Path) -> None:
    settings = Settings(_env_file=None, BOT_DB_PATH=tmp_path / "db.sqlite3", BOT_STORIES_DIR=stories_dir)  # type: ignore[call-arg]
    app = Application(settings, console=True, stdin=io.StringIO(""), stdout=io.StringIO())
    async with running_app(app, within=30):
        assert app.operations is not None
        assert not app.operations.enabled
        assert app.operations.address is None


async def test_shares_the_slack_http_port(tmp_path: Path, stories_dir: Path, http: aiohttp.ClientSession) -> None:
    """Slack in HTTP mode on BOT_HTTP_PORT: one server answers Slack and the operations endpoints."""
    async with SlackStandIn() as slack:
        settings = settings_for(
            tmp_path,
            stories_dir,
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_SIGNING_SECRET="a-signing-secret",
            SLACK_API_URL=slack.api_url,
            SLACK_HTTP_HOST="127.0.0.1",
            SLACK_HTTP_PORT=0,
        )
        app = Application(settings)
        async with running_app(app, within=30):
            assert app.operations is not None and app.operations.shared_with_slack
            assert app.operations.address is None  # no second server
            platform = app.platforms["slack"]
            assert isinstance(platform, SlackPlatform) and platform.http_address is not None
            base = f"http://127.0.0.1:{platform.http_address[1]}"
            async with http.get(f"{base}/readyz") as response:
                assert response.status == 200
                assert (await response.json())["checks"]["platform:slack"] is True
            async with http.get(f"{base}/metrics") as response:
                assert response.status == 200
                assert "bot_outbox_depth" in await response.text()
            async with http.post(f"{base}/slack/events", data=b"x=1") as response:
                assert response.status == 401  # Slack's route is still there, still checking signatures
