"""The story engine: each stored article joins the story of its event or starts one, and the story's
title, summary, key facts and event type are rebuilt across all of its sources.

Per article: a syndicated copy (same body hash or URL, or near-identical text) is remembered but adds
no source; otherwise the corpus document frequencies are updated, candidate stories come from the
(vendor, time) index around the article's own date, same_event.py judges them, and the article joins
the most probable one or starts a story.
Its sentences and facts are analysed once and cached with its membership, so rebuilding a story
never re-parses older articles.

Runs inside the caller's transaction when there is one (`db.write()` nests), so the caller can
write outbox rows atomically with the story change. Deterministic: the same articles in the same
order give the same stories (story ids, ties and merges never depend on timing or hash seeds).
Arrival order can change story ids and the order of sources, and, at the margin, which of two
stories an article that fits both joins (stories are never merged afterwards); it does not change
the grouping of the seed event: its two articles form one story in either order (tested).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Generic, TypeVar
from urllib.parse import urlsplit

from bot.intel.cluster import ClusterSettings, Score, article_day
from bot.intel.events import EventVerdict, decide, score_text, split_lead
from bot.intel.facts import ArticleFact, extract_facts, merge_facts, people_names
from bot.intel.facts.changes import mark_changes
from bot.intel.facts.kev import KevCatalog, load_catalog
from bot.intel.identifiers import identifiers, lead_of
from bot.intel.ports import CorpusAware, Similarity, StoryRepository
from bot.intel.same_event import (
    KEY_PREFIX,
    Model,
    Profile,
    Signals,
    choose,
    judge,
    shipped_model,
    signals,
)
from bot.intel.sentences import Sentence, article_sentences
from bot.intel.similarity import TfidfSimilarity, containment, hamming, shingles, simhash
from bot.intel.summary import summarize
from bot.models import (
    Article,
    ArticleAnalysis,
    ChangeKind,
    EventType,
    Member,
    Source,
    Story,
    StoryChange,
    StoryRecord,
)

log = logging.getLogger(__name__)

KEPT_SENTENCES = 24  # sentences cached per article for summaries (the news is near the top)
SUMMARY_SOURCES = 12  # sources whose sentences compete for the summary


def _utc(value: datetime | None) -> datetime | None:
    """Naive datetimes are taken as UTC, so that every comparison is between aware datetimes."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def outlet_of(article: Article) -> str:
    """The outlet's name, else the URL's host, else a placeholder (Source.outlet is required)."""
    if article.outlet:
        return article.outlet
    if article.url:
        host = urlsplit(article.url).hostname or ""
        if host:
            return host.removeprefix("www.")
    return "unknown outlet"


def _as_date(value: datetime | None) -> date | None:
    return value.date() if value else None


def event_scores(article: Article) -> dict[EventType, tuple[float, list[str]]]:
    """Event cue scores: title, then the lead (events.split_lead), then the rest of the body."""
    return score_text(article.title, *split_lead(article.body))


def analyse(
    article: Article, event: dict[EventType, tuple[float, list[str]]], kev: KevCatalog | None = None
) -> ArticleAnalysis:
    """Everything a story rebuild needs from one article, computed once and cached as JSON."""
    sentences = article_sentences(article.body)
    facts = extract_facts(
        article.body,
        sentences,
        published=_as_date(article.published),
        vendors=article.subjects,
        kev=kev,
    )
    return ArticleAnalysis(
        sentences=[(s.text, s.paragraph, s.index, s.complete) for s in sentences[:KEPT_SENTENCES]],
        facts=[f.to_json() for f in facts],
        names=people_names(article.body),
        event={str(k): (v, words) for k, (v, words) in event.items() if v or words},
        subjects=list(article.subjects),
    )


def _sentences(analysis: ArticleAnalysis) -> list[Sentence]:
    return [Sentence(str(t), int(p), int(i), bool(c)) for t, p, i, c in analysis.get("sentences", [])]


def _event(analyses: Sequence[ArticleAnalysis], fact_kinds: Sequence[str] = ()) -> EventVerdict:
    scored = [
        {EventType(k): (float(v[0]), [str(w) for w in v[1]]) for k, v in a.get("event", {}).items()}
        for a in analyses
    ]
    return decide(scored, fact_kinds)


