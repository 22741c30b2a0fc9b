"""The facts a security team scans first, as short labelled fields: CVE · CVSS · Exploited · Fixed
in · KEV. Slack shows them as Block Kit section fields, Discord as inline embed fields, the console
as aligned lines; every platform gets the same labels and values from here.

A long CVE list shows its first few ids and "+N more" (every id stays in `bot story --json`);
values outlets disagree on are shown with who says which ("9.6 per Fortinet · 9.8 per NVD").
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.models import KeyFact, Source

CVES_SHOWN = 3
FIELD_KINDS = frozenset({"cve", "exploitation", "fixed", "kev"})  # shown as fields, not bullets
_STATUS = {"in_the_wild": "Yes, in the wild", "poc_public": "PoC public", "none_known": "None known"}


def _who(sources: Sequence[int], outlets: Sequence[str]) -> str:
    return ", ".join(dict.fromkeys(outlets[i] for i in sources if 0 <= i < len(outlets))) or "a source"


def _cvss(cves: Sequence[KeyFact], outlets: Sequence[str]) -> str | None:
    rated = [f for f in cves if isinstance(f.data.get("cvss"), dict)]
    if not rated:
        return None
    top = max(rated, key=lambda f: float(f.data["cvss"].get("score") or 0))
    variants = top.data.get("cvss_variants")
    if isinstance(variants, list) and len(variants) > 1:
        value = " · ".join(f"{v['score']:g} per {_who(v.get('sources', []), outlets)}" for v in variants)
    else:
        cvss = top.data["cvss"]
        value = f"{float(cvss['score']):g}" + (f" {cvss['severity']}" if cvss.get("severity") else "")
        if cvss.get("version"):
            value += f" (v{cvss['version']})"
    if len(rated) > 1:
        value += f" ({top.data.get('id') or 'highest'})"
    return value


def _exploited(facts: Sequence[KeyFact], outlets: Sequence[str]) -> str | None:
    statuses = [f for f in facts if f.kind == "exploitation"]
    if not statuses:
        return None
    if len({f.data.get("status") for f in statuses}) == 1:
        first = statuses[0]
        since = first.data.get("since")
        return _STATUS.get(str(first.data.get("status")), "?") + (f" since {since}" if since else "")
    return " · ".join(
        f"{_STATUS.get(str(f.data.get('status')), '?')} per {_who(f.sources, outlets)}" for f in statuses
    )


def _kev(facts: Sequence[KeyFact]) -> str | None:
    for fact in facts:
        kev = fact.data if fact.kind == "kev" else fact.data.get("kev")
        if isinstance(kev, dict) and kev.get("date_added"):
            value = f"added {kev['date_added']}"
            if kev.get("due_date"):
                value += f", due {kev['due_date']}"
            if kev.get("ransomware_use"):
                value += ", ransomware use"
            return value
    return "listed" if any(f.kind == "kev" for f in facts) else None


def fact_fields(facts: Sequence[KeyFact], sources: Sequence[Source]) -> tuple[tuple[str, str], ...]:
    """(label, value) pairs in scanning order; only those the story has."""
    outlets = [s.outlet for s in sources]
    cves = [f for f in facts if f.kind == "cve"]
    ids = [str(f.data["id"]) for f in cves if f.data.get("id")]
    fields: list[tuple[str, str]] = []
    named = [f for f in cves if f.data.get("id")]
    if len(named) == 1 and named[0].data.get("weakness"):
        fields.append(("CVE", f"{ids[0]} ({named[0].data['weakness']})"))
    elif ids:
        shown = ", ".join(ids[:CVES_SHOWN])
        fields.append(("CVE", shown + (f" +{len(ids) - CVES_SHOWN} more" if len(ids) > CVES_SHOWN else "")))
    for label, value in (
        ("CVSS", _cvss(cves, outlets)),
        ("Exploited", _exploited(facts, outlets)),
        ("Fixed in", next((f.text.removeprefix("Fixed in ") for f in facts if f.kind == "fixed"), None)),
        ("CISA KEV", _kev(facts)),
    ):
        if value:
            fields.append((label, value))
    return tuple(fields)


def aligned(fields: Sequence[tuple[str, str]], indent: str = "  ") -> list[str]:
    """Console lines with the values in one column."""
    width = max((len(label) for label, _ in fields), default=0)
    return [f"{indent}{label.ljust(width)}  {value}" for label, value in fields]
