"""CVE ids with their CVSS score, version, vector, severity, weakness and product, per sentence.

Outlets write scores in a handful of shapes: "CVE-2024-21762 (CVSS score: 9.6)", "(CVE-2021-20016,
CVSS score 9.8)", "has a CVSS score of 9.8", "rated 9.8 out of 10 on the CVSS scale", "ranks 10 out
of 10", "CVSSv3 base score of 7.8", or a vector "CVSS:3.1/AV:N/AC:L/...", which the `cvss` package
parses and scores (so a vector is never mis-scored by hand). A score belongs to the CVE ids written
just before it in the same sentence (several when they are listed together: "A and B (CVSS scores:
7.5)"), else to the nearest id in the sentence, else to the one CVE the sentence refers back to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError

from bot.intel.facts.gazetteer import find_places
from bot.intel.prefilter import prefiltered

CVE_ID = re.compile(r"\bCVE-\d{4}-\d{4,7}\b", re.IGNORECASE)
_SCORE = r"(?P<score>10(?:\.0)?|\d\.\d|\d)(?![\d.]\d)"
_VERSION = r"(?:\s*v?(?P<ver>[234](?:\.[01])?)(?!\.\d))?"
_SCORE_SHAPES = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        # CVSS score: 9.6 / CVSS v3.1 base score of 9.8 / CVSSv3 score 7.8 / CVSS 3.0 score of 7.8
        rf"\bCVSS{_VERSION}(?:\s+(?:base|severity))?\s+(?:score|rating)s?\s*(?:of\s+|:\s*|=\s*|is\s+)?"
        rf"(?:(?:a|the)\s+)?(?:maximum\s+(?:of\s+)?)?{_SCORE}",
        # Common Vulnerability Scoring System score of 8.8
        rf"\bCommon\s+Vulnerability\s+Scoring\s+System(?:\s*\(CVSS\))?(?:\s+v?(?P<ver>[234](?:\.[01])?))?"
        rf"\s+(?:base\s+)?(?:score|rating)\s+(?:of\s+)?{_SCORE}",
        # 9.8 out of (a maximum of) 10 / 7.8 on the CVSS scale
        rf"(?<![\d.]){_SCORE}\s+out\s+of\s+(?:a\s+(?:maximum|possible)\s+(?:of\s+)?)?10\b",
        rf"(?<![\d.]){_SCORE}\s+(?:on|in)\s+the\s+CVSS{_VERSION}",
        # severity (rating) score of 10
        rf"\bseverity\s+(?:rating\s+)?score\s+of\s+{_SCORE}",
        # CVSSv3: 9.8 / CVSS 9.8 / (CVSS v3.1 = 9.8) / a base score of 9.8; never "CVSS 3.1 score …"
        # or "CVSS 3.1 vector", where the number is the scoring system's version
        rf"\bCVSS{_VERSION}\s*[:=]\s*{_SCORE}(?!\s*/)",
        rf"\bCVSS\s+(?!(?:2\.0|3\.[01]|4\.0)\b){_SCORE}(?!\s*(?:base|scores?|ratings?|severity|vectors?|scale|calculator"
        rf"|specification|standard|/))",
        rf"\bbase\s+score\s+(?:of\s+|:\s*)?{_SCORE}",
    )
)
# "A and B are rated 9.8 and 7.5 respectively": scores listed in the order of the ids
_RESPECTIVELY = re.compile(r"\brespectively\b", re.IGNORECASE)
_LISTED_SCORE = re.compile(r"(?<![\d.])(10(?:\.0)?|\d\.\d)(?![\d.]*\d)")
# "out of 10" alone is also "8 out of 10 Android devices": it needs a scoring word in the sentence
_RATING_CONTEXT = re.compile(
    r"\bCVSS\b|\bseverity\b|\brat(?:ed|es|ing)\b|\branks?\b|\bscor(?:e|ed|ing)\b", re.I
)
_VECTOR = re.compile(
    r"\b(?:CVSS:(?P<ver>[34]\.[01])/)?(?P<body>AV:[NALP](?:/[A-Z]{1,3}:[A-Z]{1,2}){3,})", re.IGNORECASE
)
_SEVERITY = re.compile(
    r"\b(?P<sev>critical|high|medium|moderate|low)(?:[- ]severity|[- ]risk|[- ]rated)?\b"
    r"(?=[^.]{0,40}\b(?:flaw|vulnerabilit|bug|issue|severity|rating|weakness|CVE))|"
    r"\brated\s+(?:as\s+)?[\"“]?(?P<sev2>critical|high|medium|moderate|low)\b",
    re.IGNORECASE,
)
WEAKNESSES: tuple[tuple[str, str], ...] = (
    ("out-of-bounds write", r"out[- ]of[- ]bounds?\s+write"),
    ("out-of-bounds read", r"out[- ]of[- ]bounds?\s+read"),
    ("heap-based buffer overflow", r"heap[- ](?:based\s+)?(?:buffer\s+)?overflow"),
    ("stack-based buffer overflow", r"stack[- ](?:based\s+)?(?:buffer\s+)?overflow"),
    ("buffer overflow", r"buffer\s+overflow"),
    ("integer overflow", r"integer\s+(?:overflow|underflow)"),
    ("use-after-free", r"use[- ]after[- ]free"),
    ("double free", r"double[- ]free"),
    ("type confusion", r"type\s+confusion"),
    ("memory corruption", r"memory\s+corruption"),
    ("race condition", r"race\s+condition"),
    ("null pointer dereference", r"null\s+pointer\s+dereference"),
    ("SQL injection", r"SQL\s+injection|SQLi\b"),
    ("OS command injection", r"(?:OS\s+)?command\s+injection"),
    ("code injection", r"code\s+injection"),
    ("cross-site scripting", r"cross[- ]site\s+scripting|\bXSS\b"),
    ("cross-site request forgery", r"cross[- ]site\s+request\s+forgery|\bCSRF\b"),
    ("server-side request forgery", r"server[- ]side\s+request\s+forgery|\bSSRF\b"),
    ("XML external entity", r"XML\s+external\s+entit|\bXXE\b"),
    ("insecure deserialization", r"(?:insecure\s+|unsafe\s+)?deserializ"),
    ("path traversal", r"(?:path|directory)\s+traversal"),
    ("authentication bypass", r"authentication\s+bypass|bypass\s+authentication"),
    ("security feature bypass", r"security\s+feature\s+bypass"),
    ("hard-coded credentials", r"hard[- ]?coded\s+(?:credentials|passwords?|keys?)"),
    ("improper access control", r"improper\s+access\s+control|missing\s+authori[sz]ation"),
    ("open redirect", r"open\s+redirect"),
    ("privilege escalation", r"privilege\s+escalation|elevation\s+of\s+privilege|escalate\s+privileges"),
    ("sandbox escape", r"sandbox\s+escape"),
    (
        "remote code execution",
        r"remote\s+code\s+execution|\bRCE\b|execute\s+(?:arbitrary\s+)?code\s+remotely",
    ),
    (
        "arbitrary code execution",
        r"(?:arbitrary\s+)?code\s+execution|execute\s+arbitrary\s+(?:code|commands)",
    ),
    ("information disclosure", r"information\s+(?:disclosure|leak)"),
    ("denial of service", r"denial[- ]of[- ]service|\bDoS\b"),
    ("spoofing", r"\bspoofing\s+vulnerabilit"),
)
_WEAKNESS = prefiltered("|".join(f"(?P<w{i}>{p})" for i, (_, p) in enumerate(WEAKNESSES)), re.IGNORECASE)
_CWE = re.compile(r"\bCWE-\d{1,4}\b")
# "in FortiOS", "affecting Cisco IOS XE", "impacts VMware vCenter Server"
_PRODUCT = re.compile(
    r"\b(?:in|affecting|affects|impacting|impacts|within)\s+(?:the\s+|its\s+)?"
    r"(?P<p>[A-Z][\w.+-]*[A-Za-z0-9+](?:\s+(?:[A-Z0-9][\w.+-]*|for|of)){0,4})"
)
_PRODUCT_STOP = frozenset(
    [
        "The",
        "This",
        "That",
        "These",
        "It",
        "A",
        "An",
        "In",
        "On",
        "At",
        "For",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "CVE",
        "CVSS",
        "Common",
    ]
)


@dataclass(frozen=True, slots=True)
class Cvss:
    score: float
    version: str | None = None
    vector: str | None = None
    severity: str | None = None

    def to_data(self) -> dict[str, object]:
        return {
            "score": self.score,
            "version": self.version,
            "vector": self.vector,
            "severity": self.severity,
        }


@dataclass(slots=True)
class CveMention:
    id: str | None  # None: a rated flaw the text names by no id
    start: int
    cvss: Cvss | None = None
    weakness: str | None = None
    cwe: str | None = None
    product: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


def score_vector(text: str) -> Cvss | None:
    """A CVSS vector's base score, version and severity, computed by the `cvss` package."""
    match = _VECTOR.search(text)
    if match is None:
        return None
    version, body = match.group("ver"), match.group("body")
    try:
        if version and version.startswith("4"):
            v4 = CVSS4(f"CVSS:{version}/{body}")
            return Cvss(float(v4.base_score), version, v4.clean_vector(), str(v4.severity))
        if version:
            v3 = CVSS3(f"CVSS:{version}/{body}")
            return Cvss(float(v3.scores()[0]), version, v3.clean_vector(), str(v3.severities()[0]))
        v2 = CVSS2(body)
        return Cvss(float(v2.scores()[0]), "2.0", v2.clean_vector(), str(v2.severities()[0]))
    except (CVSSError, ValueError, KeyError, IndexError):
        return None


