"""Slack HTTP mode that holds up against an open port: bounded connections, timeouts, no replays.

Why each piece:
* Idle connections are closed (`keepalive_timeout`, which aiohttp also applies to a connection that
  never sends a request), and at most `max_connections` are kept: a new one beyond that closes the
  oldest idle ones. Otherwise a thousand idle sockets use up the process's descriptors and every
  command, database open and story file read after that fails.
* A request body must arrive within `body_timeout` (a trickled body would otherwise hold a handler).
* Slack signs `v0:timestamp:body`; bolt refuses a timestamp older than 5 minutes but accepts the
  same signed request again inside that window, so an old `/subscribe` could be replayed to reset
  newer filters. A signature is accepted once; a copy within the window gets 401.
* A signed request whose body is not what Slack sends (form `payload` that is not a JSON object,
  a JSON body that is not an object) gets 400 here, instead of an exception (500 and a traceback)
  inside bolt.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp.web_protocol import RequestHandler
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

SIGNATURE_WINDOW_SECONDS = 5 * 60
REMEMBERED_SIGNATURES = 100_000  # a flood of valid requests cannot grow memory past this


class SeenSignatures:
    """Signatures accepted within the last five minutes (plus a margin for clock skew)."""

    def __init__(self, clock: Callable[[], float] = time.time, limit: int = REMEMBERED_SIGNATURES) -> None:
        self._clock = clock
        self._limit = limit
        self._seen: OrderedDict[str, float] = OrderedDict()

    def claim(self, signature: str) -> bool:
        """True the first time a signature is seen within the window; False for a replay."""
        now = self._clock()
        while self._seen and next(iter(self._seen.values())) < now:
            self._seen.popitem(last=False)
        if signature in self._seen:
            return False
        self._seen[signature] = now + 2 * SIGNATURE_WINDOW_SECONDS
        while len(self._seen) > self._limit:
            self._seen.popitem(last=False)
        return True

    def release(self, signature: str) -> None:
        self._seen.pop(signature, None)


def well_formed(body: bytes, content_type: str) -> bool:
    """Whether a (signed) body has the shape Slack sends: JSON object, or form fields whose
    `payload` (interactions) is a JSON object."""
    try:
        text = body.decode("utf-8")
        if content_type == "application/json":
            return isinstance(json.loads(text or "{}"), dict)
        fields = parse_qs(
            text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=200, errors="strict"
        )
    except (UnicodeDecodeError, ValueError):
        return False
    payloads = fields.get("payload")
    if payloads is None:
        return True
    try:
        return len(payloads) == 1 and isinstance(json.loads(payloads[0]), dict)
    except ValueError:
        return False


def guard_requests(
    signing_secret: str, *, path: str, body_timeout: float, seen: SeenSignatures | None = None
) -> Any:
    """aiohttp middleware (after the body-size one) for Slack's `path`: read the body within
    `body_timeout`, check the signature and that it is new, check the body's shape; then let bolt
    handle the request. Other routes on the same server (health, metrics) pass untouched."""
    verifier = SignatureVerifier(signing_secret)
    signatures = seen or SeenSignatures()

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path != path:
            return await handler(request)
        try:
            async with asyncio.timeout(body_timeout):
                body = await request.read()  # cached: bolt's own read gets the same bytes
        except TimeoutError:
            raise web.HTTPRequestTimeout() from None
        signature = request.headers.get("X-Slack-Signature", "")
        stamp = request.headers.get("X-Slack-Request-Timestamp", "0")
        if not signature.isascii() or not verifier.is_valid(body=body, timestamp=stamp, signature=signature):
            raise web.HTTPUnauthorized()
        if not signatures.claim(signature):
            log.warning("Slack HTTP: a signed request was sent again (replay); refused")
            raise web.HTTPUnauthorized(text="replayed request")
        if not well_formed(body, request.content_type):
            log.warning("Slack HTTP: signed request with a malformed body; refused")
            raise web.HTTPBadRequest(text="malformed payload")
        return await handler(request)

    return middleware


class CappedTCPSite(web.TCPSite):
    """A TCPSite that keeps at most `max_connections` open: when a new one arrives at the cap, the
    oldest connections are asked to close (an idle one closes at once, a busy one after its
    current request), so a pile of idle sockets cannot lock out the next slash command."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, *, max_connections: int) -> None:
        super().__init__(runner, host, port)
        self._max_connections = max(max_connections, 1)

    async def start(self) -> None:
        await web.BaseSite.start(self)  # registers the site with its runner
        server = self._runner.server
        assert server is not None
        cap = self._max_connections

        def factory() -> RequestHandler:
            open_now = server.connections  # oldest first
            for handler in open_now[: max(len(open_now) - cap + 1, 0)]:
                # aiohttp has no public "is idle"; a handler mid-request finishes it first.
                if getattr(handler, "_request_in_progress", False):
                    handler.close()
                else:
                    handler.force_close()
            return server()

        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(factory, self._host, self._port, reuse_address=True)
