"""The stand-in Discord's gateway: HELLO, IDENTIFY -> READY, RESUME -> RESUMED, heartbeats
acknowledged, zlib-stream compression (one compressor per connection, each message ended with a
Z_SYNC_FLUSH, as Discord does), and DISPATCH events routed to the shard that owns the guild."""

from __future__ import annotations

import json
import secrets
import zlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from tests.support import discord_payloads as shapes


class GatewaySession:
    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self.compressor = zlib.compressobj() if compress else None
        self.seq = 0
        self.session_id = secrets.token_hex(16)
        self.shard: tuple[int, int] = (0, 1)
        self.identified = False
        self.heartbeats = 0

    async def send(self, payload: Mapping[str, Any]) -> None:
        raw = json.dumps(payload)
        if self.compressor is None:
            await self.ws.send_str(raw)
        else:  # zlib-stream: one compressor per connection, every message ends on a sync flush
            chunk = self.compressor.compress(raw.encode()) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
            await self.ws.send_bytes(chunk)

    async def dispatch(self, event: str, data: Mapping[str, Any]) -> None:
        self.seq += 1
        await self.send({"op": 0, "t": event, "s": self.seq, "d": data})


class GatewayMixin:
    """Gateway half of `DiscordStandIn` (which holds the state these methods use)."""

    token: str
    sessions: list[GatewaySession]
    identifies: list[dict[str, Any]]
    allow_privileged_intents: bool
    heartbeat_interval_ms: int
    identify_close_code: int | None
    bot_user: dict[str, Any]
    app_id: int

    if TYPE_CHECKING:  # provided by DiscordStandIn

        @property
        def gateway_url(self) -> str: ...

        async def wait_until(self, condition: Callable[[], bool], within: float = 10.0) -> None: ...

    async def wait_connected(self, count: int = 1, within: float = 10.0) -> None:
        await self.wait_until(lambda: sum(s.identified for s in self.sessions) >= count, within)

    async def dispatch(self, event: str, data: Mapping[str, Any], *, guild_id: int | None = None) -> None:
        """Send a DISPATCH to the session whose shard owns `guild_id` (shard 0 for DMs)."""
        targets = [
            s
            for s in self.sessions
            if s.identified and ((guild_id >> 22) % s.shard[1] == s.shard[0] if guild_id else s.shard[0] == 0)
        ]
        if not targets:
            raise RuntimeError("no identified gateway session for this event")
        for session in targets:
            await session.dispatch(event, data)

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        compress = request.query.get("compress") == "zlib-stream"
        session = GatewaySession(ws, compress)
        self.sessions.append(session)
        try:
            await session.send(
                {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None}
            )
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._gateway_op(session, json.loads(msg.data))
        finally:
            self.sessions.remove(session)
        return ws

    async def _gateway_op(self, session: GatewaySession, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == 1:
            session.heartbeats += 1
            await session.send({"op": 11})
        elif op == 2:
            data = data if isinstance(data, dict) else {}
            self.identifies.append(data)
            if self.identify_close_code is not None:
                await session.ws.close(code=self.identify_close_code, message=b"Closed by the test.")
                return
            if data.get("token") != self.token:
                await session.ws.close(code=4004, message=b"Authentication failed.")
                return
            if int(data.get("intents", 0)) & shapes.PRIVILEGED_INTENTS and not self.allow_privileged_intents:
                await session.ws.close(code=4014, message=b"Disallowed intent(s).")
                return
            shard = data.get("shard") or [0, 1]
            session.shard = (int(shard[0]), int(shard[1]))
            ready = {
                "v": 10,
                "user": self.bot_user,
                "guilds": [],
                "session_id": session.session_id,
                "resume_gateway_url": self.gateway_url,
                "shard": list(session.shard),
                "application": {"id": str(self.app_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
            }
            await session.dispatch("READY", ready)
            session.identified = True
        elif op == 6:
            session.identified = True
            await session.dispatch("RESUMED", {})
