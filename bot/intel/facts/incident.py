"""Per-sentence cues for what a security team acts on: exploitation status, KEV listing, workarounds,
victims, data exposed, ransom and other money, layoffs. Counts come from facts_quantities (a number
needs a unit, so years and versions are never counts); each cue here says what the count is *of*."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.intel.facts.background import EARLIER_FIX
from bot.intel.facts.quantities import Quantity, find_quantities
from bot.intel.prefilter import prefiltered

_NEGATED = re.compile(
    r"\bno\s+(?:evidence|indication|sign|reports?)\b[^.]{0,80}\b(?:exploit|attacks?\b)"
    r"|\bnot\s+aware\b[^.]{0,80}\b(?:exploit|attacks?\b|malicious\s+use|abuse)"
    r"|\bno\s+known\s+(?:exploit|attacks?|in-the-wild)|\b(?:has|have|had)\s+not\s+(?:yet\s+)?been\s+(?:actively\s+)?exploited"
    r"|\bnot\s+(?:been\s+)?(?:actively\s+)?exploited\b|\b(?:none|neither)\b[^.]{0,160}\bexploited\b|\bno\s+(?:active\s+)?exploitation\b|\bnot\s+(?:known\s+to\s+be|under)\s+",
    re.IGNORECASE,
)
_IN_THE_WILD = re.compile(
    r"\bexploited\s+in\s+the\s+wild|\bin-the-wild\s+exploit|\bactive(?:ly)?\s+(?:being\s+)?exploit"
    r"|\bactive\s+exploitation\b|\bunder\s+active\s+(?:attack|exploitation)\b|\bexploit\w*\s+(?:exists?\s+)?in\s+the\s+wild"
    r"|\bexploited\s+(?:in|as\s+part\s+of)\s+(?:real-world\s+|limited\s+|targeted\s+|ongoing\s+)?(?:attacks?|campaigns?|intrusions?)"
    r"|\b(?:is|are|was|were|being|been)\s+(?:actively\s+|widely\s+)?exploited\s+(?:by\s+(?:\w+\s+){0,3}(?:hackers|attackers|threat|actors?|groups?|criminals|ransomware))"
    r"|\bexploitation\s+in\s+the\s+wild|\bKnown\s+Exploited\s+Vulnerabilities\b"
    # the vendors' own wordings: "aware of limited, targeted attacks exploiting", "an exploit for CVE-…
    # exists in the wild", "exploited as a zero-day", "exploited in a limited number of cases"
    r"|\baware\s+of\s+(?:[\w-]+,?\s+){0,3}(?:attacks?|exploitation|reports?)\b[^.]{0,40}\bexploit"
    r"|\bexploits?\s+for\s+(?:\S+\s+){1,3}(?:exists?|is|was|are)\s+(?:\w+\s+)?in\s+the\s+wild"
    r"|\bexploited\s+as\s+(?:an?\s+)?zero-?days?\b|\bexploited\s+in\s+(?:a\s+)?limited\s+(?:number\s+of\s+)?(?:cases|attacks)"
    r"|\b(?:attackers|hackers|threat\s+actors|adversaries|criminals)\s+(?:have\s+been|had\s+been|are|were)\s+"
    r"(?:actively\s+)?(?:exploiting|abusing)\b"
    r"|\b(?:attackers|hackers|threat\s+actors)\s+(?:are\s+|were\s+|have\s+been\s+)?(?:already\s+)?(?:use|using|used|exploit|exploiting|exploited|abuse|abusing|abused)\s+(?:it|them|the\s+(?:flaw|bug|vulnerability|weakness|hole))\b",
    re.IGNORECASE,
)
_POC = re.compile(
    # the gap may not name a patch: "details and proof of concept code, but a patch wasn't made available"
    r"\b(?:proof[- ]of[- ]concept|PoC)\b(?:(?!\bpatch|\bfix|\bupdate)[^.]){0,80}\b(?:released|published|public(?:ly)?|available|shared|posted|GitHub)\b"
    r"|\b(?:released|published|posted|shared)\b[^.]{0,50}\b(?:proof[- ]of[- ]concept|PoC)\b"
    r"|\bexploit\s+code\b[^.]{0,40}\b(?:public|released|published|available)\b"
    r"|\b(?:working|functional|public)\s+exploits?\s+(?:is|are|has\s+been|have\s+been)\s+(?:now\s+)?(?:publicly\s+)?"
    r"(?:available|released|published)\b",
    re.IGNORECASE,
)
KEV = re.compile(r"\bKnown\s+Exploited\s+Vulnerabilit(?:y|ies)\b|\bKEV\b")
_WORKAROUND = re.compile(
    r"\bworkarounds?\b|\bmitigations?\b|\bmitigate\b|\bas\s+a\s+temporary\b|\buntil\s+(?:a\s+)?(?:patch|fix|update)"
    r"|\b(?:recommend|advise|urge)\w*\b[^.]{0,60}\b(?:disabl|block|restrict|turn\s+off|limit)\w*",
    re.IGNORECASE,
)
_ADVICE = re.compile(
    r"\bdisabl\w+|\bblock\w*|\brestrict\w*|\bturn\w*\s+off\b|\bremov\w+|\blimit\w*|\bworkaround", re.I
)
# what can happen to people, organisations and devices (data is stolen or leaked; they are not)
_HARM = re.compile(
    r"\baffected\b|\bimpacted\b|\bcompromised\b|\binfected\b|\btargeted\b|\bvictims?\b|\bhit\b|\bbreached\b"
    r"|\bexposed\b|\bhacked\b|\bvulnerable\b|\bat\s+risk\b",
    re.IGNORECASE,
)
_DATA_CUE = re.compile(
    r"\bstolen\b|\bstole\b|\bleak\w*|\bexposed\b|\bexfiltrat\w*|\bdump\w*|\bbreach\w*|\baccessed\b|\bcompromised\b"
    r"|\bscraped\b|\bpublished\b|\bfor\s+sale\b|\bsold\b",
    re.IGNORECASE,
)
# a list of data kinds with no count is a fact only when the sentence says they were actually taken
_ACTUAL_DATA_CUE = re.compile(
    r"\b(?:was|were|had\s+been|have\s+been|has\s+been)\s+(?:\w+\s+)?(?:stolen|leaked|exposed|exfiltrated|dumped|accessed)\b"
    r"|\b(?:stole|leaked|exposed|exfiltrated|dumped|accessed)\b",
    re.IGNORECASE,
)
_VOLUME = re.compile(
    r"(?<![\d.])(\d+(?:[.,]\d+)?)\s*(PB|TB|GB|MB|petabytes?|terabytes?|gigabytes?)\b", re.IGNORECASE
)
DATA_KINDS: tuple[tuple[str, str], ...] = (
    ("names", r"\b(?:full\s+)?names\b"),
    ("email addresses", r"\be-?mail\s+addresses\b"),
    ("phone numbers", r"\bphone\s+numbers\b"),
    ("passwords", r"\bpasswords?\b|\bpassword\s+hashes\b"),
    ("usernames", r"\busernames\b|\buser\s+names\b"),
    ("physical addresses", r"\b(?:home|physical|postal|street)\s+addresses\b"),
    ("dates of birth", r"\bdates?\s+of\s+birth\b|\bbirth\s*dates\b"),
    ("Social Security numbers", r"\bSocial\s+Security\s+numbers?\b|\bSSNs?\b"),
    ("payment card data", r"\b(?:credit|debit|payment)\s+card\b"),
    ("bank account details", r"\bbank\s+account\b"),
    ("health data", r"\bmedical\b|\bhealth\s+(?:data|information|records)\b"),
    ("ID documents", r"\bpassport\b|\bdriver'?s?\s+licen[cs]e\b|\bnational\s+ID\b"),
    ("IP addresses", r"\bIP\s+addresses\b"),
    ("source code", r"\bsource\s+code\b"),
)
_DATA_KIND = prefiltered("|".join(f"(?P<d{i}>{p})" for i, (_, p) in enumerate(DATA_KINDS)), re.IGNORECASE)
_RANSOM = re.compile(r"\bransom\w*|\bextort\w*|\bdecrypt(?:or|ion)\s+key", re.IGNORECASE)
_MONEY_CUE = re.compile(
    # money a security team acts on: fines, losses, theft, settlements; not bounties, prizes or prices
    r"\bfined?\b|\bpenalt\w+|\blost\b|\blosses\b|\bstole\b|\bstolen\b|\btheft\b|\bheist\b"
    r"|\bsettle\w*|\bdamages\b|\blaunder\w*|\bsiphon\w*|\bdrained\b|\bfraudulent\w*",
    re.IGNORECASE,
)
_CRYPTO = re.compile(r"(?<![\d.])(\d+(?:[.,]\d+)?)\s*(bitcoins?|BTC|Monero|XMR|ether|ETH)\b")
_CURRENCY = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
LAYOFF = re.compile(
    r"\blay(?:ing|s)?\s+off\b|\blaid\s+off\b|\blayoffs?\b|\bjob\s+cuts\b|\bredundan\w+|\bcut(?:s|ting)?\b[^.]{0,30}"
    r"\b(?:jobs|roles|positions|staff|workforce)\b|\bwind[- ]?down\b"
    # closing or shutting down a workplace, not a network, a port or a service ("shut down its networks")
    r"|\b(?:clos(?:e|es|ed|ing)|shut(?:s|ting)?)(?:\s+down)?\s+(?:(?:its|the|their|an?)\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:office|offices|operations|business|site|sites|company|unit|division|plant|factory|stores?|headquarters|branch)\b",
    re.IGNORECASE,
)
# "selling stolen passwords for $250": a price on a forum, not money lost
_PRICE = re.compile(r"\bsell\w*|\bsold\b|\bfor\s+sale\b|\bpric\w+|\bcosts?\b|\bbount\w+|\breward\w*", re.I)
# a vague count ("thousands of users") is a fact when harm happened, not when it merely could
_PAST_HARM = re.compile(
    r"\b(?:were|was|have\s+been|has\s+been|had\s+been)\s+(?:\w+\s+)?(?:affected|impacted|compromised|infected|hacked|breached|hit|exposed)"
    r"|\b(?:infected|compromised|breached|hacked|stole|encrypted)\b",
    re.IGNORECASE,
)
_PRODUCT_NUMBER = re.compile(r"(?<![.!?]\s)\b[A-Z][\w.+-]*\s$")
_VICTIM_FAMILIES = frozenset(
    {"organisations", "customers", "users", "people", "victims", "devices", "accounts"}
)
_DATA_FAMILIES = frozenset({"records", "accounts", "credentials", "emails", "files"})


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    key: str
    text: str
    data: dict[str, object] = field(default_factory=dict)
    value: str | None = None  # the field outlets may disagree on


# a warning of what could happen ("could be exploited in the wild imminently"); "may have been exploited"
# is a hedged report of what happened and stays
_MAY_BE = re.compile(r"\b(?:could|may|might|can|would|will)\s+(?:\w+\s+)?be\s+(?:\w+\s+)?exploit", re.I)


# "disable the service to prevent malicious actors from exploiting the flaw": a purpose, not a status
_PREVENTED = re.compile(r"\b(?:prevent|stop|block|protect\w*\s+against|keep|avoid)\w*\s+(?:\w+\s+){0,3}$", re.I)


# the exploited flaw is an earlier one the new flaw gets round
_EARLIER_FLAW_BEFORE = re.compile(rf"\b{EARLIER_FIX}(?:\s+for)?\s+(?:an?\s+|the\s+)?$", re.I)
_EARLIER_FLAW_AFTER = re.compile(
    r"[\w-]*\s+(?:\w+\s+)?(?:(?:that|which)\s+)?(?:it|they|the\s+company|\w+)\s+(?:had\s+)?previously\s+"
    r"(?:resolved|patched|fixed|addressed|disclosed)",
    re.I,
)


_PLANNED = re.compile(r"\b(?:plans?\s+to|planning\s+to|will|would|intends?\s+to|once|after\s+a\s+(?:fix|patch))\b", re.I)


def exploitation_status(sentence: str) -> str | None:
    if _NEGATED.search(sentence):
        return "none_known"
    found = _IN_THE_WILD.search(sentence)
    if found and _PREVENTED.search(sentence[max(0, found.start() - 40) : found.start()]):
        found = None
    if found and (
        _EARLIER_FLAW_BEFORE.search(sentence[max(0, found.start() - 40) : found.start()])
        or _EARLIER_FLAW_AFTER.match(sentence, found.end())
    ):
        found = None  # "an incomplete patch for an actively exploited flaw it previously resolved"
    if found and not _MAY_BE.search(sentence[max(0, found.start() - 30) : found.start() + 10]):
        return "in_the_wild"  # "could be exploited in the wild imminently" is a warning, not a status
    poc = _POC.search(sentence)
    if poc and not _PLANNED.search(sentence[max(0, poc.start() - 50) : poc.end()]):
        return "poc_public"  # "plans to release PoC code once a fix ships" is not public yet
    return None


STATUS_TEXT = {
    "in_the_wild": "Exploited in the wild",
    "poc_public": "Proof-of-concept exploit public",
    "none_known": "No known exploitation",
}


def _money(q: Quantity) -> dict[str, object]:
    return {"amount": float(q.value), "currency": _CURRENCY.get(q.unit, q.unit), "comparator": q.comparator}


_RATIO = re.compile(r"\b(?:out\s+of|in\s+every|one\s+in)\s*$", re.I)
_BASE = re.compile(
    r"\b(?:of|out\s+of)\s+(?:its|their|the\s+company's|the\s+firm's|our)\s+(?:total\s+)?$", re.I
)
# "30,000 sextortion emails per hour": a rate whatever its noun (the noun sits between count and "per")
_PER_TIME = re.compile(r"(?:\s+[\w-]+){0,2}\s+(?:per|an|a|every)\s+(?:hour|day|minute|second|week)\b", re.I)
_GENERIC_AMOUNT = re.compile(r"\b(?:usually|typically|generally|often|on\s+average|normally)\b[^.]{0,30}$", re.I)
_RATE = re.compile(
    r"\s*(?:per|a|each|every)\s+(?:month|year|week|day|hour|victim|user|record|account)\b", re.I
)


def quantities(sentence: str, layoffs_context: bool) -> list[Finding]:
    """Counted facts of one sentence that say what they count: victims, data, money, layoffs."""
    out: list[Finding] = []
    counted = find_quantities(sentence)
    data_cue = _DATA_CUE.search(sentence)
    if not counted and not data_cue and not _CRYPTO.search(sentence):
        return out
    harm = _HARM.search(sentence) if counted else None
    # which kinds of data: only asked where something was taken (the alternation is the costly scan)
    found = _DATA_KIND.finditer(sentence) if data_cue else ()
    kinds = list(dict.fromkeys(DATA_KINDS[int(str(m.lastgroup)[1:])][0] for m in found))
    for q in counted:
        if (
            _PRODUCT_NUMBER.search(sentence[: q.start + (len(q.phrase) - len(q.phrase.lstrip()))])
            and q.comparator == "eq"
        ):
            continue  # "Office 365 users", "Windows 10 machines": a product name, not a count
        count = {"count": q.render(), "value": q.value, "comparator": q.comparator, "unit": q.unit}
        if q.family == "money" and sentence[max(0, q.start - 2) : q.start].strip() == "(":
            continue  # "£400,000 ($510,000)": the same amount converted
        if q.family != "money" and _BASE.search(sentence[: q.start]):
            continue  # "20,000 customers of its 1.7 million app users": the whole, not who was hit
        if q.family != "money" and _RATIO.search(sentence[max(0, q.start - 12) : q.start]):
            continue  # "9 out of 10 Android devices": a share, not a count
        if _RATE.match(sentence, q.start + len(q.phrase)) or _PER_TIME.match(sentence, q.start + len(q.phrase)):
            continue  # "netting around $300,000 per month", "30,000 emails per hour": a rate, not a total
        if q.family == "money" and _GENERIC_AMOUNT.search(sentence[max(0, q.start - 40) : q.start]):
            continue  # "demands a ransom, typically about $500": what such gangs ask, not this one
        if q.family == "money":
            if _RANSOM.search(sentence):
                out.append(
                    Finding("ransom", f"ransom:{q.value}", f"Ransom: {q.render()}", _money(q), q.value)
                )
            elif _MONEY_CUE.search(sentence) and not _PRICE.search(sentence):
                out.append(
                    Finding("money", f"money:{q.key}", q.render()[:1].upper() + q.render()[1:], _money(q))
                )
        elif q.family == "staff" and (LAYOFF.search(sentence) or layoffs_context):
            out.append(Finding("layoffs", f"layoffs:{q.key}", q.render(), {**count}))
        elif q.family in _DATA_FAMILIES and data_cue:
            out.append(
                Finding(
                    "data",
                    f"data:{q.value}:{q.family}",  # "more than 14 million" and "14 million" are one count
                    f"{q.render()} {_verb(data_cue.group(0))}",
                    {**count, "kinds": kinds},
                )
            )
        elif (
            q.family in _VICTIM_FAMILIES and harm and (q.comparator != "vague" or _PAST_HARM.search(sentence))
        ):
            said = harm.group(0).lower()
            label = q.render() if said.rstrip("s") == q.unit.rstrip("s") else f"{q.render()} {said}"
            out.append(Finding("victims", f"victims:{q.value}:{q.family}", label, {**count}))
    for m in _VOLUME.finditer(sentence):
        if data_cue:
            volume = f"{m.group(1)} {m.group(2)}"
            out.append(
                Finding(
                    "data",
                    f"data:volume:{volume.lower()}",
                    f"{volume} of data {_verb(data_cue.group(0))}",
                    {"volume": volume, "kinds": kinds},
                )
            )
    for m in _CRYPTO.finditer(sentence):
        kind = "ransom" if _RANSOM.search(sentence) else "money"
        amount = {"amount": float(m.group(1).replace(",", "")), "currency": m.group(2).upper().rstrip("S")}
        if kind == "ransom" or _MONEY_CUE.search(sentence):
            label = "Ransom: " if kind == "ransom" else ""
            out.append(
                Finding(
                    kind,
                    f"{kind}:crypto:{m.group(1)}",
                    f"{label}{m.group(1)} {m.group(2)}",
                    amount,
                    m.group(1),
                )
            )
    actual = _ACTUAL_DATA_CUE.search(sentence)
    if len(kinds) >= 2 and actual and not any(f.kind == "data" for f in out):
        out.append(
            Finding(
                "data",
                "data:kinds:" + ",".join(kinds),
                f"Data {_verb(actual.group(0).split()[-1])}: {', '.join(kinds)}",
                {"kinds": kinds},
            )
        )
    return out


def _verb(cue: str) -> str:
    cue = cue.lower()
    cue = {"stole": "stolen", "dumped": "dumped"}.get(cue, cue)
    return cue if cue.endswith(("ed", "en")) or cue in ("for sale", "sold") else "exposed"


_ATTACKER_ASKS = re.compile(
    r"\b(?:malware|attackers?|hackers?|app|trojan|scammers?)\s+(?:\w+\s+)?(?:urg|ask|prompt|trick|instruct|lur)\w*",
    re.I,
)


def workaround(sentence: str) -> bool:
    """Advice to defenders ("disable SSL VPN until you can patch"), not a lure ("the malware urged
    victims to disable Play Protect")."""
    return bool(
        _WORKAROUND.search(sentence) and _ADVICE.search(sentence) and not _ATTACKER_ASKS.search(sentence)
    )