_SCORE_HINTS = ("cvss", "out of", "scor", "av:", "severity", "on the cvss", "base score")


def _scores(sentence: str) -> list[tuple[int, Cvss]]:
    lowered = sentence.lower()
    if not any(hint in lowered for hint in _SCORE_HINTS):
        return []  # most sentences rate nothing: five anchored shapes are not worth trying
    out: list[tuple[int, Cvss]] = []
    taken: list[tuple[int, int]] = []
    for n, shape in enumerate(_SCORE_SHAPES):
        for m in shape.finditer(sentence):
            if any(a <= m.start() < b for a, b in taken):
                continue
            if n == 2 and not _RATING_CONTEXT.search(sentence):
                continue
            score = float(m.group("score"))
            if not 0 <= score <= 10:
                continue
            groups = m.groupdict()
            version = groups.get("ver")
            taken.append((m.start(), m.end()))
            out.append((m.start(), Cvss(score, _version(version))))
    vector = score_vector(sentence)
    if vector is not None:
        at = _VECTOR.search(sentence)
        out.append((at.start() if at else 0, vector))
    severity = _severity(sentence)
    if severity:
        out = [(at, c if c.severity else Cvss(c.score, c.version, c.vector, severity)) for at, c in out]
    return sorted(out, key=lambda x: x[0])


