"""What BOT_HTTP_PORT turns on for one running service, built by the composition root (`bot.app`).

Without the setting the recorder is the no-op `Telemetry` and nothing listens.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from bot.config import Settings
from bot.observability.events import Telemetry
from bot.observability.metrics import PrometheusTelemetry
from bot.observability.server import OpsEndpoints, serve
from bot.store.db import Database
from bot.store.operations import OutboxBacklog, outbox_backlog, ping

log = logging.getLogger(__name__)


class Connectable(Protocol):
    ready: asyncio.Event


class Operations:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        platforms: Mapping[str, Connectable],
        watching: Callable[[], bool],
    ) -> None:
        self._settings = settings
        self._db = db
        self._platforms = platforms
        self._watching = watching
        self.enabled = settings.http_port is not None
        self.telemetry: Telemetry = PrometheusTelemetry() if self.enabled else Telemetry()
        self.address: tuple[str, int] | None = None
        self.shared_with_slack = False
        self.listening = asyncio.Event()

    def _endpoints(self) -> OpsEndpoints:
        assert isinstance(self.telemetry, PrometheusTelemetry)
        return OpsEndpoints(self.telemetry, self.readiness, self._backlog, lambda: list(self._platforms))

    async def _backlog(self) -> list[OutboxBacklog]:
        return await outbox_backlog(self._db)

    async def readiness(self) -> dict[str, bool]:
        checks: dict[str, bool] = {}
        try:
            await ping(self._db)
            checks["database"] = True
        except Exception as exc:
            log.warning("readiness: database not answering: %s", exc)
            checks["database"] = False
        for name, platform in self._platforms.items():
            checks[f"platform:{name}"] = platform.ready.is_set()
        checks["watcher"] = self._watching() and await asyncio.to_thread(Path(self._settings.stories_dir).is_dir)
        return checks

    def share_with_slack(self, slack: Any) -> None:
        """Slack in HTTP mode on BOT_HTTP_PORT already runs a web server there: add our routes to it."""
        if not self.enabled or getattr(slack, "mode", None) != "http":
            return
        if self._settings.slack_http_port != self._settings.http_port:
            return
        slack.extra_routes.extend(self._endpoints().routes())
        self.shared_with_slack = True

    async def run(self) -> None:
        """Serve the endpoints until cancelled (returns at once when disabled or shared with Slack)."""
        if not self.enabled or self.shared_with_slack:
            return
        assert self._settings.http_port is not None

        def listening(address: tuple[str, int]) -> None:
            self.address = address
            self.listening.set()

        await serve(self._endpoints(), self._settings.http_host, self._settings.http_port, listening)
