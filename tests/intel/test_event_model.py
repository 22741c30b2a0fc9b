"""The learned event-type decision (bot/intel/event_model.py) on stories written for these tests in
the shape of real coverage: where the cue rules go wrong and the model is right, and where the rules
keep the last word (advertorials, types the model never learned)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.intel.event_model import (
    MODEL_PATH,
    EventModel,
    article_features,
    decide_story,
    load_model,
    model_features,
)
from bot.intel.events import decide, score_text
from bot.intel.story_build import _event, analyse, event_scores
from bot.models import Article, EventType

# A campaign that exploited a product: the rules count the flaw words ("exploit", "vulnerable") and
# type it a vulnerability; what happened is an attack on the agencies.
CAMPAIGN = (
    "Hackers Exploit Network Monitoring Software to Target Several Regional Agencies",
    "A state-sponsored group has been targeting regional agencies for three years by exploiting a network "
    "monitoring product, the national cyber agency said on Monday. The intruders planted a web shell and a "
    "backdoor on the servers they reached.",
    "The agency said the campaign resembles earlier intrusions attributed to the same group. Organisations "
    "running the product were told to check their servers for the web shell.",
)
# Sites infected with spam: the rules see nothing that happened and say `other`.
SPAM = (
    "40,000 Blogs Infected With Spam Links",
    "Tens of thousands of blogs running an outdated plugin have been infected with hidden spam links in a "
    "campaign spotted by a security firm on Tuesday. The attackers injected code that shows pharmacy adverts "
    "to search engines.",
    "Site owners were told to update the plugin and scan their sites.",
)


@pytest.mark.parametrize(
    ("story", "rules_said"), [(CAMPAIGN, EventType.VULNERABILITY), (SPAM, EventType.OTHER)]
)
def test_the_model_types_an_attack_the_cue_rules_miss(
    story: tuple[str, str, str], rules_said: EventType
) -> None:
    scored = [score_text(*story)]
    assert decide(scored).event_type is rules_said  # the rules alone (why the model is there)
    verdict = decide_story(scored, [], [article_features(*story)])
    assert verdict.event_type is EventType.ATTACK
    assert any(c.startswith("model:") for c in verdict.cues)  # cue words of the type, then what weighed


def test_the_story_engine_caches_the_features_and_decides_with_them() -> None:
    title, lead, rest = CAMPAIGN
    body = f"{lead}\n\n{rest}"
    article = Article("a.md", title, body, body, "hash-a", url="https://example.test/a", subjects=("Acme",))
    analysis = analyse(article, event_scores(article))
    assert analysis["event_features"]
    assert set(analysis["event_features"]) <= set(load_model().weights)  # type: ignore[union-attr]
    assert _event([analysis]).event_type is EventType.ATTACK
    del analysis["event_features"]  # a cache written before the model: the rules decide
    assert _event([analysis]).event_type is EventType.VULNERABILITY


def test_advertorials_and_faulty_updates_keep_the_rules_verdict() -> None:
    promo = ("Webinar: how ransomware gangs breach your network", "Register now. Save your seat.", "")
    assert decide_story([score_text(*promo)], [], [article_features(*promo)]).event_type is EventType.OTHER
    outage = (
        "Faulty security update crashes millions of Windows machines",
        "A buggy content update pushed by an endpoint vendor sent machines into boot loops, grounding flights.",
        "The company said the outage was not the result of a cyberattack. Hackers are now using the chaos "
        "for phishing.",
    )
    assert decide_story([score_text(*outage)], [], [article_features(*outage)]).event_type is EventType.OUTAGE
    arrest = ("Police arrest two men behind a ransomware gang", "Police arrested two suspects on Friday.", "")
    assert decide_story([score_text(*arrest)], [], [article_features(*arrest)]).event_type is EventType.LEGAL


def test_without_features_or_model_the_rules_decide(tmp_path: Path) -> None:
    scored = [score_text(*CAMPAIGN)]
    assert decide_story(scored, [], [None]).event_type is EventType.VULNERABILITY
    assert load_model(tmp_path / "absent.json") is None
    silent = EventModel(tuple(EventType), tuple(0.0 for _ in EventType), {})
    assert (
        decide_story(scored, [], [article_features(*CAMPAIGN)], silent).event_type is EventType.VULNERABILITY
    )


def test_the_shipped_model_round_trips_and_gives_probabilities() -> None:
    model = EventModel.from_json(json.loads(MODEL_PATH.read_text(encoding="utf-8")))
    assert EventModel.from_json(model.to_json()) == model
    assert EventType.LAYOFFS not in model.classes  # never learned: the rules keep it
    probs = model.probabilities(article_features(*CAMPAIGN))
    assert abs(sum(probs.values()) - 1.0) < 1e-9
    assert set(model_features(*CAMPAIGN)) <= set(article_features(*CAMPAIGN))


def test_the_candidate_role_features_tell_the_hit_vendor_from_the_researcher() -> None:
    """evaluation/event_roles.py (measured by `train_events --roles`, not shipped): the subject's role
    where it is named, and no evidence at all for an article without a subject vendor (such an article
    never starts a story, so a flag for it would be learned from rows the engine never types)."""
    from evaluation.event_roles import compact_roles, section_roles

    hit = ("Norvale hit by ransomware", "Attackers breached Norvale on Monday and encrypted its servers.", "")
    research = (
        "New loader spreads through fake installers",
        "Researchers at Norvale found a loader that hides in fake installers, the firm said.",
        "",
    )
    assert section_roles(*hit, ["Norvale"])["role_lead:affected"] == 1.0
    assert "role_lead:researcher" in section_roles(*research, ["Norvale"])
    assert compact_roles(*hit, ["Norvale"]).get("role:hit") == 1.0
    assert compact_roles(*research, ["Norvale"]).get("role:research_only") == 1.0
    assert section_roles(*hit, []) == {} == compact_roles(*hit, [])
