"""A stand-in Slack on 127.0.0.1: Web API, Socket Mode websocket and response_url, in one aiohttp app.

The real slack_bolt / slack_sdk code talks to it (point `SLACK_API_URL` at `slack.api_url`), so the
adapter is tested with the code that will run in production, not with mocks. It records every
call, answers like Slack does for the methods the bot uses, keeps posted messages (so
`conversations.history` can find metadata and `chat.update` can miss), and injects faults per
method: HTTP 429 with Retry-After, 5xx, Slack error codes, or delays.

    async with SlackStandIn() as slack:
        settings = Settings(_env_file=None, SLACK_BOT_TOKEN=slack.bot_token, SLACK_APP_TOKEN=slack.app_token,
                            SLACK_API_URL=slack.api_url)
        ...
        envelope_id = await slack.send_slash_command("/subscribe", "kaspersky")
        await slack.wait_ack(envelope_id)
        posts = await slack.wait_calls("chat.postMessage", 1)

Reused by the delivery fault tests and the benchmark: `calls` carry a monotonic timestamp.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from .rate_windows import SlidingWindows, admit
from .slack_payloads import message_problem
from .slack_workspace import (
    APP_ID,
    BOT_USER_ID,
    DEFAULT_CHANNEL,
    DEFAULT_USER,
    TEAM_ID,
    SlackWorkspace,
)

__all__ = ["APP_ID", "BOT_USER_ID", "DEFAULT_CHANNEL", "DEFAULT_USER", "TEAM_ID", "ApiCall", "SlackStandIn"]


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One Web API request as the stand-in saw it, and what it answered."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float  # time.monotonic() when it arrived
    status: int = 200
    ok: bool = True
    error: str | None = None

    @property
    def token(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else self.params.get("token")

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.params.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else list(blocks)

    @property
    def metadata(self) -> dict[str, Any]:
        value = self.params.get("metadata") or {}
        return json.loads(value) if isinstance(value, str) else dict(value)


@dataclass(slots=True)
class Fault:
    """What to answer instead of the real thing, for the next `times` calls of a method."""

    times: int
    status: int = 200
    error: str | None = None
    retry_after: float | str | None = None  # a string is sent as is ("inf", "nan", "soon")
    delay: float = 0.0
    body: str | None = None  # a non-JSON body (e.g. an HTML 502 page)
    channel: str | None = None  # only calls for this channel
    store_first: bool = False  # do the real thing (store the message), then answer with the fault

    def matches(self, params: Mapping[str, Any]) -> bool:
        return self.channel is None or str(params.get("channel", "")) == self.channel


@dataclass(slots=True)
class SocketConnection:
    ws: web.WebSocketResponse
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)


class SlackStandIn:
    """`async with SlackStandIn() as slack:` starts it on a random port; see the module docstring."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-standin-bot-token",
        app_token: str = "xapp-1-standin-app-token",
        team_id: str = TEAM_ID,
        check_tokens: bool = True,
        send_hello: bool = True,
        send_limits: tuple[tuple[tuple[int, float], ...], tuple[tuple[int, float], ...]] | None = None,
    ) -> None:
        """`send_limits=(per_channel, per_workspace)`: windows of (count, seconds) that chat.postMessage
        and chat.update must keep, answered with 429 + Retry-After past them and counted in
        `rate_limited` (Slack's are about one post per second per channel, and an unpublished
        workspace budget)."""
        self.send_limits = send_limits
        self.rate_limited = 0  # 429s answered for chat.postMessage / chat.update past send_limits
        self._send_windows: dict[str, SlidingWindows] = {}
        self.bot_token = bot_token
        self.app_token = app_token
        self.team_id = team_id
        self.check_tokens = check_tokens
        self.send_hello = send_hello
        self.calls: list[ApiCall] = []  # answered calls, recorded when answered
        self.received: list[str] = []  # methods of every request, recorded on arrival
        self.responses: list[dict[str, Any]] = []  # bodies POSTed to response_url
        self.refused_responses: list[dict[str, Any]] = []  # response_url bodies refused for size
        self.workspace = SlackWorkspace(team_id)
        # The workspace's state, at hand: posted messages per channel, users, unavailable channels.
        self.messages = self.workspace.messages
        self.users = self.workspace.users
        self.unavailable_channels = self.workspace.unavailable_channels
        self.sockets: list[SocketConnection] = []
        self.envelopes: list[str] = []  # envelope ids pushed down the websocket, in order
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        # (calls, seconds): conversations.history allowed that often per workspace, else 429
        # (Slack's ration for non-Marketplace apps is (1, 60.0) with `workspace.history_page_cap` 15).
        self.history_rate: tuple[int, float] | None = None
        self.history_limited = 0  # 429s answered for history calls past `history_rate`
        self._history_calls: deque[float] = deque()
        self._changed = asyncio.Condition()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # -- lifecycle ------------------------------------------------------------------------------

    async def __aenter__(self) -> SlackStandIn:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._web_api)
        app.router.add_get("/socket", self._socket)
        app.router.add_post("/respond/{token}", self._response_url)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        for conn in self.sockets:
            if not conn.ws.closed:
                await conn.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """The value for SLACK_API_URL."""
        return f"{self.base_url}/api/"

    def response_url(self) -> str:
        return f"{self.base_url}/respond/{next(self._ids)}"

    # -- test controls --------------------------------------------------------------------------

    def add_user(
        self, user_id: str, *, name: str = "", is_admin: bool = False, is_owner: bool = False
    ) -> None:
        self.workspace.add_user(user_id, name=name, is_admin=is_admin, is_owner=is_owner)

    def fail(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 200,
        error: str | None = None,
        retry_after: float | str | None = None,
        delay: float = 0.0,
        body: str | None = None,
        channel: str | None = None,
        store_first: bool = False,
    ) -> None:
        """Answer the next `times` calls of `method` with this fault instead.

        `fail("chat.postMessage", status=429, retry_after=1)` is Slack's rate limit;
        `fail(m, status=500, body="<html>")` a broken proxy; `fail(m, error="channel_not_found")` an
        ok=false answer; `fail(m, delay=5)` a slow Slack (the call is answered normally after it);
        `channel=` limits the fault to one channel; `store_first=True` keeps the message and still
        answers with the fault (Slack stored it, the answer was lost).
        """
        if status == 429 and error is None:
            error = "ratelimited"
        self._faults[method].append(
            Fault(
                times=times,
                status=status,
                error=error,
                retry_after=retry_after,
                delay=delay,
                body=body,
                channel=channel,
                store_first=store_first,
            )
        )

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    async def wait_for(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        """Wait until `predicate()` holds (checked after every recorded event)."""
        async with asyncio.timeout(within):
            async with self._changed:
                await self._changed.wait_for(predicate)

    async def wait_calls(
        self, method: str, count: int = 1, *, ok: bool | None = True, within: float = 10.0
    ) -> list[ApiCall]:
        try:
            await self.wait_for(lambda: len(self.calls_to(method, ok=ok)) >= count, within)
        except TimeoutError:
            seen = self.methods()
            raise AssertionError(
                f"expected {count} x {method} (ok={ok}) within {within}s; calls: {seen}"
            ) from None
        return self.calls_to(method, ok=ok)

    async def wait_responses(self, count: int = 1, within: float = 10.0) -> list[dict[str, Any]]:
        try:
            await self.wait_for(lambda: len(self.responses) >= count, within)
        except TimeoutError:
            raise AssertionError(f"expected {count} response_url posts, got {self.responses}") from None
        return self.responses

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- Socket Mode ----------------------------------------------------------------------------

    async def wait_connected(self, within: float = 10.0) -> SocketConnection:
        await self.wait_for(lambda: any(not c.ws.closed for c in self.sockets), within)
        return next(c for c in reversed(self.sockets) if not c.ws.closed)

    async def send_envelope(
        self, kind: str, payload: Mapping[str, Any], *, accepts_response_payload: bool = True
    ) -> str:
        conn = await self.wait_connected()
        envelope_id = f"env-{next(self._ids)}"
        self.envelopes.append(envelope_id)
        await conn.ws.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": dict(payload),
                "accepts_response_payload": accepts_response_payload,
            }
        )
        return envelope_id

    def slash_command_payload(self, command: str, text: str = "", **kwargs: Any) -> dict[str, str]:
        """What Slack sends for a slash command (Socket Mode payload / HTTP form fields)."""
        kwargs.setdefault("response_url", self.response_url())
        return self.workspace.slash_command_payload(command, text, **kwargs)

    def block_action_payload(self, action_id: str, value: str, **kwargs: Any) -> dict[str, Any]:
        """A button click on an ephemeral message (as after a slash command reply)."""
        kwargs.setdefault("response_url", self.response_url())
        return self.workspace.block_action_payload(action_id, value, **kwargs)

    async def send_slash_command(self, command: str, text: str = "", **kwargs: Any) -> str:
        """Push a `slash_commands` envelope down the websocket; returns its envelope_id."""
        return await self.send_envelope("slash_commands", self.slash_command_payload(command, text, **kwargs))

    async def click_button(self, action_id: str, value: str, **kwargs: Any) -> str:
        return await self.send_envelope("interactive", self.block_action_payload(action_id, value, **kwargs))

    async def request_reconnect(self, reason: str = "refresh_requested") -> None:
        """Slack's periodic `disconnect` message: the client must open a new connection."""
        conn = await self.wait_connected()
        await conn.ws.send_json({"type": "disconnect", "reason": reason, "debug_info": {"host": "standin"}})

    def acks(self) -> dict[str, dict[str, Any]]:
        merged: dict[str, dict[str, Any]] = {}
        for conn in self.sockets:
            merged.update(conn.acks)
        return merged

    async def wait_ack(self, envelope_id: str, within: float = 5.0) -> dict[str, Any]:
        try:
            await self.wait_for(lambda: envelope_id in self.acks(), within)
        except TimeoutError:
            raise AssertionError(f"no ack for {envelope_id} within {within}s") from None
        return self.acks()[envelope_id]

    async def wait_all_acked(self, within: float = 5.0) -> None:
        """Every envelope pushed so far was acknowledged (call before stopping the bot)."""
        try:
            await self.wait_for(lambda: set(self.envelopes) <= set(self.acks()), within)
        except TimeoutError:
            missing = sorted(set(self.envelopes) - set(self.acks()))
            raise AssertionError(f"envelopes not acknowledged within {within}s: {missing}") from None

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        conn = SocketConnection(ws)
        self.sockets.append(conn)
        if self.send_hello:
            await ws.send_json(
                {
                    "type": "hello",
                    "num_connections": len([c for c in self.sockets if not c.ws.closed]),
                    "debug_info": {"host": "standin", "approximate_connection_time": 3600},
                    "connection_info": {"app_id": APP_ID},
                }
            )
        await self._notify()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                if isinstance(data, dict) and "envelope_id" in data:
                    conn.acks[str(data["envelope_id"])] = data
                    await self._notify()
        await self._notify()
        return ws

    # -- response_url ---------------------------------------------------------------------------

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (problem := message_problem(body)) is not None:  # Slack answers 400 with the error
            self.refused_responses.append(body)
            return web.Response(status=400, text=problem)
        self.responses.append({"_url": str(request.url), **body})
        await self._notify()
        return web.Response(text="ok")

    # -- Web API --------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            raw = await request.read()
            if request.content_type == "application/json":
                params.update(json.loads(raw or b"{}"))
            else:
                params.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        return params

    async def _web_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await self._params(request)
        self.received.append(method)
        if (send_wait := self._send_wait(method, params)) > 0:
            self.rate_limited += 1
            limited = Fault(times=1, status=429, error="ratelimited", retry_after=max(round(send_wait, 3), 0.001))
            return await self._fault_answer(method, params, {}, limited)
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in ("authorization", "content-type", "user-agent")
        }
        queue = self._faults.get(method)
        fault = next((f for f in queue if f.matches(params)), None) if queue else None
        if fault is not None:
            assert queue is not None
            fault.times -= 1
            if fault.times <= 0:
                queue.remove(fault)
            if fault.store_first:
                self._answer(method, params, headers)
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status != 200 or fault.error:
                return await self._fault_answer(method, params, headers, fault)
        rationed = method in ("conversations.history", "conversations.replies")
        if rationed and (wait := self._history_wait()) is not None:
            self.history_limited += 1
            return await self._fault_answer(
                method, params, headers, Fault(times=1, status=429, error="ratelimited", retry_after=wait)
            )
        status, body = self._answer(method, params, headers)
        self.calls.append(
            ApiCall(
                method, params, headers, time.monotonic(), status, bool(body.get("ok")), body.get("error")
            )
        )
        await self._notify()
        return web.json_response(body, status=status)

    def _send_wait(self, method: str, params: dict[str, Any]) -> float:
        """0 if this post or edit keeps `send_limits` (and it counts), else the Retry-After."""
        if self.send_limits is None or method not in ("chat.postMessage", "chat.update"):
            return 0.0
        per_channel, per_workspace = self.send_limits
        channel = str(params.get("channel", ""))
        scopes = [
            self._send_windows.setdefault("", SlidingWindows(per_workspace)),
            self._send_windows.setdefault(f"#{channel}", SlidingWindows(per_channel)),
        ]
        return admit(scopes)

    def _history_wait(self) -> float | None:
        """Seconds to wait when this history call breaks `history_rate`, else None (and it counts)."""
        if self.history_rate is None:
            return None
        count, window = self.history_rate
        now = time.monotonic()
        while self._history_calls and self._history_calls[0] <= now - window:
            self._history_calls.popleft()
        if len(self._history_calls) >= count:
            return max(round(self._history_calls[0] + window - now, 3), 0.001)
        self._history_calls.append(now)
        return None

    async def _fault_answer(
        self, method: str, params: dict[str, Any], headers: dict[str, str], fault: Fault
    ) -> web.StreamResponse:
        self.calls.append(
            ApiCall(method, params, headers, time.monotonic(), fault.status, False, fault.error)
        )
        await self._notify()
        after = fault.retry_after
        extra = {"Retry-After": after if isinstance(after, str) else f"{after:g}"} if after is not None else {}
        if fault.body is not None:
            return web.Response(status=fault.status, text=fault.body, content_type="text/html", headers=extra)
        return web.json_response(
            {"ok": False, "error": fault.error or "internal_error"}, status=fault.status, headers=extra
        )

    def _answer(
        self, method: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        auth = headers.get("Authorization", "").removeprefix("Bearer ") or params.get("token", "")
        wanted = self.app_token if method == "apps.connections.open" else self.bot_token
        if self.check_tokens and auth != wanted:
            return 200, {"ok": False, "error": "invalid_auth" if auth else "not_authed"}
        if method == "apps.connections.open":
            ws_url = self.base_url.replace("http://", "ws://", 1) + f"/socket?ticket={next(self._ids)}"
            return 200, {"ok": True, "url": ws_url}
        return self.workspace.answer(method, params)
