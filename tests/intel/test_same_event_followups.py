"""Follow-up developments and stories found through a vendor named in passing: the two rules added
to the same-event choice after the dev split's worst merge (a patch and its re-release two days
later) and split (a leak reported as GitHub's by one outlet, as Microsoft's by the others). The
headlines are our own, in the shape of feed items."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.intel.same_event import Profile, Signals, shipped_model
from bot.intel.same_event_choice import REPEAT_AFTER, Verdict, choose, repeats_later
from bot.intel.wording import repeat_cues
from bot.models import EventType

RELEASE = datetime(2024, 3, 4, 17, 30, tzinfo=UTC)


def headline(title: str, day: datetime, outlet: str) -> Signals:
    words = {w.lower(): 1.0 for w in title.split()}
    norm = sum(v * v for v in words.values()) ** 0.5
    vector = {w: v / norm for w, v in words.items()}
    return Signals(vector, vector, {}, EventType.VULNERABILITY, day, outlet, repeats=repeat_cues(title))


def test_repeat_cues_name_an_action_done_again() -> None:
    assert repeat_cues("Fabrikam re-issues router firmware after update bricked devices") == {"re-issu"}
    assert repeat_cues("Fabrikam Re-Issued Emergency Router Patch") == {"re-issu"}
    assert repeat_cues("Browser maker fixes another zero-day exploited in the wild") == {"again"}
    assert repeat_cues("Chat service down again for thousands of users") == {"again"}
    assert repeat_cues("Fabrikam issues emergency router patch for exploited flaw") == frozenset()
    assert repeat_cues("Fabrikam patches its remote access product") == frozenset()  # "remote" is no re- verb
    assert repeat_cues("Second breach at Contoso hotels exposes guest records") == {"again"}
    assert repeat_cues("Contoso bug exposed user photos to third-party apps") == frozenset()
    assert repeat_cues("Second-hand routers from Fabrikam leak old owners' passwords") == frozenset()


def test_a_re_release_days_later_starts_a_story_while_same_day_reports_join() -> None:
    model = shipped_model()
    first = headline("Fabrikam issues emergency router patch for exploited flaw", RELEASE, "wire")
    story = Profile.start(first)
    story.add(
        headline("Fabrikam rushes out fix for router zero-day", RELEASE + timedelta(hours=3), "daily"), 0.9
    )
    candidates = [(7, story)]

    def verdict() -> list[Verdict]:
        return [Verdict(7, 0.99, (), (), ())]  # worded alike: the model alone would join

    reissue = headline(
        "Fabrikam re-issues router patch after it broke web access", RELEASE + timedelta(days=2), "wire"
    )
    assert repeats_later(reissue, story)
    assert choose(reissue, verdict(), candidates, model) is None
    # the same headline within hours is another outlet's report of the same news, cue or not
    same_day = replace(reissue, day=RELEASE + REPEAT_AFTER - timedelta(minutes=1))
    assert choose(same_day, verdict(), candidates, model) is not None
    # no cue, two days later: the gap is the model's to weigh, not this rule's
    plain = headline("Router patch from Fabrikam now rolled out to all", RELEASE + timedelta(days=2), "blog")
    assert choose(plain, verdict(), candidates, model) is not None
    # the re-release's own story already says it: its later reports join it
    again = Profile.start(reissue)
    later = headline("Fabrikam re-issued its router fix", RELEASE + timedelta(days=3), "daily")
    assert not repeats_later(later, again)
    assert choose(later, [Verdict(8, 0.99, (), (), ())], [(8, again)], model) is not None
    # without publication dates on both sides the order of events is unknown: the rule stays out
    assert not repeats_later(replace(reissue, dated=False), story)
    restored = Profile.from_json(again.to_json())
    assert restored.repeats == ["re-issu"]
