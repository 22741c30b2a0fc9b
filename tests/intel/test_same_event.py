"""The same-event model's pieces, on hand-made signals: identifiers, bounded profiles, the rules for
untimed pairs and conflicting CVE ids."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.intel.identifiers import (
    figures,
    identifiers,
    names_a_topic,
    names_one_event,
    same_figure,
    title_cased,
)
from bot.intel.same_event import (
    FEATURES,
    STORY_KEYS,
    Profile,
    Signals,
    compatibility,
    days_apart,
    features,
    same_batch,
    shipped_model,
)
from bot.intel.same_event_choice import Verdict, choose, judge
from bot.intel.similarity import TfidfSimilarity, cosine
from bot.intel.wording import canonical
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


def test_untimed_pairs_need_a_distinctive_identifier_that_names_one_event() -> None:
    """Without dates on both sides, a probability that would do for a dated pair is not enough: the
    join needs the untimed threshold and an identifier no other candidate has that names one event
    (a CVE id, or a coined or numbered name in both headlines), never a recurring phrase or an
    abbreviation, however alike the wording."""
    model = shipped_model()
    title = "Microsoft patches critical PrintNightmare zero-day"
    story = Profile.start(signals(title, outlet="other", dated=False))
    candidates = [(1, story)]
    high = max(model.untimed_threshold, model.threshold)

    def verdict(probability: float, distinctive: tuple[str, ...] = ()) -> Verdict:
        return Verdict(1, probability, (), distinctive, distinctive)

    dated = signals(title)
    undated = signals(title, dated=False)
    dated_story = [(1, Profile.start(signals(title, outlet="other")))]
    assert choose(dated, [verdict(model.threshold)], dated_story, model) is not None
    assert choose(undated, [verdict(1.0)], candidates, model) is None  # wording alone
    # one side dated to the day anchors the pair: the untimed threshold alone then suffices
    assert choose(undated, [verdict(high)], dated_story, model) is not None
    assert choose(dated, [verdict(high)], candidates, model) is not None
    assert choose(undated, [verdict(high - 0.01)], dated_story, model) is None
    assert choose(undated, [verdict(1.0, ("patch tuesday",))], candidates, model) is None
    assert choose(undated, [verdict(1.0, ("poc",))], candidates, model) is None
    assert choose(undated, [verdict(high, ("printnightmare",))], candidates, model) is not None
    assert choose(undated, [verdict(high, ("cve-2021-34527",))], candidates, model) is not None
    if model.untimed_threshold > model.threshold:
        assert choose(undated, [verdict(model.threshold, ("printnightmare",))], candidates, model) is None
    # a coined name met only in the lead of one side does not vouch (CVE ids do)
    elsewhere = signals("Microsoft fixes a print spooler flaw", dated=False)
    assert choose(elsewhere, [verdict(1.0, ("printnightmare",))], candidates, model) is None
    assert choose(elsewhere, [verdict(1.0, ("cve-2021-34527",))], candidates, model) is not None
    # a date known only to the month does not vouch either: a month holds several of a vendor's events
    monthly = signals("Microsoft patches critical PrintNightmare zero-day")
    monthly = replace(monthly, precise=False)
    assert choose(monthly, [verdict(high)], candidates, model) is None
    # a distinctive identifier is one that only this candidate shares
    named = signals("Microsoft patches Windows flaw", {"printnightmare": 5.0}, dated=False)
    two = [
        (1, Profile.start(signals("a", {"printnightmare": 5.0}))),
        (2, Profile.start(signals("b", {"printnightmare": 5.0}))),
    ]
    assert all(v.distinctive == () for v in judge(named, two, model))
    assert judge(named, two[:1], model)[0].distinctive == ("printnightmare",)


def test_identifiers_that_name_one_event() -> None:
    assert names_one_event("cve-2021-34527") and names_one_event("storm-0558") and names_one_event("apt29")
    assert names_one_event("printnightmare") and names_one_event("lockbit 3.0")
    assert not names_one_event("patch tuesday") and not names_one_event("poc")


def test_reported_figures_match_when_rounded_differently() -> None:
    """Outlets round one figure their own way: "300,000+" and "335,923" firewalls are one figure,
    1.2 million and 2 million are not; years, versions and CVE numbers are no figures."""
    assert figures("300,000+ firewalls, 38TB leaked and 1.2 million records") == {
        300000.0,
        38e12 + 0.5,
        1.2e6,
    }
    assert figures("In 2023 iOS 16.5.1 fixed CVE-2023-27997") == set()
    assert same_figure(300000.0, 335923.0) and not same_figure(1.2e6, 2e6)
    story = Profile.start(signals("Fortinet firewalls unpatched"))
    story.add(replace(signals("Fortinet firewalls unpatched"), figures=(336000.0,)), fit=1.0)
    close = replace(signals("servers remain unpatched"), figures=(335923.0,))
    far = replace(signals("servers remain unpatched"), figures=(2.0e6,))
    assert features(close, story)[FEATURES.index("figure")] == 1.0
    assert features(far, story)[FEATURES.index("figure")] == 0.0


def test_an_article_is_compared_with_the_best_matching_member_title() -> None:
    """A first report worded unlike the later ones still meets them one headline at a time, even
    when the story's centroid has moved towards the later wording."""
    story = Profile.start(signals("Apple fixes zero-days used to deploy Triangulation spyware"))
    for _ in range(3):
        story.add(signals("Apple releases patches for actively exploited flaws in iOS and macOS"), fit=1.0)
    article = signals("Triangulation spyware zero-days fixed")
    best = features(article, story)[FEATURES.index("best_title")]
    assert best > features(article, story)[FEATURES.index("title")]
    assert Profile.from_json(story.to_json()).titles == story.titles


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
    # ids reserved together are one disclosure's flaws (Exim's six zero-days: 42114 and 42115)
    batch = signals("Chrome zero-day exploited", {"cve-2021-21170": 5.0}, outlet="other")
    assert choose(batch, judge(batch, candidates, model), candidates, model) is not None
    assert same_batch("cve-2021-21166", "cve-2021-21170") and not same_batch(
        "cve-2021-21166", "cve-2022-21166"
    )


