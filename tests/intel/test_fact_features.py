"""The fact-usefulness features and fit of evaluation/fact_features.py and evaluation/train_facts.py,
on an article written for this test in the shape of a real one: the lead reports this story's count,
a later paragraph retells another event's count for scale. The model is measured, not shipped
(README-facts.md); these tests keep its measurement honest when the code changes."""

from __future__ import annotations

from dataclasses import dataclass

from bot.intel.sentences import article_sentences
from evaluation.fact_features import FEATURES, KEPT, fact_features
from evaluation.train_facts import Example, cross_validate, fit, score

TITLE = "Parcel courier Quickbox says 40,000 customer records were stolen"
ARTICLE = (
    "Parcel courier Quickbox said on Monday that intruders stole 40,000 customer records from its "
    "booking system. The company has reset every password and notified the regulator.\n\n"
    "It is not the first firm of its kind to be hit. Like the Fastcrate intrusion two years ago, "
    "which exposed 2 million accounts in 2019, the attack began with a phished login."
)


@dataclass(frozen=True)
class Fact:
    kind: str
    text: str
    sentence: str
    position: int


def test_a_count_retold_from_another_event_reads_differently_from_the_story_own_count() -> None:
    sentences = article_sentences(ARTICLE)
    complete = [s for s in sentences if s.complete]
    own = next(s for s in complete if "40,000" in s.text)
    other = next(s for s in complete if "2 million" in s.text)
    facts = [
        Fact("data", "40,000 records stolen", own.text, own.index),
        Fact("data", "2 million accounts exposed", other.text, other.index),
    ]
    first, second = fact_features(facts, TITLE, complete)
    assert first["lead"] == 1.0 and first["number_match"] == 1.0 and first["number_clash"] == 0.0
    assert first["count_far"] == 0.0 and first["title_words"] > 0.0
    assert second["lead"] == 0.0 and second["number_clash"] == 1.0 and second["number_match"] == 0.0
    assert second["count_far"] == 1.0 and second["comparative"] == 1.0 and second["past_year"] == 0.0
    assert second["intro_clause"] == 1.0  # opens with "Like the …"
    assert second["same_kind"] > first["same_kind"] == 0.0
    assert set(first) == set(FEATURES)


def _example(story: str, kind: str, clash: bool, useful: bool) -> Example:
    values = tuple(
        1.0 if name == "bias" or (name == "number_clash" and clash) or name == f"kind_{kind}" else 0.0
        for name in FEATURES
    )
    return Example(story, kind, values, int(useful))


def test_fit_learns_a_signal_and_never_drops_the_kept_kinds() -> None:
    # a clash is mostly noise, no clash mostly useful; CVE facts are noise here but must stay
    data = [
        _example(f"s{n}", "victims", clash=n % 2 == 0, useful=n % 2 == 1 or n == 0) for n in range(200)
    ] + [_example(f"c{n}", "cve", clash=True, useful=False) for n in range(10)]
    model = fit(data)
    assert model.weights["number_clash"] < -1.0
    kept = score(model, data)
    assert kept["recall"] >= 0.97  # the threshold rule
    assert kept["precision"] > score(None, data)["precision"]
    assert all(kind in KEPT for kind in ("cve", "kev", "exploitation"))
    assert kept["dropped"] == sum(
        1 for e in data if e.kind == "victims" and e.values[FEATURES.index("number_clash")]
    )


def test_cross_validation_keeps_a_story_in_one_fold_and_reports_the_baseline() -> None:
    data = [_example(f"s{n // 3}", "victims", clash=n % 2 == 0, useful=n % 2 == 1) for n in range(150)]
    result = cross_validate(data, seed=1)
    assert result["stories"] == 50 and result["facts"] == 150
    assert result["baseline_precision"]["mean"] < result["precision"]["mean"]  # type: ignore[index]
    assert len(result["precision_gain_per_fold"]) == 5  # type: ignore[arg-type]
