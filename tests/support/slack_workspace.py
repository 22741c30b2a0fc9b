"""The state of the stand-in Slack workspace (users, channels, posted messages) and Slack's answers
to the Web API methods the bot uses, apart from transport: `SlackStandIn` serves them over HTTP.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import defaultdict
from typing import Any

from .slack_payloads import message_problem

TEAM_ID = "T0STANDIN"
BOT_USER_ID = "U0BOT"
APP_ID = "A0STANDIN"
DEFAULT_USER = "U0USER"
DEFAULT_CHANNEL = "C0ALERTS"

Answer = tuple[int, dict[str, Any]]


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


class SlackWorkspace:
    """One workspace: `messages` per channel (oldest first), `users` for users.info, and
    `unavailable_channels` (channel -> error code such as "not_in_channel")."""

    def __init__(self, team_id: str = TEAM_ID) -> None:
        self.team_id = team_id
        self.messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.users: dict[str, dict[str, Any]] = {DEFAULT_USER: {"id": DEFAULT_USER, "name": "alice"}}
        self.unavailable_channels: dict[str, str] = {}
        self._last_micros = 0
        # Slack's ration of conversations.history for apps outside the Marketplace: at most this
        # many messages a call (larger `limit`s are cut), enforced with `history_rate` by the server.
        self.history_page_cap: int | None = None
        self._ids = itertools.count(1)

    def add_user(
        self, user_id: str, *, name: str = "", is_admin: bool = False, is_owner: bool = False
    ) -> None:
        self.users[user_id] = {
            "id": user_id,
            "name": name or user_id.lower(),
            "is_admin": is_admin,
            "is_owner": is_owner,
        }

    def answer(self, method: str, params: dict[str, Any]) -> Answer:
        """Slack's answer to one Web API call; unknown methods just say ok."""
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": True}
        result: Answer = handler(params)
        return result

    # -- payloads Slack sends to the app --------------------------------------------------------

    def slash_command_payload(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str = DEFAULT_USER,
        channel_id: str = DEFAULT_CHANNEL,
        team_id: str | None = None,
        response_url: str = "",
    ) -> dict[str, str]:
        """What Slack sends for a slash command (the Socket Mode payload; the HTTP form fields)."""
        return {
            "token": "deprecated-verification-token",
            "team_id": team_id or self.team_id,
            "team_domain": "standin",
            "channel_id": channel_id,
            "channel_name": "alerts",
            "user_id": user_id,
            "user_name": self.users.get(user_id, {}).get("name", "someone"),
            "command": command if command.startswith("/") else f"/{command}",
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"trigger.{next(self._ids)}",
        }

    def block_action_payload(
        self,
        action_id: str,
        value: str,
        *,
        user_id: str = DEFAULT_USER,
        channel_id: str = DEFAULT_CHANNEL,
        response_url: str = "",
    ) -> dict[str, Any]:
        """A button click on an ephemeral message (as after a slash command reply)."""
        return {
            "type": "block_actions",
            "user": {
                "id": user_id,
                "username": self.users.get(user_id, {}).get("name", ""),
                "team_id": self.team_id,
            },
            "api_app_id": APP_ID,
            "token": "deprecated-verification-token",
            "container": {
                "type": "message",
                "message_ts": "0.0",
                "channel_id": channel_id,
                "is_ephemeral": True,
            },
            "trigger_id": f"trigger.{next(self._ids)}",
            "team": {"id": self.team_id, "domain": "standin"},
            "channel": {"id": channel_id, "name": "alerts"},
            "response_url": response_url,
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b",
                    "value": value,
                    "type": "button",
                    "action_ts": "1.0",
                }
            ],
        }

    # -- Web API methods ------------------------------------------------------------------------

    def _channel_error(self, channel: str) -> dict[str, Any] | None:
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.unavailable_channels:
            return {"ok": False, "error": self.unavailable_channels[channel]}
        return None

    def _m_auth_test(self, params: dict[str, Any]) -> Answer:
        return 200, {
            "ok": True,
            "url": "https://standin.slack.com/",
            "team": "Stand-in",
            "user": "vendorbot",
            "team_id": self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": "B0BOT",
            "is_enterprise_install": False,
        }

    def _next_ts(self) -> str:
        """Slack's ts: the store time in microseconds, unique and increasing within a channel."""
        micros = max(int(time.time() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def add_other_messages(self, channel: str, count: int) -> None:
        """People talking in the channel: `count` plain messages, newer than anything so far."""
        for i in range(count):
            self.messages[channel].append(
                {"type": "message", "user": DEFAULT_USER, "ts": self._next_ts(), "text": f"chatter {i}"}
            )

    def _m_chat_postMessage(self, params: dict[str, Any]) -> Answer:
        channel = str(params.get("channel", ""))
        if (err := self._channel_error(channel)) is not None:
            return 200, err
        if not params.get("text") and not params.get("blocks"):
            return 200, {"ok": False, "error": "no_text"}
        if (problem := message_problem(params)) is not None:
            return 200, {"ok": False, "error": problem}
        ts = self._next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": "B0BOT",
            "ts": ts,
            "text": params.get("text", ""),
            "blocks": params.get("blocks") or [],
        }
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        if params.get("metadata"):
            meta = params["metadata"]
            message["metadata"] = json.loads(meta) if isinstance(meta, str) else meta
        self.messages[channel].append(message)
        return 200, {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _m_chat_update(self, params: dict[str, Any]) -> Answer:
        channel = str(params.get("channel", ""))
        if (err := self._channel_error(channel)) is not None:
            return 200, err
        if (problem := message_problem(params)) is not None:
            return 200, {"ok": False, "error": problem}
        for message in self.messages.get(channel, []):
            if message["ts"] == params.get("ts"):
                message["text"] = params.get("text", message["text"])
                message["blocks"] = params.get("blocks") or message["blocks"]
                message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
                return 200, {"ok": True, "channel": channel, "ts": message["ts"], "text": message["text"]}
        return 200, {"ok": False, "error": "message_not_found"}

    def _m_chat_postEphemeral(self, params: dict[str, Any]) -> Answer:
        channel = str(params.get("channel", ""))
        if (err := self._channel_error(channel)) is not None:
            return 200, err
        if (problem := message_problem(params)) is not None:
            return 200, {"ok": False, "error": problem}
        return 200, {"ok": True, "message_ts": self._next_ts()}

    def _m_users_info(self, params: dict[str, Any]) -> Answer:
        user = self.users.get(str(params.get("user", "")))
        if user is None:
            return 200, {"ok": False, "error": "user_not_found"}
        return 200, {"ok": True, "user": {"team_id": self.team_id, "is_bot": False, **user}}

    def _m_conversations_replies(self, params: dict[str, Any]) -> Answer:
        """A thread: its parent first, then the replies oldest first (as Slack answers), paged."""
        channel = str(params.get("channel", ""))
        if (err := self._channel_error(channel)) is not None:
            return 200, err
        parent_ts = str(params.get("ts", ""))
        thread = [m for m in self.messages.get(channel, []) if m["ts"] == parent_ts or m.get("thread_ts") == parent_ts]
        if not thread:
            return 200, {"ok": False, "error": "thread_not_found"}
        return 200, self._page(thread, params)

    def _m_conversations_history(self, params: dict[str, Any]) -> Answer:
        channel = str(params.get("channel", ""))
        if (err := self._channel_error(channel)) is not None:
            return 200, err
        newest_first = [m for m in reversed(self.messages.get(channel, [])) if "thread_ts" not in m]
        return 200, self._page(newest_first, params)

    def _page(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        """One page of `messages` (in answer order) within oldest/latest, with Slack's cursor."""
        limit = int(params.get("limit") or 100)
        if self.history_page_cap is not None:
            limit = min(limit, self.history_page_cap)
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or "inf")
        inclusive = _truthy(params.get("inclusive"))
        with_metadata = _truthy(params.get("include_all_metadata"))

        def inside(ts: float) -> bool:
            return (oldest <= ts <= latest) if inclusive else (oldest < ts < latest)

        chosen = [m for m in messages if inside(float(m["ts"]))]
        start = int(params.get("cursor") or 0)
        page = chosen[start : start + limit]
        shown = [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(chosen)
        answer: dict[str, Any] = {"ok": True, "messages": shown, "has_more": more}
        if more:
            answer["response_metadata"] = {"next_cursor": str(start + limit)}
        return answer
