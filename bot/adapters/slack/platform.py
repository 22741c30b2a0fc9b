"""`SlackPlatform`: the ChatPlatform for Slack, on slack-bolt's AsyncApp.

Transport: Socket Mode when `SLACK_APP_TOKEN` is set (no public URL needed), otherwise HTTP mode
with bolt's own aiohttp web app when `SLACK_SIGNING_SECRET` is set. Every Web API call, Socket
Mode's `apps.connections.open` included, goes through one `AsyncWebClient` built with
`base_url=SLACK_API_URL` (bolt copies that base URL into its per-request clients; a bare `token=`
would silently talk to slack.com).

Delivery methods raise only `bot.chat.errors` types. Posts carry message metadata with the
delivery key, so after a crash `find_delivered` can tell whether a post already went out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, Literal

from aiohttp import web
from aiohttp.typedefs import Handler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.blocks import alert_message, digest_message, followup_text
from bot.adapters.slack.errors import slack_call
from bot.adapters.slack.handlers import CommandListeners, TaskTracker
from bot.adapters.slack.history import HistoryBudget, find_by_metadata
from bot.adapters.slack.http_guard import CappedTCPSite, guard_requests
from bot.chat.errors import PermanentFailure, RateLimited, TransientFailure
from bot.chat.ports import Commands, SharedBudget
from bot.config import Settings
from bot.models import ChannelRef, MessageRef, Story

log = logging.getLogger(__name__)

ALERT_EVENT_TYPE = "vendor_alert"
DIGEST_EVENT_TYPE = "vendor_digest"
FOLLOWUP_EVENT_TYPE = "vendor_followup"
SHUTDOWN_GRACE_SECONDS = 5.0


class SlackConfigError(ValueError):
    """Slack is enabled but cannot run as configured (message says which variable to set)."""


class SlackStartupError(RuntimeError):
    """Slack refused the credentials for good (bad token, missing scope)."""


class _DropTokenUnusedWarning(logging.Filter):
    """bolt reads SLACK_BOT_TOKEN from the environment even when given a client built with that very
    token, then warns that the token "will be unused" on every start. It is the same token: drop it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


_BOLT_LOGGER = logging.getLogger("bot.adapters.slack.bolt")
_BOLT_LOGGER.addFilter(_DropTokenUnusedWarning())


def api_base_url(url: str) -> str:
    """slack_sdk joins with urljoin, which drops the last path segment without a trailing slash."""
    return url if url.endswith("/") else url + "/"


