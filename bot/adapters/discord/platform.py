"""The Discord adapter: one discord.py client (sharded when configured or when Discord recommends
it), slash commands from the neutral specs, alerts as embeds.

Design notes
* No privileged intents: commands arrive as interactions, alerts are sent by channel id, so the bot
  needs neither member lists nor message content. Only `guilds` is on (cheap, keeps channel types).
* Messages are sent through `PartialMessageable`s built from ids: nothing depends on caches being
  warm, which keeps memory flat however many guilds the bot is in.
* Crash safety: an alert is created with a `nonce` derived from its delivery key and
  `enforce_nonce`, so re-sending after a crash returns the message Discord already has instead of a
  duplicate. Discord offers no lookup by nonce, so `find_delivered` answers None and the outbox
  relies on that re-send.
* `allowed_mentions` is "none" on the client and again on every call.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Literal

import discord
import yarl
from discord.webhook.async_ import async_context

from bot.adapters.discord.embeds import MESSAGE_LIMIT, digest_embed, story_embed
from bot.adapters.discord.endpoints import GatewayTarget, install_webhook_adapter, redirect_client_http
from bot.adapters.discord.errors import delivery_errors
from bot.adapters.discord.escape import escape, link, plain
from bot.adapters.discord.tree import NO_MENTIONS, CommandBuilder
from bot.chat.errors import PermanentFailure, TransientFailure
from bot.chat.ports import Commands
from bot.config import Settings
from bot.models import ChannelRef, MessageRef, Story

log = logging.getLogger(__name__)

NONCE_LENGTH = 24  # hex characters; Discord accepts nonces up to 25 characters
THREAD_EXISTS = 160004  # "A thread has already been created for this message"
THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440  # a day without messages
RATE_LIMIT_WAIT = 30.0  # discord.py sleeps through shorter 429s itself; longer ones reach the outbox
THREAD_CACHE = 4096
FOLLOWUP_LINK_LIMIT = 600  # a longer masked link shows its outlet unlinked


def delivery_nonce(delivery_key: str) -> str:
    """A stable nonce for one delivery (same key, same nonce), short enough for Discord."""
    return hashlib.blake2b(delivery_key.encode("utf-8"), digest_size=NONCE_LENGTH // 2).hexdigest()


def _outlet_link(outlet: str, url: str | None) -> str:
    """The outlet linked, unless its URL is so long the link would crowd out the others."""
    linked = link(outlet, url, limit=80)
    return linked if len(linked) <= FOLLOWUP_LINK_LIMIT else escape(outlet, 80)


def followup_text(story: Story, new_outlets: Sequence[str]) -> str:
    """The thread message when coverage grows: who joined (linked), and the new source count."""
    wanted = {outlet.casefold() for outlet in new_outlets}
    links = [_outlet_link(s.outlet, s.url) for s in story.sources if s.outlet.casefold() in wanted]
    if not links:
        links = [escape(outlet, 80) for outlet in new_outlets]
    count = len(story.sources)
    tail = f" · now {count} source{'s' if count != 1 else ''}"
    if story.change_notes:  # "now exploited in the wild", "CVSS 9.8 per NVD"
        tail += " · " + escape("; ".join(story.change_notes), 300)
    shown: list[str] = []
    budget = MESSAGE_LIMIT - len(tail) - 40
    for index, item in enumerate(links):
        if sum(len(x) + 2 for x in shown) + len(item) > budget:
            shown.append(f"and {len(links) - index} more")
            break
        shown.append(item)
    return "More coverage: " + ", ".join(shown) + tail


class DiscordStartupError(RuntimeError):
    """The bot cannot start on Discord (bad token, API unreachable). One line, no secrets."""


def _intents() -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    return intents


class DiscordPlatform:
    """`bot.chat.ports.ChatPlatform` for Discord."""

    name = "discord"

    def __init__(self, settings: Settings, commands: Commands) -> None:
        if settings.discord_token is None:
            raise ValueError("DISCORD_TOKEN is not set")
        self.ready = asyncio.Event()
        self._settings = settings
        self._token = settings.discord_token
        self._builder = CommandBuilder(settings, commands)
        self._client: discord.Client | None = None
        self._threads: OrderedDict[str, str] = OrderedDict()
        self.tree: discord.app_commands.CommandTree[discord.Client] | None = None

    # -- running -----------------------------------------------------------------------------------

    async def run(self) -> None:
        """Log in, sync commands, connect; until cancelled. Switches to `AutoShardedClient` when a
        shard count is configured or `GET /gateway/bot` recommends more than one shard."""
        adapter = install_webhook_adapter(self._settings.discord_api_url)
        sharded = self._settings.discord_shard_count is not None
        try:
            while True:
                gateway = GatewayTarget(self._settings.discord_gateway_url)
                client = self._new_client(sharded, gateway)
                self._client = client
                async with client:
                    await self._login(client)
                    recommended = await self._discover_gateway(client, gateway)
                    if not sharded and recommended > 1:
                        log.info(
                            "Discord recommends %d shards: reconnecting with AutoShardedClient", recommended
                        )
                        sharded = True
                        continue
                    await self._sync_commands()
                    await self._connect(client)
                return
        finally:
            self.ready.clear()
            self._client = None
            if adapter is not None:
                async_context.reset(adapter)

    async def _login(self, client: discord.Client) -> None:
        """A rejected token stops start-up; an unreachable Discord (network, 5xx) is retried with
        backoff (BOT_STARTUP_RETRY=true) or stops it (false), as on Slack."""
        delay = 1.0
        while True:
            try:
                await client.login(self._token.get_secret_value())
                break
            except discord.LoginFailure as error:
                raise DiscordStartupError("Discord rejected DISCORD_TOKEN (401 Unauthorized)") from error
            except (discord.HTTPException, OSError) as error:
                unreachable = isinstance(error, OSError | discord.DiscordServerError)
                if not unreachable:
                    raise DiscordStartupError(f"could not log in to Discord: {error}") from error
                if not self._settings.startup_retry:
                    raise DiscordStartupError(
                        f"Discord is not reachable ({error}); BOT_STARTUP_RETRY=false"
                    ) from error
                log.warning("Discord not reachable yet (%s); retrying in %.0fs", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._settings.startup_max_backoff_seconds)
        log.info("Discord: logged in as %s (application %s)", client.user, client.application_id)

    async def _connect(self, client: discord.Client) -> None:
        """Serve the gateway until cancelled. discord.py reconnects by itself after network errors;
        what reaches us is a close Discord means (4004 bad token, 4013/4014 intents, …)."""
        try:
            await client.connect(reconnect=True)
        except discord.ConnectionClosed as error:
            raise DiscordStartupError(f"Discord closed the gateway connection (code {error.code})") from error

    def _new_client(self, sharded: bool, gateway: GatewayTarget) -> discord.Client:
        # This bot never joins voice: skip discord.py's one-time "PyNaCl/davey is not installed"
        # start-up warnings, which would read like a fault to whoever runs it.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        client: discord.Client
        if sharded:
            # This worker's share of the shards (DISCORD_SHARD_IDS); the other workers run the rest.
            ids = self._settings.shard_ids
            client = discord.AutoShardedClient(
                shard_count=self._settings.discord_shard_count,
                shard_ids=ids,  # type: ignore[arg-type]  # None (every shard) is its default
                intents=_intents(),
                allowed_mentions=NO_MENTIONS,
                member_cache_flags=discord.MemberCacheFlags.none(),
                chunk_guilds_at_startup=False,
                max_messages=None,
                max_ratelimit_timeout=RATE_LIMIT_WAIT,
            )
        else:
            client = discord.Client(
                intents=_intents(),
                allowed_mentions=NO_MENTIONS,
                member_cache_flags=discord.MemberCacheFlags.none(),
                chunk_guilds_at_startup=False,
                max_messages=None,
                max_ratelimit_timeout=RATE_LIMIT_WAIT,
            )
        redirect_client_http(client.http, self._settings.discord_api_url, gateway)
        self.tree = self._builder.build(client)

        async def on_connect() -> None:
            # READY (not `on_ready`, which also waits out `guild_ready_timeout` for guild caches
            # this bot never needs). Commands were synced before connecting.
            if not self.ready.is_set():
                log.info("Discord: gateway connected")
            self.ready.set()

        client.event(on_connect)
        return client

    async def _discover_gateway(self, client: discord.Client, gateway: GatewayTarget) -> int:
        """Ask `GET /gateway/bot` (through DISCORD_API_URL) for the gateway URL and shard count."""
        try:
            shards, url, _limits = await client.http.get_bot_gateway()
        except discord.GatewayNotFound:
            log.warning("Discord: GET /gateway/bot failed; using the default gateway and one shard")
            return 1
        gateway.discovered = yarl.URL(url)
        return int(shards)

    async def _sync_commands(self) -> None:
        """Global sync (Discord propagates it within minutes) and, with DISCORD_DEV_GUILD, an instant
        copy in that guild. A failed sync is logged: the previously synced commands keep working."""
        tree = self.tree
        if tree is None:
            return
        try:
            synced = await tree.sync()
            log.info("Discord: synced %d commands", len(synced))
            guild_id = self._settings.discord_dev_guild
            if guild_id is not None:
                guild = discord.Object(id=guild_id)
                tree.copy_global_to(guild=guild)
                await tree.sync(guild=guild)
                log.info("Discord: commands also synced to dev guild %s", guild_id)
        except discord.HTTPException as error:
            log.warning("Discord: could not sync commands (the previous ones stay): %s", error)

    # -- delivery ----------------------------------------------------------------------------------

    def _connected(self) -> discord.Client:
        client = self._client
        if client is None or not self.ready.is_set():
            raise TransientFailure("Discord is not connected yet")
        return client

    def _messageable(self, channel: ChannelRef, channel_id: str | None = None) -> discord.PartialMessageable:
        client = self._connected()
        raw_id = channel_id or channel.channel
        if not raw_id.isdigit():
            raise PermanentFailure(f"not a Discord channel id: {raw_id[:40]!r}")
        guild_id = int(channel.workspace) if channel.workspace.isdigit() else None
        return client.get_partial_messageable(int(raw_id), guild_id=guild_id)

    async def post_alert(self, channel: ChannelRef, story: Story, *, delivery_key: str) -> MessageRef:
        target = self._messageable(channel)
        with delivery_errors():
            message = await target.send(
                embed=story_embed(story), nonce=delivery_nonce(delivery_key), allowed_mentions=NO_MENTIONS
            )
        return MessageRef(channel=channel, message_id=str(message.id))

    async def edit_alert(self, ref: MessageRef, story: Story) -> None:
        if not ref.message_id.isdigit():
            raise PermanentFailure(f"not a Discord message id: {ref.message_id[:40]!r}")
        message = self._messageable(ref.channel).get_partial_message(int(ref.message_id))
        with delivery_errors():
            await message.edit(embed=story_embed(story), allowed_mentions=NO_MENTIONS)

    async def post_followup(
        self, ref: MessageRef, story: Story, new_outlets: Sequence[str], *, delivery_key: str | None = None
    ) -> None:
        """With `thread_updates`, a message in the alert's thread (started on first use). With a
        delivery key it carries a nonce with `enforce_nonce`, so a resend after a crash is a no-op."""
        if not self._settings.thread_updates:
            return
        thread_id = ref.thread_id or await self._thread_for(ref, story)
        target = self._messageable(ref.channel, thread_id)
        nonce: dict[str, Any] = {"nonce": delivery_nonce(delivery_key)} if delivery_key else {}
        with delivery_errors():
            await target.send(content=followup_text(story, new_outlets), allowed_mentions=NO_MENTIONS, **nonce)

    async def _thread_for(self, ref: MessageRef, story: Story) -> str:
        """The thread on an alert. A thread started from a message has that message's id, so when
        Discord says one already exists (we started it before a restart) its id is known."""
        cached = self._threads.get(ref.message_id)
        if cached is not None:
            return cached
        client = self._connected()
        if not (ref.channel.channel.isdigit() and ref.message_id.isdigit()):
            raise PermanentFailure("not a Discord message reference")
        with delivery_errors():
            try:
                data: Any = await client.http.start_thread_with_message(
                    int(ref.channel.channel),
                    int(ref.message_id),
                    name=plain(story.title, 100) or "Updates",
                    auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                )
                thread_id = str(data["id"])
            except discord.HTTPException as error:
                if error.code != THREAD_EXISTS:
                    raise
                thread_id = ref.message_id
        self._threads[ref.message_id] = thread_id
        if len(self._threads) > THREAD_CACHE:
            self._threads.popitem(last=False)
        return thread_id

    async def post_digest(
        self, channel: ChannelRef, stories: Sequence[Story], *, delivery_key: str
    ) -> MessageRef:
        target = self._messageable(channel)
        with delivery_errors():
            message = await target.send(
                embed=digest_embed(stories), nonce=delivery_nonce(delivery_key), allowed_mentions=NO_MENTIONS
            )
        return MessageRef(channel=channel, message_id=str(message.id))

    async def find_delivered(
        self,
        channel: ChannelRef,
        delivery_key: str,
        *,
        since: float | None = None,
        until: float | None = None,
        thread: MessageRef | None = None,
    ) -> MessageRef | None:
        """Discord cannot look a message up by nonce; the nonce-enforced re-send is the recovery."""
        return None
