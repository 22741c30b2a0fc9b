"""Routing: which subscriptions a story change concerns, turned into outbox rows.

The hand-off between the core and delivery is the outbox: `Router.route` writes "post this story in
that channel" / "edit the message you posted" / "add a follow-up" / "keep it for the digest" rows
inside the caller's transaction (the one that changed the story), and `DeliveryService` sends them.
Neither side knows how the other works.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol

from bot.config import Settings
from bot.models import ChangeKind, ChannelRef, DeliveryMode, EventType, Story, StoryChange, Subscription
from bot.store.db import Database
from bot.store.digests import DigestStore
from bot.store.outbox import OutboxState, OutboxStore

_GIVEN_UP = (OutboxState.DEAD, OutboxState.CANCELLED)


class SubscriptionSource(Protocol):
    async def for_vendors(self, vendors: Sequence[str]) -> list[Subscription]: ...


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@lru_cache(maxsize=4096)
def _word_pattern(word: str) -> re.Pattern[str]:
    """A whole-word, case-insensitive match; lookarounds instead of \\b so "C++" or ".NET" work too."""
    return re.compile(rf"(?<!\w){re.escape(word.strip())}(?!\w)", re.IGNORECASE)


def story_text(story: Story) -> str:
    """What include/exclude words are looked for in: title, summary and key facts."""
    return "\n".join([story.title, story.summary, *(fact.text for fact in story.key_facts)])


def contains_word(text: str, word: str) -> bool:
    return bool(word.strip()) and _word_pattern(word).search(text) is not None


def subscription_matches(sub: Subscription, story: Story, now: datetime) -> bool:
    """Does this subscription want this story now? Pure: vendor, no backlog, mute, disabled, filters.

    A muted or disabled subscription gets nothing at all (no post, no edit, no digest entry), and only
    stories first seen after the subscription was created are ever delivered to it.
    """
    if sub.disabled_reason:
        return False
    if sub.muted_until is not None and _aware(now) < _aware(sub.muted_until):
        return False
    wanted = sub.vendor.casefold()
    if not any(vendor.casefold() == wanted for vendor in story.vendors):
        return False
    if _aware(story.first_seen) <= _aware(sub.created_at):
        return False
    if sub.event_types and story.event_type not in sub.event_types:
        return False
    if not sub.event_types and story.event_type is EventType.OTHER:
        return False  # advertorials, webinars, opinion, how-tos: only for a subscription that asks (types other)
    if sub.include or sub.exclude:
        text = story_text(story)
        if sub.include and not any(contains_word(text, word) for word in sub.include):
            return False
        if any(contains_word(text, word) for word in sub.exclude):
            return False
    return True


class Router:
    """Turns a `StoryChange` into outbox rows. Call it inside the transaction that changed the story
    (`async with db.write(): ... await router.route(change)`); its writes join that transaction."""

    def __init__(
        self,
        db: Database,
        subscriptions: SubscriptionSource,
        settings: Settings | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        vendor_visible: Callable[[str, ChannelRef], bool] | None = None,
    ) -> None:
        """`vendor_visible` says whether a channel's workspace may be alerted for a vendor name (a name
        another workspace tracks with /track is not its to be alerted for); None: every name."""
        self._db = db
        self._vendor_visible = vendor_visible
        self._subscriptions = subscriptions
        self._outbox = OutboxStore(db)
        self._digests = DigestStore(db)
        settings = settings or Settings.model_construct()  # the defaults, no environment read
        self._coalesce = settings.edit_coalesce_seconds
        self._thread_updates = settings.thread_updates
        self._clock = clock or (lambda: datetime.now(UTC))

    async def route(self, change: StoryChange) -> int:
        """Write the rows this change causes; returns how many rows were written or updated."""
        story = change.story
        now = self._clock()
        subs = await self._subscriptions.for_vendors(story.vendors)
        visible = self._vendor_visible
        matching = sorted(
            (
                s
                for s in subs
                if subscription_matches(s, story, now) and (visible is None or visible(s.vendor, s.channel))
            ),
            key=lambda s: s.id,
        )
        # One alert per channel however many of its subscriptions match: the oldest one owns it.
        owners: dict[ChannelRef, Subscription] = {}
        digest: list[Subscription] = []
        for sub in matching:
            if sub.mode is DeliveryMode.DIGEST:
                digest.append(sub)
            else:
                owners.setdefault(sub.channel, sub)
        ts = now.timestamp()
        written = 0
        async with self._db.write():
            for sub in digest:
                written += await self._digests.add_digest_item(sub.id, story.id, now)
            states = await self._outbox.post_states(story.id)
            new = [(o.id, ch) for ch, o in owners.items() if ch not in states]
            # Posted, or about to be: an edit is a no-op at send time if the post already showed the version.
            # A post given up on (dead, cancelled) cannot be edited or threaded on.
            posted = [(o.id, ch) for ch, o in owners.items() if states.get(ch) not in (None, *_GIVEN_UP)]
            written += await self._outbox.enqueue_posts(story.id, story.version, new, ts)
            if posted:
                written += await self._outbox.enqueue_edits(
                    story.id, story.version, posted, ts, self._coalesce
                )
                if self._thread_updates and ChangeKind.NEW_SOURCE in change.kinds and change.new_outlets:
                    written += await self._outbox.enqueue_followups(
                        story.id, story.version, posted, change.new_outlets, ts, self._coalesce
                    )
        return written
