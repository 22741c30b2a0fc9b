"""What the story engine needs from the outside, as interfaces: a StoryRepository (the calls it makes
to storage: bot/store implements it, a PostgreSQL store can too), the text Similarity it scores with,
and TrackedVendors (the vendors workspaces track, for the vendor registry).

Why: bot/intel holds the logic and never imports bot/store, so the storage can change, and the engine
can be read and tested without knowing SQL. The records exchanged are plain data in bot/models.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from bot.models import ChangeKind, Member, StoryRecord, Vendor

Vector = dict[str, float]


@runtime_checkable
class Similarity(Protocol):
    """Anything that can place texts in a vector space and compare them (cosine-like, 0..1)."""

    def vectorize(self, text: str) -> Vector: ...

    def similarity(self, a: Vector, b: Vector) -> float: ...


@runtime_checkable
class CorpusAware(Protocol):
    """A similarity that learns from the corpus (document frequencies) kept by the caller."""

    def document_terms(self, text: str) -> set[str]: ...

    def use_corpus(self, documents: int, frequencies: Mapping[str, int]) -> None: ...


class StoryRepository(Protocol):
    """The storage calls of the story engine, all inside `write()` (one transaction that joins the
    caller's when there is one, so the caller can queue alerts atomically with the story change)."""

    def write(self) -> AbstractAsyncContextManager[Any]: ...

    async def find_copy(self, article_id: int, url: str | None, content_hash: str) -> Member | None: ...

    async def candidates(
        self,
        vendors: Sequence[str],
        day: datetime,
        arrived: datetime,
        window: timedelta,
        max_span: timedelta,
        *,
        dated: bool,
    ) -> list[StoryRecord]: ...

    async def members(self, story_id: int) -> list[Member]: ...

    async def get_record(self, story_id: int) -> StoryRecord | None: ...

    async def article_bodies(self, article_ids: Sequence[int]) -> dict[int, str]: ...

    async def next_story_id(self) -> int: ...

    async def save(
        self, record: StoryRecord, kinds: Sequence[ChangeKind], article_id: int | None
    ) -> None: ...

    async def add_member(self, member: Member) -> None: ...

    async def member(self, article_id: int) -> Member | None: ...

    async def update_member(self, member: Member) -> None: ...

    async def add_document(self, terms: Iterable[str]) -> None: ...

    async def document_frequencies(self, terms: Iterable[str]) -> tuple[int, dict[str, int]]: ...


class TrackedVendors(Protocol):
    """Where the vendors that workspaces added with /track are kept."""

    async def tracked(self) -> list[Vendor]: ...
