"""The opt-in operations port (BOT_HTTP_PORT): /healthz, /readyz and /metrics over aiohttp.

/healthz answers as long as the event loop does (liveness: restart the process when it stops).
/readyz runs the service's readiness checks (database answering, every enabled platform connected, the
stories folder watched) and answers 503 with the failing ones named, so an orchestrator holds traffic
or alerts without restarting. /metrics is the Prometheus text format. When Slack runs in HTTP mode on
the same port, these routes are added to Slack's web app instead of opening a second server.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from bot.observability.metrics import CONTENT_TYPE_LATEST, PrometheusTelemetry
from bot.store.operations import OutboxBacklog

log = logging.getLogger(__name__)

READINESS_TIMEOUT_SECONDS = 2.0
SHUTDOWN_GRACE_SECONDS = 2.0

Readiness = Callable[[], Awaitable[dict[str, bool]]]
Backlog = Callable[[], Awaitable[list[OutboxBacklog]]]


class OpsEndpoints:
    def __init__(
        self,
        telemetry: PrometheusTelemetry,
        readiness: Readiness,
        backlog: Backlog,
        platforms: Callable[[], Sequence[str]],
    ) -> None:
        self._telemetry = telemetry
        self._readiness = readiness
        self._backlog = backlog
        self._platforms = platforms

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/healthz", self.healthz),
            web.get("/readyz", self.readyz),
            web.get("/metrics", self.metrics),
        ]

    async def healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(self, request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
                checks = await self._readiness()
        except Exception as exc:  # a check that hangs or fails is "not ready", never a 500
            log.warning("readiness check failed: %s", exc)
            checks = {"checks": False}
        ready = all(checks.values())
        body = json.dumps({"ready": ready, "checks": checks}, sort_keys=True) + "\n"
        return web.Response(text=body, status=200 if ready else 503, content_type="application/json")

    async def metrics(self, request: web.Request) -> web.Response:
        try:
            backlog = await self._backlog()
        except Exception as exc:  # the event counters are still worth serving
            log.warning("outbox gauges not refreshed: %s", exc)
            backlog = []
        payload = self._telemetry.exposition(backlog, self._platforms())
        return web.Response(body=payload, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def serve(
    endpoints: OpsEndpoints, host: str, port: int, on_listening: Callable[[tuple[str, int]], None]
) -> None:
    """Serve the endpoints until cancelled."""
    app = web.Application()
    app.add_routes(endpoints.routes())
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE_SECONDS)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        on_listening((str(bound_host), int(bound_port)))
        log.info("operations endpoints on http://%s:%s (/healthz, /readyz, /metrics)", bound_host, bound_port)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
