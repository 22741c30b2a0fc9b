"""Plain data shared by every layer. No I/O, no platform types: adapters and the store map to these.

Everything here is frozen so that a value can be handed between tasks without copying.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, TypedDict

# How much of `published` is known: the day (metadata, byline, dateline, /2024/10/08/ URL), only the
# month (a /2021/07/slug URL: dated the 1st), or nothing: then `published` is when the page was fetched
# (its `fetch_date`, else the time the file arrived), so that no article is timeless.
PublishedPrecision = Literal["day", "month", "fetched"]


class EventType(StrEnum):
    """What kind of thing happened to a vendor. Rule-based (bot/intel/events.py)."""

    BREACH = "breach"
    VULNERABILITY = "vulnerability"
    ATTACK = "attack"  # attack / ransomware
    LAYOFFS = "layoffs"  # layoffs / closure
    ACQUISITION = "acquisition"  # acquisition / funding
    LEGAL = "legal"  # legal / regulatory
    PRODUCT = "product"
    OUTAGE = "outage"  # a faulty update, a service down (not an attack)
    OTHER = "other"  # includes sponsored posts, webinars, opinion and how-to pieces (not alerted by default)


class Salience(StrEnum):
    SUBJECT = "subject"  # the article is about this vendor
    MENTION = "mention"  # named in passing


@dataclass(frozen=True, slots=True)
class Vendor:
    """A catalog entry. `name` is canonical; aliases include former names and product names."""

    name: str
    aliases: tuple[str, ...] = ()
    category: str = ""
    workspace: str | None = None  # set for vendors tracked by one workspace with /track


@dataclass(frozen=True, slots=True)
class VendorHit:
    """One place a vendor was found. Offsets index the *original* text (not a lower-cased copy)."""

    vendor: str
    alias: str
    start: int
    end: int
    in_title: bool
    fuzzy: bool = False


@dataclass(frozen=True, slots=True)
class RoleEvidence:
    """Why a vendor got a role: the words that decided and where (offsets into the title or the body)."""

    role: str  # affected | actor | researcher | platform | commentator | incidental | named
    words: str
    start: int
    end: int
    in_title: bool = False


@dataclass(frozen=True, slots=True)
class VendorMatch:
    """A vendor's verdict for one article."""

    vendor: str
    salience: Salience
    score: float
    hits: tuple[VendorHit, ...] = ()
    role: str = ""  # the vendor's main role in the article (see bot/intel/vendors/roles.py)
    evidence: tuple[RoleEvidence, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedPage:
    """What the readers make of a stored file, before cleaning. `text` still has boilerplate."""

    path: str
    fmt: str  # "markdown" | "text" | "html" | "json"
    raw: str
    text: str  # markdown/plain text of the whole page (or extracted body for HTML)
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    published: datetime | None = None
    fetched: datetime | None = None
    published_precision: PublishedPrecision | None = None  # of `published` as the file's metadata says
    aggregator: str | None = None  # front matter `source` when it names an aggregator
    already_clean: bool = False  # HTML via trafilatura: body is already the article


@dataclass(frozen=True, slots=True)
class Article:
    """A cleaned article, tied to the vendors it is about. `id` is None until stored."""

    path: str
    title: str
    body: str  # plain-text paragraphs separated by blank lines
    raw: str
    content_hash: str  # of the normalised body: syndicated / re-delivered copies share it
    outlet: str | None = None
    url: str | None = None
    published: datetime | None = None
    fetched: datetime | None = None
    published_precision: PublishedPrecision | None = None  # None only when nothing dates the article
    credits: tuple[str, ...] = ()  # outlets the article says it is based on ("via TechCrunch")
    subjects: tuple[str, ...] = ()  # canonical vendor names
    mentions: tuple[str, ...] = ()
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Source:
    outlet: str
    url: str | None
    title: str
    published: datetime | None
    article_id: int | None = None


@dataclass(frozen=True, slots=True)
class KeyFact:
    """One actionable fact. `sources` are indexes into `Story.sources`; `source` is the first."""

    kind: str  # cve | exploitation | kev | fixed | affected | workaround | actor | malware | victims | data
    # | ransom | money | layoffs | statement | date (bot/intel/facts.py KIND_ORDER)
    text: str
    sources: tuple[int, ...]
    key: str = ""  # normalised identity used to merge the same fact from several outlets
    data: dict[str, Any] = field(default_factory=dict, hash=False)  # typed fields (JSON-safe)
    sentence: str = ""  # the sentence it was read from, in the first source that says it

    @property
    def source(self) -> int:
        return self.sources[0]


@dataclass(frozen=True, slots=True)
class Story:
    """One real-world event about one or more vendors, however many outlets covered it."""

    id: int
    title: str
    summary: str
    key_facts: tuple[KeyFact, ...]
    sources: tuple[Source, ...]
    vendors: tuple[str, ...]
    event_type: EventType
    first_seen: datetime
    updated_at: datetime
    version: int = 1
    article_ids: tuple[int, ...] = ()

    @property
    def change_notes(self) -> tuple[str, ...]:
        """What this version changed, as the story engine noted it on the facts ("now exploited in the
        wild", "CVSS 9.8 per NVD"; bot/intel/facts/changes.py). Empty for a first version."""
        if self.version <= 1:
            return ()
        return tuple(
            str(f.data["change"])
            for f in self.key_facts
            if f.data.get("changed_in") == self.version and f.data.get("change")
        )

    @property
    def link(self) -> str | None:
        """The first http(s) source URL, for linking a title."""
        for source in self.sources:
            if source.url and source.url.startswith(("http://", "https://")):
                return source.url
        return None


class ChangeKind(StrEnum):
    CREATED = "created"
    NEW_SOURCE = "new_source"
    NEW_FACTS = "new_facts"
    NEW_SUMMARY = "new_summary"


@dataclass(frozen=True, slots=True)
class StoryChange:
    """What clustering one article did to a story; routing turns it into deliveries."""

    story: Story
    kinds: tuple[ChangeKind, ...]
    new_outlets: tuple[str, ...] = ()

    @property
    def created(self) -> bool:
        return ChangeKind.CREATED in self.kinds


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """Where to post: platform ("slack" | "discord" | "console"), workspace/guild, channel."""

    platform: str
    workspace: str
    channel: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.channel}"


