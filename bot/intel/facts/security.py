"""All typed security facts of one article, each with the sentence it came from.

Sentences are read in order, remembering the CVE the text is talking about: "The flaw ... ranks 10
out of 10" after "Cisco fixed CVE-2021-1388" rates CVE-2021-1388. A CVE named in several sentences
is one fact whose fields (score, weakness, product) come from wherever the article states them; its
KEV listing (date added, due date, ransomware use) comes from the shipped CISA snapshot when the
catalog lists it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from bot.intel.facts.background import set_background_aside
from bot.intel.facts.cve import CVE_ID, Cvss, find_cves, weakness_in
from bot.intel.facts.dates import find_dates
from bot.intel.facts.gazetteer import find_places
from bot.intel.facts.incident import KEV, LAYOFF, STATUS_TEXT, exploitation_status, quantities, workaround
from bot.intel.facts.kev import KevCatalog
from bot.intel.facts.threats import find_threats
from bot.intel.facts.typed import TypedFact
from bot.intel.facts.versions import find_versions
from bot.intel.prefilter import prefiltered
from bot.intel.sentences import Sentence

_NOT_AFFECTED = re.compile(r"\b(?:not|n't)\s+(?:\w+\s+){0,2}(?:vulnerable|affected|impacted)\b", re.IGNORECASE)
_VULN_WORD = re.compile(r"\bvulnerabilit|\bflaws?\b|\bbugs?\b|\bzero-days?\b|\bexploit|\bCVE-", re.IGNORECASE)
# A "sentence" that lists thirty CVEs with their scores is one long line in real advisories: ids and
# scores are read from all of it (bounded), the other cues from its start.
MAX_LIST_CHARS, MAX_SENTENCE_CHARS = 6000, 600


def _cve_text(data: dict[str, object]) -> str:
    parts = [str(data.get("id") or "Unnamed flaw")]
    cvss = data.get("cvss")
    if isinstance(cvss, dict) and cvss.get("score") is not None:
        parts.append(f"CVSS {cvss['score']:g}" + (f" ({cvss['severity']})" if cvss.get("severity") else ""))
    if data.get("weakness"):
        parts.append(str(data["weakness"]))
    if data.get("product"):
        parts.append(f"in {data['product']}")
    return " · ".join(parts)


def cve_text(data: dict[str, object]) -> str:
    return _cve_text(data)


# a lead that names a famous family only to compare or date the news ("similar to Shamoon", "before the
# outbreak of WannaCry", "from Cryptowall to Locky"): the family is named once and is not the subject
_COMPARED = prefiltered(
    r"\bsimilar\s+to\b|-like\b|\blike\s+(?:the\s+)?[A-Z]|\b(?:before|after|since)\s+the\s+(?:\w+\s+)?(?:outbreak|wave|attacks?)\b"
    r"|\branging\s+from\b|\bfrom\s+\w+\s+to\s+\w+|\bwave\s+of\b|\blessons\s+from\b|\bfear\s+of\b"
    r"|\boverlaps?\s+with\b|\bsimilarit(?:y|ies)\s+(?:to|with)\b|\breus\w+\b[^.]{0,40}\bfrom\b|^Among\s+these\b"
    r"|^(?:After|Following)\s+the\s+(?:\w+\s+)?(?:discovery|disclosure|news|revelation)\s+of\b",
    re.I,
)


def _in_passing(fact: TypedFact, sentences: Sequence[Sentence]) -> bool:
    """An actor or malware named once, below the lead ("…behind the infamous Dridex trojan"), is
    background, not who or what this story is about."""
    if fact.kind not in ("actor", "malware"):
        return False
    first = next((n for n, s in enumerate(sentences) if s.index == fact.position), 0)
    if fact.kind == "malware" and _COMPARED.search(fact.sentence[:MAX_SENTENCE_CHARS]):
        return True
    if first < 3:
        return False
    spellings = [str(fact.data.get("name") or ""), *map(str, fact.data.get("aliases") or [])]  # type: ignore[call-overload]
    body = " ".join(s.text for s in sentences)
    return sum(body.count(w) for w in spellings if w) < 2


def _covered(fact: TypedFact, facts: Sequence[TypedFact]) -> bool:
    """A version fact another one of the article already says, more fully ("iOS 12.1" beside "iPhone X
    running iOS 12.1")."""
    if fact.kind not in ("affected", "fixed"):
        return False
    mine = set(map(str, fact.data.get("versions") or []))  # type: ignore[call-overload]
    for other in facts:
        if other is fact or other.kind != fact.kind:
            continue
        theirs = set(map(str, other.data.get("versions") or []))  # type: ignore[call-overload]
        if mine < theirs or (mine == theirs and len(other.text) > len(fact.text)):
            return True
    return False


def _amount(fact: TypedFact) -> float | None:
    value = fact.data.get("amount" if fact.kind in ("ransom", "money") else "value")
    try:
        return float(str(value)) if value is not None else None
    except ValueError:
        return None


def _counted_twice(fact: TypedFact, facts: Sequence[TypedFact]) -> bool:
    """The same count told again: victims with another noun ("8,000 computers", then "8,000 users'
    computers"), an amount rounded once and exact once ("nearly $6 million", "more than $5.9
    million", within 5%). The first telling stays."""
    if fact.kind not in ("victims", "ransom", "money") or (mine := _amount(fact)) is None:
        return False
    for other in facts:
        if other is fact:
            return False
        theirs = _amount(other) if other.kind == fact.kind else None
        if theirs is not None and abs(theirs - mine) <= 0.05 * max(abs(theirs), abs(mine)):
            return True
    return False


def typed_facts(
    sentences: Sequence[Sentence],
    *,
    published: date | None,
    kev: KevCatalog | None,
    layoffs_context: bool = False,
    aside: set[int] | None = None,
) -> list[TypedFact]:
    """The typed facts of an article's sentences. `aside`: `background_positions(sentences)`, when the
    caller has it already (the background phrasings are the costliest pattern read per sentence)."""
    ids_in_article = list(
        dict.fromkeys(m.group(0).upper() for s in sentences for m in CVE_ID.finditer(s.text))
    )
    only = ids_in_article[0] if len(ids_in_article) == 1 else None
    # an article whose opening names a flaw: its advice is a workaround, elsewhere it is generic advice
    flaw_story = bool(ids_in_article) or any(
        _VULN_WORD.search(s.text[:MAX_SENTENCE_CHARS]) for s in [x for x in sentences if x.complete][:3]
    )
    cves: dict[str, TypedFact] = {}
    out: list[TypedFact] = []
    context: str | None = only
    pending: tuple[Cvss, int] | None = None
    for sentence in sentences:
        whole = sentence.text[:MAX_LIST_CHARS]
        text = sentence.text[:MAX_SENTENCE_CHARS]
        ids_here = list(dict.fromkeys(m.group(0).upper() for m in CVE_ID.finditer(whole)))
        about_vuln = bool(_VULN_WORD.search(text))
        mentions = find_cves(whole, context if about_vuln else None)
        if pending is not None and ids_here:
            # "…one of which has a CVSS rating of 9.1. Identified as CVE-2020-6248, the most severe…"
            first = next((m for m in mentions if m.id), None)
            if first is not None and first.cvss is None:
                first.cvss, pending = pending[0], None
        if pending is not None and sentence.index - pending[1] > 1:
            pending = None
        for mention in mentions:
            if mention.id is None and ids_in_article:
                if mention.cvss is not None:
                    pending = (mention.cvss, sentence.index)  # rates an id the text names next
                continue
            key = f"cve:{mention.id or '-'}"
            fact = cves.get(key)
            if fact is None:
                fact = TypedFact("cve", key, "", sentence.index, sentence.text, {"id": mention.id})
                cves[key] = fact
                out.append(fact)
            data = fact.data
            if mention.cvss is not None and "cvss" not in data:
                data["cvss"] = mention.cvss.to_data()
                fact.value = f"{mention.cvss.score:g}"
                if fact.position != sentence.index and not ids_here:
                    fact.sentence = f"{fact.sentence} {sentence.text}"  # the rating is in this one
            for name in ("weakness", "cwe", "product"):
                if getattr(mention, name) and not data.get(name):
                    data[name] = getattr(mention, name)
        if not ids_here and about_vuln and only is None and context is None and len(ids_in_article) == 0:
            found = weakness_in(text)
            if found and "cve:-" in cves and not cves["cve:-"].data.get("weakness"):
                cves["cve:-"].data["weakness"] = found[1]
        if not sentence.complete:
            continue  # a heading or list line: its CVE ids count, its other words are no claim
        targets = ids_here or ([context] if context else [])
        status = exploitation_status(text) if (about_vuln or targets) else None
        if status:
            since = (
                next((d.date.render() for d in find_dates(text, published)), None)
                if "since" in text
                else None
            )
            out.append(
                TypedFact(
                    "exploitation",
                    f"exploitation:{status}",
                    STATUS_TEXT[status] + (f" since {since}" if since else ""),
                    sentence.index,
                    sentence.text,
                    {"status": status, "cves": targets, "since": since},
                    status,
                )
            )
        if KEV.search(text):
            listed: list[str | None] = [*targets] if targets else [None]
            for cve in listed:
                entry = kev.get(cve) if (kev is not None and cve) else None
                kev_data: dict[str, object] = entry.to_data(kev.version) if (entry and kev) else {"id": cve}
                label = f"{cve} in CISA's KEV catalog" if cve else "In CISA's KEV catalog"
                if entry:
                    label += f" since {entry.date_added}" + (
                        f", due {entry.due_date}" if entry.due_date else ""
                    )
                    if entry.ransomware.lower() == "known":
                        label += ", known ransomware use"
                out.append(
                    TypedFact("kev", f"kev:{cve or '-'}", label, sentence.index, sentence.text, kev_data)
                )
        for version in find_versions(text):
            if version.kind == "affected" and _NOT_AFFECTED.search(text):
                continue  # "servers using versions prior to 1.0.1g are not vulnerable"
            out.append(
                TypedFact(
                    version.kind,
                    version.key,
                    version.render(),
                    sentence.index,
                    sentence.text,
                    version.to_data(),
                )
            )
        if workaround(text) and (about_vuln or targets or flaw_story):  # not "don't pay the ransom"
            words = re.findall(r"[a-z]{4,}", text.lower())[:8]
            out.append(
                TypedFact(
                    "workaround",
                    "workaround:" + " ".join(words),
                    text,
                    sentence.index,
                    sentence.text,
                    {"cves": targets},
                )
            )
        for threat in find_threats(text):
            t = threat.threat
            kind = t.kind
            named: dict[str, object] = {"name": t.name, "aliases": list(t.aliases), "written": threat.written}
            label = t.name if threat.written == t.name else f"{threat.written} ({t.name})"
            if kind == "malware":
                # the galaxy's ransomware list is broad ("GameOver"): say ransomware when the text does
                ransomware = t.ransomware and "ransomware" in text.lower()
                named["ransomware"] = ransomware
                label += " ransomware" if ransomware and "ransomware" not in label.lower() else ""
            elif aka := [a for a in t.aliases[:3] if a != threat.written]:
                label += f" (aka {', '.join(aka)})"
            out.append(
                TypedFact(kind, f"{kind}:{t.name.lower()}", label, sentence.index, sentence.text, named)
            )
        for finding in quantities(text, layoffs_context):
            label = finding.text
            if finding.kind == "layoffs" and finding.data.get("comparator") == "vague":
                label += " laid off" if LAYOFF.search(text) else ""
            elif finding.kind == "layoffs":
                places = [p for _, p in find_places(text)]
                if places:
                    label += f" in {places[0]}"
                    finding.data["place"] = places[0]
            out.append(
                TypedFact(
                    finding.kind,
                    finding.key,
                    label[:1].upper() + label[1:],
                    sentence.index,
                    sentence.text,
                    finding.data,
                    finding.value,
                )
            )
        if ids_here:
            context = ids_here[-1]  # "the flaw" in the next sentence is the last one named
    kept = [
        f
        for f in out
        if not _covered(f, out) and not _in_passing(f, sentences) and not _counted_twice(f, out)
    ]
    out = set_background_aside(kept, sentences, aside)
    for fact in cves.values():
        cve_id = fact.data.get("id")
        entry = kev.get(str(cve_id)) if (kev is not None and cve_id) else None
        if entry is not None and kev is not None:
            fact.data["kev"] = entry.to_data(kev.version)
            if not fact.data.get("product") and "multiple" not in entry.product.lower():
                fact.data["product"] = entry.product
        fact.text = _cve_text(fact.data)
    return out
