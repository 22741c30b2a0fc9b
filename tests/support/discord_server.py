"""A stand-in Discord on 127.0.0.1: REST v10 and the gateway websocket in one aiohttp app.

The real discord.py client runs against it unchanged (through DISCORD_API_URL and
DISCORD_GATEWAY_URL). It records every request, answers with the official payload shapes, keeps
messages, threads and interactions, refuses what Discord would refuse (over-long embeds, bad
command schemas, privileged intents), de-duplicates `enforce_nonce` sends, and injects faults
(429 with Retry-After, 5xx, error codes, dropped connections). Reused by delivery fault tests and
the benchmark:

    async with DiscordStandIn() as discord:
        settings = Settings(DISCORD_TOKEN=discord.token, DISCORD_API_URL=discord.api_url,
                            DISCORD_GATEWAY_URL=discord.gateway_url)
        ...
        interaction = await discord.send_command("subscribe", {"vendor": "kaspersky"})
        await interaction.answered.wait()

Pitfalls it encodes (discord.py 2.7): JSON replies carry `Content-Type: application/json` exactly;
a 429 needs a `Via` header or discord.py takes it for a Cloudflare ban; interaction callbacks are
answered with JSON because discord.py asks `with_response=1`.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from aiohttp import web

from tests.support import discord_payloads as shapes
from tests.support.discord_gateway import GatewayMixin, GatewaySession
from tests.support.discord_interactions import InteractionsMixin, StandInInteraction
from tests.support.discord_payloads import error_response, json_response
from tests.support.rate_windows import SlidingWindows, admit

__all__ = ["DiscordStandIn", "Fault", "RecordedRequest", "StandInInteraction"]

API_PREFIX = "/api/v10"
BODY = web.RequestKey("body", object)
MESSAGE_ROUTE = re.compile(r"/channels/(\d+)/messages(?:/\d+)?")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class RecordedRequest:
    method: str
    path: str  # without /api/v10
    query: dict[str, str]
    body: Any
    authorized: bool  # carried `Authorization: Bot <token>`
    at: float


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    code: int = 0
    message: str = ""
    retry_after: float = 0.0
    global_limit: bool = False
    via: bool = True
    disconnect: bool = False
    times: int = 1


class DiscordStandIn(GatewayMixin, InteractionsMixin):
    def __init__(
        self,
        *,
        token: str = "stand-in-bot-token",
        recommended_shards: int = 1,
        allow_privileged_intents: bool = False,
        heartbeat_interval_ms: int = 41_250,
        nonce_window_seconds: float = 300.0,
        identify_close_code: int | None = None,
        channel_limit: tuple[int, float] | None = None,
        latency_seconds: float = 0.0,
        global_limit: tuple[int, float] | None = None,
    ) -> None:
        """`channel_limit=(n, seconds)`: Discord-style per-channel bucket for message creates/edits,
        with X-RateLimit-* headers on every answer and a 429 past `n` per window (Discord's is about
        5 per 5 s). `latency_seconds`: added to every REST answer. `global_limit=(n, seconds)`: the
        bot-wide limit over every authorized REST request (Discord's: 50 per second), a sliding
        window by arrival, answered with a global 429 and counted in `rate_limited` too."""
        self.global_limit = global_limit
        self._global = SlidingWindows((global_limit,)) if global_limit else None
        self.token = token
        self.recommended_shards = recommended_shards
        self.allow_privileged_intents = allow_privileged_intents
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.nonce_window_seconds = nonce_window_seconds
        self.identify_close_code = identify_close_code  # answer IDENTIFY by closing with this code
        self.channel_limit = channel_limit
        self.latency_seconds = latency_seconds
        self.rate_limited = 0  # 429s answered by the channel bucket
        self._buckets: dict[int, tuple[float, int]] = {}  # channel id -> (window reset time, used)
        self.app_id = shapes.snowflake()
        self.bot_user = shapes.user(self.app_id, "vendor-alerts", bot=True)
        self.guild_id = shapes.snowflake()
        self.channel_id = shapes.snowflake()
        self.user = shapes.user(shapes.snowflake(), "analyst")
        self.channels: dict[int, dict[str, Any]] = {
            self.channel_id: shapes.text_channel(self.channel_id, self.guild_id, "security-alerts")
        }
        self.forbidden: dict[int, int] = {}  # channel id -> Discord error code (403)
        self.messages: dict[int, dict[str, Any]] = {}  # created with POST /channels/{id}/messages
        self.edits: dict[int, list[dict[str, Any]]] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None: global)
        self.interactions: dict[str, StandInInteraction] = {}  # by token
        self.requests: list[RecordedRequest] = []
        self.sessions: list[GatewaySession] = []
        self.identifies: list[dict[str, Any]] = []
        self.nonce_hits = 0
        self._nonces: dict[tuple[int, str], tuple[int, float]] = {}
        self._faults: list[Fault] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------------------

    async def __aenter__(self) -> DiscordStandIn:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)
        self.port = server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for session in list(self.sessions):
            await session.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- test controls -----------------------------------------------------------------------------

    def fail_next(self, method: str, path: str, status: int, **options: Any) -> Fault:
        """The next `times` requests matching `method` and the path regex (without /api/v10) fail."""
        fault = Fault(method.upper(), re.compile(path), status, **options)
        self._faults.append(fault)
        return fault

    def add_channel(self, guild_id: int | None = None, name: str = "general") -> int:
        channel_id = shapes.snowflake()
        guild = self.guild_id if guild_id is None else guild_id
        self.channels[channel_id] = shapes.text_channel(channel_id, guild or None, name)
        return channel_id

    def calls(self, method: str, path: str) -> list[RecordedRequest]:
        """Recorded requests with this method whose path fully matches the regex."""
        pattern = re.compile(path)
        return [r for r in self.requests if r.method == method.upper() and pattern.fullmatch(r.path)]

    async def wait_until(self, condition: Callable[[], bool], within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("stand-in Discord: condition not met in time")
            await asyncio.sleep(0.02)

    # -- gateway -----------------------------------------------------------------------------------

    # -- REST ----------------------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX):
            return await handler(request)
        path = request.path[len(API_PREFIX) :]
        body = (
            await request.json()
            if request.can_read_body and request.content_type == "application/json"
            else None
        )
        authorized = request.headers.get("Authorization") == f"Bot {self.token}"
        request[BODY] = body
        self.requests.append(
            RecordedRequest(request.method, path, dict(request.query), body, authorized, time.monotonic())
        )
        for fault in self._faults:
            if fault.times > 0 and fault.method == request.method and fault.path.fullmatch(path):
                fault.times -= 1
                return self._fault_response(request, fault)
        webhook = path.startswith(("/interactions/", "/webhooks/"))
        if not webhook and not authorized:
            return error_response(401, 0, "401: Unauthorized")
        if not webhook and self._global is not None and (wait := admit([self._global])) > 0:
            self.rate_limited += 1
            body = {"message": "You are being rate limited.", "retry_after": round(wait, 3), "global": True}
            headers = {"Retry-After": str(math.ceil(wait)), "Via": "1.1 google", "X-RateLimit-Global": "true"}
            return json_response(body, 429, headers)
        if self.latency_seconds:
            await asyncio.sleep(self.latency_seconds)
        bucket = MESSAGE_ROUTE.fullmatch(path) if request.method in ("POST", "PATCH") else None
        if bucket is None or self.channel_limit is None:
            return await handler(request)
        return await self._limited(request, handler, int(bucket.group(1)), self.channel_limit)

    async def _limited(
        self, request: web.Request, handler: Handler, channel_id: int, limit: tuple[int, float]
    ) -> web.StreamResponse:
        size, window = limit
        now = time.time()
        reset_at, used = self._buckets.get(channel_id, (now + window, 0))
        if now >= reset_at:
            reset_at, used = now + window, 0
        retry_after = round(reset_at - now, 3)
        if used >= size:
            self.rate_limited += 1
            body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
            headers = {
                "Retry-After": str(math.ceil(retry_after)),
                "Via": "1.1 google",
                "X-RateLimit-Scope": "user",
            }
            return json_response(body, 429, headers)
        self._buckets[channel_id] = (reset_at, used + 1)
        response = await handler(request)
        response.headers.update(
            {
                "X-RateLimit-Limit": str(size),
                "X-RateLimit-Remaining": str(size - used - 1),
                "X-RateLimit-Reset": f"{reset_at:.3f}",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Bucket": f"channel-messages-{channel_id}",
            }
        )
        return response

    def _fault_response(self, request: web.Request, fault: Fault) -> web.StreamResponse:
        if fault.disconnect:
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)
        if fault.status == 429:
            headers = {"Retry-After": str(math.ceil(fault.retry_after)), "X-RateLimit-Scope": "user"}
            if fault.via:
                headers["Via"] = "1.1 google"
            body = {
                "message": "You are being rate limited.",
                "retry_after": fault.retry_after,
                "global": fault.global_limit,
            }
            return json_response(body, 429, headers)
        return error_response(fault.status, fault.code, fault.message or f"stand-in fault {fault.status}")

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = request.path[len(API_PREFIX) :]
        body = request[BODY]
        for method, pattern, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if match and method == request.method:
                response = await handler(request, body, *[int(g) if g.isdigit() else g for g in match.groups()])
                return cast(web.StreamResponse, response)
        return error_response(404, 0, "404: Not Found")

    def _routes(self) -> list[tuple[str, str, Callable[..., Any]]]:
        return [
            ("GET", r"/users/@me", self._me),
            ("GET", r"/oauth2/applications/@me", self._application),
            ("GET", r"/gateway(?:/bot)?", self._gateway_bot),
            ("PUT", r"/applications/(\d+)/commands", self._put_commands),
            ("PUT", r"/applications/(\d+)/guilds/(\d+)/commands", self._put_commands),
            ("GET", r"/channels/(\d+)", self._get_channel),
            ("POST", r"/channels/(\d+)/messages", self._create_message),
            ("PATCH", r"/channels/(\d+)/messages/(\d+)", self._edit_message),
            ("POST", r"/channels/(\d+)/messages/(\d+)/threads", self._start_thread),
            ("POST", r"/interactions/(\d+)/([\w-]+)/callback", self._callback),
            ("POST", r"/webhooks/(\d+)/([\w-]+)", self._followup),
            ("PATCH", r"/webhooks/(\d+)/([\w-]+)/messages/(@original|\d+)", self._edit_webhook_message),
            ("GET", r"/webhooks/(\d+)/([\w-]+)/messages/(@original|\d+)", self._get_webhook_message),
        ]

    async def _me(self, request: web.Request, body: Any) -> web.Response:
        return json_response(self.bot_user)

    async def _application(self, request: web.Request, body: Any) -> web.Response:
        return json_response(shapes.application(self.app_id, self.user))

    async def _gateway_bot(self, request: web.Request, body: Any) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return json_response(
            {"url": self.gateway_url, "shards": self.recommended_shards, "session_start_limit": limit}
        )

    async def _put_commands(
        self, request: web.Request, body: Any, app_id: int, guild_id: int | None = None
    ) -> web.Response:
        if app_id != self.app_id:
            return error_response(403, 50001, "Missing Access")
        errors = shapes.command_errors(body or [])
        if errors:
            return error_response(400, 50035, "Invalid Form Body", errors)
        stored = []
        for command in body:
            saved = {
                **command,
                "id": str(shapes.snowflake()),
                "application_id": str(self.app_id),
                "version": "1",
            }
            if saved.get("default_member_permissions") is not None:  # Discord answers a string
                saved["default_member_permissions"] = str(saved["default_member_permissions"])
            if guild_id is not None:
                saved["guild_id"] = str(guild_id)
            stored.append(saved)
        self.commands[guild_id] = stored
        return json_response(stored)

    def _channel_problem(self, channel_id: int) -> web.Response | None:
        if channel_id in self.forbidden:
            code = self.forbidden[channel_id]
            return error_response(403, code, "Missing Permissions" if code == 50013 else "Missing Access")
        if channel_id not in self.channels:
            return error_response(404, 10003, "Unknown Channel")
        return None

    async def _get_channel(self, request: web.Request, body: Any, channel_id: int) -> web.Response:
        return self._channel_problem(channel_id) or json_response(self.channels[channel_id])

    async def _create_message(self, request: web.Request, body: Any, channel_id: int) -> web.Response:
        problem = self._channel_problem(channel_id)
        if problem is not None:
            return problem
        errors = shapes.message_errors(body or {}, creating=True)
        if errors:
            return error_response(400, 50035, "Invalid Form Body", errors)
        nonce = body.get("nonce")
        now = time.monotonic()
        if nonce is not None and body.get("enforce_nonce"):
            seen = self._nonces.get((channel_id, str(nonce)))
            if seen is not None and now - seen[1] < self.nonce_window_seconds:
                self.nonce_hits += 1
                return json_response(self.messages[seen[0]])
        message_id = shapes.snowflake()
        data = shapes.message(message_id, channel_id, self.bot_user, body)
        if "guild_id" in self.channels[channel_id]:
            data["guild_id"] = self.channels[channel_id]["guild_id"]
        self.messages[message_id] = data
        if nonce is not None:
            self._nonces[(channel_id, str(nonce))] = (message_id, now)
        return json_response(data)

    async def _edit_message(
        self, request: web.Request, body: Any, channel_id: int, message_id: int
    ) -> web.Response:
        problem = self._channel_problem(channel_id)
        if problem is not None:
            return problem
        stored = self.messages.get(message_id)
        if stored is None or int(stored["channel_id"]) != channel_id:
            return error_response(404, 10008, "Unknown Message")
        errors = shapes.message_errors(body or {}, creating=False)
        if errors:
            return error_response(400, 50035, "Invalid Form Body", errors)
        for key in ("content", "embeds", "components", "flags"):
            if key in body:
                stored[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        stored["edited_timestamp"] = shapes.iso_now()
        self.edits.setdefault(message_id, []).append(body)
        return json_response(stored)

    async def _start_thread(
        self, request: web.Request, body: Any, channel_id: int, message_id: int
    ) -> web.Response:
        problem = self._channel_problem(channel_id)
        if problem is not None:
            return problem
        stored = self.messages.get(message_id)
        if stored is None or int(stored["channel_id"]) != channel_id:
            return error_response(404, 10008, "Unknown Message")
        if message_id in self.channels:
            return error_response(400, 160004, "A thread has already been created for this message")
        thread = shapes.thread_channel(message_id, self.channels[channel_id], self.app_id, body or {})
        self.channels[message_id] = thread
        stored["thread"] = thread
        return json_response(thread, 201)

    def threads(self) -> list[dict[str, Any]]:
        return [c for c in self.channels.values() if c.get("type") == 11]

    # -- interactions ------------------------------------------------------------------------------
