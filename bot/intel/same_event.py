"""Same event? A small learned pairwise model between an incoming article and a candidate story.

Pure and storage-free: the story engine computes an article's `Signals` once, keeps one `Profile`
per story (serialised with the story), and asks `probability(features(signals, profile))`. The
evaluation replays the same functions offline, so what is trained is what runs.

Evidence, chosen to hold on real coverage (evaluation/clustering.py, the multi-outlet dev split):
- wording of the title and of the lead (title + first sentences), each as TF-IDF cosine against the
  story's centroid of the same part: outlets reword the body but keep the headline's nouns, a feed
  item is all lead, and whole bodies of one vendor's different events look alike (measured: adding
  the body's cosine made full-text stories swallow other events);
- specific identifiers in the title or lead shared with the story (CVE ids, odd-cased names such as
  malware, actors and products, names with a dotted version, capitalised multi-word names), each
  weighted by how rare it is in the corpus (IDF); vendor and product names of the catalog are left
  out (the candidates share the vendor already), and so is the share of the article's identifiers
  the story lacks (a different malware, CVE or victim);
- the gap in days between the article's date and the story's dates;
- compatibility of the rule-based event types (a breach and its patch are one incident, a sales ban
  and an office closure are not);
- whether the story already has this outlet within a day (an outlet rarely reports an event twice);
- whether both name an identifier that names one event (a numbered actor, a coined malware name, CVE
  ids of one disclosure batch), the strongest sign that two differently worded headlines meet;
- title and lead vectors fold a few synonyms of security news into one term ("fixes" / "patches",
  "0-day" / "zero-day", "bug" / "flaw"), as outlets reword each other's headlines with them.
The weights are a logistic regression trained on the dev labels by evaluation/train_cluster.py,
shipped as bot/intel/data/same_event.json, threshold chosen by grouped cross-validation.
Which candidate an article joins, and the rules the probability alone cannot carry (dates, CVE
conflicts, repeat cues, joins by mention): bot/intel/same_event_choice.py; synonyms and repeat cues:
bot/intel/wording.py.

A story's evidence is bounded: centroids keep their heaviest terms, members are weighted by how well
they fitted when they joined (a loose join moves the profile little), and only the rarest keys are
kept, so a big story does not attract more than a small one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from bot.intel.identifiers import figures, identifiers, lead_of, names_a_topic, names_one_event, same_figure
from bot.intel.similarity import Similarity, Vector, add_vectors, cosine, normalise
from bot.intel.wording import canonical, repeat_cues
from bot.models import EventType

FEATURES = ("title", "lead", "keys", "unshared", "gap", "type", "outlet", "best_title", "figure", "event_key")
CENTROID_TERMS = 60  # terms kept per centroid
ARTICLE_KEYS = 16  # rarest identifiers kept per article
STORY_KEYS = 32  # rarest identifiers kept per story
STORY_OUTLETS = 40
STORY_TITLES = 8  # member titles kept per story (the best-fitting ones), compared one by one
STORY_FIGURES = 16
KEY_PREFIX = "key:"  # identifiers share the TF-IDF document counts under this prefix
# Without publication dates on both sides, the prior that two reports of one vendor are one event is
# far lower than inside a dated week (the dev split the model learnt from), and a vendor's recurring
# news is worded alike every year ("Patch Tuesday", "zero-day PoC published"): a join then needs a
# shared identifier that names one event (identifiers.names_one_event) and no other candidate has, in
# both headlines unless it is a CVE id, and the model's `untimed_threshold` (chosen by grouped
# cross-validation on the dev split replayed without dates, evaluation/train_cluster.py).
UNTIMED_THRESHOLD = 0.95  # for a model file that has none
# When one side has a publication date to the day and the other only its fetch or arrival time (the
# seeds: a dated page and an undated paste of the same news), the date anchors the pair to a moment
# (an undated article only meets stories that arrived around it): the untimed threshold alone then
# suffices. Without a date on either side it never does.


CVE_BATCH = 20  # CVE ids of one year this close were reserved together: one disclosure (Exim's six)


def idf(documents: int, frequency: int) -> float:
    """Plain log IDF: 0 for a key in every document, log(N) for one seen once."""
    return math.log((1 + documents) / (1 + frequency))


@dataclass(frozen=True, slots=True)
class Signals:
    """What the model knows of one article."""

    title: Vector
    lead: Vector
    keys: Mapping[str, float]  # identifier -> IDF
    event_type: EventType
    day: datetime
    outlet: str
    dated: bool = True  # False: `day` is when it was fetched or arrived, not published
    figures: tuple[float, ...] = ()  # reported quantities in the title and lead (identifiers.figures)
    precise: bool = True  # the publication date is known to the day (not only the month)
    repeats: frozenset[str] = frozenset()  # the headline's repeat cues (wording.repeat_cues)


def signals(
    title: str,
    body: str,
    similarity: Similarity,
    key_frequencies: Mapping[str, int],
    documents: int,
    *,
    event_type: EventType,
    day: datetime,
    outlet: str,
    dated: bool = True,
    precise: bool = True,
    topics: AbstractSet[str] = frozenset(),
) -> Signals:
    """An article's signals. `key_frequencies` are the corpus counts of its identifiers (with
    KEY_PREFIX), after counting the article itself; `topics` the lower-cased vendor and product names
    (identifiers naming one are left out, as is the outlet's own name: "SecurityWeek reported")."""
    lead = lead_of(title, body)
    weights = {
        k: idf(documents, key_frequencies.get(KEY_PREFIX + k, 1))
        for k in identifiers(title, lead)
        if not names_a_topic(k, topics) and k.replace(" ", "") != outlet.lower().replace(" ", "")
    }
    kept = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:ARTICLE_KEYS]
    return Signals(
        title=canonical(similarity.vectorize(title)),
        lead=canonical(similarity.vectorize(lead)),
        keys=dict(kept),
        event_type=event_type,
        day=day,
        outlet=outlet.lower(),
        dated=dated,
        figures=tuple(sorted(figures(lead))),
        precise=precise,
        repeats=repeat_cues(title),
    )


