"""Slash commands and the "Share in channel" button, as bolt listeners.

Every listener acknowledges first and works afterwards: Slack wants the ack within 3 seconds, and a
command may need the database or a `users.info` call. bolt (process_before_response=False) sends
the ack as soon as `ack()` is called and keeps the rest of the listener running; the reply then
goes out through `respond()` (the command's response_url), ephemeral unless the reply says
otherwise. The listeners only translate: the commands themselves live in `bot.chat.commands`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.blocks import (
    SHARE_ACTION_ID,
    SlackMessage,
    parse_share_value,
    reply_message,
    share_value,
)
from bot.adapters.slack.errors import slack_call
from bot.chat.errors import ChannelUnavailable, DeliveryError
from bot.chat.ports import CommandContext, Commands, Reply
from bot.models import ChannelRef, Story

log = logging.getLogger(__name__)

ShareStory = Callable[[ChannelRef, Story, str], Awaitable[None]]

FAILED_REPLY = Reply(text="Sorry, that command failed. The error has been logged.", error=True)


class TaskTracker:
    """The listener work still running after its ack, so that shutdown can let it finish."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    @asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._tasks.discard(task)

    def __len__(self) -> int:
        return len(self._tasks)

    async def drain(self, grace_seconds: float) -> None:
        """Wait up to `grace_seconds` for running listeners, then cancel what is left."""
        current = asyncio.current_task()
        pending = {task for task in self._tasks if task is not current and not task.done()}
        if not pending:
            return
        _, still_running = await asyncio.wait(pending, timeout=grace_seconds)
        for task in still_running:
            task.cancel()
        if still_running:
            await asyncio.wait(still_running, timeout=1.0)


