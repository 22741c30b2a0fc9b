"""A learned event-type decision on top of the cue rules (bot/intel/events.py), explainable by feature.

Why: hand cues tuned on one sample kept meeting new causes on the next (explainers full of attack
words, background sentences without cue words), and first readings of fresh samples stayed near 85%.
A multinomial logistic regression weighs the same evidence the rules see - which types' cues stand in
the title, the lead and the body, the decisive phrases (arrested, fined, acquired…), who did it
(researchers showing a flaw vs. a campaign in the wild), promo / feature / explainer marks, the
typed facts found (a CVE, exploitation, records taken, a ransom) and the rules' own verdict - plus
title and lead words that were common in the labelled rows, under strong L2. It is fitted by
`python -m evaluation.train_events --write` on the labelled real stories and stored in
bot/intel/data/event_model.json; inference is a few dictionary look-ups in pure Python.

The rules keep the last word where they are certain by construction: an advertorial (sponsored post,
webinar) stays `other` and is never alerted by default, whatever its words.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.intel.event_cues import ATTACK_HAPPENED, PROMO_BODY, PROMO_TITLE
from bot.intel.events import (
    _ASIDE,
    _BUILT,
    _NOT_ATTACK,
    DECISIVE,
    PROMO,
    RESEARCH_FLAW,
    EventVerdict,
    _actual_in_the_wild,
    _clause_before,
    _hits,
    decide,
    is_feature,
)
from bot.models import EventType

MODEL_PATH = Path(__file__).with_name("data") / "event_model.json"
SECTIONS = ("title", "lead", "body")
_WORD = re.compile(r"[a-z][a-z'-]{2,}")
LEAD_WORDS = 40  # words of the lead whose tokens are features (the news is in its first sentence or two)


def words(text: str, limit: int | None = None) -> list[str]:
    """Lower-case word tokens (3+ letters), the first `limit` of them."""
    found = _WORD.findall(text.lower())
    return found[:limit] if limit else found


# How a piece is written tells news from an explainer whatever its topic: news reports when and
# who said it ("on Tuesday", "the company said"), an explainer talks to the reader ("your network")
# in the present tense ("attackers are", "can be").
_YOU = re.compile(r"\b(?:you|your|you're|yours)\b", re.I)
_REPORTED = re.compile(r"\b(?:said|told|according\s+to|confirmed|announced|stated|disclosed)\b", re.I)
_ANCHOR = re.compile(
    r"\b(?:yesterday|today|(?:last|this)\s+(?:week|month)|on\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|\b\d{1,2}\s+(?:jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)[a-z]*)",
    re.I,
)
_PRESENT = re.compile(r"\b(?:is|are|can|should|must|need\s+to)\b", re.I)
_PAST = re.compile(r"\b(?:was|were|had|has\s+been|have\s+been)\b", re.I)


def style_features(lead: str, rest: str) -> dict[str, float]:
    """Genre, not topic: reader address, reporting verbs, dates in the lead, present vs past tense."""
    text = f"{lead} {rest}"
    n = max(50, len(text.split()))
    present, past = len(_PRESENT.findall(lead)), len(_PAST.findall(lead))
    values = {
        "you_rate": min(1.0, 50 * len(_YOU.findall(text)) / n),
        "reported_rate": min(1.0, 50 * len(_REPORTED.findall(text)) / n),
        "lead_reported": float(bool(_REPORTED.search(lead))),
        "lead_dated": float(bool(_ANCHOR.search(lead))),
        "lead_present": float(present > past),
        "lead_past": float(past > present),
    }
    return {f"style:{k}": v for k, v in values.items() if v}


def article_features(title: str, lead: str, rest: str = "") -> dict[str, float]:
    """One article's evidence as named features (cached per article by the story engine)."""
    out: dict[str, float] = {}
    head = f"{title}. {lead}"
    research = bool(RESEARCH_FLAW.search(head)) and not _actual_in_the_wild(head)
    for section, text in zip(SECTIONS, (title, lead, rest), strict=True):
        for event, found in _hits(text, research).items():
            if found:
                out[f"{section}:{event}"] = 1.0
                if section == "body":
                    out[f"body_count:{event}"] = math.log1p(len(found)) / 2
    for event, pattern in DECISIVE.items():
        if pattern.search(title):
            out[f"decisive_title:{event}"] = 1.0
        if any(not _ASIDE.search(_clause_before(lead, m.start())) for m in pattern.finditer(lead)):
            out[f"decisive_lead:{event}"] = 1.0
    promo_phrases = len(PROMO_BODY.findall(f"{lead}\n{rest}"))
    flags = {
        "promo_title": bool(PROMO_TITLE.search(title)),
        "promo_body": promo_phrases >= 2,
        "promo_body_one": promo_phrases == 1,
        "feature_title": is_feature(title),
        "nothing_happened": not ATTACK_HAPPENED.search(f"{title}\n{lead}"),
        "not_an_attack": bool(_NOT_ATTACK.search(f"{title}\n{lead}\n{rest}")),
        "research": research,
        "researchers_built": bool(_BUILT.search(head)),
        "in_the_wild": _actual_in_the_wild(head),
        "title_question": title.rstrip().endswith("?"),
        "short_text": len(f"{lead} {rest}".split()) < 120,
    }
    out.update({f"flag:{name}": 1.0 for name, on in flags.items() if on})
    out.update(style_features(lead, rest))
    for word in dict.fromkeys(words(title)):
        out[f"tw:{word}"] = 1.0
    for word in dict.fromkeys(words(lead, LEAD_WORDS)):
        out[f"lw:{word}"] = 1.0
    return out


