"""The explainable features of one vendor in one article, and the small logistic model that weighs them.

Each feature is something a reader would cite ("named in the title", "mostly as the researcher",
"first in the lead"); the weights come from evaluation/train_vendors.py, fitted on articles labelled by
reading, and ship as bot/intel/data/vendor_weights.json. Inference is a dot product in pure Python.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

# Categories whose vendors mostly appear in the news as the firm that did the research, and those
# that mostly appear as the ground other things run on. A kind, not a verdict: the model weighs it.
RESEARCH_KINDS = frozenset(
    {
        "endpoint-security",
        "consumer-security",
        "threat-intelligence",
        "managed-security",
        "security-analytics",
        "email-security",
        "network-security",
        "cloud-security",
        "application-security",
        "ot-security",
        "vulnerability-management",
        "forensics",
        "identity",
    }
)
PLATFORM_KINDS = frozenset(
    {
        "big-tech",
        "operating-system",
        "social-media",
        "messaging",
        "cloud",
        "browser",
        "collaboration",
        "developer-tools",
        "open-source",
        "saas",
        "consumer-tech",
        "ai",
    }
)

FEATURES = (
    "bias",
    "title",
    "title_platform",
    "title_researcher",
    "title_incidental",
    "title_first",
    "title_malware_ground",
    "title_affected",
    "title_kind_platform",
    "title_kind_research",
    "title_listed",
    "title_outshared",
    "untitled_top",
    "lead_researcher",
    "lead_platform",
    "lead",
    "lead_early",
    "lead_affected",
    "count",
    "share",
    "top",
    "affected",
    "actor",
    "abused",
    "researcher",
    "platform",
    "commentator",
    "incidental",
    "kind_research",
    "kind_platform",
    "only_platform",
    "only_researcher",
    "only_vendor",
    "product_only",
    "untitled_top_affected",
)


def vendor_kind(category: str) -> str:
    """ "research" (security firms that publish research), "platform", or "" (anything else)."""
    if category in RESEARCH_KINDS:
        return "research"
    if category in PLATFORM_KINDS:
        return "platform"
    return ""


@dataclass(frozen=True, slots=True)
class Evidence:
    """The raw counts a vendor's features are computed from (kept for explanations)."""

    title_roles: tuple[str, ...]  # role of each title occurrence
    title_first: bool
    malware_title: bool  # the title is about malware ("New Android trojan ..."): names in it are its ground
    body_roles: tuple[str, ...]  # role of each prose occurrence in the body, in order
    lead_roles: tuple[str, ...]
    lead_early: bool
    first_position: float  # 0 = first character of the body, 1 = last; 1 when not in the body
    count: int
    most: int  # the largest count of any vendor in the article
    runner_up: int
    kind: str
    vendors: int  # how many vendors the article names
    title_listed: bool = False  # listed with another title vendor ("Google, PayPal, Facebook flaw")
    title_outshared: bool = False  # another vendor in the title, not listed with it, is named more below
    title_vendors: int = 0  # how many vendors the title names
    by_name: int = 0  # occurrences naming the vendor itself, not one of its products or research brands