class DeliveryMode(StrEnum):
    INSTANT = "instant"
    DIGEST = "digest"


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    channel: ChannelRef
    vendor: str
    event_types: tuple[EventType, ...] = ()  # empty: every type
    include: tuple[str, ...] = ()  # any of these words must appear (title, summary or facts)
    exclude: tuple[str, ...] = ()  # none of these words may appear
    mode: DeliveryMode = DeliveryMode.INSTANT
    digest_time: str = "09:00"  # HH:MM in `timezone`
    timezone: str = "UTC"
    created_at: datetime = field(default_factory=lambda: datetime.min)
    created_by: str = ""
    muted_until: datetime | None = None
    disabled_reason: str | None = None


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message the bot posted: Slack channel + ts, Discord channel + message id, console counter."""

    channel: ChannelRef
    message_id: str
    thread_id: str | None = None


# What the story engine (bot/intel) and the storage (bot/store) exchange: plain records, so neither
# imports the other.


class ArticleAnalysis(TypedDict, total=False):
    """The story engine's per-article cache, computed once and stored as JSON with the membership
    (a re-posted copy has none). Tuples come back from JSON as lists; they are read by position."""

    sentences: list[tuple[str, int, int, bool]]  # text, paragraph, index, complete
    facts: list[dict[str, object]]  # ArticleFact.to_json()
    names: list[str]  # people named
    event: dict[str, tuple[float, list[str]]]  # event type -> (score, cue words), non-zero only
    event_features: dict[str, float]  # the event model's evidence (bot/intel/event_model.py), known names only
    subjects: list[str]  # subject vendors


@dataclass(frozen=True, slots=True)
class Member:
    """An article as a member of a story (a syndicated copy has `source_index` None)."""

    article_id: int
    story_id: int
    position: int
    source_index: int | None
    outlet: str
    url: str | None
    title: str
    published: datetime | None
    content_hash: str
    simhash: int
    analysis: ArticleAnalysis = field(default_factory=lambda: ArticleAnalysis())
    duplicate_of: int | None = None


@dataclass(frozen=True, slots=True)
class StoryRecord:
    """A story plus what clustering needs about it (not part of the public Story)."""

    story: Story
    event_cues: tuple[str, ...] = ()
    profile: dict[str, Any] = field(default_factory=dict)  # bot/intel/same_event.Profile as JSON
    entity_keys: frozenset[str] = frozenset()  # the profile's identifiers, for inspection
    # the story's dates: its articles' publication dates, else when they were fetched or arrived
    first_published: datetime | None = None
    last_published: datetime | None = None
    last_seen: datetime | None = None
    articles: int = 0
