"""Build bot/intel/data/threat_names.json: threat-actor and malware names with their aliases,
trimmed from MISP galaxy cluster files (dual-licensed CC0-1.0 / BSD-2-Clause, which allow this).

The galaxy repository is ~40 MB and ships in no PyPI package, so the bot carries only the names it
matches on (a few hundred KB). Run it against a checkout of the galaxy's `clusters/` folder:

    python scripts/build_threat_names.py PATH/TO/misp-galaxy/clusters [--commit SHA]

Kept: threat-actor.json and mitre-intrusion-set.json (actors), ransomware.json and mitre-malware.json
(malware). Dropped: MITRE ids (G0007, S0606), placeholders ("Unnamed ransomware 1"), names shorter
than four characters, and any alias two actors share (an alias that names two groups identifies none).
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "bot" / "intel" / "data" / "threat_names.json"
_MITRE_ID = re.compile(r"^[GS]\d{4}$")
_SUFFIX = re.compile(r"\s*(?:\(.*?\)|-\s*[GS]\d{4})\s*$")
_PLACEHOLDER = re.compile(r"unnamed|unknown|\bfake\b|\btest\b|^group \d+$", re.IGNORECASE)


def clean(name: str, strip_word: str | None = None) -> str | None:
    name = " ".join(_SUFFIX.sub("", name).split())
    if strip_word:
        name = re.sub(rf"\s+{strip_word}$", "", name, flags=re.IGNORECASE)
    if (
        len(name) < 4
        or _MITRE_ID.match(name)
        or _PLACEHOLDER.search(name)
        or not re.search(r"[A-Za-z]", name)
    ):
        return None
    return name


def entries(path: Path, strip_word: str | None = None) -> list[tuple[str, list[str]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for value in data["values"]:
        name = clean(value["value"], strip_word)
        if name is None:
            continue
        aliases = [
            a for a in (clean(s, strip_word) for s in value.get("meta", {}).get("synonyms") or []) if a
        ]
        out.append((name, sorted({a for a in aliases if a.lower() != name.lower()})))
    return out


def merged(groups: list[list[tuple[str, list[str]]]]) -> list[list[object]]:
    """One entry per name (case-insensitive), aliases unioned; aliases claimed by several entries dropped."""
    by_name: dict[str, tuple[str, set[str]]] = {}
    for group in groups:
        for name, aliases in group:
            key = name.lower()
            # a MITRE entry whose alias is an existing MISP name joins it
            known = next((by_name[a.lower()] for a in aliases if a.lower() in by_name), None)
            if key in by_name:
                by_name[key][1].update(aliases)
            elif known is not None:
                known[1].update([name, *aliases])
            else:
                by_name[key] = (name, set(aliases))
    claims = Counter(a.lower() for _, aliases in by_name.values() for a in aliases)
    names = set(by_name)
    out: list[list[object]] = []
    for name, aliases in sorted(by_name.values(), key=lambda e: e[0].lower()):
        kept = sorted(
            a
            for a in aliases
            if claims[a.lower()] == 1 and a.lower() not in names and a.lower() != name.lower()
        )
        out.append([name, kept])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clusters", type=Path)
    parser.add_argument("--commit", default="", help="the galaxy commit the files come from")
    args = parser.parse_args()
    c: Path = args.clusters
    actors = merged([entries(c / "threat-actor.json"), entries(c / "mitre-intrusion-set.json")])
    malware = merged([entries(c / "ransomware.json", "ransomware"), entries(c / "mitre-malware.json")])
    ransomware = sorted({n.lower() for n, _ in entries(c / "ransomware.json", "ransomware")})
    payload = {
        "source": "MISP galaxy clusters threat-actor, mitre-intrusion-set, ransomware, mitre-malware",
        "licence": "CC0-1.0 OR BSD-2-Clause (MISP galaxy); ATT&CK names (c) The MITRE Corporation",
        "commit": args.commit,
        "generated": datetime.now(UTC).date().isoformat(),
        "actors": actors,
        "malware": malware,
        "ransomware": ransomware,
    }
    OUT.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(actors)} actors, {len(malware)} malware families, {OUT.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
