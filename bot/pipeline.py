"""One stored file through the whole core: read, clean, match vendors, store, cluster, route.

The story change and the outbox rows it causes are written in one transaction, so a crash can
never leave a story changed without its alerts queued (or alerts queued for a change not saved).
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import logging
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.config import Settings
from bot.ingest import NotReady, RejectedFile, load_article, reject_file
from bot.intel.vendors.registry import VendorRegistry, match_vendors
from bot.models import Article, StoryChange
from bot.store import Store

log = logging.getLogger(__name__)


class StoryClusterer(Protocol):
    async def add_article(self, article: Article) -> StoryChange | None: ...


class ChangeRouter(Protocol):
    async def route(self, change: StoryChange) -> int: ...


@dataclass(frozen=True, slots=True)
class IngestResult:
    path: str
    status: str  # stored | duplicate | seen | rejected | pending
    article: Article | None = None
    change: StoryChange | None = None
    reason: str | None = None
    routed: int = 0


def _read_capped(path: Path, limit: int) -> bytes:
    # O_NONBLOCK: a FIFO (or a device behind a symlink) put in place of a story must not block the
    # read forever; only regular files are read at all.
    with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        return handle.read(limit)


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        registry: VendorRegistry,
        stories: StoryClusterer,
        router: ChangeRouter,
        on_routed: Callable[[], None] = lambda: None,
    ) -> None:
        self._settings = settings
        self._store = store
        self._registry = registry
        self._stories = stories
        self._router = router
        self._on_routed = on_routed

    def _inside_stories_dir(self, path: Path) -> bool:
        """Whether the directory entry lies in the stories folder. Lexical on purpose: a symlink in
        the folder is inside even when its target is not (resolving first let such a link be read)."""
        return Path(os.path.abspath(path)).is_relative_to(os.path.abspath(self._settings.stories_dir))

    def _escape(self, path: Path) -> str | None:
        """"link" or "folder" when the path is in the folder by name but elsewhere in fact (a symlink,
        or a file under a symlinked folder); None otherwise."""
        if not self._inside_stories_dir(path):
            return None
        try:
            if path.resolve().is_relative_to(self._settings.stories_dir.resolve()):
                return None
        except (OSError, RuntimeError):  # a symlink loop: the read below reports it
            return None
        return "link" if path.is_symlink() else "folder"

    async def process_file(self, path: Path, *, settle_seconds: float | None = None) -> IngestResult:
        """Process one file once (by content hash, across restarts). Never raises for bad input."""
        settle = self._settings.settle_seconds if settle_seconds is None else settle_seconds
        escape = self._escape(path)
        if escape is not None:
            reason = "symlink points outside the stories folder"
            if escape == "link":
                return await self._reject(path, reason)  # moves the link, never what it points to
            log.warning("rejected %s: %s", path.name, reason)
            return IngestResult(str(path), "rejected", reason=reason)
        try:
            data = await asyncio.to_thread(_read_capped, path, self._settings.max_file_bytes + 1)
        except FileNotFoundError:
            return IngestResult(str(path), "pending", reason="file vanished before it could be read")
        except OSError as exc:
            return await self._reject(path, f"cannot read file: {exc.strerror or exc}")
        file_hash = hashlib.sha256(data).hexdigest()
        if await self._store.articles.file_seen(file_hash):
            return IngestResult(str(path), "seen", reason="already processed")
        root = self._settings.stories_dir if self._inside_stories_dir(path) else None
        try:
            # Cleaning is CPU work (up to ~1 s on a hostile page): off the event loop, so commands and
            # deliveries keep flowing while a big file is read.
            article = await asyncio.to_thread(self._prepare, path, settle, root)
        except NotReady as exc:
            return IngestResult(str(path), "pending", reason=str(exc))
        except RejectedFile as exc:
            return await self._reject(path, str(exc))
        return await self.process_article(article, file_hash=file_hash)

    def _prepare(self, path: Path, settle: float, root: Path | None) -> Article:
        article = load_article(path, max_bytes=self._settings.max_file_bytes, settle_seconds=settle, root=root)
        return match_vendors(article, self._registry)

    async def process_article(self, article: Article, *, file_hash: str | None = None) -> IngestResult:
        """Store an article (vendors already matched), cluster it and queue its alerts atomically."""
        change: StoryChange | None = None
        routed = 0
        async with self._store.db.write():
            stored, is_new = await self._store.articles.add(article)
            if is_new:
                change = await self._stories.add_article(stored)
                if change is not None:
                    routed = await self._router.route(change)
            if file_hash:
                await self._store.articles.record_file(
                    file_hash, article.path, "stored" if is_new else "duplicate", stored.id
                )
        if routed:
            self._on_routed()
        status = "stored" if is_new else "duplicate"
        reason = None if is_new else f"copy of article {stored.id} ({stored.outlet or 'unknown outlet'})"
        return IngestResult(article.path, status, stored, change, reason, routed)

    async def _reject(self, path: Path, reason: str) -> IngestResult:
        """Move a bad file aside with its reason. Not remembered by hash: a re-dropped copy is moved too."""
        log.warning("rejected %s: %s", path.name, reason)
        if self._inside_stories_dir(path):
            try:
                reject_file(path, self._settings.stories_dir, reason)
            except OSError as exc:
                log.warning("could not move %s to .rejected: %s", path.name, exc)
        return IngestResult(str(path), "rejected", reason=reason)
