"""Pointing one discord.py client at `DISCORD_API_URL` / `DISCORD_GATEWAY_URL` (REST proxies,
regional relays, local stand-ins) without touching any other client in the process.

discord.py has no per-client setting for either: every REST URL is built from the class attribute
`discord.http.Route.BASE`, a plain `Client` connects to the class attribute
`DiscordWebSocket.DEFAULT_GATEWAY`, and interaction responses go through the process-wide webhook
adapter in the `discord.webhook.async_.async_context` ContextVar. Setting those class attributes
would redirect every client in the process, so instead:

* REST: this client's `HTTPClient.request` and `ws_connect` are wrapped on the *instance*; every call
  discord.py makes for this client passes through those two methods, and the route's URL is
  rebased from `Route.BASE` onto the configured base.
* Interaction callbacks and follow-ups: a rebasing `AsyncWebhookAdapter` is set in the ContextVar
  from the platform's own task (`install_webhook_adapter`). Tasks inherit the context they are
  created in, so the gateway reader and every command task discord.py spawns from it see this
  adapter, while other tasks (another platform, another client) keep the default.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from typing import Any

import aiohttp
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

log = logging.getLogger(__name__)


def rebaser(api_url: str) -> Callable[[str], str]:
    """A function moving a discord.py REST URL from `Route.BASE` onto `api_url`."""
    base = api_url.rstrip("/")

    def rebase(url: str) -> str:
        default = Route.BASE  # read at call time: discord.py may switch API versions
        return base + url[len(default) :] if url.startswith(default) else url

    return rebase


def is_default_api(api_url: str) -> bool:
    return api_url.rstrip("/") == Route.BASE


class GatewayTarget:
    """Where this client's gateway connections go.

    `configured` (DISCORD_GATEWAY_URL) replaces every gateway URL, resume URLs included, so that a
    gateway proxy stays in the path. `discovered` (what `GET /gateway/bot` answered through
    DISCORD_API_URL) only replaces discord.py's built-in default, so Discord's own
    `resume_gateway_url` is still honoured.
    """

    def __init__(self, configured: str | None) -> None:
        self.configured = yarl.URL(configured) if configured else None
        self.discovered: yarl.URL | None = None

    def resolve(self, url: str) -> str:
        asked = yarl.URL(url)
        target = self.configured
        if (
            target is None
            and self.discovered is not None
            and asked.host == DiscordWebSocket.DEFAULT_GATEWAY.host
        ):
            target = self.discovered
        if target is None:
            return url
        query = {**asked.query, **target.query}
        return str(target.with_query(query))


def redirect_client_http(http: HTTPClient, api_url: str, gateway: GatewayTarget) -> None:
    """Wrap this HTTPClient's `request` and `ws_connect` (instance attributes, see module doc)."""
    rebase = rebaser(api_url)
    original_request = http.request
    original_ws_connect = http.ws_connect

    async def request(route: Route, **kwargs: Any) -> Any:
        route.url = rebase(route.url)
        return await original_request(route, **kwargs)

    async def ws_connect(url: str, *, compress: int = 0) -> aiohttp.ClientWebSocketResponse:
        target = gateway.resolve(url)
        log.debug("gateway connect %s", target.split("?")[0])
        return await original_ws_connect(target, compress=compress)

    if not is_default_api(api_url):
        http.request = request  # type: ignore[method-assign]
    http.ws_connect = ws_connect  # type: ignore[method-assign]


class RebasedWebhookAdapter(AsyncWebhookAdapter):
    """discord.py's webhook adapter (interaction callbacks, follow-ups) on another REST base."""

    def __init__(self, api_url: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._rebase = rebaser(api_url)

    async def request(self, route: Route, session: aiohttp.ClientSession, **kwargs: Any) -> Any:
        route.url = self._rebase(route.url)
        return await super().request(route, session, **kwargs)


def install_webhook_adapter(api_url: str) -> contextvars.Token[AsyncWebhookAdapter] | None:
    """Set the rebasing adapter for the current task's context (None when the URL is Discord's)."""
    if is_default_api(api_url):
        return None
    return async_context.set(RebasedWebhookAdapter(api_url))
