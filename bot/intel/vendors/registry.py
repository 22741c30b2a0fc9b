"""The vendor catalog in use: built-in + user file, plus vendors each workspace tracks with /track.

The pipeline matches articles against *all* tracked vendors (a tracked vendor is matched from the
moment it is added); commands resolve names against the built-in catalog plus the asking
workspace's own vendors. The matcher is rebuilt only when the tracked set changes.

A tracked name belongs to the workspaces that track it: a story keeps every matched name, and
`story_for` hides the names another workspace tracks before an alert, a digest or /story shows the
story in a workspace, and `visible_to` keeps such a name from routing alerts anywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.intel.ports import TrackedVendors
from bot.intel.vendors.catalog import VendorCatalog
from bot.intel.vendors.matcher import VendorMatcher
from bot.models import Article, ChannelRef, Salience, Story, Vendor


class VendorRegistry:
    def __init__(self, base: VendorCatalog, subscriptions: TrackedVendors) -> None:
        self.base = base
        self._subscriptions = subscriptions
        self._tracked: list[Vendor] = []
        self._matcher: VendorMatcher | None = None
        self._workspace_catalogs: dict[str, VendorCatalog] = {}
        self._catalog_names = frozenset(v.name.casefold() for v in base.vendors)
        self._own_names: dict[str, frozenset[str]] = {}

    async def reload(self) -> None:
        """Re-read tracked vendors from the store (after /track, /untrack, at start)."""
        self._tracked = await self._subscriptions.tracked()
        self._matcher = None
        self._workspace_catalogs.clear()
        own: dict[str, set[str]] = {}
        for vendor in self._tracked:
            own.setdefault(vendor.workspace or "", set()).add(vendor.name.casefold())
        self._own_names = {key: frozenset(names) for key, names in own.items()}

    def visible_to(self, name: str, platform: str, workspace: str) -> bool:
        """May this workspace see (and be alerted for) this vendor name? Catalog names: everyone;
        a tracked name: only the workspaces that track it; any other name (untracked since): no one."""
        folded = name.casefold()
        return folded in self._catalog_names or folded in self._own_names.get(f"{platform}:{workspace}", ())

    def story_for(self, story: Story, platform: str, workspace: str) -> Story:
        """The story as this workspace may see it: without the names other workspaces track."""
        shown = tuple(v for v in story.vendors if self.visible_to(v, platform, workspace))
        return story if shown == story.vendors else replace(story, vendors=shown)

    def visible_in(self, name: str, channel: ChannelRef) -> bool:
        return self.visible_to(name, channel.platform, channel.workspace)

    def story_for_channel(self, story: Story, channel: ChannelRef) -> Story:
        return self.story_for(story, channel.platform, channel.workspace)

    @property
    def tracked(self) -> Sequence[Vendor]:
        return self._tracked

    @property
    def extra(self) -> tuple[Vendor, ...]:
        """Tracked vendors that the built-in (+ user file) catalog lacks: what a worker adds to its own."""
        known = {v.name.lower() for v in self.base.vendors}
        return tuple(v for v in self._tracked if v.name.lower() not in known)

    @property
    def matcher(self) -> VendorMatcher:
        if self._matcher is None:
            known = {v.name.lower() for v in self.base.vendors}
            extra = [v for v in self._tracked if v.name.lower() not in known]
            catalog = self.base.with_extra(extra) if extra else self.base
            self._matcher = VendorMatcher.of(catalog)
        return self._matcher

    def catalog_for(self, platform: str, workspace: str) -> VendorCatalog:
        key = f"{platform}:{workspace}"
        catalog = self._workspace_catalogs.get(key)
        if catalog is None:
            own = [v for v in self._tracked if v.workspace == key]
            catalog = self.base.with_extra(own) if own else self.base
            self._workspace_catalogs[key] = catalog
        return catalog


def match_vendors(article: Article, registry: VendorRegistry) -> Article:
    """The article with its subject and mention vendors (matched on title and cleaned body only)."""
    return tag_vendors(article, registry.matcher)


def tag_vendors(article: Article, matcher: VendorMatcher) -> Article:
    """`match_vendors` with a matcher at hand (a parse worker builds its own from the catalog)."""
    matches = matcher.match(article.title, article.body)
    subjects = tuple(m.vendor for m in matches if m.salience is Salience.SUBJECT)
    mentions = tuple(m.vendor for m in matches if m.salience is Salience.MENTION)
    return replace(article, subjects=subjects, mentions=mentions)
