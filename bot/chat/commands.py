"""Chat commands, declared once as data, with platform-neutral handlers.

Slack, Discord and the console register `COMMAND_SPECS` and call `CommandService.run/run_text`;
nothing here knows a platform. Every failure becomes a one-line `Reply(error=True)`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.chat.parsing import UsageError, parse_duration, parse_text, split_words, validate_args
from bot.chat.ports import CommandContext, Reply
from bot.chat.render import EVENT_LABELS, story_plain_text
from bot.chat.specs import CommandSpec, OptionKind, OptionSpec
from bot.config import Settings
from bot.hostnames import is_lookalike_word, latin_skeleton
from bot.intel.vendors.registry import VendorRegistry
from bot.models import DeliveryMode, EventType, Story, Subscription, Vendor
from bot.store.subscriptions import SubscriptionFilters, SubscriptionStore
from bot.store.timefmt import utcnow

log = logging.getLogger(__name__)

EVENT_CHOICES = tuple(str(t) for t in EventType)
VENDORS_PAGE = 20
_VENDOR = OptionSpec(
    "vendor", "Vendor name or alias", OptionKind.VENDOR, required=True, autocomplete="vendors"
)
_SUBSCRIBED_VENDOR = OptionSpec(
    "vendor", "Vendor name", OptionKind.VENDOR, required=True, autocomplete="subscribed_vendors"
)
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

COMMAND_SPECS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "subscribe",
        "Alert this channel about a vendor's new stories",
        (
            _VENDOR,
            OptionSpec(
                "types",
                "Only these event types (comma-separated)",
                OptionKind.CHOICES,
                choices=EVENT_CHOICES,
                keyword=True,
            ),
            OptionSpec("include", "Only stories with any of these words", OptionKind.WORDS, keyword=True),
            OptionSpec("exclude", "Skip stories with any of these words", OptionKind.WORDS, keyword=True),
            OptionSpec(
                "mode",
                "instant alerts or a daily digest",
                OptionKind.CHOICE,
                choices=("instant", "digest"),
                keyword=True,
            ),
            OptionSpec("at", "Digest time HH:MM", OptionKind.TEXT, keyword=True, max_length=5),
            OptionSpec(
                "tz", "Digest time zone, e.g. Europe/London", OptionKind.TEXT, keyword=True, max_length=64
            ),
        ),
        changes_subscriptions=True,
    ),
    CommandSpec(
        "unsubscribe",
        "Stop alerts about a vendor in this channel",
        (_SUBSCRIBED_VENDOR,),
        changes_subscriptions=True,
    ),
    CommandSpec("subscriptions", "This channel's subscriptions and their filters"),
    CommandSpec("story", "The latest story about a vendor", (_VENDOR,)),
    CommandSpec(
        "vendors",
        "Browse the vendor catalog",
        (
            OptionSpec("prefix", "Names starting with", OptionKind.TEXT, max_length=60),
            OptionSpec("page", "Page number", OptionKind.TEXT, keyword=True, max_length=4),
        ),
    ),
    CommandSpec(
        "track",
        "Track a vendor of this workspace's own",
        (
            OptionSpec("name", "Vendor name", OptionKind.TEXT, required=True, max_length=60),
            OptionSpec("aliases", "Other names, comma-separated", OptionKind.WORDS, keyword=True),
        ),
        changes_subscriptions=True,
    ),
    CommandSpec(
        "untrack",
        "Stop tracking a vendor of this workspace's own",
        (OptionSpec("name", "Vendor name", OptionKind.TEXT, required=True, max_length=60),),
        changes_subscriptions=True,
    ),
    CommandSpec(
        "mute",
        "Pause a subscription for a while",
        (
            _SUBSCRIBED_VENDOR,
            OptionSpec("duration", "e.g. 2h, 3d, 1w", OptionKind.DURATION, required=True, max_length=12),
        ),
        changes_subscriptions=True,
    ),
    CommandSpec(
        "unmute",
        "Resume a muted subscription",
        (_SUBSCRIBED_VENDOR,),
        changes_subscriptions=True,
    ),
    CommandSpec("help", "What this bot can do"),
)


class StoryReader(Protocol):
    async def latest_story_for_vendor(self, vendor: str) -> Story | None: ...


Handler = Callable[[CommandContext, dict[str, str]], Awaitable[Reply]]


def describe_subscription(sub: Subscription, now: datetime | None = None) -> str:
    now = now or utcnow()
    parts = [sub.vendor, str(sub.mode)]
    if sub.mode is DeliveryMode.DIGEST:
        parts[-1] = f"digest at {sub.digest_time} {sub.timezone}"
    parts.append("types: " + (", ".join(str(t) for t in sub.event_types) if sub.event_types else "all"))
    if sub.include:
        parts.append("include: " + ", ".join(sub.include))
    if sub.exclude:
        parts.append("exclude: " + ", ".join(sub.exclude))
    if sub.muted_until and sub.muted_until > now:
        parts.append(f"muted until {sub.muted_until:%Y-%m-%d %H:%M} UTC")
    if sub.disabled_reason:
        parts.append(f"DISABLED: {sub.disabled_reason}")
    return " · ".join(parts)


class CommandService:
    """Implements `bot.chat.specs.Commands` over the store and the vendor registry."""

    def __init__(
        self,
        settings: Settings,
        subscriptions: SubscriptionStore,
        stories: StoryReader,
        vendors: VendorRegistry,
    ) -> None:
        self._settings = settings
        self._subs = subscriptions
        self._stories = stories
        self._vendors = vendors
        self._by_name = {spec.name: spec for spec in COMMAND_SPECS}
        self._handlers: dict[str, Handler] = {
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
            "subscriptions": self._subscriptions,
            "story": self._story,
            "vendors": self._vendor_list,
            "track": self._track,
            "untrack": self._untrack,
            "mute": self._mute,
            "unmute": self._unmute,
            "help": self._help,
        }

    @property
    def specs(self) -> Sequence[CommandSpec]:
        return COMMAND_SPECS

    async def run_text(self, ctx: CommandContext, name: str, text: str) -> Reply:
        return await self._dispatch(name, ctx, lambda spec: parse_text(spec, text))

    async def run(self, ctx: CommandContext, name: str, args: Mapping[str, str]) -> Reply:
        return await self._dispatch(name, ctx, lambda spec: validate_args(spec, args))

    async def _dispatch(
        self, name: str, ctx: CommandContext, parse: Callable[[CommandSpec], dict[str, str]]
    ) -> Reply:
        spec = self._by_name.get(name.lstrip("/").lower())
        if spec is None:
            return Reply(f"Unknown command /{name.lstrip('/')[:30]}. Try /help.", error=True)
        try:
            args = parse(spec)
            gated = spec.changes_subscriptions and self._settings.subscription_permission == "admins"
            if gated and not await ctx.is_admin():
                return Reply("Only workspace admins can change subscriptions here.", error=True)
            return await self._handlers[spec.name](ctx, args)
        except UsageError as err:
            return Reply(str(err), error=True)
        except Exception:  # one bad command never takes the service down
            log.exception("command /%s failed", spec.name)
            return Reply(f"Sorry, /{spec.name} failed on our side; it has been logged.", error=True)

    async def autocomplete(self, ctx: CommandContext, source: str, prefix: str) -> list[str]:
        prefix = prefix.strip()[:60]
        if source == "subscribed_vendors":
            subs = await self._subs.for_channel(ctx.channel)
            return [s.vendor for s in subs if s.vendor.lower().startswith(prefix.lower())][:25]
        return self._vendors.catalog_for(ctx.platform, ctx.workspace).search(prefix, limit=25)

    # -- helpers ----------------------------------------------------------------------------------

    def _resolve(self, ctx: CommandContext, query: str, *, typos: bool = False) -> Vendor:
        """Name or alias in any case; a typo is forgiven only where nothing changes (`typos`), else
        the user is asked "did you mean" rather than subscribed to a vendor they did not name."""
        catalog = self._vendors.catalog_for(ctx.platform, ctx.workspace)
        vendor = catalog.lookup(query, typos=typos)
        if vendor is None:
            close = catalog.suggest(query, limit=3)
            hint = f" Did you mean {' or '.join(close)}?" if close else " Try /vendors to browse."
            raise UsageError(f"No vendor '{query[:60]}'.{hint}")
        return vendor

    # -- handlers ---------------------------------------------------------------------------------

    async def _subscribe(self, ctx: CommandContext, args: dict[str, str]) -> Reply:
        """Subscribe, or change the options given and keep the others: a plain `/subscribe okta` on a
        digest subscription stays a digest (`mode:instant` switches it back)."""
        vendor = self._resolve(ctx, args["vendor"])
        existing = await self._subs.find(ctx.channel, vendor.name)
        kept = (
            SubscriptionFilters(
                existing.event_types, existing.include, existing.exclude, existing.mode,
                existing.digest_time, existing.timezone,
            )
            if existing is not None
            else SubscriptionFilters()
        )
        mode = DeliveryMode(args["mode"].lower()) if "mode" in args else kept.mode
        digest_time = args.get("at", kept.digest_time)
        if not _TIME.match(digest_time):
            raise UsageError("at: must be a time HH:MM, e.g. at:09:00")
        hour, minute = digest_time.split(":")
        timezone = args.get("tz", kept.timezone)
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"unknown time zone '{timezone[:64]}'; use e.g. UTC or Europe/London") from None
        filters = SubscriptionFilters(
            event_types=(
                tuple(EventType(t) for t in split_words(args["types"])) if "types" in args else kept.event_types
            ),
            include=split_words(args["include"]) if "include" in args else kept.include,
            exclude=split_words(args["exclude"]) if "exclude" in args else kept.exclude,
            mode=mode,
            digest_time=f"{int(hour):02d}:{minute}",
            timezone=timezone,
        )
        if existing is not None and filters == kept and existing.disabled_reason is None:
            return Reply(
                f"This channel already gets {vendor.name}; nothing changed. {describe_subscription(existing)}",
                ephemeral=True,
            )
        sub, created = await self._subs.upsert(ctx.channel, vendor.name, filters, user=ctx.user)
        verb = "Subscribed" if created else "Updated the subscription of"
        when = (
            f"a daily digest at {sub.digest_time} {sub.timezone}"
            if mode is DeliveryMode.DIGEST
            else "an alert for every new story from now on (no backlog)"
        )
        text = f"{verb} this channel to {vendor.name}: {when}. {describe_subscription(sub)}"
        latest = await self._scoped_latest(ctx, vendor.name)
        if latest is not None:
            text += "\nLatest story, for reference:\n" + story_plain_text(latest)
        return Reply(text, story=latest, ephemeral=False)

    async def _unsubscribe(self, ctx: CommandContext, args: dict[str, str]) -> Reply:
        subs = await self._subs.for_channel(ctx.channel)
        query = args["vendor"].lower()
        match = next((s for s in subs if s.vendor.lower() == query), None)
        name = match.vendor if match else self._resolve(ctx, args["vendor"]).name
        if not await self._subs.remove(ctx.channel, name):
            return Reply(f"This channel is not subscribed to {name}.", error=True)
        return Reply(f"Unsubscribed this channel from {name}.", ephemeral=False)

    async def _subscriptions(self, ctx: CommandContext, args: dict[str, str]) -> Reply:
        subs = await self._subs.for_channel(ctx.channel)
        if not subs:
            return Reply("This channel has no subscriptions. Try /subscribe VENDOR.")
        lines = tuple(describe_subscription(s) for s in subs)
        text = f"This channel's subscriptions ({len(subs)}):\n" + "\n".join(f"• {x}" for x in lines)
        trouble = await self._subs.delivery_trouble(ctx.channel)
        if trouble is not None:
            waiting, reason, next_try = trouble
            when = datetime.fromtimestamp(next_try, UTC).strftime("%H:%M:%S UTC")
            text += (
                f"\nDelivery to this channel is waiting: {waiting} message(s) owed, next try at {when}"
                f" ({reason[:200]})"
            )
        return Reply(text, lines=lines)

    async def _scoped_latest(self, ctx: CommandContext, vendor: str) -> Story | None:
        """The latest story about a vendor, as this workspace may see it (no other workspace's names)."""
        story = await self._stories.latest_story_for_vendor(vendor)
        return None if story is None else self._vendors.story_for(story, ctx.platform, ctx.workspace)

    async def _story(self, ctx: CommandContext, args: dict[str, str]) -> Reply:
        vendor = self._resolve(ctx, args["vendor"], typos=True)
        story = await self._scoped_latest(ctx, vendor.name)
        if story is None:
            return Reply(f"No story about {vendor.name} yet.")
        return Reply(story_plain_text(story), story=story, shareable=True)

    async def _vendor_list(self, ctx: CommandContext, args: dict[str, str]) -> Reply:
        catalog = self._vendors.catalog_for(ctx.platform, ctx.workspace)
        prefix = args.get("prefix", "")
        names = _starting_with(catalog.vendors, prefix)
        if not names:
            return Reply(f"No vendor starts with '{prefix[:60]}'.")
        pages = (len(names) + VENDORS_PAGE - 1) // VENDORS_PAGE
        try:
            page = max(1, min(pages, int(args.get("page", "1"))))
        except ValueError:
            raise UsageError("page: must be a number, e.g. page:2") from None
        shown = tuple(names[(page - 1) * VENDORS_PAGE : page * VENDORS_PAGE])
        head = f"Vendors{f' matching {prefix!r}' if prefix else ''}: page {page} of {pages} ({len(names)} in all)"
        more = f"\nNext: /vendors {prefix + ' ' if prefix else ''}page:{page + 1}" if page < pages else ""
        return Reply(head + "\n" + ", ".join(shown) + more, lines=shown)

    async def _track(self, ctx: CommandContext, args: dict[str, str]) -> Reply:
        name = args["name"].strip()
        if not re.fullmatch(r"[\w .&+\-']{2,60}", name):
            raise UsageError("a vendor name is 2-60 letters, digits, spaces or . & + - '")
        if any(is_lookalike_word(word) for word in re.findall(r"\w+", name)):
            # "Оkta" with a Cyrillic О would be a second vendor that reads like a catalog one.
            twin = self._vendors.base.get(latin_skeleton(name)) or self._vendors.base.lookup(latin_skeleton(name))
            like = f" (it reads like {twin.name})" if twin is not None else ""
            raise UsageError(f"'{name}' mixes letters from different alphabets{like}; type it in one alphabet")
        existing = self._vendors.base.get(name) or self._vendors.base.lookup(name)
        if existing is not None and existing.name.lower() == name.lower():
            raise UsageError(f"{existing.name} is already in the catalog; /subscribe {existing.name}")
        aliases = split_words(args.get("aliases", ""))
        known = await self._subs.tracked(ctx.platform, ctx.workspace)
        same = next((v for v in known if v.name.casefold() == name.casefold()), None)
        if same is not None and same.name == name and tuple(same.aliases) == tuple(aliases):
            return Reply(f"This workspace already tracks {name}; nothing changed. /subscribe {name} for alerts.")
        await self._subs.track(ctx.platform, ctx.workspace, name, aliases)
        await self._vendors.reload()
        also = f" (also: {', '.join(aliases)})" if aliases else ""
        return Reply(
            f"Now tracking {name}{also} in this workspace, for articles from now on. "
            f"/subscribe {name} to get alerts.",
            ephemeral=False,
        )

    async def _untrack(self, ctx: CommandContext, args: dict[str, str]) -> Reply:
        if not await self._subs.untrack(ctx.platform, ctx.workspace, args["name"]):
            return Reply(f"This workspace does not track '{args['name'][:60]}'.", error=True)
        await self._vendors.reload()
        return Reply(f"Stopped tracking {args['name']}.", ephemeral=False)

    async def _mute(self, ctx: CommandContext, args: dict[str, str]) -> Reply:
        vendor = self._resolve(ctx, args["vendor"])
        until = utcnow() + parse_duration(args["duration"])
        if not await self._subs.mute(ctx.channel, vendor.name, until):
            return Reply(f"This channel is not subscribed to {vendor.name}.", error=True)
        return Reply(f"Muted {vendor.name} here until {until:%Y-%m-%d %H:%M} UTC.", ephemeral=False)

    async def _unmute(self, ctx: CommandContext, args: dict[str, str]) -> Reply:
        vendor = self._resolve(ctx, args["vendor"])
        existing = await self._subs.find(ctx.channel, vendor.name)
        if existing is None:
            return Reply(f"This channel is not subscribed to {vendor.name}.", error=True)
        if existing.muted_until is None or existing.muted_until <= utcnow():
            return Reply(f"{vendor.name} is not muted here; nothing changed.")
        await self._subs.mute(ctx.channel, vendor.name, None)
        return Reply(f"Unmuted {vendor.name} here.", ephemeral=False)

    async def _help(self, ctx: CommandContext, args: dict[str, str]) -> Reply:
        lines = tuple(f"{spec.usage} — {spec.description}" for spec in COMMAND_SPECS)
        types = ", ".join(f"{t} ({label})" for t, label in EVENT_LABELS.items())
        return Reply("Commands:\n" + "\n".join(lines) + f"\nEvent types: {types}", lines=lines)


def _starting_with(vendors: Iterable[Vendor], prefix: str) -> list[str]:
    """/vendors PREFIX: vendors whose name starts with the prefix, then those with an alias that does
    (any case), each list alphabetical. Unlike autocomplete, no match in the middle of a word."""
    needle = prefix.strip().casefold()
    ordered = sorted(vendors, key=lambda v: v.name.casefold())
    by_name = [v.name for v in ordered if v.name.casefold().startswith(needle)]
    taken = set(by_name)
    by_alias = [
        v.name for v in ordered if v.name not in taken and any(a.casefold().startswith(needle) for a in v.aliases)
    ]
    return by_name + by_alias
