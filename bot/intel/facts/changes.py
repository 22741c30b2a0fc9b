"""What changed between two versions of a story, said the way a security team reads it: "now
exploited in the wild", "CVSS 9.8 per NVD", "fix available: FortiOS 7.4.3", "added to CISA KEV".

The note rides on the fact that changed (`data["change"]`, `data["changed_in"]` = the story version)
inside the facts already stored with the story, so an edit of an alert can say it without a new
column; a later version recomputes its notes against its own predecessor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.models import KeyFact

_STATUS_NOTE = {
    "in_the_wild": "now exploited in the wild",
    "poc_public": "proof-of-concept exploit now public",
    "none_known": "vendor reports no known exploitation",
}


def _scores(fact: KeyFact) -> dict[float, list[int]]:
    variants = fact.data.get("cvss_variants")
    if isinstance(variants, list):
        return {float(v["score"]): list(v.get("sources", [])) for v in variants if isinstance(v, dict)}
    cvss = fact.data.get("cvss")
    if isinstance(cvss, dict) and cvss.get("score") is not None:
        return {float(cvss["score"]): list(fact.sources)}
    return {}


def _note(fact: KeyFact, before: KeyFact | None, outlets: Sequence[str]) -> str | None:
    kind, data = fact.kind, fact.data
    if kind == "cve":
        if before is None:
            return f"new {data.get('id') or 'flaw'}" + (
                f", CVSS {next(iter(_scores(fact))):g}" if _scores(fact) else ""
            )
        new_scores = {s: src for s, src in _scores(fact).items() if s not in _scores(before)}
        if new_scores:
            score, sources = next(iter(new_scores.items()))
            who = outlets[sources[0]] if sources and 0 <= sources[0] < len(outlets) else "a new source"
            return f"CVSS {score:g} per {who}"
        if "kev" in data and "kev" not in before.data:
            return f"{data.get('id')} added to CISA KEV"
        return None
    if before is not None:
        return None
    if kind == "exploitation":
        return _STATUS_NOTE.get(str(data.get("status")))
    if kind == "fixed":
        return f"fix available: {fact.text.removeprefix('Fixed in ')}"
    if kind == "kev":
        return "added to CISA KEV"
    if kind in ("workaround", "actor", "malware", "victims", "data", "ransom", "layoffs"):
        return f"new {kind}: {fact.text[:80]}"
    return None


def mark_changes(
    old: Sequence[KeyFact], new: Sequence[KeyFact], version: int, outlets: Sequence[str]
) -> tuple[KeyFact, ...]:
    """`new` with a change note on each fact that is new or says something new since `old`."""
    before = {f.key: f for f in old}
    out: list[KeyFact] = []
    for fact in new:
        data = {k: v for k, v in fact.data.items() if k not in ("change", "changed_in")}
        note = _note(replace(fact, data=data), before.get(fact.key), outlets)
        if note:
            data = {**data, "change": note, "changed_in": version}
        out.append(replace(fact, data=data))
    return tuple(out)
