"""The stand-in Discord's interactions: INTERACTION_CREATE pushed through the gateway (typed from
the commands the bot synced), the callback (`with_response=1` is answered with JSON), follow-ups
and edits of the original response through the webhook routes. As on Discord, the first follow-up
after a deferral replaces the "thinking" message and keeps the deferral's ephemeral flag."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.support import discord_payloads as shapes
from tests.support.discord_payloads import error_response, json_response


@dataclass
class StandInInteraction:
    id: int
    token: str
    name: str
    event: dict[str, Any]
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    original: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    deferred_flags: int = 0

    @property
    def replies(self) -> list[dict[str, Any]]:
        """Every message the user saw, in order: the original response, then follow-ups."""
        return ([self.original] if self.original else []) + self.followups


class InteractionsMixin:
    """Interaction half of `DiscordStandIn` (which holds the state these methods use)."""

    app_id: int
    guild_id: int
    channel_id: int
    user: dict[str, Any]
    bot_user: dict[str, Any]
    channels: dict[int, dict[str, Any]]
    commands: dict[int | None, list[dict[str, Any]]]
    interactions: dict[str, StandInInteraction]

    if TYPE_CHECKING:  # provided by GatewayMixin

        async def dispatch(self, event: str, data: Mapping[str, Any], *, guild_id: int | None = None) -> None: ...

    def _command_schema(self, name: str, guild_id: int | None) -> dict[str, Any]:
        for scope in (guild_id, None):
            for command in self.commands.get(scope, []):
                if command["name"] == name:
                    return command
        raise KeyError(f"/{name} was never synced to the stand-in")

    def _interaction_data(
        self, name: str, values: Mapping[str, Any], guild_id: int | None, focused: str = ""
    ) -> dict[str, Any]:
        schema = self._command_schema(name, guild_id)
        types = {o["name"]: o["type"] for o in schema.get("options", [])}
        options = []
        for key, value in values.items():
            option: dict[str, Any] = {"name": key, "type": types[key], "value": value}
            if key == focused:
                option["focused"] = True
            options.append(option)
        return {"id": schema["id"], "name": name, "type": 1, "options": options}

    async def _push_interaction(
        self,
        kind: int,
        name: str,
        data: dict[str, Any],
        guild_id: int | None,
        channel_id: int | None,
        permissions: int,
    ) -> StandInInteraction:
        channel_id = channel_id or self.channel_id
        channel = self.channels.get(channel_id) or shapes.text_channel(channel_id, guild_id, "unknown")
        interaction_id = shapes.snowflake()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        event = shapes.interaction_event(
            interaction_id=interaction_id,
            app_id=self.app_id,
            token=token,
            kind=kind,
            data=data,
            guild_id=guild_id,
            channel=channel,
            user_data=self.user,
            permissions=permissions,
        )
        record = StandInInteraction(interaction_id, token, name, event)
        self.interactions[token] = record
        await self.dispatch("INTERACTION_CREATE", event, guild_id=guild_id)
        return record

    async def send_command(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        guild_id: int | None = -1,
        channel_id: int | None = None,
        permissions: int = (1 << 4) | (1 << 10) | (1 << 11),
    ) -> StandInInteraction:
        """INTERACTION_CREATE for a slash command, typed from the synced schema. `guild_id=None` is a
        DM. Default permissions: Manage Channels, View Channel, Send Messages."""
        guild = self.guild_id if guild_id == -1 else guild_id
        data = self._interaction_data(name, options or {}, guild)
        return await self._push_interaction(2, name, data, guild, channel_id, permissions)

    async def autocomplete(
        self,
        name: str,
        focused: str,
        value: str,
        others: Mapping[str, Any] | None = None,
        within: float = 5.0,
    ) -> list[dict[str, Any]]:
        """The choices the bot offers while a user types `value` into option `focused`."""
        data = self._interaction_data(name, {**(others or {}), focused: value}, self.guild_id, focused)
        record = await self._push_interaction(4, name, data, self.guild_id, None, 1 << 5)
        await asyncio.wait_for(record.answered.wait(), within)
        return list(record.callbacks[-1].get("data", {}).get("choices", []))

    def _interaction(self, token: str) -> StandInInteraction | None:
        return self.interactions.get(token)

    def _webhook_message(self, record: StandInInteraction, body: Mapping[str, Any], flags: int) -> dict[str, Any]:
        channel_id = int(record.event["channel_id"])
        data = shapes.message(shapes.snowflake(), channel_id, self.bot_user, {**body, "flags": flags})
        data["webhook_id"] = str(self.app_id)
        data["application_id"] = str(self.app_id)
        return data

    async def _callback(
        self, request: web.Request, body: Any, interaction_id: int, token: str
    ) -> web.Response:
        record = self._interaction(token)
        if record is None or record.id != interaction_id:
            return error_response(404, 10062, "Unknown interaction")
        if record.callbacks:
            return error_response(400, 40060, "Interaction has already been acknowledged.")
        record.callbacks.append(body)
        kind = body.get("type")
        answer: dict[str, Any] = {"interaction": {"id": str(record.id), "type": record.event["type"]}}
        if kind in (4, 5):
            flags = int((body.get("data") or {}).get("flags") or 0)
            if kind == 5:
                record.deferred_flags = flags | shapes.MESSAGE_FLAG_LOADING
            message = self._webhook_message(
                record, body.get("data") or {}, flags | (record.deferred_flags & 128)
            )
            record.original = message
            answer["interaction"].update(
                response_message_id=message["id"],
                response_message_loading=kind == 5,
                response_message_ephemeral=bool(flags & shapes.MESSAGE_FLAG_EPHEMERAL),
            )
            answer["resource"] = {"type": kind, "message": message}
            if kind == 4:
                record.answered.set()
        else:
            answer["resource"] = {"type": kind}
            record.answered.set()
        return json_response(answer)

    async def _followup(self, request: web.Request, body: Any, app_id: int, token: str) -> web.StreamResponse:
        record = self._interaction(token)
        if record is None or app_id != self.app_id or not record.callbacks:
            return error_response(404, 10015, "Unknown Webhook")
        errors = shapes.message_errors(body or {}, creating=True)
        if errors:
            return error_response(400, 50035, "Invalid Form Body", errors)
        if record.original is not None and record.original["flags"] & shapes.MESSAGE_FLAG_LOADING:
            # The first follow-up after a defer replaces the "thinking" message and keeps its flags.
            flags = record.deferred_flags & ~shapes.MESSAGE_FLAG_LOADING
            message = self._webhook_message(record, body, flags)
            message["id"] = record.original["id"]
            record.original = message
        else:
            message = self._webhook_message(record, body, int(body.get("flags") or 0))
            record.followups.append(message)
        record.answered.set()
        if request.query.get("wait") in ("true", "1", "True"):
            return json_response(message)
        return web.Response(status=204)

    async def _edit_webhook_message(
        self, request: web.Request, body: Any, app_id: int, token: str, which: Any
    ) -> web.Response:
        record = self._interaction(token)
        if record is None or record.original is None:
            return error_response(404, 10015, "Unknown Webhook")
        target = (
            record.original
            if which == "@original"
            else next((m for m in record.followups if m["id"] == str(which)), None)
        )
        if target is None:
            return error_response(404, 10008, "Unknown Message")
        for key in ("content", "embeds", "components"):
            if key in body:
                target[key] = body[key]
        target["flags"] = int(target["flags"]) & ~shapes.MESSAGE_FLAG_LOADING
        target["edited_timestamp"] = shapes.iso_now()
        record.answered.set()
        return json_response(target)

    async def _get_webhook_message(
        self, request: web.Request, body: Any, app_id: int, token: str, which: Any
    ) -> web.Response:
        record = self._interaction(token)
        if record is None or record.original is None:
            return error_response(404, 10015, "Unknown Webhook")
        return json_response(record.original)
