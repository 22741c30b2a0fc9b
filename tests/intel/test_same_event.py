"""The same-event model's pieces, on hand-made signals: identifiers, bounded profiles, the rules for
untimed pairs and conflicting CVE ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.intel.identifiers import identifiers, names_a_topic, title_cased
from bot.intel.same_event import (
    STORY_KEYS,
    Profile,
    Signals,
    Verdict,
    choose,
    compatibility,
    features,
    judge,
    shipped_model,
)
from bot.models import EventType

DAY = datetime(2023, 7, 10, tzinfo=UTC)


def signals(
    title: str,
    keys: dict[str, float] | None = None,
    *,
    day: datetime = DAY,
    dated: bool = True,
    outlet: str = "wire",
    event: EventType = EventType.VULNERABILITY,
) -> Signals:
    words = {w.lower(): 1.0 for w in title.split()}
    norm = sum(v * v for v in words.values()) ** 0.5
    vector = {w: v / norm for w, v in words.items()}
    return Signals(vector, vector, keys or {}, event, day, outlet, dated)


def test_identifiers_are_specific_names_not_headline_capitals() -> None:
    keys = identifiers(
        "Adobe Issues Emergency Patches For Critical Flaws",
        "Adobe Issues Emergency Patches For Critical Flaws\nThe Storm-0558 group used MOVEit and CVE-2023-34362;"
        " researchers at Mandiant Consulting said the Clop gang hit Progress Software.",
    )
    assert {"cve-2023-34362", "storm-0558", "moveit", "mandiant consulting", "progress software"} <= keys
    assert "issues emergency patches" not in keys and "emergency patches" not in keys
    assert title_cased("Adobe Issues Emergency Patches For Critical Flaws")
    assert not title_cased("Adobe issues emergency patches for critical flaws")


def test_vendor_and_product_names_are_topics_not_events() -> None:
    topics = frozenset({"oracle", "weblogic", "google play"})
    assert names_a_topic("oracle weblogic", topics)
    assert names_a_topic("google play store", topics)
    assert not names_a_topic("printnightmare", topics)


def test_event_types_of_one_incident_are_compatible() -> None:
    assert compatibility(EventType.ATTACK, EventType.VULNERABILITY) == 0.5
    assert compatibility(EventType.OUTAGE, EventType.ATTACK) == 0.5
    assert compatibility(EventType.LEGAL, EventType.LAYOFFS) == -1.0
    assert compatibility(EventType.OTHER, EventType.BREACH) == 0.0


def test_the_same_report_from_another_outlet_joins_and_a_month_later_does_not() -> None:
    model = shipped_model()
    story = Profile.start(signals("Apple fixes WebKit zero-day exploited in attacks", {"webkit": 4.0}))
    again = signals("Apple fixes WebKit zero-day exploited in attacks", {"webkit": 4.0}, outlet="other")
    later = signals(
        "Apple fixes WebKit zero-day exploited in attacks", {"webkit": 4.0}, day=DAY + timedelta(days=40)
    )
    assert model.probability(features(again, story)) >= model.threshold
    assert model.probability(features(later, story)) < model.probability(features(again, story))


def test_untimed_pairs_need_a_distinctive_identifier_or_near_identical_wording() -> None:
    """Without dates on both sides, a probability that would do for a dated pair is not enough: the
    join needs an identifier no other candidate has (and a higher probability), or wording so close
    that only a re-report has it."""
    model = shipped_model()
    story = Profile.start(signals("Microsoft patches critical Windows zero-day", outlet="other"))
    candidates = [(1, story)]

    def verdict(probability: float, distinctive: tuple[str, ...] = ()) -> Verdict:
        return Verdict(1, probability, (), distinctive, distinctive)

    dated = signals("Microsoft patches critical Windows zero-day")
    undated = signals("Microsoft patches critical Windows zero-day", dated=False)
    assert choose(dated, [verdict(0.9)], candidates, model) is not None
    assert choose(undated, [verdict(0.9)], candidates, model) is None
    assert choose(undated, [verdict(0.9, ("printnightmare",))], candidates, model) is None
    assert choose(undated, [verdict(0.97, ("printnightmare",))], candidates, model) is not None
    assert choose(undated, [verdict(0.9995)], candidates, model) is not None
    # a distinctive identifier is one that only this candidate shares
    named = signals("Microsoft patches Windows flaw", {"printnightmare": 5.0}, dated=False)
    two = [
        (1, Profile.start(signals("a", {"printnightmare": 5.0}))),
        (2, Profile.start(signals("b", {"printnightmare": 5.0}))),
    ]
    assert all(v.distinctive == () for v in judge(named, two, model))
    assert judge(named, two[:1], model)[0].distinctive == ("printnightmare",)


def test_two_different_cve_ids_are_two_flaws() -> None:
    model = shipped_model()
    story = Profile.start(signals("Chrome zero-day exploited", {"cve-2021-21166": 5.0}))
    other = signals("Chrome zero-day exploited", {"cve-2021-21193": 5.0}, outlet="other")
    candidates = [(1, story)]
    verdicts = judge(other, candidates, model)
    assert verdicts[0].probability >= model.threshold
    assert choose(other, verdicts, candidates, model) is None
    same = signals("Chrome zero-day exploited", {"cve-2021-21166": 5.0}, outlet="other")
    assert choose(same, judge(same, candidates, model), candidates, model) is not None


def test_a_story_keeps_its_rarest_identifiers_and_weighs_loose_members_less() -> None:
    story = Profile.start(signals("first report", {"a": 1.0}))
    for i in range(60):
        story.add(signals(f"report {i}", {f"key{i}": float(i % 7 + 1)}), fit=1.0)
    assert len(story.keys) == STORY_KEYS
    assert min(v[0] for v in story.keys.values()) >= 3.0  # the commonest were dropped first
    before = dict(story.title)
    story.add(signals("completely different words here"), fit=0.05)
    moved = sum(abs(story.title.get(t, 0.0) - before.get(t, 0.0)) for t in set(story.title) | set(before))
    assert moved < 0.1 and story.members == 62


def test_a_profile_stored_before_this_model_takes_no_article() -> None:
    legacy = Profile.from_json({"lead": 0.4, "ban": 0.9})  # a bare term vector of the old engine
    assert legacy.members == 0
    article = signals("Kaspersky ban lead")
    assert judge(article, [(1, legacy)], shipped_model())[0].probability == 0.0
    assert Profile.from_json(Profile.start(article).to_json()).members == 1
