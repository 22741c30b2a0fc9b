"""What a story shows, rebuilt from its sources: title, vendors, key facts, summary and event type.

Split from the story engine (bot/intel/engine.py), which decides which story an article joins: here
each article's text is analysed once (sentences, facts, people, event cues; `prepare` can do it in a
parse worker) and cached as JSON with its membership, and a story is rebuilt from those cached
analyses, so a rebuild never re-parses older articles. No storage: the engine hands the similarity
its corpus counts first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from bot.intel.event_model import decide_story, model_features
from bot.intel.events import EventVerdict, score_text, split_lead
from bot.intel.facts import ArticleFact, extract_facts, facts_for_event, merge_facts, people_names
from bot.intel.facts.kev import KevCatalog
from bot.intel.ports import Similarity
from bot.intel.sentences import Sentence, article_sentences
from bot.intel.summary import summarize
from bot.models import Article, ArticleAnalysis, EventType, Member, Source, Story, StoryRecord

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
        event_features=model_features(article.title, *split_lead(article.body)),
        subjects=list(article.subjects),
    )


def _sentences(analysis: ArticleAnalysis) -> list[Sentence]:
    return [Sentence(str(t), int(p), int(i), bool(c)) for t, p, i, c in analysis.get("sentences", [])]


def _event(analyses: Sequence[ArticleAnalysis], fact_kinds: Sequence[str] = ()) -> EventVerdict:
    scored = [
        {EventType(k): (float(v[0]), [str(w) for w in v[1]]) for k, v in a.get("event", {}).items()}
        for a in analyses
    ]
    return decide_story(scored, fact_kinds, [a.get("event_features") for a in analyses[:1]])


def _title(members: Sequence[Member], vendors: Sequence[str]) -> str:
    """The first source's title that names a story vendor as spelled (a typo'd title loses)."""
    for member in members:
        if any(re.search(rf"\b{re.escape(v)}\b", member.title, re.IGNORECASE) for v in vendors):
            return member.title
    return members[0].title if members else ""


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
    """`add_article`'s text-only work, ahead of time; None for an article with no subject vendor. One
    that names vendors only in passing may join a story but never starts one, and most have no story
    of those vendors open to join: the engine scores and analyses it only when one is (about a quarter
    of the dev pages are such articles; scoring them all here cost the workers ~1 ms per article)."""
    if not article.subjects:
        return None
    view = clustered_view(article)
    event = event_scores(view)
    return Prepared(view.content_hash, event, analyse(view, event, kev))


def member_of(
    article: Article,
    story_id: int,
    position: int,
    source_index: int | None,
    fingerprint: int,
    analysis: ArticleAnalysis,
    duplicate_of: int | None = None,
) -> Member:
    """The stored membership of a (stored) article in a story: a source (`source_index`) or a re-post
    of `duplicate_of`, with its cached analysis."""
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


def summary_sentences(sources: Sequence[Member]) -> list[list[Sentence]]:
    """The cached sentences that compete for the summary: the first sources carry the news (later
    ones mostly repeat it); this bounds the pairwise sentence comparisons of a story that hundreds of
    outlets covered."""
    return [_sentences(m.analysis) for m in sources[:SUMMARY_SOURCES]]


def rebuild(
    record: StoryRecord, sources: Sequence[Member], similarity: Similarity, sentences: list[list[Sentence]]
) -> StoryRecord:
    """Title, vendors, facts, summary and event type from every source's cached analysis;
    `sentences` are summary_sentences(sources), whose terms the similarity already knows."""
    analyses = [m.analysis for m in sources]
    vendors = tuple(dict.fromkeys(v for a in analyses for v in a.get("subjects", [])))
    facts = merge_facts(
        [[ArticleFact.from_json(f) for f in a.get("facts", [])] for a in analyses],
        [m.outlet for m in sources],
    )
    people = sorted({str(n) for a in analyses for n in a.get("names", [])})
    claims = [
        {int(str(f["position"])): [str(f["key"])] for f in a.get("facts", []) if f.get("kind") == "statement"}
        for a in analyses[:SUMMARY_SOURCES]
    ]
    summary = summarize(sentences, similarity, people=people, claims=claims, vendors=vendors)
    verdict = _event(analyses, [f.kind for f in facts])
    facts = facts_for_event(facts, str(verdict.event_type))
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