@dataclass(slots=True)
class Profile:
    """A story's evidence, bounded in size whatever the number of members."""

    title: Vector = field(default_factory=dict)
    lead: Vector = field(default_factory=dict)
    keys: dict[str, list[float]] = field(default_factory=dict)  # key -> [IDF, members naming it]
    event_type: EventType = EventType.OTHER
    first: datetime | None = None
    last: datetime | None = None
    dated: bool = False  # first/last are publication dates (else fetch or arrival times)
    outlets: dict[str, str] = field(default_factory=dict)  # outlet -> last day (ISO)
    weight: float = 0.0  # sum of the members' fits
    members: int = 0
    titles: list[tuple[float, Vector]] = field(default_factory=list)  # (fit, member title), best first
    figures: list[float] = field(default_factory=list)
    repeats: list[str] = field(default_factory=list)  # repeat cues of the members' headlines

    @classmethod
    def start(cls, article: Signals) -> Profile:
        profile = cls()
        profile.add(article, 1.0)
        return profile

    def add(self, article: Signals, fit: float) -> None:
        """Fold a member in, weighted by how well it fitted (1.0 for the first)."""
        old = self.weight

        def blend(mine: Vector, theirs: Vector) -> Vector:
            return normalise(add_vectors([(mine, old), (theirs, fit)]), keep=CENTROID_TERMS)

        self.title = blend(self.title, article.title)
        self.lead = blend(self.lead, article.lead)
        for key, weight in article.keys.items():
            entry = self.keys.setdefault(key, [weight, 0.0])
            entry[0] = weight  # the newer IDF: the corpus only grows
            entry[1] += 1
        if len(self.keys) > STORY_KEYS:
            ranked = sorted(self.keys.items(), key=lambda kv: (-kv[1][0] * kv[1][1], kv[0]))
            self.keys = dict(ranked[:STORY_KEYS])
        if self.event_type is EventType.OTHER:
            self.event_type = article.event_type
        self._add_date(article)
        self.outlets[article.outlet] = max(self.outlets.get(article.outlet, ""), article.day.isoformat())
        if len(self.outlets) > STORY_OUTLETS:
            self.outlets = dict(sorted(self.outlets.items(), key=lambda kv: kv[1])[-STORY_OUTLETS:])
        self.titles = sorted([*self.titles, (fit, article.title)], key=lambda ft: -ft[0])[:STORY_TITLES]
        for value in article.figures:
            if not any(same_figure(value, mine) for mine in self.figures):
                self.figures.append(value)
        self.figures = self.figures[-STORY_FIGURES:]
        self.repeats = sorted({*self.repeats, *article.repeats})[:STORY_FIGURES]
        self.weight += fit
        self.members += 1

    def _add_date(self, article: Signals) -> None:
        """Publication dates make the span; an undated member (fetch or arrival time) only spans a
        story that has no publication date, so it never stretches a dated story across years."""
        if article.dated and not self.dated:
            self.first = self.last = None
            self.dated = True
        elif self.dated and not article.dated:
            return
        self.first = min(self.first, article.day) if self.first else article.day
        self.last = max(self.last, article.day) if self.last else article.day

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "lead": self.lead,
            "keys": self.keys,
            "event_type": str(self.event_type),
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "dated": self.dated,
            "outlets": self.outlets,
            "weight": self.weight,
            "members": self.members,
            "titles": [[f, t] for f, t in self.titles],
            "figures": self.figures,
            "repeats": self.repeats,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Profile:
        """The stored profile; a story stored before this model (a bare term vector) reads as empty,
        so it takes no new article and its event starts a new story."""
        if not isinstance(data.get("members"), int):
            return cls()

        def when(value: object) -> datetime | None:
            return datetime.fromisoformat(str(value)) if value else None

        return cls(
            title=dict(data.get("title", {})),
            lead=dict(data.get("lead", {})),
            keys={str(k): [float(v[0]), float(v[1])] for k, v in data.get("keys", {}).items()},
            event_type=EventType(data.get("event_type", "other")),
            first=when(data.get("first")),
            last=when(data.get("last")),
            dated=bool(data.get("dated", False)),
            outlets=dict(data.get("outlets", {})),
            weight=float(data.get("weight", 0.0)),
            members=int(data.get("members", 0)),
            titles=[(float(f), dict(t)) for f, t in data.get("titles", [])],
            figures=[float(v) for v in data.get("figures", [])],
            repeats=[str(v) for v in data.get("repeats", [])],
        )


