"""One fact said by several outlets: its sources, its fields from all of them, and every value the
outlets disagree on, each with the sources that say it ("CVSS 9.6 per NVD, 9.8 per SecurityWeek")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.intel.facts.security import cve_text

if TYPE_CHECKING:
    from bot.intel.facts import ArticleFact


def _who(sources: Sequence[int], outlets: Sequence[str]) -> str:
    names = [outlets[i] if 0 <= i < len(outlets) else f"source {i + 1}" for i in sources]
    return ", ".join(dict.fromkeys(names))


@dataclass(slots=True)
class Merged:
    first: ArticleFact
    sources: list[int]
    order: tuple[int, int]
    said: list[tuple[int, ArticleFact]] = field(default_factory=list)

    def add(self, fact: ArticleFact, source: int) -> None:
        self.said.append((source, fact))

    def _variants(self) -> list[tuple[str, dict[str, object], list[int]]]:
        """(value, the fact data that carries it, sources) in order of first appearance."""
        out: list[tuple[str, dict[str, object], list[int]]] = []
        for source, fact in self.said:
            if fact.value is None:
                continue
            found = next((v for v in out if v[0] == fact.value), None)
            if found is None:
                out.append((fact.value, fact.data, [source]))
            elif source not in found[2]:
                found[2].append(source)
        return out

    def data(self) -> dict[str, object]:
        data: dict[str, object] = {}
        for _, fact in self.said:
            for name, value in fact.data.items():
                if value not in (None, "", [], {}) and name not in data:
                    data[name] = value
        wordings: list[dict[str, object]] = []
        for source, fact in self.said:
            same = next((w for w in wordings if w["text"] == fact.text), None)
            if same is None:
                wordings.append({"text": fact.text, "sources": [source]})
            elif isinstance(same["sources"], list) and source not in same["sources"]:
                same["sources"].append(source)
        if self.first.kind == "statement" and len(wordings) > 1:
            data["wordings"] = wordings  # each outlet's own words for the same claim
        variants = self._variants()
        if self.first.kind == "cve" and variants:
            scored = [(dict(c), v[2]) for v in variants if isinstance(c := v[1].get("cvss"), dict)]
            if scored:
                best = max(scored, key=lambda v: len(v[1]))  # max keeps the first of equals
                data["cvss"] = best[0]
                if len(scored) > 1:
                    data["cvss_variants"] = [{**c, "sources": s} for c, s in scored]
        elif len(variants) > 1:
            data["variants"] = [{"value": v[0], "sources": v[2]} for v in variants]
        return data

    def text(self, data: dict[str, object], outlets: Sequence[str]) -> str:
        if self.first.kind != "cve":
            return self.first.text
        variants = data.get("cvss_variants")
        if not isinstance(variants, list):
            return cve_text(data)
        scores = ", ".join(
            f"{v['score']:g} per {_who(v['sources'], outlets)}" for v in variants if isinstance(v, dict)
        )
        plain = {k: v for k, v in data.items() if k != "cvss"}
        head, _, rest = cve_text(plain).partition(" · ")
        return " · ".join(p for p in (head, f"CVSS {scores}", rest) if p)