def limit_body_size(max_bytes: int) -> Any:
    """aiohttp middleware: Slack always sends a Content-Length; refuse bodies above the limit
    before bolt reads them, and refuse bodies of unknown length."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        length = request.content_length
        if length is None and request.body_exists:
            raise web.HTTPLengthRequired()
        if length is not None and length > max_bytes:
            raise web.HTTPRequestEntityTooLarge(max_size=max_bytes, actual_size=length)
        stamp = request.headers.get("X-Slack-Request-Timestamp", "0")
        if not (stamp.isascii() and stamp.isdecimal()):  # slack_sdk's int() would raise: a 500 each time
            raise web.HTTPUnauthorized()
        return await handler(request)

    return middleware


class SlackPlatform:
    """Slack: slash commands in, Block Kit alerts out."""

    name = "slack"

    def __init__(self, settings: Settings, commands: Commands, *, budgets: SharedBudget | None = None) -> None:
        """`budgets`: where the workspace's history ration is kept so that every worker on one
        database shares it (bot.store.cluster.SharedBudgets); this process alone when None."""
        if settings.slack_bot_token is None:
            raise SlackConfigError("SLACK_BOT_TOKEN is not set")
        self.mode: Literal["socket", "http"]
        if settings.slack_app_token is not None:
            self.mode = "socket"
        elif settings.slack_signing_secret is not None:
            self.mode = "http"
        else:
            raise SlackConfigError(
                "Slack needs SLACK_APP_TOKEN (Socket Mode, recommended) or SLACK_SIGNING_SECRET (HTTP mode)"
            )
        self.ready = asyncio.Event()
        self._settings = settings
        self.client = AsyncWebClient(
            token=settings.slack_bot_token.get_secret_value(),
            base_url=api_base_url(settings.slack_api_url),
            logger=logging.getLogger("bot.adapters.slack.web"),
            # Longer than Slack takes to answer a slow post, below the outbox's own send timeout.
            timeout=int(min(settings.slack_api_timeout_seconds, settings.send_timeout_seconds - 1) + 0.999),
            # No silent retries inside a call: a post retried after a reset could appear twice.
            # The outbox retries TransientFailure itself and can ask find_delivered first.
            retry_handlers=[],
        )
        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
        self.bolt = AsyncApp(
            name="vendor-alert-bot",
            client=self.client,
            signing_secret=secret,
            # Socket Mode requests are authenticated by the app token's websocket, not signatures.
            request_verification_enabled=self.mode == "http",
            logger=_BOLT_LOGGER,
        )
        self._tracker = TaskTracker()
        self.command_names = CommandListeners(
            commands,
            self.client,
            self._post_shared,
            self._tracker,
            prefix=settings.slack_command_prefix,
            legacy=settings.slack_legacy_commands,
        ).register(self.bolt)
        self.bot_user_id: str | None = None
        self._history_budget = HistoryBudget(settings.slack_history_calls_per_minute, shared=budgets)
        self.http_address: tuple[str, int] | None = None  # HTTP mode: where the server listens
        # HTTP mode: more routes on the same server (the operations endpoints when BOT_HTTP_PORT is
        # the Slack port); plain aiohttp routes, so the adapter needs to know nothing about them.
        self.extra_routes: list[web.RouteDef] = []

    # -- running -------------------------------------------------------------------------------

    async def run(self) -> None:
        """Connect and serve until cancelled; on cancel, let running commands finish briefly."""
        try:
            await self._authenticate()
            if self.mode == "socket":
                await self._serve_socket_mode()
            else:
                await self._serve_http()
        finally:
            self.ready.clear()
            await self._tracker.drain(SHUTDOWN_GRACE_SECONDS)

    async def _start_call(self, call: Callable[[], Awaitable[Any]], method: str, variable: str) -> Any:
        """A start-up call. Refused credentials stop start-up with a clear message; an unreachable
        Slack is retried with backoff (BOT_STARTUP_RETRY=true) or stops it (false), as on Discord."""
        delay = 1.0
        while True:
            try:
                return await slack_call(call(), method)
            except (TransientFailure, RateLimited) as err:
                if not self._settings.startup_retry:
                    raise SlackStartupError(f"Slack is not reachable ({err}); BOT_STARTUP_RETRY=false") from err
                wait = err.retry_after if isinstance(err, RateLimited) else delay
                log.warning("Slack not reachable yet (%s); retrying in %.0fs", err, wait)
                await asyncio.sleep(wait)
                delay = min(delay * 2, self._settings.startup_max_backoff_seconds)
            except PermanentFailure as err:
                raise SlackStartupError(f"Slack refused {variable} ({err})") from err

    async def _authenticate(self) -> None:
        """auth.test before anything else, so a wrong token fails at start-up."""
        identity = await self._start_call(self.client.auth_test, "auth.test", "SLACK_BOT_TOKEN")
        self.bot_user_id = identity.get("user_id")
        log.info("Slack: connected as %s in %s", identity.get("user"), identity.get("team"))

    async def _serve_socket_mode(self) -> None:
        assert self._settings.slack_app_token is not None
        app_token = self._settings.slack_app_token.get_secret_value()
        opened = await self._start_call(
            partial(self.client.apps_connections_open, app_token=app_token),
            "apps.connections.open",
            "SLACK_APP_TOKEN",
        )
        handler = AsyncSocketModeHandler(
            self.bolt,
            app_token,
            web_client=self.client,
            logger=logging.getLogger("bot.adapters.slack.socket"),
        )
        # The URL just issued is used for the first connection; reconnects ask for a new one.
        handler.client.wss_uri = opened["url"]
        try:
            await handler.connect_async()  # type: ignore[no-untyped-call]
            self.ready.set()
            log.info("Slack: Socket Mode connected")
            await asyncio.Event().wait()
        finally:
            await handler.close_async()  # type: ignore[no-untyped-call]
            background = [
                task
                for task in (
                    handler.client.message_processor,
                    handler.client.current_session_monitor,
                    handler.client.message_receiver,
                )
                if task is not None
            ]
            if background:
                await asyncio.wait(background, timeout=2.0)

    async def _serve_http(self) -> None:
        settings = self._settings
        web_app = self.bolt.web_app(path=settings.slack_http_path, port=settings.slack_http_port)
        web_app.middlewares.append(limit_body_size(settings.slack_max_body_bytes))
        web_app.add_routes(self.extra_routes)
        assert settings.slack_signing_secret is not None
        web_app.middlewares.append(
            guard_requests(
                settings.slack_signing_secret.get_secret_value(),
                path=settings.slack_http_path,
                body_timeout=settings.slack_http_body_timeout_seconds,
            )
        )
        runner = web.AppRunner(
            web_app,
            access_log=None,
            shutdown_timeout=SHUTDOWN_GRACE_SECONDS,
            keepalive_timeout=settings.slack_http_idle_seconds,
        )
        await runner.setup()
        try:
            site = CappedTCPSite(
                runner,
                settings.slack_http_host,
                settings.slack_http_port,
                max_connections=settings.slack_http_max_connections,
            )
            await site.start()
            host, port = runner.addresses[0][:2]
            self.http_address = (str(host), int(port))
            self.ready.set()
            log.info("Slack: HTTP mode listening on %s:%s%s", host, port, settings.slack_http_path)
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    # -- delivery ------------------------------------------------------------------------------

    async def post_alert(self, channel: ChannelRef, story: Story, *, delivery_key: str) -> MessageRef:
        metadata = {
            "event_type": ALERT_EVENT_TYPE,
            "event_payload": {"delivery_key": delivery_key, "story_id": story.id},
        }
        return await self._post(channel, alert_message(story).as_kwargs(), metadata=metadata)

    async def edit_alert(self, ref: MessageRef, story: Story) -> None:
        message = alert_message(story).as_kwargs()
        await slack_call(
            self.client.chat_update(channel=ref.channel.channel, ts=ref.message_id, **message), "chat.update"
        )

    async def post_followup(
        self, ref: MessageRef, story: Story, new_outlets: Sequence[str], *, delivery_key: str | None = None
    ) -> None:
        """A thread reply; with a delivery key it carries metadata so a crash's lookup finds it."""
        metadata = (
            {"event_type": FOLLOWUP_EVENT_TYPE, "event_payload": {"delivery_key": delivery_key, "story_id": story.id}}
            if delivery_key
            else None
        )
        await slack_call(
            self.client.chat_postMessage(
                channel=ref.channel.channel,
                thread_ts=ref.thread_id or ref.message_id,
                text=followup_text(story, new_outlets),
                unfurl_links=False,
                unfurl_media=False,
                metadata=metadata,
            ),
            "chat.postMessage",
        )

    async def post_digest(
        self, channel: ChannelRef, stories: Sequence[Story], *, delivery_key: str
    ) -> MessageRef:
        metadata = {
            "event_type": DIGEST_EVENT_TYPE,
            "event_payload": {
                "delivery_key": delivery_key,
                "story_id": stories[0].id if stories else 0,
                "story_count": len(stories),
            },
        }
        return await self._post(channel, digest_message(stories).as_kwargs(), metadata=metadata)

    async def find_delivered(
        self,
        channel: ChannelRef,
        delivery_key: str,
        *,
        since: float | None = None,
        until: float | None = None,
        thread: MessageRef | None = None,
    ) -> MessageRef | None:
        """Look for a message whose metadata carries the key, only between `since` and `until` and
        within the workspace's history budget (see `history.py`).

        Missing history scopes make this unanswerable, which is None ("cannot tell"), not an error.
        """

        async def history(**params: Any) -> Any:
            if thread is not None:  # a follow-up: the alert's replies (rationed like history)
                parent = thread.thread_id or thread.message_id
                return await slack_call(self.client.conversations_replies(ts=parent, **params), "conversations.replies")
            return await slack_call(self.client.conversations_history(**params), "conversations.history")

        try:
            ts = await find_by_metadata(
                self._history_budget,
                history,
                workspace=channel.workspace,
                channel=channel.channel,
                key=delivery_key,
                event_types=(FOLLOWUP_EVENT_TYPE,) if thread is not None else (ALERT_EVENT_TYPE, DIGEST_EVENT_TYPE),
                page_size=self._settings.slack_history_page_size,
                since=since,
                until=until,
            )
        except PermanentFailure as err:
            log.warning("Cannot look for an earlier delivery in %s: %s", channel, err)
            return None
        return MessageRef(channel=channel, message_id=ts) if ts else None

    async def _post(
        self, channel: ChannelRef, message: dict[str, Any], *, metadata: dict[str, Any] | None = None
    ) -> MessageRef:
        response = await slack_call(
            self.client.chat_postMessage(
                channel=channel.channel, unfurl_links=False, unfurl_media=False, metadata=metadata, **message
            ),
            "chat.postMessage",
        )
        ts = response.get("ts")
        if not ts:
            raise PermanentFailure("slack chat.postMessage: no ts in the answer")
        return MessageRef(channel=channel, message_id=str(ts))

    async def _post_shared(self, channel: ChannelRef, story: Story, user_id: str) -> None:
        """The share button: the story for everyone in the channel, credited to who shared it."""
        await self._post(channel, alert_message(story, shared_by=user_id).as_kwargs())