# Incidents unfold as attack -> outage or breach -> patch; business news as layoffs / closure / sale.
_FAMILIES = (
    frozenset({EventType.BREACH, EventType.VULNERABILITY, EventType.ATTACK, EventType.OUTAGE}),
    frozenset({EventType.LAYOFFS, EventType.ACQUISITION}),
)


def compatibility(a: EventType, b: EventType) -> float:
    """1 the same type, 0.5 one family, 0 unknown, -1 incompatible (a ban vs an office closure)."""
    if EventType.OTHER in (a, b):
        return 0.0
    if a == b:
        return 1.0
    return 0.5 if any(a in f and b in f for f in _FAMILIES) else -1.0


def days_apart(day: datetime, profile: Profile) -> float:
    """Days between the article and the nearest end of the story's span (0 inside it)."""
    if profile.first is None or profile.last is None:
        return 0.0
    if profile.first <= day <= profile.last:
        return 0.0
    edge = profile.first if day < profile.first else profile.last
    gap = abs((day - edge).total_seconds()) / 86400
    # A date without a time of day (an aggregator's front matter: "date: 2024-10-09", often the day
    # after publication) places the article anywhere in that day or the one before: a day of slack.
    return max(0.0, gap - 1.0) if _day_only(day) or _day_only(edge) else gap


def _day_only(when: datetime) -> bool:
    return when.hour == when.minute == when.second == when.microsecond == 0


def timed(article: Signals, profile: Profile) -> bool:
    """Whether both sides have publication dates, the article's to the day: only then does the gap
    between them mean much (a month holds a vendor's several zero-days and Patch Tuesdays)."""
    return article.dated and article.precise and profile.dated


