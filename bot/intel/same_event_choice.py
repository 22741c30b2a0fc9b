"""Which candidate story, if any, an article joins: every candidate scored by the same-event model
(bot/intel/same_event.py), then the rules that the model's probability alone cannot carry: without
publication dates on both sides a join needs more (a shared identifier naming one event, or one side's
date to anchor it), two different CVE ids up front are two flaws, and an article naming the vendor
only in passing joins only a story it surely reports.

Split from same_event.py (the evidence and the model) so each stays readable; the engine and the
offline replay (evaluation/train_cluster.py) both call these, so what is measured is what runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.intel.identifiers import names_one_event
from bot.intel.same_event import Model, Profile, Signals, features, same_batch, shared_keys, timed
from bot.intel.similarity import tokenize

REPEAT_AFTER = timedelta(days=1)  # reports of one event by several outlets come within hours of each other


@dataclass(frozen=True, slots=True)
class Verdict:
    """How the article scored against one candidate story."""

    story_id: int
    probability: float
    values: tuple[float, ...]
    shared: tuple[str, ...]
    distinctive: tuple[str, ...]  # shared identifiers no other candidate story has

    @property
    def total(self) -> float:
        return self.probability


def judge(article: Signals, candidates: Sequence[tuple[int, Profile]], model: Model) -> list[Verdict]:
    """Score every candidate (an empty profile, from before this model, scores 0). A shared
    identifier is distinctive when no other candidate has it."""
    holders: dict[str, int] = {}
    for _, profile in candidates:
        for key in article.keys:
            if key in profile.keys:
                holders[key] = holders.get(key, 0) + 1
    verdicts = []
    for story_id, profile in candidates:
        values = features(article, profile)
        shared = shared_keys(article, profile)
        verdicts.append(
            Verdict(
                story_id,
                model.probability(values) if profile.members else 0.0,
                tuple(values),
                tuple(shared),
                tuple(k for k in shared if holders[k] == 1),
            )
        )
    return verdicts


def cves_conflict(article: Signals, profile: Profile) -> bool:
    """Both name CVE ids up front and none is shared: two different flaws (a patch names the flaw it
    fixes, so the follow-up of one flaw shares its id)."""
    mine = {k for k in article.keys if k.startswith("cve-")}
    theirs = {k for k in profile.keys if k.startswith("cve-")}
    return bool(mine and theirs) and not any(same_batch(a, b) for a in mine for b in theirs)


def anchored(article: Signals, profile: Profile) -> bool:
    """Exactly one side has a publication date (the article's to the day), the other only a fetch or
    arrival time."""
    return (article.dated and article.precise and not profile.dated) or (not article.dated and profile.dated)


def vouches(key: str, article: Signals, profile: Profile) -> bool:
    """Whether a shared identifier can vouch for a join without dates: it names one event
    (identifiers.names_one_event), and unless it is a CVE id, both the article's headline and one of
    the story's headlines name it (an identifier only met in a lead is often background)."""
    if key.startswith("cve-"):
        return True
    if not names_one_event(key):
        return False
    words = tokenize(key)
    return (
        bool(words)
        and all(w in article.title for w in words)
        and any(all(w in title for w in words) for _, title in profile.titles)
    )


def joins_by_mention(article: Signals, verdict: Verdict, profile: Profile, model: Model) -> bool:
    """Whether an article that names the story's vendor only in passing (the vendor matcher found no
    subject: "US State Department says 60,000 emails taken in Chinese hack", of a Microsoft breach)
    joins it: with publication dates to the day on both sides and at the model's untimed threshold,
    well above the usual one. Such an article never starts a story (the product tracks vendors'
    events)."""
    return timed(article, profile) and verdict.probability >= model.untimed_threshold


def repeats_later(article: Signals, profile: Profile) -> bool:
    """Whether the article's headline says something happened again ("re-releases", "another") that
    no headline of the story says, with publication dates on both sides and at least REPEAT_AFTER
    after the story's first report: the development after the story's event (the re-release of a
    patch two days after its release), not another outlet's report of the same news, which comes
    within hours and may well use the cue first."""
    if not article.repeats or article.repeats <= set(profile.repeats) or not timed(article, profile):
        return False
    return profile.first is not None and article.day - profile.first >= REPEAT_AFTER


def choose(
    article: Signals, verdicts: Sequence[Verdict], candidates: Sequence[tuple[int, Profile]], model: Model
) -> Verdict | None:
    """The most probable candidate at or above the threshold (ties: the older story), or None.

    Without publication dates on both sides, time cannot vouch that two reports are of one moment: a
    vendor's stories from any year compete, and similar wording ("Patch Tuesday", "zero-day in Chrome")
    is common between different events. Then a join needs the model's `untimed_threshold` and a
    distinctive shared identifier that `vouches` for it, or one side's publication date (`anchored`).
    Whatever the dates, two CVE ids up front not of one batch are two different flaws, and a headline
    saying the story's action happened again, a day or more later, is a new development (`repeats_later`)."""
    candidates_by_id = dict(candidates)
    best: Verdict | None = None
    for verdict in sorted(verdicts, key=lambda v: v.story_id):
        if verdict.probability < model.threshold:
            continue
        profile = candidates_by_id[verdict.story_id]
        if not timed(article, profile) and not (
            (
                verdict.probability >= model.untimed_threshold
                and any(vouches(k, article, profile) for k in verdict.distinctive)
            )
            or (anchored(article, profile) and verdict.probability >= model.untimed_threshold)
        ):
            continue
        if cves_conflict(article, profile) or repeats_later(article, profile):
            continue
        if best is None or verdict.probability > best.probability:
            best = verdict
    return best