def _title(members: Sequence[Member], vendors: Sequence[str]) -> str:
    """The first source's title that names a story vendor as spelled (a typo'd title loses)."""
    for member in members:
        if any(re.search(rf"\b{re.escape(v)}\b", member.title, re.IGNORECASE) for v in vendors):
            return member.title
    return members[0].title if members else ""


@lru_cache(maxsize=1)
def catalog_topics() -> frozenset[str]:
    """Lower-cased names and aliases of the built-in vendor catalog: an identifier that names one
    says which vendor or product, not which event (bot/intel/same_event.py)."""
    from bot.intel.vendors import VendorCatalog

    return frozenset(a.lower() for v in VendorCatalog.load().vendors for a in (v.name, *v.aliases))


# News articles are a few thousand characters; a hostile 1 MB "article" would cost seconds of CPU in
# analysis (sentences, people, statements) while the watcher waits. The stored body stays whole.
MAX_ANALYSED_CHARS = 60_000


def publication_known(article: Article) -> bool:
    """Whether the article's date is when it was published (to the day or month), not only when it
    was fetched or arrived (ingest then still fills `published`, with precision "fetched")."""
    return article.published is not None and article.published_precision != "fetched"


def _analysed_part(body: str) -> str:
    """The body up to MAX_ANALYSED_CHARS, cut at a paragraph end when there is one."""
    if len(body) <= MAX_ANALYSED_CHARS:
        return body
    cut = body.rfind("\n\n", 0, MAX_ANALYSED_CHARS)
    return body[: cut if cut > MAX_ANALYSED_CHARS // 2 else MAX_ANALYSED_CHARS]


def clustered_view(article: Article) -> Article:
    """The article as clustering and analysis read it: a stand-in date (fetch or arrival time) is no
    publication date to show or to cluster on until the clustering weighs dates by their precision;
    the body up to MAX_ANALYSED_CHARS; dates in UTC."""
    if article.published_precision == "fetched":
        article = replace(article, published=None)
    return replace(
        article,
        body=_analysed_part(article.body),
        published=_utc(article.published),
        fetched=_utc(article.fetched),
    )


@dataclass(frozen=True, slots=True)
class Prepared:
    """What clustering needs from the article's text alone (event cues, the cached analysis), made
    by `prepare` where the article was read: the CPU-heavy part, off the process that writes."""

    content_hash: str
    event: dict[EventType, tuple[float, list[str]]]
    analysis: ArticleAnalysis


def prepare(article: Article, kev: KevCatalog | None = None) -> Prepared | None:
    """`add_article`'s text-only work, ahead of time; None for an article it would not cluster."""
    if not article.subjects:
        return None
    view = clustered_view(article)
    event = event_scores(view)
    return Prepared(view.content_hash, event, analyse(view, event, kev))


Repository = TypeVar("Repository", bound=StoryRepository)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class StoryEngine(Generic[Repository]):
    """Clusters stored articles into stories through a StoryRepository (bot/store implements it)."""

    def __init__(
        self,
        store: Repository,
        similarity: Similarity | None = None,
        *,
        settings: ClusterSettings | None = None,
        clock: Callable[[], datetime] = _utcnow,
        kev: KevCatalog | None = None,
        model: Model | None = None,
        topics: frozenset[str] | None = None,
    ) -> None:
        self.store = store
        self.kev = kev if kev is not None else load_catalog(None)  # the shipped CISA KEV snapshot
        self.similarity: Similarity = similarity or TfidfSimilarity()
        self.settings = settings or ClusterSettings()
        self._clock = clock
        model = model or shipped_model()
        if self.settings.threshold is not None:
            model = replace(model, threshold=self.settings.threshold)
        self.model = model
        self._topics = catalog_topics() if topics is None else topics
        # how the last article scored against each candidate, and where its time went (evaluation)
        self.last_scores: list[Score] = []
        self.timings: dict[str, float] = {}

    async def _learn(
        self, text: str, count: bool, keys: frozenset[str] = frozenset()
    ) -> tuple[int, dict[str, int]]:
        """Hand a corpus-aware similarity the document frequencies of the text's terms (after
        counting the text itself as one more document when `count`, with its identifier `keys`
        under KEY_PREFIX). Returns the corpus size and the frequencies (keys' included)."""
        terms = self.similarity.document_terms(text) if isinstance(self.similarity, CorpusAware) else set()
        terms |= {KEY_PREFIX + k for k in keys}
        if count:
            await self.store.add_document(terms)
        documents, frequencies = await self.store.document_frequencies(terms)
        if isinstance(self.similarity, CorpusAware):
            self.similarity.use_corpus(documents, frequencies)
        return documents, frequencies

    async def add_article(self, article: Article, prepared: Prepared | None = None) -> StoryChange | None:
        """Cluster one stored article. None when nothing changed: no subject vendor, already
        clustered, or a syndicated / re-posted copy of an article the story already has. `prepared`
        is `prepare(article)` done elsewhere (a parse worker), so this process skips that work."""
        if article.id is None:
            raise ValueError("store the article before clustering it (it has no id)")
        article_id = article.id
        if not article.subjects:
            return None
        article = clustered_view(article)
        if prepared is not None and prepared.content_hash != article.content_hash:
            prepared = None  # made from another text: not this article's
        async with self.store.write():
            started = time.perf_counter()
            copy = await self.store.find_copy(article_id, article.url, article.content_hash)
            if copy is not None and copy.article_id == article_id:
                return None  # already clustered
            now = self._clock()
            fingerprint = simhash(article.body)
            if copy is not None:
                await self._add_copy(article, copy, fingerprint)
                return None
            text = f"{article.title}\n{article.title}\n{article.body}"
            keys = frozenset(identifiers(article.title, lead_of(article.title, article.body)))
            documents, frequencies = await self._learn(text, count=True, keys=keys)
            event = prepared.event if prepared is not None else event_scores(article)
            day = article_day(article.published, article.fetched, now)
            dated = publication_known(article)
            evidence = signals(
                article.title,
                article.body,
                self.similarity,
                frequencies,
                documents,
                event_type=decide([event]).event_type,
                day=day,
                outlet=outlet_of(article),
                dated=dated,
                precise=article.published_precision != "month",
                topics=self._topics,
            )
            records = {
                r.story.id: r
                for r in await self.store.candidates(
                    article.subjects,
                    day,
                    now,
                    self.settings.window,
                    self.settings.max_span,
                    dated=dated,
                )
            }
            profiles = [(story_id, Profile.from_json(r.profile)) for story_id, r in records.items()]
            self.last_scores = judge(evidence, profiles, self.model)
            best = choose(evidence, self.last_scores, profiles, self.model)
            members = await self.store.members(best.story_id) if best else []
            original = await self._original_of(article, fingerprint, members)
            decided = time.perf_counter()
            self.timings = {"cluster_ms": (decided - started) * 1000}
            if original is not None:
                await self._add_copy(article, original, fingerprint)
                return None
            analysis = prepared.analysis if prepared is not None else analyse(article, event, self.kev)
            if best is None:
                change = await self._create(article, analysis, evidence, fingerprint, now)
            else:
                record = await self.store.get_record(best.story_id)
                assert record is not None
                profile = dict(profiles)[best.story_id]
                self._check_fit(best, profile, article_id)
                profile.add(evidence, best.probability)
                change = await self._join(record, members, article, analysis, profile, fingerprint, now)
            self.timings["story_ms"] = (time.perf_counter() - decided) * 1000
            return change

    async def revise_article(self, article: Article) -> StoryChange | None:
        """A clustered article whose file was rewritten (an update such as "now exploited", or the rest
        of a file first read half written): its story is rebuilt from the new text and, when what a
        reader sees changed (summary, facts, title), becomes a new version, so alerts are edited. An
        article that was never clustered (no subject vendor before) is clustered now."""
        if article.id is None:
            raise ValueError("store the article before clustering it (it has no id)")
        member = await self.store.member(article.id)
        if member is None:
            return await self.add_article(article)
        if member.source_index is None or not article.subjects:
            return None  # a re-post of another source, or the new text names no vendor: story unchanged
        article = replace(
            article,
            body=_analysed_part(article.body),
            published=_utc(article.published),
            fetched=_utc(article.fetched),
        )
        async with self.store.write():
            old = await self.store.get_record(member.story_id)
            if old is None:
                return None
            revised = replace(
                member,
                url=article.url,
                title=article.title,
                published=article.published,
                content_hash=article.content_hash,
                simhash=simhash(article.body),
                analysis=analyse(article, event_scores(article)),
            )
            members = await self.store.members(member.story_id)
            sources = [
                revised if m.article_id == member.article_id else m
                for m in members
                if m.source_index is not None
            ]
            record = await self._rebuild(old, sources)
            await self.store.update_member(revised)
            kinds = []
            if {f.key for f in record.story.key_facts} - {f.key for f in old.story.key_facts}:
                kinds.append(ChangeKind.NEW_FACTS)
            if (record.story.summary, record.story.title) != (old.story.summary, old.story.title):
                kinds.append(ChangeKind.NEW_SUMMARY)
            if not kinds:
                return None
            now = self._clock()
            story = replace(record.story, version=old.story.version + 1, updated_at=now)
            record = replace(record, story=story, last_seen=now)
            await self.store.save(record, kinds, article.id)
            return StoryChange(story, tuple(kinds), ())

    async def _original_of(
        self, article: Article, fingerprint: int, members: Sequence[Member]
    ) -> Member | None:
        """The member this article re-posts: SimHash preselects, word 3-gram containment decides."""
        close = [
            m
            for m in members
            if m.duplicate_of is None and hamming(m.simhash, fingerprint) <= self.settings.duplicate_bits
        ]
        if not close:
            return None
        bodies = await self.store.article_bodies([m.article_id for m in close])
        mine = shingles(article.body)
        for member in close:
            if (
                containment(mine, shingles(bodies.get(member.article_id, "")))
                >= self.settings.duplicate_containment
            ):
                return member
        return None

    async def _add_copy(self, article: Article, original: Member, fingerprint: int) -> None:
        """Remember a re-post (so it is never clustered again) without making it a source."""
        await self.store.add_member(
            self._member(
                article,
                original.story_id,
                -1,
                None,
                fingerprint,
                ArticleAnalysis(),
                duplicate_of=original.article_id,
            )
        )

    def _member(
        self,
        article: Article,
        story_id: int,
        position: int,
        source_index: int | None,
        fingerprint: int,
        analysis: ArticleAnalysis,
        duplicate_of: int | None = None,
    ) -> Member:
        assert article.id is not None
        return Member(
            article.id,
            story_id,
            position,
            source_index,
            outlet_of(article),
            article.url,
            article.title,
            article.published,
            article.content_hash,
            fingerprint,
            analysis,
            duplicate_of,
        )

    def _check_fit(self, verdict: Score, profile: Profile, article_id: int) -> None:
        """Log a join that fits the story much worse than its members did: the first sign of a
        story drifting into another event (its evidence moves little, see Profile.add)."""
        others = profile.weight / profile.members if profile.members else 0.0
        if verdict.probability < self.settings.loose_join * others:
            log.info(
                "story %d: article %d joined at %.2f, well under its members' mean fit %.2f (shared: %s)",
                verdict.story_id,
                article_id,
                verdict.probability,
                others,
                ", ".join(verdict.shared) or "nothing",
            )

    async def _create(
        self, article: Article, analysis: ArticleAnalysis, evidence: Signals, fingerprint: int, now: datetime
    ) -> StoryChange:
        story_id = await self.store.next_story_id()
        member = self._member(article, story_id, 0, 0, fingerprint, analysis)
        profile = Profile.start(evidence)
        record = StoryRecord(
            story=Story(
                story_id, article.title, "", (), (), tuple(article.subjects), EventType.OTHER, now, now, 1
            ),
            profile=profile.to_json(),
            entity_keys=frozenset(profile.keys),
            first_published=profile.first if profile.dated else None,
            last_published=profile.last if profile.dated else None,
            last_seen=now,
            articles=1,
        )
        record = await self._rebuild(record, [member])
        await self.store.save(record, (ChangeKind.CREATED,), article.id)
        await self.store.add_member(member)
        return StoryChange(record.story, (ChangeKind.CREATED,), (member.outlet,))

    async def _join(
        self,
        old: StoryRecord,
        members: list[Member],
        article: Article,
        analysis: ArticleAnalysis,
        profile: Profile,
        fingerprint: int,
        now: datetime,
    ) -> StoryChange:
        """Add the article to the story; `profile` already includes it."""
        sources = [m for m in members if m.source_index is not None]
        position = max((m.position for m in members), default=-1) + 1
        member = self._member(article, old.story.id, position, len(sources), fingerprint, analysis)
        record = replace(
            old,
            profile=profile.to_json(),
            entity_keys=frozenset(profile.keys),
            first_published=profile.first if profile.dated else None,
            last_published=profile.last if profile.dated else None,
            last_seen=now,
            articles=old.articles + 1,
        )
        record = await self._rebuild(record, [*sources, member])
        kinds = [ChangeKind.NEW_SOURCE]
        if {f.key for f in record.story.key_facts} - {f.key for f in old.story.key_facts}:
            kinds.append(ChangeKind.NEW_FACTS)
        if record.story.summary != old.story.summary:
            kinds.append(ChangeKind.NEW_SUMMARY)
        known = {s.outlet.lower() for s in old.story.sources}
        new_outlets = () if member.outlet.lower() in known else (member.outlet,)
        version = old.story.version + 1
        facts = mark_changes(
            old.story.key_facts, record.story.key_facts, version, [s.outlet for s in record.story.sources]
        )
        story = replace(record.story, key_facts=facts, version=version, updated_at=now)
        if story.change_notes and ChangeKind.NEW_FACTS not in kinds:
            kinds.append(ChangeKind.NEW_FACTS)  # a new score or status is news even under an old key
        record = replace(record, story=story)
        await self.store.save(record, kinds, article.id)
        await self.store.add_member(member)
        return StoryChange(story, tuple(kinds), new_outlets)

    async def _rebuild(self, record: StoryRecord, sources: list[Member]) -> StoryRecord:
        """Title, vendors, facts, summary and event type from every source's cached analysis."""
        analyses = [m.analysis for m in sources]
        vendors = tuple(dict.fromkeys(v for a in analyses for v in a.get("subjects", [])))
        facts = merge_facts(
            [[ArticleFact.from_json(f) for f in a.get("facts", [])] for a in analyses],
            [m.outlet for m in sources],
        )
        # the first sources carry the news (later ones mostly repeat it); this bounds the pairwise
        # sentence comparisons of a story that hundreds of outlets covered
        sentences = [_sentences(a) for a in analyses[:SUMMARY_SOURCES]]
        await self._learn("\n".join(s.text for group in sentences for s in group), count=False)
        people = sorted({str(n) for a in analyses for n in a.get("names", [])})
        claims = [
            {
                int(str(f["position"])): [str(f["key"])]
                for f in a.get("facts", [])
                if f.get("kind") == "statement"
            }
            for a in analyses[:SUMMARY_SOURCES]
        ]
        summary = summarize(sentences, self.similarity, people=people, claims=claims, vendors=vendors)
        verdict = _event(analyses, [f.kind for f in facts])
        story = replace(
            record.story,
            title=_title(sources, vendors),
            summary=summary,
            key_facts=facts,
            sources=tuple(Source(m.outlet, m.url, m.title, m.published, m.article_id) for m in sources),
            vendors=vendors,
            event_type=verdict.event_type,
            article_ids=tuple(m.article_id for m in sources),
        )
        return replace(record, story=story, event_cues=verdict.cues)


def story_to_dict(story: Story) -> dict[str, object]:
    """The `bot story --json` object (see the public contract)."""
    return {
        "id": story.id,
        "title": story.title,
        "summary": story.summary,
        "key_facts": [
            {
                "kind": f.kind,
                "text": f.text,
                "source": f.source,
                "sources": list(f.sources),
                "data": f.data,
                "sentence": f.sentence,
            }
            for f in story.key_facts
        ],
        "sources": [
            {
                "outlet": s.outlet,
                "url": s.url,
                "title": s.title,
                "published": s.published.isoformat() if s.published else None,
            }
            for s in story.sources
        ],
        "vendors": list(story.vendors),
        "event_type": str(story.event_type),
        "first_seen": story.first_seen.isoformat(),
        "updated_at": story.updated_at.isoformat(),
        "version": story.version,
    }
