"""Does an incoming article report the same event as a candidate story? Pure scoring, no I/O.

Candidates already share a subject vendor and fall in the time window (the SQLite index in
bot/store/story_store.py found them). The score adds up the remaining evidence:
- text similarity of the article to the story's term profile (corpus-wide TF-IDF, or any Similarity),
- shared particulars: the same quantities, CVE ids and named people (strong), places (weak),
- agreement of the rule-based event types (a sales ban and an office closure of one vendor share
  vocabulary, but one is legal and the other layoffs),
- agreement of the lead place (the country the title or lead puts the event in: closing the US
  business in July and the UK office in October are two events),
- credit: an article that says it is based on one of the story's outlets ("via TechCrunch"),
- distance in time, as a small penalty inside the window.
The best candidate at or above the threshold wins; ties go to the older story, so the outcome only
depends on the input order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.intel.ports import Similarity, Vector
from bot.models import EventType, StoryRecord

STRONG_KEY_PREFIXES = ("quantity:", "cve:", "name:", "organisation:")


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    window: timedelta = timedelta(days=7)  # publication dates this close may be one event
    max_span: timedelta = timedelta(days=30)  # a story does not grow past this (later news is a new story)
    threshold: float = 0.35
    duplicate_bits: int = 24  # SimHash distance under which a member is compared word for word
    duplicate_containment: float = 0.8  # share of 3-grams in common that makes an article a re-post
    profile_terms: int = 80  # terms kept in a story's profile vector


@dataclass(frozen=True, slots=True)
class Evidence:
    """What clustering knows about the incoming article."""

    vector: Vector
    keys: frozenset[str]
    event_type: EventType
    vendors: tuple[str, ...]
    credits: tuple[str, ...]
    published: datetime | None
    lead_place: str | None = None  # country named first by the title or lead


@dataclass(frozen=True, slots=True)
class Score:
    story_id: int
    total: float
    text: float
    shared: tuple[str, ...]
    type_adjustment: float
    credit: float
    time_penalty: float
    place_penalty: float = 0.0


def _days_apart(published: datetime | None, record: StoryRecord) -> float | None:
    if published is None or record.first_published is None or record.last_published is None:
        return None
    if record.first_published <= published <= record.last_published:
        return 0.0
    edge = record.first_published if published < record.first_published else record.last_published
    return abs((published - edge).total_seconds()) / 86400


def score(
    evidence: Evidence, record: StoryRecord, similarity: Similarity, settings: ClusterSettings
) -> Score:
    text = similarity.similarity(evidence.vector, record.profile)
    shared = sorted(evidence.keys & record.entity_keys)
    strong = sum(1 for k in shared if k.startswith(STRONG_KEY_PREFIXES))
    shared = [k for k in shared if not k.startswith(("outlet:", "lead-place:"))]
    weak = sum(1 for k in shared if k.startswith("place:"))
    story_type = record.story.event_type
    adjustment = 0.0
    if EventType.OTHER not in (story_type, evidence.event_type):
        adjustment = 0.05 if story_type == evidence.event_type else -0.15
    credit = 0.1 if any(f"outlet:{c.lower()}" in record.entity_keys for c in evidence.credits) else 0.0
    story_places = {k for k in record.entity_keys if k.startswith("lead-place:")}
    place_penalty = 0.0
    if (
        evidence.lead_place
        and story_places
        and f"lead-place:{evidence.lead_place.lower()}" not in story_places
    ):
        place_penalty = 0.15
    days = _days_apart(evidence.published, record)
    window_days = settings.window.total_seconds() / 86400
    penalty = 0.05 * min(days / window_days, 1.0) if days is not None and window_days else 0.0
    total = text + 0.1 * min(strong, 3) + 0.03 * min(weak, 2) + adjustment + credit - penalty - place_penalty
    return Score(record.story.id, total, text, tuple(shared), adjustment, credit, penalty, place_penalty)


def choose(scores: Sequence[Score], settings: ClusterSettings) -> Score | None:
    """The best-scoring candidate at or above the threshold (ties: the older story), or None."""
    best: Score | None = None
    for candidate in sorted(scores, key=lambda s: s.story_id):
        if candidate.total >= settings.threshold and (best is None or candidate.total > best.total):
            best = candidate
    return best
