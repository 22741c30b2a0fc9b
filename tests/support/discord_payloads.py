"""Discord API object shapes for the stand-in (users, messages, channels, interactions, commands)
and the request checks Discord itself applies, so that a payload Discord would refuse with 400 is
refused here too. Shapes follow the official discord-api-docs (API v10)."""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

DISCORD_EPOCH_MS = 1_420_070_400_000
MESSAGE_FLAG_EPHEMERAL = 1 << 6
MESSAGE_FLAG_LOADING = 1 << 7
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content
NAME = re.compile(r"^[-_\w]{1,32}$")
OPTION_TYPES = range(1, 12)

_sequence = itertools.count()


def snowflake() -> int:
    """A valid, increasing Discord id (timestamp in the high bits)."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (next(_sequence) % (1 << 22))


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


def user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
        "flags": 0,
        "public_flags": 0,
    }


def application(app_id: int, owner: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(app_id),
        "name": "Vendor Alerts (stand-in)",
        "description": "",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": owner,
        "verify_key": "0" * 64,
        "flags": 0,
        "team": None,
        "interactions_endpoint_url": None,
        "rpc_origins": [],
    }


def text_channel(channel_id: int, guild_id: int | None, name: str) -> dict[str, Any]:
    if guild_id is None:
        return {"id": str(channel_id), "type": 1, "recipients": [], "last_message_id": None, "flags": 0}
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "parent_id": None,
        "flags": 0,
    }


def thread_channel(thread_id: int, parent: Mapping[str, Any], owner_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": str(thread_id),
        "type": 11,
        "guild_id": parent.get("guild_id"),
        "parent_id": parent["id"],
        "owner_id": str(owner_id),
        "name": str(body.get("name", ""))[:100],
        "last_message_id": None,
        "message_count": 0,
        "member_count": 1,
        "rate_limit_per_user": body.get("rate_limit_per_user") or 0,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": body.get("auto_archive_duration", 1440),
            "archive_timestamp": iso_now(),
            "locked": False,
        },
    }


def message(message_id: int, channel_id: int, author: dict[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "type": 0,
        "author": author,
        "content": body.get("content") or "",
        "embeds": list(body.get("embeds") or []),
        "attachments": [],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": bool(body.get("tts", False)),
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "flags": int(body.get("flags") or 0),
        "components": list(body.get("components") or []),
    }
    if body.get("nonce") is not None:
        data["nonce"] = body["nonce"]
    return data


def interaction_member(user_data: dict[str, Any], permissions: int) -> dict[str, Any]:
    return {
        "user": user_data,
        "nick": None,
        "avatar": None,
        "roles": [],
        "joined_at": iso_now(),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "permissions": str(permissions),
        "communication_disabled_until": None,
    }


def interaction_event(
    *,
    interaction_id: int,
    app_id: int,
    token: str,
    kind: int,
    data: dict[str, Any],
    guild_id: int | None,
    channel: dict[str, Any],
    user_data: dict[str, Any],
    permissions: int,
) -> dict[str, Any]:
    """An INTERACTION_CREATE payload (type 2 command, 4 autocomplete)."""
    event: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(app_id),
        "type": kind,
        "data": data,
        "token": token,
        "version": 1,
        "channel_id": channel["id"],
        "channel": channel,
        "app_permissions": str((1 << 53) - 1),
        "locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if guild_id is not None:
        event["guild_id"] = str(guild_id)
        event["guild"] = {"id": str(guild_id), "locale": "en-US", "features": []}
        event["guild_locale"] = "en-US"
        event["member"] = interaction_member(user_data, permissions)
        event["authorizing_integration_owners"] = {"0": str(guild_id)}
        event["context"] = 0
    else:
        event["user"] = user_data
        event["authorizing_integration_owners"] = {"1": user_data["id"]}
        event["context"] = 1
    return event


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    """JSON with `Content-Type: application/json` exactly: discord.py only parses JSON when the header
    is that string, so aiohttp's `json_response` (which appends `; charset=utf-8`) will not do."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def error_response(status: int, code: int, message: str, errors: list[str] | None = None) -> web.Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = {"_errors": [{"code": "BASE_TYPE_INVALID", "message": e} for e in errors]}
    return json_response(body, status)


