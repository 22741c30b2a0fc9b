"""Which story an incoming article joins: the candidate rules and the settings of clustering.

Candidates share a subject vendor with the article and fall in the time window of the article's own
date (bot/store finds them through its (vendor, time) index): a story takes articles dated from
`window` before its first article to `window` after its last one, and never more than `max_span`
after its first one, whatever kind of date its articles have. Past `max_span`, later news of the same
incident starts a new story (a subscriber gets a new alert for a new development weeks later).

Among candidates, bot/intel/same_event.py decides: a learned probability that the article reports
the story's event, at or above the model's threshold, the most probable wins, ties to the older
story, so the outcome only depends on the input order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.intel.same_event_choice import Verdict

Score = Verdict  # how an article scored against one candidate story (engine.last_scores)


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    window: timedelta = timedelta(days=7)  # an article this far from a story's dates may join it
    max_span: timedelta = timedelta(days=30)  # a story takes no article dated later than this after its first
    threshold: float | None = None  # None: the shipped model's (chosen by cross-validation)
    duplicate_bits: int = 24  # SimHash distance under which a member is compared word for word
    duplicate_containment: float = 0.8  # share of 3-grams in common that makes an article a re-post
    loose_join: float = 0.5  # a join below this share of the members' mean fit is logged


def article_day(published: datetime | None, fetched: datetime | None, arrived: datetime) -> datetime:
    """The date an article is placed at: published, else fetched, else when it arrived."""
    return published or fetched or arrived


def story_open(day: datetime, first: datetime, last: datetime, settings: ClusterSettings) -> bool:
    """Whether a story spanning [first, last] may take an article dated `day`."""
    return first - settings.window <= day <= min(last + settings.window, first + settings.max_span)