def feature_vector(evidence: Evidence) -> dict[str, float]:
    roles = evidence.body_roles
    n = len(roles) or 1
    title = bool(evidence.title_roles)

    telling = {r for r in (*evidence.title_roles, *roles) if r != "named"}

    def share(role: str) -> float:
        return sum(1 for r in roles if r == role) / n

    return {
        "bias": 1.0,
        "title": float(title),
        "title_platform": float("platform" in evidence.title_roles),
        "title_researcher": float("researcher" in evidence.title_roles),
        "title_incidental": float("incidental" in evidence.title_roles),
        "title_first": float(evidence.title_first),
        "title_malware_ground": float(
            title and evidence.malware_title and set(evidence.title_roles) <= {"named", "platform"}
        ),
        "title_affected": float(any(r in ("affected", "actor", "abused") for r in evidence.title_roles)),
        "title_kind_platform": float(title and evidence.kind == "platform"),
        "title_kind_research": float(title and evidence.kind == "research"),
        "title_listed": float(title and evidence.title_listed),
        "title_outshared": float(title and evidence.title_outshared),
        "untitled_top": float(
            evidence.title_vendors == 0
            and evidence.count > 0
            and evidence.count == evidence.most
            and evidence.runner_up < evidence.count
        ),
        "lead_researcher": float("researcher" in evidence.lead_roles),
        "lead_platform": float("platform" in evidence.lead_roles),
        "lead": float(bool(evidence.lead_roles)),
        "lead_early": float(evidence.lead_early),
        "lead_affected": float(any(r in ("affected", "actor", "abused") for r in evidence.lead_roles)),
        "count": math.log1p(evidence.count) / math.log(11),
        "share": evidence.count / evidence.most if evidence.most else 0.0,
        "top": float(
            evidence.count > 0 and evidence.count == evidence.most and evidence.runner_up < evidence.count
        ),
        "affected": share("affected"),
        "actor": share("actor"),
        "abused": share("abused"),
        "researcher": share("researcher"),
        "platform": share("platform"),
        "commentator": share("commentator"),
        "incidental": share("incidental"),
        "only_platform": float(telling == {"platform"}),
        "only_researcher": float(telling == {"researcher"}),
        "kind_research": float(evidence.kind == "research"),
        "kind_platform": float(evidence.kind == "platform"),
        "only_vendor": float(evidence.vendors == 1),
        # named only through its products ("Android", "Windows", never "Google"): mostly the ground a story
        # runs on; a story about the vendor names the vendor (fitted weight about -2)
        "product_only": float(evidence.by_name == 0),
        # no vendor in the title, this one named most and hit somewhere in the text ("X patched", "a
        # flaw in X"): the reader's subject when the headline names only the event
        "untitled_top_affected": float(
            evidence.title_vendors == 0
            and evidence.count > 0
            and evidence.count == evidence.most
            and "affected" in roles
        ),
    }


_BYSTANDER_ROLES = frozenset({"platform", "researcher", "commentator", "incidental"})


def bystander_only(evidence: Evidence) -> bool:
    """The title and the text say bystander and nothing says otherwise: a platform, the researcher, a
    quote, a list, in the title (or not named there) and in at least a third of the body's mentions,
    and never affected, acting or abused. Such a vendor is a mention whatever the weights say.
    """
    if any(r not in _BYSTANDER_ROLES for r in evidence.title_roles):
        return False
    roles = evidence.body_roles
    if any(r not in _BYSTANDER_ROLES and r != "named" for r in roles):
        return False
    bystander = sum(1 for r in (*evidence.title_roles, *roles) if r in _BYSTANDER_ROLES)
    return bystander > 0 and bystander * 3 >= len(evidence.title_roles) + len(roles)


@dataclass(frozen=True, slots=True)
class SubjectModel:
    """Logistic regression over FEATURES: P(subject) = sigmoid(w . x); subject when >= threshold."""

    weights: Mapping[str, float]
    threshold: float = 0.5

    def probability(self, features: Mapping[str, float]) -> float:
        z = sum(self.weights.get(name, 0.0) * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def contributions(self, features: Mapping[str, float]) -> dict[str, float]:
        """Each feature's share of the decision (weight x value), for explanations."""
        return {
            name: round(self.weights.get(name, 0.0) * value, 3)
            for name, value in features.items()
            if value and self.weights.get(name, 0.0)
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> SubjectModel:
        weights = data.get("weights")
        threshold = data.get("threshold", 0.5)
        if not isinstance(weights, Mapping) or not isinstance(threshold, int | float):
            raise ValueError(
                "vendor weights file: expected {'weights': {feature: number}, 'threshold': number}"
            )
        return cls({str(k): float(v) for k, v in weights.items()}, float(threshold))


@functools.cache
def shipped_model() -> SubjectModel | None:
    """The weights fitted by evaluation/train_vendors.py, or None when the file is not there."""
    path = resources.files("bot.intel").joinpath("data/vendor_weights.json")
    if not path.is_file():
        return None
    return SubjectModel.from_json(json.loads(path.read_text(encoding="utf-8")))
