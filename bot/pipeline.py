"""One stored file through the whole core: read, clean, match vendors, store, cluster, route.

The story change and the outbox rows it causes are written in one transaction, so a crash can
never leave a story changed without its alerts queued (or alerts queued for a change not saved).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Protocol

from bot.config import Settings
from bot.ingest import NotReady, RejectedFile, Transient, reject_file
from bot.ingest.article import article_from_story
from bot.ingest.source import StoryBytes, is_transient, read_story_file, shown
from bot.ingest.worker import Read, ReadJob
from bot.intel.story_build import Prepared
from bot.intel.vendors.registry import VendorRegistry, match_vendors
from bot.models import Article, StoryChange
from bot.store import Store
from bot.store.backends import passing_trouble
from bot.store.group_commit import GroupLost, run_grouped

log = logging.getLogger(__name__)
# Said in the log for a file skipped as seen: the usual surprise is a copied sample that was read before.
SEEN_REASON = (
    "already processed: a file with this exact content was read before (files are remembered by content)"
)


class StoryClusterer(Protocol):
    async def add_article(self, article: Article, prepared: Prepared | None = None) -> StoryChange | None: ...

    async def revise_article(self, article: Article) -> StoryChange | None: ...


class ChangeRouter(Protocol):
    async def route(self, change: StoryChange) -> int: ...


@dataclass(frozen=True, slots=True)
class IngestResult:
    path: str
    status: str  # stored | duplicate | seen | rejected | pending | retry | failed (a bug, logged)
    article: Article | None = None
    change: StoryChange | None = None
    reason: str | None = None
    routed: int = 0


GROUP_FILES = 32  # files read and stored together at most (one transaction per group)
EDIT_OVERLAP = 0.5  # share of the earlier text's word 5-grams that an edit of it keeps


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = text.lower().split()
    return {tuple(words[i : i + 5]) for i in range(max(1, len(words) - 4))}


def is_edit_of(previous: Article, article: Article) -> bool:
    """Whether a file's new text is a version of the article first stored from it (same URL, same
    title, or most of the earlier text kept) rather than another story saved under the same name."""
    if previous.url and previous.url == article.url:
        return True
    if previous.title and previous.title == article.title:
        return True
    before = _shingles(previous.body)
    return len(before & _shingles(article.body)) >= EDIT_OVERLAP * len(before)


class StoryReader(Protocol):
    """Turns a file's bytes into a matched Article: `ParsePool` (worker processes under a budget)."""

    async def read(self, job: ReadJob) -> tuple[Article, list[tuple[str, int, str]]]: ...

    async def read_many(self, jobs: Sequence[ReadJob]) -> list[Read | Exception]: ...