def _combined(known: Cvss | None, new: Cvss) -> Cvss:
    """The first score stated wins; a vector with the same score adds its version, vector and severity."""
    if known is None:
        return new
    if new.vector and known.vector is None and abs(new.score - known.score) < 0.05:
        return Cvss(known.score, new.version, new.vector, known.severity or new.severity)
    return known


def _version(version: str | None) -> str | None:
    if not version:
        return None
    return version if "." in version else f"{version}.x"


def _severity(sentence: str) -> str | None:
    m = _SEVERITY.search(sentence)
    if m is None:
        return None
    word = (m.group("sev") or m.group("sev2") or "").lower()
    return {"moderate": "Medium"}.get(word, word.capitalize())


# "used the flaw to build botnets and launch distributed denial-of-service (DDoS) attacks": what a
# botnet does afterwards, never a flaw's class (a flaw causes a denial of service, not a distributed one)
_DISTRIBUTED = re.compile(r"\bdistributed[\s-]+$", re.I)


def weakness_in(text: str) -> tuple[int, str] | None:
    for m in _WEAKNESS.finditer(text):
        if _DISTRIBUTED.search(text[max(0, m.start() - 14) : m.start()]):
            continue
        index = int(next(k for k, v in m.groupdict().items() if v)[1:])
        return m.start(), WEAKNESSES[index][0]
    return None


