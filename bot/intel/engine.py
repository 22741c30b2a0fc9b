"""The story engine: each stored article joins the story of its event or starts one, and the story's
title, summary, key facts and event type are rebuilt across all of its sources.

Per article: a syndicated copy (same body hash or URL, or near-identical text) is remembered but adds
no source; otherwise the corpus document frequencies are updated, candidate stories come from the
(vendor, time) index around the article's own date, same_event.py judges them, and the article joins
the most probable one or starts a story.
Its sentences and facts are analysed once and cached with its membership, so rebuilding a story
never re-parses older articles (that part, what a story shows, is bot/intel/story_build.py).

Runs inside the caller's transaction when there is one (`db.write()` nests), so the caller can
write outbox rows atomically with the story change. Deterministic: the same articles in the same
order give the same stories (story ids, ties and merges never depend on timing or hash seeds).
Arrival order can change story ids and the order of sources, and, at the margin, which of two
stories an article that fits both joins (stories are never merged afterwards); it does not change
the grouping of the seed event: its two articles form one story in either order (tested).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Generic, TypeVar

from bot.intel.cluster import ClusterSettings, Score, article_day
from bot.intel.events import decide
from bot.intel.facts.changes import mark_changes
from bot.intel.facts.kev import KevCatalog, load_catalog
from bot.intel.identifiers import identifiers, lead_of
from bot.intel.ports import CorpusAware, Similarity, StoryRepository
from bot.intel.same_event import (
    KEY_PREFIX,
    Model,
    Profile,
    Signals,
    shipped_model,
    signals,
)
from bot.intel.same_event_choice import choose, joins_by_mention, judge
from bot.intel.similarity import TfidfSimilarity, containment, hamming, shingles, simhash
from bot.intel.story_build import (
    Prepared,
    _analysed_part,
    _utc,
    analyse,
    clustered_view,
    event_scores,
    member_of,
    outlet_of,
    publication_known,
    rebuild,
    summary_sentences,
)
from bot.models import (
    Article,
    ArticleAnalysis,
    ChangeKind,
    EventType,
    Member,
    Story,
    StoryChange,
    StoryRecord,
)

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def catalog_topics() -> frozenset[str]:
    """Lower-cased names and aliases of the built-in vendor catalog: an identifier that names one
    says which vendor or product, not which event (bot/intel/same_event.py)."""
    from bot.intel.vendors import VendorCatalog

    return frozenset(a.lower() for v in VendorCatalog.load().vendors for a in (v.name, *v.aliases))


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
        if not article.subjects and not article.mentions:
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
            if copy is not None:
                await self._add_copy(article, copy, simhash(article.body))
                return None
            day = article_day(article.published, article.fetched, now)
            dated = publication_known(article)
            records = {
                r.story.id: r
                # the stories of the vendors it names in passing too: an article about GitHub's part in a
                # Microsoft leak belongs to the Microsoft story (the model decides, as for any candidate)
                for r in await self.store.candidates(
                    list(dict.fromkeys((*article.subjects, *article.mentions))),
                    day,
                    now,
                    self.settings.window,
                    self.settings.max_span,
                    dated=dated,
                )
            }
            if not article.subjects and not records:
                return None  # named only in passing, and no story of those vendors is open to join
            text = f"{article.title}\n{article.title}\n{article.body}"
            keys = frozenset(identifiers(article.title, lead_of(article.title, article.body)))
            documents, frequencies = await self._learn(text, count=True, keys=keys)
            event = prepared.event if prepared is not None else event_scores(article)
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
            profiles = [(story_id, Profile.from_json(r.profile)) for story_id, r in records.items()]
            self.last_scores = judge(evidence, profiles, self.model)
            best = choose(evidence, self.last_scores, profiles, self.model)
            if not article.subjects and (
                best is None
                or not joins_by_mention(evidence, best, dict(profiles)[best.story_id], self.model)
            ):
                return None  # named only in passing: joins a story it surely reports, never starts one
            members = await self.store.members(best.story_id) if best else []
            # fingerprinted only now: an article named in passing that joins nothing never needs it
            mine = shingles(article.body)
            fingerprint = simhash(article.body, mine)
            original = await self._original_of(fingerprint, mine, members)
            decided = time.perf_counter()
            self.timings = {"cluster_ms": (decided - started) * 1000}
            if original is not None:
                await self._add_copy(article, original, fingerprint)
                return None
            analysis = (
                prepared.analysis
                if prepared is not None
                else analyse(article, event, self.kev)
            )
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
        self, fingerprint: int, mine: set[str], members: Sequence[Member]
    ) -> Member | None:
        """The member an article (its SimHash, its `shingles`) re-posts: SimHash preselects, word 3-gram
        containment decides."""
        close = [
            m
            for m in members
            if m.duplicate_of is None and hamming(m.simhash, fingerprint) <= self.settings.duplicate_bits
        ]
        if not close:
            return None
        bodies = await self.store.article_bodies([m.article_id for m in close])
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
            member_of(
                article,
                original.story_id,
                -1,
                None,
                fingerprint,
                ArticleAnalysis(),
                duplicate_of=original.article_id,
            )
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
        member = member_of(article, story_id, 0, 0, fingerprint, analysis)
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
        member = member_of(article, old.story.id, position, len(sources), fingerprint, analysis)
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
        """Title, vendors, facts, summary and event type from every source's cached analysis
        (bot/intel/story_build.py), after handing the similarity the counts of the summary's terms."""
        sentences = summary_sentences(sources)
        await self._learn("\n".join(s.text for group in sentences for s in group), count=False)
        return rebuild(record, sources, self.similarity, sentences)
