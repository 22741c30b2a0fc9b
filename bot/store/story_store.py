"""Stories, their member articles, the (vendor, time) candidate index and TF-IDF document counts.

Reads used by commands (`get_story`, `latest_story_for_vendor`, `stories_since`) go through the
`story_vendors` index, so they cost the same with 100 or 100,000 stored articles. The story engine
(bot/intel/engine.py) is the only writer; it calls these inside its own `db.write()` transaction,
which joins the caller's when there is one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any

from bot.models import ChangeKind, EventType, KeyFact, Member, Source, Story, StoryRecord
from bot.store.db import Database
from bot.store.dialect import Row
from bot.store.timefmt import from_db, to_db

_TERM_BATCH = 900  # bound on SQL parameters per statement
_DOCUMENTS = ""  # the term_df row that counts documents
_STORY_COLUMNS = (
    "id",
    "title",
    "summary",
    "key_facts",
    "event_type",
    "event_cues",
    "vendors",
    "first_seen",
    "updated_at",
    "version",
    "first_published",
    "last_published",
    "last_seen",
    "articles",
    "profile",
    "entity_keys",
)


def _story(row: Row, sources: Sequence[Row]) -> Story:
    facts = tuple(
        KeyFact(
            f["kind"],
            f["text"],
            tuple(f["sources"]),
            f.get("key", ""),
            f.get("data") or {},
            f.get("sentence", ""),
        )
        for f in json.loads(row["key_facts"])
    )
    return Story(
        id=row["id"],
        title=row["title"],
        summary=row["summary"],
        key_facts=facts,
        sources=tuple(
            Source(s["outlet"], s["url"], s["title"], from_db(s["published"]), s["article_id"])
            for s in sources
        ),
        vendors=tuple(json.loads(row["vendors"])),
        event_type=EventType(row["event_type"]),
        first_seen=from_db(row["first_seen"]) or datetime.min,
        updated_at=from_db(row["updated_at"]) or datetime.min,
        version=row["version"],
        article_ids=tuple(s["article_id"] for s in sources),
    )


def _record(row: Row, sources: Sequence[Row]) -> StoryRecord:
    return StoryRecord(
        story=_story(row, sources),
        event_cues=tuple(json.loads(row["event_cues"])),
        profile=json.loads(row["profile"]),
        entity_keys=frozenset(json.loads(row["entity_keys"])),
        first_published=from_db(row["first_published"]),
        last_published=from_db(row["last_published"]),
        last_seen=from_db(row["last_seen"]),
        articles=row["articles"],
    )


def _member(row: Row) -> Member:
    return Member(
        article_id=row["article_id"],
        story_id=row["story_id"],
        position=row["position"],
        source_index=row["source_index"],
        outlet=row["outlet"],
        url=row["url"],
        title=row["title"],
        published=from_db(row["published"]),
        content_hash=row["content_hash"],
        simhash=row["simhash"],
        analysis=json.loads(row["analysis"]),
        duplicate_of=row["duplicate_of"],
    )


LATEST_SQL = (
    "SELECT story_id FROM story_vendors WHERE vendor = ? ORDER BY recency DESC, story_id DESC LIMIT 1"
)
SINCE_SQL = (
    "SELECT story_id FROM story_vendors WHERE vendor = ? AND updated_at >= ? ORDER BY updated_at, story_id"
)


def candidate_query(
    vendors: Sequence[str],
    day: datetime,
    arrived: datetime,
    window: timedelta,
    max_span: timedelta,
    *,
    dated: bool,
) -> tuple[str, list[object]]:
    """SQL and parameters for the candidate stories of an article placed at `day` (its publication
    date, else when it was fetched, else when it arrived: see bot/intel/cluster.py).

    A story with publication dates fits when they come within `window` of the day and its first
    article is at most `max_span` before it: a story closes `max_span` after its first article, and
    an article is never compared with stories outside the window of its own date. Time known only by
    arrival is handled the same way: stories without publication dates (and, for an article without
    one, every story) fit when they were touched within `window` of the article's arrival and first
    seen at most `max_span` before it (a page pasted beside the article it re-reports). Index range
    scans on story_vendors only; never a scan of all stories."""
    parts: list[str] = []
    params: list[object] = []
    undated_only = " AND v.last_published IS NULL" if dated else ""
    for vendor in vendors:
        parts.append(
            "SELECT story_id FROM story_vendors WHERE vendor = ? AND last_published BETWEEN ? AND ?"
            " AND first_published BETWEEN ? AND ?"
        )
        params += [
            vendor,
            to_db(day - window),
            to_db(day + window + max_span),
            to_db(day - max_span),
            to_db(day + window),
        ]
        parts.append(
            "SELECT v.story_id FROM story_vendors v JOIN stories s ON s.id = v.story_id"
            f" WHERE v.vendor = ?{undated_only} AND v.last_seen >= ? AND s.first_seen >= ?"
        )
        params += [vendor, to_db(arrived - window), to_db(arrived - max_span)]
    return f"SELECT * FROM stories WHERE id IN ({' UNION '.join(parts) or 'SELECT NULL'}) ORDER BY id", params


class StoryStore:
    """Implements bot.intel.ports.StoryRepository (the story engine's calls) and the reads commands
    and delivery make."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def write(self) -> AbstractAsyncContextManager[Any]:
        """One write transaction (joins the caller's when it is the same task): see Database.write."""
        return self._db.write()

    # ----- reads for commands and digests -------------------------------------------------------

    async def _sources(self, story_ids: Sequence[int]) -> dict[int, list[Row]]:
        marks = ",".join("?" * len(story_ids))
        rows = await self._db.fetchall(
            "SELECT story_id, article_id, outlet, url, title, published FROM story_articles"
            f" WHERE story_id IN ({marks}) AND source_index IS NOT NULL ORDER BY story_id, source_index",
            list(story_ids),
        )
        out: dict[int, list[Row]] = {sid: [] for sid in story_ids}
        for row in rows:
            out[row["story_id"]].append(row)
        return out

    async def get_record(self, story_id: int) -> StoryRecord | None:
        row = await self._db.fetchone("SELECT * FROM stories WHERE id = ?", (story_id,))
        if row is None:
            return None
        return _record(row, (await self._sources([story_id]))[story_id])

    async def get_story(self, story_id: int) -> Story | None:
        record = await self.get_record(story_id)
        return record.story if record else None

    async def latest_story_for_vendor(self, vendor: str) -> Story | None:
        """The vendor's most recent story: latest publication (or, undated, latest seen), then newest."""
        row = await self._db.fetchone(LATEST_SQL, (vendor,))
        return await self.get_story(row["story_id"]) if row else None

    async def stories_since(self, vendor: str, since: datetime) -> list[Story]:
        """Stories about the vendor created or changed at or after `since`, oldest change first."""
        rows = await self._db.fetchall(SINCE_SQL, (vendor, to_db(since)))
        return await self.get_stories([r["story_id"] for r in rows])

    async def get_stories(self, story_ids: Sequence[int]) -> list[Story]:
        if not story_ids:
            return []
        marks = ",".join("?" * len(story_ids))
        rows = await self._db.fetchall(f"SELECT * FROM stories WHERE id IN ({marks})", list(story_ids))
        sources = await self._sources(story_ids)
        by_id = {row["id"]: _story(row, sources[row["id"]]) for row in rows}
        return [by_id[sid] for sid in story_ids if sid in by_id]

    async def versions(self, story_id: int) -> list[tuple[int, tuple[ChangeKind, ...], datetime]]:
        rows = await self._db.fetchall(
            "SELECT version, kinds, created_at FROM story_versions WHERE story_id = ? ORDER BY version",
            (story_id,),
        )
        return [
            (
                r["version"],
                tuple(ChangeKind(k) for k in json.loads(r["kinds"])),
                from_db(r["created_at"]) or datetime.min,
            )
            for r in rows
        ]

    # ----- clustering ----------------------------------------------------------------------------

    async def member(self, article_id: int) -> Member | None:
        row = await self._db.fetchone("SELECT * FROM story_articles WHERE article_id = ?", (article_id,))
        return _member(row) if row else None

    async def find_copy(self, article_id: int, url: str | None, content_hash: str) -> Member | None:
        """The article itself if already clustered, else a clustered article with the same body hash
        or URL (a re-delivered copy). One indexed query: this runs for every article."""
        rows = await self._db.fetchall(
            "SELECT * FROM story_articles WHERE article_id = ?"
            " UNION ALL SELECT * FROM (SELECT * FROM story_articles WHERE content_hash = ? LIMIT 1) AS by_hash"
            " UNION ALL SELECT * FROM (SELECT * FROM story_articles WHERE url = ? LIMIT 1) AS by_url",
            (article_id, content_hash, url),
        )
        return _member(rows[0]) if rows else None

    async def article_bodies(self, article_ids: Sequence[int]) -> dict[int, str]:
        """Bodies from the articles table (written by the ingest pipeline), for re-post checks."""
        if not article_ids:
            return {}
        marks = ",".join("?" * len(article_ids))
        rows = await self._db.fetchall(
            f"SELECT id, body FROM articles WHERE id IN ({marks})", list(article_ids)
        )
        return {r["id"]: r["body"] for r in rows}

    async def members(self, story_id: int) -> list[Member]:
        rows = await self._db.fetchall(
            "SELECT * FROM story_articles WHERE story_id = ? ORDER BY position", (story_id,)
        )
        return [_member(r) for r in rows]

    async def candidates(
        self,
        vendors: Sequence[str],
        day: datetime,
        arrived: datetime,
        window: timedelta,
        max_span: timedelta,
        *,
        dated: bool,
    ) -> list[StoryRecord]:
        """Stories sharing a vendor whose time fits, with their clustering profile, in one query
        (see `candidate_query`)."""
        sql, params = candidate_query(vendors, day, arrived, window, max_span, dated=dated)
        if not params:
            return []
        return [_record(row, ()) for row in await self._db.fetchall(sql, params)]

    async def next_story_id(self) -> int:
        if self._db.dialect == "postgresql":  # several workers may create stories at once: a sequence
            row = await self._db.fetchone("SELECT nextval(pg_get_serial_sequence('stories', 'id'))")
            return int(row[0]) if row else 1
        row = await self._db.fetchone("SELECT COALESCE(MAX(id), 0) + 1 FROM stories")
        return int(row[0]) if row else 1

    async def save(self, record: StoryRecord, kinds: Sequence[ChangeKind], article_id: int | None) -> None:
        """Insert or replace the story row, its vendor index rows and a version row."""
        story = record.story
        last_seen = record.last_seen or story.updated_at
        recency = to_db(record.last_published or last_seen)
        async with self._db.write() as conn:
            # an upsert, not INSERT OR REPLACE: replacing would delete the row and cascade to its members
            await conn.execute(
                f"INSERT INTO stories ({', '.join(_STORY_COLUMNS)}) VALUES ({','.join('?' * len(_STORY_COLUMNS))})"
                f" ON CONFLICT(id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _STORY_COLUMNS[1:])}",
                (
                    story.id,
                    story.title,
                    story.summary,
                    json.dumps(
                        [
                            {
                                "kind": f.kind,
                                "text": f.text,
                                "sources": list(f.sources),
                                "key": f.key,
                                "data": f.data,
                                "sentence": f.sentence,
                            }
                            for f in story.key_facts
                        ]
                    ),
                    str(story.event_type),
                    json.dumps(list(record.event_cues)),
                    json.dumps(list(story.vendors)),
                    to_db(story.first_seen),
                    to_db(story.updated_at),
                    story.version,
                    to_db(record.first_published),
                    to_db(record.last_published),
                    to_db(last_seen),
                    record.articles,
                    json.dumps(record.profile, separators=(",", ":")),
                    json.dumps(sorted(record.entity_keys)),
                ),
            )
            await conn.executemany(
                "INSERT INTO story_vendors (vendor, story_id, first_published, last_published, last_seen,"
                " recency, updated_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT(vendor, story_id) DO UPDATE SET"
                " vendor=excluded.vendor, first_published=excluded.first_published,"
                " last_published=excluded.last_published, last_seen=excluded.last_seen, recency=excluded.recency,"
                " updated_at=excluded.updated_at",
                [
                    (
                        v,
                        story.id,
                        to_db(record.first_published),
                        to_db(record.last_published),
                        to_db(last_seen),
                        recency,
                        to_db(story.updated_at),
                    )
                    for v in story.vendors
                ],
            )
            await conn.execute(
                "INSERT INTO story_versions (story_id, version, kinds, article_id, created_at) VALUES (?,?,?,?,?)",
                (
                    story.id,
                    story.version,
                    json.dumps([str(k) for k in kinds]),
                    article_id,
                    to_db(story.updated_at),
                ),
            )

    async def add_member(self, member: Member) -> None:
        await self._db.execute(
            "INSERT INTO story_articles (article_id, story_id, position, source_index, duplicate_of, outlet, url,"
            " title, published, content_hash, simhash, analysis) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                member.article_id,
                member.story_id,
                member.position,
                member.source_index,
                member.duplicate_of,
                member.outlet,
                member.url,
                member.title,
                to_db(member.published),
                member.content_hash,
                member.simhash,
                json.dumps(member.analysis, separators=(",", ":")),
            ),
        )

    async def update_member(self, member: Member) -> None:
        """A member's text-derived columns after its article was revised (its file was rewritten)."""
        await self._db.execute(
            "UPDATE story_articles SET url = ?, title = ?, published = ?, content_hash = ?, simhash = ?,"
            " analysis = ? WHERE article_id = ?",
            (
                member.url,
                member.title,
                to_db(member.published),
                member.content_hash,
                member.simhash,
                json.dumps(member.analysis, separators=(",", ":")),
                member.article_id,
            ),
        )

    # ----- corpus statistics (TF-IDF) --------------------------------------------------------------

    async def add_document(self, terms: Iterable[str]) -> None:
        """Count one more document containing each of `terms` (call once per clustered article)."""
        await self._db.executemany(
            "INSERT INTO term_df (term, df) VALUES (?, 1) ON CONFLICT(term) DO UPDATE SET df = term_df.df + 1",
            [(_DOCUMENTS,), *((t,) for t in sorted(set(terms) - {_DOCUMENTS}))],
        )

    async def document_frequencies(self, terms: Iterable[str]) -> tuple[int, dict[str, int]]:
        """(number of documents, df of each known term among `terms`)."""
        wanted = [_DOCUMENTS, *sorted(set(terms) - {_DOCUMENTS})]
        frequencies: dict[str, int] = {}
        for start in range(0, len(wanted), _TERM_BATCH):
            batch = wanted[start : start + _TERM_BATCH]
            marks = ",".join("?" * len(batch))
            rows = await self._db.fetchall(f"SELECT term, df FROM term_df WHERE term IN ({marks})", batch)
            frequencies.update((r["term"], r["df"]) for r in rows)
        return frequencies.pop(_DOCUMENTS, 0), frequencies