def story_features(
    article: Mapping[str, float], fact_kinds: Sequence[str], rules: EventVerdict
) -> dict[str, float]:
    """The main (first) article's evidence, the story's fact kinds and the rules' verdict."""
    out = dict(article)
    kinds = list(fact_kinds)
    for kind in dict.fromkeys(kinds):
        out[f"fact:{kind}"] = 1.0
    if kinds.count("cve") > 1:
        out["fact_count:cve"] = math.log(kinds.count("cve"))
    out[f"rules:{rules.event_type}"] = 1.0
    for event, score in rules.scores.items():
        out[f"rules_score:{event}"] = min(score, 20.0) / 10
    return out


@dataclass(frozen=True, slots=True)
class EventModel:
    """Multinomial logistic regression: one weight per (feature, type) and a bias per type."""

    classes: tuple[EventType, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, Sequence[float]]
    fallback_margin: float = 0.0  # overrule the rules only when preferring another type by more than this

    def probabilities(self, features: Mapping[str, float]) -> dict[EventType, float]:
        logits = list(self.bias)
        for name, value in features.items():
            row = self.weights.get(name)
            if row is not None:
                for i, w in enumerate(row):
                    logits[i] += w * value
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}

    def explain(self, features: Mapping[str, float], event: EventType, n: int = 4) -> tuple[str, ...]:
        """The features that pushed most toward `event` (for "why is this an attack?")."""
        i = self.classes.index(event)
        pushes = [(row[i] * v, name) for name, v in features.items() if (row := self.weights.get(name))]
        ranked = [name for push, name in sorted(pushes, reverse=True) if push > 0]
        # what the cues, facts and style showed first, then the words (a lone "and" explains nothing)
        return tuple(sorted(ranked[:n], key=lambda name: name.startswith(("tw:", "lw:"))))

    def to_json(self) -> dict[str, object]:
        return {
            "classes": [str(c) for c in self.classes],
            "bias": [round(b, 5) for b in self.bias],
            "fallback_margin": self.fallback_margin,
            "weights": {k: [round(w, 5) for w in row] for k, row in sorted(self.weights.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> EventModel:
        weights = data["weights"]
        assert isinstance(weights, dict)
        return cls(
            classes=tuple(EventType(str(c)) for c in data["classes"]),  # type: ignore[attr-defined]
            bias=tuple(float(b) for b in data["bias"]),  # type: ignore[attr-defined]
            weights={str(k): tuple(float(w) for w in row) for k, row in weights.items()},
            fallback_margin=float(data.get("fallback_margin", 0.0)),  # type: ignore[arg-type]
        )


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> EventModel | None:
    """The shipped model, or None (the rules decide alone) when the file is absent."""
    if not path.exists():
        return None
    return EventModel.from_json(json.loads(path.read_text(encoding="utf-8")))


def model_features(title: str, lead: str, rest: str = "") -> dict[str, float]:
    """The article's features the shipped model weighs (the rest would only grow the cache); none
    without a model (the rules decide alone)."""
    model = load_model()
    if model is None:
        return {}
    return {k: v for k, v in article_features(title, lead, rest).items() if k in model.weights}


def decide_story(
    scored: Sequence[dict[EventType, tuple[float, list[str]]]],
    fact_kinds: Sequence[str] = (),
    features: Sequence[Mapping[str, float] | None] = (),
    model: EventModel | None = None,
) -> EventVerdict:
    """The story's type: the rules' verdict (events.decide), then the model on the main article's
    features where it has them. An advertorial stays `other` (promo is never alerted by default)."""
    rules = decide(scored, fact_kinds)
    model = model if model is not None else load_model()
    main = features[0] if features else None
    if model is None or not main or rules.cues == (PROMO,) or rules.event_type not in model.classes:
        return rules  # the types the model did not learn keep the rules' decisive phrases
    evidence = story_features(main, fact_kinds, rules)
    probs = model.probabilities(evidence)
    best = max(probs, key=lambda e: probs[e])
    if best is rules.event_type or probs[best] - probs.get(rules.event_type, 0.0) <= model.fallback_margin:
        return rules
    scores = {str(e): round(p, 3) for e, p in probs.items() if p >= 0.01}
    words = dict.fromkeys(w for article in scored for w in article.get(best, (0.0, []))[1])
    why = model.explain(evidence, best)  # the cue words of that type, then what weighed most
    return EventVerdict(best, (*words, *(f"model:{w}" for w in why)), scores)


__all__ = ["EventModel", "article_features", "decide_story", "load_model", "story_features"]