def shared_keys(article: Signals, profile: Profile) -> list[str]:
    return sorted(k for k in article.keys if k in profile.keys)


def features(article: Signals, profile: Profile) -> list[float]:
    """The model's inputs, in FEATURES order."""
    rare = sum(min(article.keys[k], profile.keys[k][0]) for k in shared_keys(article, profile))
    own = sum(article.keys.values())
    # identifiers the article names that the story never did: a different CVE, malware or victim
    unshared = 1.0 - sum(article.keys[k] for k in shared_keys(article, profile)) / own if own else 0.0
    recent = profile.outlets.get(article.outlet)
    # only publication days say "twice in a day": arrival times of a folder of one outlet's pages do not
    same_outlet = (
        timed(article, profile)
        and recent is not None
        and abs((article.day - datetime.fromisoformat(recent)).total_seconds()) < 86400
    )
    return [
        cosine(article.title, profile.title),
        cosine(article.lead, profile.lead),
        math.log1p(rare),
        unshared,
        math.log1p(days_apart(article.day, profile)) if timed(article, profile) else 0.0,
        compatibility(article.event_type, profile.event_type),
        1.0 if same_outlet else 0.0,
        max((cosine(article.title, t) for _, t in profile.titles), default=0.0),
        1.0 if any(same_figure(a, b) for a in article.figures for b in profile.figures) else 0.0,
        1.0 if names_the_event(article, profile) else 0.0,
    ]


def names_the_event(article: Signals, profile: Profile) -> bool:
    """Whether both name one identifier that can only name one event (identifiers.names_one_event:
    Storm-0558, BlastPass) or CVE ids of one disclosure batch: "reworded but the same incident"."""
    if any(names_one_event(k) and not k.startswith("cve-") for k in shared_keys(article, profile)):
        return True
    mine = [k for k in article.keys if k.startswith("cve-")]
    return any(same_batch(a, b) for a in mine for b in profile.keys if b.startswith("cve-"))


@dataclass(frozen=True, slots=True)
class Model:
    """Logistic regression over standardised FEATURES; `threshold` on its probability."""

    weights: tuple[float, ...]
    bias: float
    means: tuple[float, ...]
    scales: tuple[float, ...]
    threshold: float
    untimed_threshold: float = UNTIMED_THRESHOLD  # without publication dates on both sides

    def probability(self, values: Sequence[float]) -> float:
        z = self.bias + sum(
            w * (v - m) / s for w, v, m, s in zip(self.weights, values, self.means, self.scales, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "weights": list(self.weights),
            "bias": self.bias,
            "means": list(self.means),
            "scales": list(self.scales),
            "threshold": self.threshold,
            "untimed_threshold": self.untimed_threshold,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Model:
        if tuple(data.get("features", ())) != FEATURES:
            raise ValueError(f"model features {data.get('features')} do not match {FEATURES}")
        return cls(
            tuple(float(w) for w in data["weights"]),
            float(data["bias"]),
            tuple(float(m) for m in data["means"]),
            tuple(float(s) or 1.0 for s in data["scales"]),
            float(data["threshold"]),
            float(data.get("untimed_threshold", UNTIMED_THRESHOLD)),
        )


@lru_cache(maxsize=1)
def shipped_model() -> Model:
    """The model trained by evaluation/train_cluster.py (bot/intel/data/same_event.json)."""
    text = resources.files("bot.intel").joinpath("data/same_event.json").read_text(encoding="utf-8")
    return Model.from_json(json.loads(text))


def same_batch(a: str, b: str) -> bool:
    """The same CVE id, or two ids of one year reserved together (within CVE_BATCH): the flaws of one
    disclosure ("cve-2023-42114" and "cve-2023-42115" in two reports of Exim's zero-days)."""
    if a == b:
        return True
    year_a, _, number_a = a[4:].partition("-")
    year_b, _, number_b = b[4:].partition("-")
    return (
        year_a == year_b
        and number_a.isdigit()
        and number_b.isdigit()
        and abs(int(number_a) - int(number_b)) <= CVE_BATCH
    )