_NO_PRODUCT = re.compile(
    r"(?:(?:Western|Eastern|Northern|Southern|Central|South-?east|North-?east|South-?west|North-?west)(?:ern)?\s+)?"
    r"(?:Europe|Asia|Africa|America|Middle\s+East)\b"
    r"|COVID|coronavirus|pandemic",
    re.I,
)


def _not_a_product(name: str) -> bool:
    """ "in Western Europe", "in COVID-19": a place or a disease names no product."""
    places = find_places(name)
    return bool(places and places[0][0] == 0) or bool(_NO_PRODUCT.match(name))


_OPENERS = frozenset({"Although", "However", "While", "But", "And", "Though", "Also", "Meanwhile"})


def product_in(text: str) -> str | None:
    for m in _PRODUCT.finditer(text):
        words = m.group("p").split()
        # "in Exchange Although the flaws…": a list line run into the next sentence ends at its opener
        cut = next((n for n, w in enumerate(words) if n and (w in _PRODUCT_STOP or w in _OPENERS)), len(words))
        words = words[:cut]
        while words and words[-1] in ("for", "of"):
            words.pop()
        name = " ".join(words)
        if (
            words
            and words[0] not in _PRODUCT_STOP
            and not CVE_ID.match(words[0])
            and not _not_a_product(name)
        ):
            return name
    return None


def find_cves(sentence: str, context_id: str | None = None) -> list[CveMention]:
    """CVE mentions of one sentence with what the sentence says about each. A sentence that rates a
    flaw without naming an id ("The flaw ... ranks 10 out of 10") gives it to `context_id`, the one
    CVE the text was just talking about, or to a mention with no id."""
    ids = [(m.start(), m.group(0).upper()) for m in CVE_ID.finditer(sentence)]
    first: dict[str, int] = {}
    for at, cve in ids:
        first.setdefault(cve, at)
    mentions = sorted((CveMention(cve, at) for cve, at in first.items()), key=lambda m: m.start)
    scores = _scores(sentence)
    if not mentions and scores:
        mentions = [CveMention(context_id, 0)]
    if len(mentions) > 1 and scores and _RESPECTIVELY.search(sentence):
        listed = [float(m.group(1)) for m in _LISTED_SCORE.finditer(sentence, mentions[-1].start)]
        if len(listed) == len(mentions):  # one score per id, in their order
            for mention, score in zip(mentions, listed, strict=True):
                mention.cvss = Cvss(score, scores[0][1].version)
        scores = []  # a count that does not pair up is left unread rather than given to the wrong id
    for at, cvss in scores:
        before = [m for m in mentions if m.start <= at]
        if not before:
            target = [min(mentions, key=lambda m: abs(m.start - at))]
        else:
            target = [before[-1]]
            # "A and B (CVSS scores: 7.5)": ids listed together just before the score share it
            for m in reversed(before[:-1]):
                gap = sentence[m.start + len(m.id or "") : target[-1].start]
                if len(gap) <= 16 and re.fullmatch(r"[\s,)(]*(?:and|&)?[\s,(]*(?:CVE-[\d-]+)?[\s,)(]*", gap):
                    target.append(m)
                else:
                    break
        for mention in target:
            mention.cvss = _combined(mention.cvss, cvss)
    cwe = _CWE.search(sentence)
    for n, mention in enumerate(mentions):
        lo = mentions[n - 1].start + len(mentions[n - 1].id or "") if n else 0
        hi = mentions[n + 1].start if n + 1 < len(mentions) else len(sentence)
        segment = sentence[lo:hi]
        own = mention.start + len(mention.id or "")
        if re.match(r"\s*(?:\(|:|-\s|—|–)", sentence[own:hi]):
            # "CVE-A (an information disclosure flaw), CVE-B (remote code execution)": each id's own
            # description follows it; the text before it describes the previous id
            segment = sentence[own:hi].split("\n", 1)[0]  # a list line ends at its line break
        found = weakness_in(segment)
        if found:
            mention.weakness = found[1]
        if cwe and len(mentions) == 1:
            mention.cwe = cwe.group(0)
        mention.product = product_in(segment)
    return mentions