def _database_trouble(exc: BaseException) -> str | None:
    """Why a write failed for now (locked, full, I/O), or None when it is not a passing trouble."""
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        if any(word in text for word in ("locked", "busy", "full", "disk i/o", "unable to open")):
            return f"database: {exc}"
    if is_transient(exc) or passing_trouble(exc):
        return f"database: {exc}"
    return None


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        registry: VendorRegistry,
        stories: StoryClusterer,
        router: ChangeRouter,
        on_routed: Callable[[], None] = lambda: None,
        reader: StoryReader | None = None,
    ) -> None:
        self._settings = settings
        self._store = store
        self._registry = registry
        self._stories = stories
        self._router = router
        self._on_routed = on_routed
        self._reader = reader

    def _inside_stories_dir(self, path: Path) -> bool:
        """Whether the directory entry lies in the stories folder. Lexical on purpose: a symlink in
        the folder is inside even when its target is not (resolving first let such a link be read)."""
        return Path(os.path.abspath(path)).is_relative_to(os.path.abspath(self._settings.stories_dir))

    def _escape(self, path: Path) -> str | None:
        """ "link" or "folder" when the path is in the folder by name but elsewhere in fact (a symlink,
        or a file under a symlinked folder); None otherwise."""
        if not self._inside_stories_dir(path):
            return None
        if (
            path.name not in ("", "..")
            and str(path.parent) == os.path.abspath(self._settings.stories_dir)
            and not path.is_symlink()
        ):
            # A file right in the folder that is no link resolves to the folder's own place: no
            # component-by-component resolving of both paths (tens of microseconds a file) to know it.
            return None
        try:
            if path.resolve().is_relative_to(self._settings.stories_dir.resolve()):
                return None
        except (OSError, RuntimeError):  # a symlink loop: the read below reports it
            return None
        return "link" if path.is_symlink() else "folder"

    async def process_file(
        self,
        path: Path,
        *,
        settle_seconds: float | None = None,
        reject_grace: float = 0.0,
        wait_for_writers: bool = False,
    ) -> IngestResult:
        """Process one file once (by content hash, across restarts). Never raises for bad input.

        The file is opened and read once (`read_story_file`); parsing, cleaning and vendor matching run
        in the reader's worker under a budget. A file modified less than `reject_grace` seconds ago is not
        rejected yet but reported "pending" (a half-written page fails to parse until it is whole), and
        so is one still open for writing with `wait_for_writers` (a writer pausing mid-file); a
        system failure (out of file descriptors, disk full, database locked) is reported "retry", and
        the file is left in place. A bug on this file raises."""
        (result,) = await self._group(
            [path], settle_seconds, reject_grace, lambda _: wait_for_writers, strict=True
        )
        return result

    async def process_files(
        self,
        paths: Sequence[Path],
        *,
        settle_seconds: float | None = None,
        reject_grace: float = 0.0,
        wait_for_writers: Callable[[Path], bool] = lambda _: False,
    ) -> list[IngestResult]:
        """`process_file` for a group of files, results in their order, at a fraction of the cost per
        file: one look-up of the files seen before, the files handed to the parse workers in chunks,
        and one transaction for the group in which each article (with its story change and outbox
        rows) has its own savepoint, so one that fails is undone alone. A bug on one file makes it
        "failed" (logged with its traceback) and leaves the others alone."""
        return await self._group(list(paths), settle_seconds, reject_grace, wait_for_writers, strict=False)

    async def process_many(
        self, paths: Sequence[Path], *, concurrency: int = 2, settle_seconds: float | None = 0
    ) -> list[IngestResult]:
        """Many files as the watcher takes them: groups of GROUP_FILES, `concurrency` groups at a time
        (one is stored while the next is parsed). Results in the files' order."""
        slots = asyncio.Semaphore(max(1, concurrency))

        async def one(part: Sequence[Path]) -> list[IngestResult]:
            async with slots:
                return await self.process_files(part, settle_seconds=settle_seconds)

        parts = [paths[i : i + GROUP_FILES] for i in range(0, len(paths), GROUP_FILES)]
        return [result for done in await asyncio.gather(*map(one, parts)) for result in done]

    async def _group(
        self,
        paths: list[Path],
        settle_seconds: float | None,
        reject_grace: float,
        wait_for_writers: Callable[[Path], bool],
        *,
        strict: bool,
    ) -> list[IngestResult]:
        settle = self._settings.settle_seconds if settle_seconds is None else settle_seconds
        results: list[IngestResult | None] = [None] * len(paths)
        todo: list[int] = []
        for index, path in enumerate(paths):
            escape = self._escape(path)
            if escape is None:
                todo.append(index)
                continue
            reason = "symlink points outside the stories folder"
            if escape == "link":
                results[index] = await self._reject(path, reason)  # moves the link, never its target
            else:
                log.warning("rejected %s: %s", shown(path.name), reason)
                results[index] = IngestResult(str(path), "rejected", reason=reason)
        reads = await asyncio.to_thread(
            self._read_files, [(paths[i], wait_for_writers(paths[i])) for i in todo]
        )
        stories: dict[int, StoryBytes] = {}
        for index, got in zip(todo, reads, strict=True):
            path = paths[index]
            if isinstance(got, NotReady):
                results[index] = IngestResult(str(path), "pending", reason=got.reason)
            elif isinstance(got, Transient):
                results[index] = IngestResult(str(path), "retry", reason=got.reason)
            elif isinstance(got, RejectedFile):
                results[index] = await self._reject_unless_fresh(path, got.reason, reject_grace)
            elif isinstance(got, Exception):
                results[index] = self._trouble(path, got, strict)
            elif settle > 0 and (age := time.time() - got.mtime) < settle:
                results[index] = IngestResult(
                    str(path), "pending", reason=f"modified {max(age, 0):.2f}s ago: still being written"
                )
            else:
                stories[index] = got
        hashes = {index: story.sha256 for index, story in stories.items()}
        try:
            seen = await self._store.articles.files_seen(list(hashes.values()))
        except Exception as exc:
            if (trouble := _database_trouble(exc)) is None:
                raise
            for index in stories:
                results[index] = IngestResult(str(paths[index]), "retry", reason=trouble)
            stories, seen = {}, set()
        first: dict[str, int] = {}
        later: list[int] = []  # the same bytes as an earlier file of the group: seen once that one is stored
        for index in stories:
            if hashes[index] in seen:
                results[index] = IngestResult(str(paths[index]), "seen", reason=SEEN_REASON)
            elif hashes[index] in first:
                later.append(index)
            else:
                first[hashes[index]] = index
        parsed = await self._read_group([stories[i] for i in first.values()])
        ready: list[tuple[int, Read]] = []
        for index, outcome in zip(first.values(), parsed, strict=True):
            if isinstance(outcome, tuple):
                ready.append((index, outcome))
            elif isinstance(outcome, RejectedFile):
                results[index] = await self._reject_unless_fresh(paths[index], outcome.reason, reject_grace)
            else:
                results[index] = self._trouble(paths[index], outcome, strict)
        await self._store_group(ready, hashes, paths, results, strict)
        if later:
            again = await self._group(
                [paths[i] for i in later], 0, reject_grace, wait_for_writers, strict=strict
            )
            for index, result in zip(later, again, strict=True):
                results[index] = result
        return [r for r in results if r is not None]

    async def _store_group(
        self,
        ready: list[tuple[int, Read]],
        hashes: dict[int, str],
        paths: list[Path],
        results: list[IngestResult | None],
        strict: bool,
    ) -> None:
        """Store, cluster and route a group of read articles in one transaction (a savepoint each)."""
        if not ready:
            return
        units = [
            partial(self._store_article, article, file_hash=hashes[index], prepared=prepared)
            for index, (article, prepared) in ready
        ]
        outcomes: list[IngestResult | Exception]
        try:
            outcomes = await run_grouped(self._store.db, units)
        except Exception as exc:  # the COMMIT, or an error that ended the transaction: nothing kept
            outcomes = [exc.cause if isinstance(exc, GroupLost) else exc] * len(ready)  # type: ignore[list-item]
        routed = 0
        for (index, _), outcome in zip(ready, outcomes, strict=True):
            if isinstance(outcome, Exception):
                results[index] = self._trouble(paths[index], outcome, strict)
            else:
                results[index] = outcome
                routed += outcome.routed
        if routed:
            self._on_routed()

    def _trouble(self, path: Path, exc: BaseException, strict: bool) -> IngestResult:
        """A file's passing trouble as "retry"; a bug raised (`strict`) or reported "failed"."""
        if isinstance(exc, Transient):
            return IngestResult(str(path), "retry", reason=exc.reason)
        if (trouble := _database_trouble(exc)) is not None:
            return IngestResult(str(path), "retry", reason=trouble)
        if strict:
            raise exc
        log.error("failed to process %s", shown(path), exc_info=exc)
        return IngestResult(str(path), "failed", reason=f"{type(exc).__name__}: {exc}")

    def _read_files(self, files: list[tuple[Path, bool]]) -> list[StoryBytes | Exception]:
        """Open and read each file once (in a thread: one hop for the whole group)."""
        stories_dir = os.path.abspath(self._settings.stories_dir)
        out: list[StoryBytes | Exception] = []
        for path, wait in files:
            root = (
                self._settings.stories_dir
                if Path(os.path.abspath(path)).is_relative_to(stories_dir)
                else None
            )
            try:
                out.append(
                    read_story_file(
                        path, max_bytes=self._settings.max_file_bytes, root=root, wait_for_writers=wait
                    )
                )
            except (NotReady, Transient, RejectedFile) as exc:
                out.append(exc)
        return out

    async def _read_group(self, stories: list[StoryBytes]) -> list[Read | Exception]:
        """Parse, clean and match in the reader's workers (in a thread when there is no reader)."""
        if not stories:
            return []
        if self._reader is not None:
            extra = self._registry.extra
            settings = self._settings
            jobs = [
                ReadJob(s, settings.max_file_bytes, settings.vendors_file, extra, True, settings.kev_file)
                for s in stories
            ]
            return await self._reader.read_many(jobs)
        out: list[Read | Exception] = []
        for story in stories:
            try:
                article = await asyncio.to_thread(
                    article_from_story, story, max_bytes=self._settings.max_file_bytes
                )
                out.append((match_vendors(article, self._registry), None))
            except Exception as exc:
                out.append(exc)
        return out

    async def _reject_unless_fresh(self, path: Path, reason: str, grace: float) -> IngestResult:
        """Reject, unless the file changed so recently that it may be half written: then retry later."""
        if grace > 0:
            try:
                age = time.time() - (await asyncio.to_thread(os.stat, path, follow_symlinks=False)).st_mtime
            except OSError:
                age = grace
            if age < grace:
                return IngestResult(
                    str(path), "pending", reason=f"{reason} (modified {age:.1f}s ago: retrying)"
                )
        return await self._reject(path, reason)

    async def process_article(self, article: Article, *, file_hash: str | None = None) -> IngestResult:
        """Store an article (vendors already matched), cluster it and queue its alerts atomically.

        A file read before whose text has changed (`file_hash` given: it came from a file) is an edit:
        the article stored from that path is revised and its story gets a new version."""
        async with self._store.db.write():
            result = await self._store_article(article, file_hash=file_hash)
        if result.routed:
            self._on_routed()
        return result

    async def _store_article(
        self, article: Article, *, file_hash: str | None = None, prepared: Prepared | None = None
    ) -> IngestResult:
        """`process_article` inside the caller's transaction (the delivery is nudged after COMMIT)."""
        change: StoryChange | None = None
        routed = 0
        reason: str | None = None
        async with self._store.db.write():
            previous = await self._store.articles.stored_from(article.path) if file_hash else None
            if previous is not None and not is_edit_of(previous, article):
                previous = None  # the file name was reused for another story
            copy = await self._store.articles.find_copy(article) if previous is not None else None
            if previous is not None and previous.id is not None and (copy is None or copy.id == previous.id):
                if previous.content_hash == article.content_hash:  # the same text saved again
                    stored, is_new = previous, False
                else:
                    stored, is_new = await self._store.articles.revise(previous.id, article), True
                    change = await self._stories.revise_article(stored)
                    reason = f"new version of article {previous.id} (its file changed)"
            else:
                stored, is_new = await self._store.articles.add(article)
                if is_new:
                    change = await self._stories.add_article(stored, prepared)
            if change is not None:
                routed = await self._router.route(change)
            if file_hash:
                await self._store.articles.record_file(
                    file_hash, article.path, "stored" if is_new else "duplicate", stored.id
                )
        status = "stored" if is_new else "duplicate"
        if not is_new:
            reason = f"copy of article {stored.id} ({stored.outlet or 'unknown outlet'})"
        return IngestResult(article.path, status, stored, change, reason, routed)

    async def _reject(self, path: Path, reason: str) -> IngestResult:
        """Move a bad file aside with its reason. Not remembered by hash: a re-dropped copy is moved too.
        When the move itself fails for a passing reason (disk full, out of file descriptors), the file
        stays where it is and is tried again: it is never left moved without its `.reason`."""
        if self._inside_stories_dir(path):
            try:
                await asyncio.to_thread(reject_file, path, self._settings.stories_dir, reason)
            except OSError as exc:
                if is_transient(exc):
                    return IngestResult(str(path), "retry", reason=f"cannot move it to .rejected now: {exc}")
                log.warning("could not move %s to .rejected: %s", shown(path.name), exc)
        log.warning("rejected %s: %s", shown(path.name), reason)
        return IngestResult(str(path), "rejected", reason=reason)