# -- request checks -------------------------------------------------------------------------------


def message_errors(body: Mapping[str, Any], *, creating: bool) -> list[str]:
    """Why Discord would answer 400 (50035 Invalid Form Body) to this message body."""
    errors: list[str] = []
    content = body.get("content")
    embeds = body.get("embeds") or []
    if content is not None and len(str(content)) > 2000:
        errors.append("content: Must be 2000 or fewer in length.")
    if len(embeds) > 10:
        errors.append("embeds: Must be 10 or fewer in length.")
    if creating and not content and not embeds and not body.get("components"):
        errors.append("Cannot send an empty message")  # real code 50006
    nonce = body.get("nonce")
    if nonce is not None and (not isinstance(nonce, str | int) or len(str(nonce)) > 25):
        errors.append("nonce: Must be 25 or fewer in length.")
    total = 0
    for index, embed in enumerate(embeds):
        limits = {"title": 256, "description": 4096}
        for key, limit in limits.items():
            if len(embed.get(key) or "") > limit:
                errors.append(f"embeds.{index}.{key}: Must be {limit} or fewer in length.")
            total += len(embed.get(key) or "")
        url = embed.get("url")
        if url is not None and not str(url).startswith(("http://", "https://")):
            errors.append(f"embeds.{index}.url: Not a well formed URL.")
        fields = embed.get("fields") or []
        if len(fields) > 25:
            errors.append(f"embeds.{index}.fields: Must be 25 or fewer in length.")
        for fi, field in enumerate(fields):
            if not field.get("name") or len(field["name"]) > 256:
                errors.append(f"embeds.{index}.fields.{fi}.name: Must be between 1 and 256 in length.")
            if not field.get("value") or len(field["value"]) > 1024:
                errors.append(f"embeds.{index}.fields.{fi}.value: Must be between 1 and 1024 in length.")
            total += len(field.get("name") or "") + len(field.get("value") or "")
        footer = (embed.get("footer") or {}).get("text") or ""
        if len(footer) > 2048:
            errors.append(f"embeds.{index}.footer.text: Must be 2048 or fewer in length.")
        total += len(footer)
        author = (embed.get("author") or {}).get("name") or ""
        if len(author) > 256:
            errors.append(f"embeds.{index}.author.name: Must be 256 or fewer in length.")
        total += len(author)
    if total > 6000:
        errors.append("embeds: Embed size exceeds maximum size of 6000")
    return errors


def command_errors(commands: list[Mapping[str, Any]]) -> list[str]:
    """Why Discord would refuse this bulk overwrite of application commands."""
    errors: list[str] = []
    if len({c.get("name") for c in commands}) != len(commands):
        errors.append("Application command names must be unique")
    for ci, command in enumerate(commands):
        name = str(command.get("name", ""))
        if not NAME.match(name) or name != name.lower():
            errors.append(f"{ci}.name: Command name is invalid")
        if not 1 <= len(command.get("description") or "") <= 100:
            errors.append(f"{ci}.description: Must be between 1 and 100 in length.")
        options = command.get("options") or []
        if len(options) > 25:
            errors.append(f"{ci}.options: Must be 25 or fewer in length.")
        seen_optional = False
        for oi, option in enumerate(options):
            where = f"{ci}.options.{oi}"
            oname = str(option.get("name", ""))
            if not NAME.match(oname) or oname != oname.lower():
                errors.append(f"{where}.name: Option name is invalid")
            if not 1 <= len(option.get("description") or "") <= 100:
                errors.append(f"{where}.description: Must be between 1 and 100 in length.")
            if option.get("type") not in OPTION_TYPES:
                errors.append(f"{where}.type: Value is not a valid option type")
            if option.get("required"):
                if seen_optional:
                    errors.append(f"{where}.required: Required options must be placed before non-required")
            else:
                seen_optional = True
            choices = option.get("choices") or []
            if len(choices) > 25:
                errors.append(f"{where}.choices: Must be 25 or fewer in length.")
            if choices and option.get("autocomplete"):
                errors.append(f"{where}.autocomplete: Autocomplete cannot be set with choices")
            if int(option.get("max_length") or 0) > 6000:
                errors.append(f"{where}.max_length: Must be 6000 or less.")
    return errors