def test_reworded_headlines_meet_through_synonyms() -> None:
    """Outlets reword each other's headlines with everyday synonyms: "fixes zero-day" and "patches
    0-day" are one term pair after canonical(), an unrelated word is not folded."""
    tokens = TfidfSimilarity()
    first = canonical(tokens.vectorize("Apple fixes zero-day bug exploited in attacks"))
    second = canonical(tokens.vectorize("Apple patches exploited 0-day flaw"))
    raw = cosine(
        tokens.vectorize("Apple fixes zero-day bug exploited in attacks"),
        tokens.vectorize("Apple patches exploited 0-day flaw"),
    )
    assert cosine(first, second) > raw + 0.3
    assert canonical({"apple": 1.0}) == {"apple": 1.0}


def test_an_identifier_naming_one_event_is_its_own_feature() -> None:
    story = Profile.start(signals("Hackers stole signing key", {"storm-0558": 4.0, "crash dump": 4.0}))
    named = features(signals("A chain of failures", {"storm-0558": 4.0}), story)
    phrase = features(signals("A chain of failures", {"crash dump": 4.0}), story)
    assert named[FEATURES.index("event_key")] == 1.0 and phrase[FEATURES.index("event_key")] == 0.0


def test_the_same_outlet_twice_in_a_day_needs_publication_days() -> None:
    """Arrival times of a folder of one outlet's pages say nothing about "twice in a day"."""
    story = Profile.start(signals("Chrome zero-day exploited", outlet="wire"))
    dated = features(signals("Chrome zero-day fixed", outlet="wire"), story)
    assert dated[FEATURES.index("outlet")] == 1.0
    undated_story = Profile.start(signals("Chrome zero-day exploited", outlet="wire", dated=False))
    undated = features(signals("Chrome zero-day fixed", outlet="wire", dated=False), undated_story)
    assert undated[FEATURES.index("outlet")] == 0.0


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


def test_a_date_without_a_time_of_day_has_a_day_of_slack() -> None:
    """An aggregator's front matter gives the day only, often the day after publication: an article
    dated midnight of the next day is no later than the story; one dated that evening is."""
    story = Profile.start(signals("Chrome zero-day exploited", day=DAY + timedelta(hours=15)))
    assert days_apart(DAY + timedelta(days=1), story) == 0.0
    assert days_apart(DAY + timedelta(days=1, hours=20), story) > 1.0