def admin_check(client: AsyncWebClient, user_id: str) -> Callable[[], Awaitable[bool]]:
    """A lazy `is_admin` that pays for `users.info` only if a command asks, once per command.

    Fails closed: when Slack cannot say, the user is treated as not an admin.
    """
    answer: list[bool] = []

    async def is_admin() -> bool:
        if not answer:
            try:
                response = await slack_call(client.users_info(user=user_id), "users.info")
            except DeliveryError as err:
                log.warning("users.info failed for an admin check (%s); treating as not an admin", err)
                return False
            user = response.get("user") or {}
            answer.append(bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")))
        return answer[0]

    return is_admin


def _str(mapping: Mapping[str, Any] | None, key: str) -> str:
    value = (mapping or {}).get(key)
    return value if isinstance(value, str) else ""


def command_context(client: AsyncWebClient, body: Mapping[str, Any]) -> CommandContext:
    """A slash command payload (socket envelope payload or HTTP form) as a neutral context."""
    user_id = _str(body, "user_id")
    return CommandContext(
        channel=ChannelRef("slack", _str(body, "team_id"), _str(body, "channel_id")),
        user=user_id,
        is_admin=admin_check(client, user_id),
        user_name=_str(body, "user_name"),
    )


def action_context(client: AsyncWebClient, body: Mapping[str, Any]) -> CommandContext:
    """A block_actions payload: user, team and channel are nested objects there."""
    user = body.get("user") or {}
    team_id = _str(body.get("team"), "id") or _str(user, "team_id")
    channel_id = _str(body.get("channel"), "id") or _str(body.get("container"), "channel_id")
    user_id = _str(user, "id")
    return CommandContext(
        channel=ChannelRef("slack", team_id, channel_id),
        user=user_id,
        is_admin=admin_check(client, user_id),
        user_name=_str(user, "username") or _str(user, "name"),
    )


async def send_reply(respond: AsyncRespond, message: SlackMessage, *, ephemeral: bool, **extra: Any) -> None:
    """Post to the response_url; a failure here is logged, there is nobody else to tell."""
    try:
        response = await respond(
            **message.as_kwargs(),
            response_type="ephemeral" if ephemeral else "in_channel",
            unfurl_links=False,
            unfurl_media=False,
            **extra,
        )
    except Exception as err:
        log.warning("Could not send a command reply to Slack: %s", type(err).__name__)
        return
    if response.status_code >= 300:
        log.warning("Slack refused a command reply: HTTP %s", response.status_code)


class CommandNames:
    """Slack's names for the neutral commands: `/va-subscribe` for `subscribe` with the prefix `va-`
    (SLACK_COMMAND_PREFIX), and the bare names too when SLACK_LEGACY_COMMANDS is on. Replies written
    by the command layer name commands bare ("try /subscribe VENDOR"): `in_text` renames them."""

    def __init__(self, names: list[str], prefix: str, legacy: bool) -> None:
        self.prefix = prefix
        self.registered = [f"/{prefix}{name}" for name in names]
        if legacy and prefix:
            self.registered += [f"/{name}" for name in names]
        alternatives = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
        self._mention = re.compile(rf"(?<![\w/-])/({alternatives})(?![\w-])")

    def neutral(self, command: str) -> str:
        name = command.lstrip("/")
        return name.removeprefix(self.prefix) if self.prefix else name

    def in_text(self, text: str) -> str:
        if not self.prefix:
            return text
        return self._mention.sub(lambda m: f"/{self.prefix}{m.group(1)}", text)


class CommandListeners:
    """Registers one bolt listener per command spec and the share button's action listener."""

    def __init__(
        self,
        commands: Commands,
        client: AsyncWebClient,
        share_story: ShareStory,
        tracker: TaskTracker,
        *,
        prefix: str = "",
        legacy: bool = False,
    ) -> None:
        self._commands = commands
        self._client = client
        self._share_story = share_story
        self._tracker = tracker
        self.names = CommandNames([spec.name for spec in commands.specs], prefix, legacy)

    def register(self, app: AsyncApp) -> list[str]:
        names = self.names.registered
        for name in names:
            app.command(name)(self.on_command)
        app.action(SHARE_ACTION_ID)(self.on_share)
        return names

    async def _run(self, ctx: CommandContext, name: str, text: str) -> Reply:
        try:
            return await self._commands.run_text(ctx, name, text)
        except Exception:
            log.exception("Command /%s failed", name)
            return FAILED_REPLY

    async def on_command(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        async with self._tracker.track():
            name = self.names.neutral(_str(body, "command"))
            text = _str(body, "text")
            reply = await self._run(command_context(self._client, body), name, text)
            reply = replace(
                reply, text=self.names.in_text(reply.text), lines=tuple(map(self.names.in_text, reply.lines))
            )
            share = share_value(name, text) if reply.shareable else None
            await send_reply(
                respond, reply_message(reply, share=share), ephemeral=reply.ephemeral or reply.error
            )

    def _shareable(self, name: str) -> bool:
        return any(spec.name == name and not spec.changes_subscriptions for spec in self._commands.specs)

    async def on_share(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """Ask the same question again (the story may have grown since) and post it for everyone."""
        await ack()
        async with self._tracker.track():
            actions = body.get("actions") or [{}]
            parsed = parse_share_value(_str(actions[0], "value"))
            if parsed is None or not self._shareable(parsed[0]):
                await send_reply(
                    respond, reply_message(Reply(text="Nothing to share.", error=True)), ephemeral=True
                )
                return
            ctx = action_context(self._client, body)
            reply = await self._run(ctx, *parsed)
            if reply.story is None:
                await send_reply(respond, reply_message(reply), ephemeral=True)
                return
            try:
                await self._share_story(ctx.channel, reply.story, ctx.user)
            except ChannelUnavailable:
                problem = "I can't post in this channel. Invite me with /invite, then share again."
                await send_reply(respond, reply_message(Reply(text=problem, error=True)), ephemeral=True)
            except DeliveryError as err:
                await send_reply(
                    respond, reply_message(Reply(text=f"Could not share: {err}", error=True)), ephemeral=True
                )
            else:
                await send_reply(
                    respond, SlackMessage(text="Shared in channel."), ephemeral=True, delete_original=True
                )
