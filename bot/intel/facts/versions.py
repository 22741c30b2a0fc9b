"""Affected and fixed versions: "FortiOS 7.4.0 through 7.4.2", "before 10.0.0.2", "upgrade to 7.4.3".

A sentence with version numbers is read in two halves around its first fix cue ("upgrade to",
"fixed in", "patched in", "or later"): what comes before a fix cue and carries an exposure cue
("affects", "prior to", "and earlier", "through") is the affected range, what follows is the fix.
A version needs two numeric parts ("7.4.3", "9.1R12", "2020.2.1 HF 2"), so a year or a count is
never a version, and each fact keeps the product written just before its first version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = re.compile(
    # "HTTP/1.1" names a protocol, not a product version
    r"(?<![\w.])(?<![A-Za-z]/)v?(\d+(?:\.\d+){1,3}(?:\.x)?(?:[a-z]\d*|R\d+|-[A-Za-z]+\.?\d*)?(?:\s+HF\s*\d+)?|\d+\.x)(?![\w.]*\d)"
    # "4.9 million users", "0.1 percent", "2.5 GB": an amount, not a version
    r"(?!\s*(?i:million|billion|thousand|trillion|percent|per\s+cent|%|[KMGTP]B|[KMGT]bps|x\b|times|hours|seconds|minutes))"
)
_FIX_CUE = re.compile(
    r"\b(?:fixed|patched|addressed|resolved|remediated)\s+(?:it\s+|them\s+|the\s+\w+\s+)?(?:in|with)\b"
    r"|\b(?:upgrade|update|updating|upgrading|move|migrate)\s+(?:\w+\s+){0,5}?to\b"
    r"|\bfix(?:es)?\s+(?:is|are)\s+(?:available|included)\s+in\b"
    r"|\bpatched\s+versions?\b|\bfixed\s+versions?\b|\bor\s+(?:later|above|newer|higher)\b|\band\s+(?:later|above|newer)\b",
    re.IGNORECASE,
)
_AFFECTED_CUE = re.compile(
    r"\baffect(?:s|ed|ing)?\b|\bimpact(?:s|ed|ing)?\b|\bvulnerable\b|\bprior\s+to\b|\bbefore\b|\bearlier\b"
    r"|\band\s+prior\b|\bthrough\b|\bup\s+to\b|\brunning\b|\bolder\b|\bbelow\b|\bexist(?:s)?\s+in\b|\bresides?\s+in\b",
    re.IGNORECASE,
)
_RANGE = re.compile(
    r"(?:(?:prior\s+to|before|up\s+to|through|older\s+than|below|lower\s+than|earlier\s+than)\s+(?:version\s+)?{v})"
    r"|(?:{v}\s+(?:through|to|up\s+to|-|–)\s+{v})|(?:{v}\s+(?:and|or)\s+(?:earlier|prior|older|below|later|above|newer))"
    r"|(?:{v}\s+before\s+{v})".format(v=r"v?\d+(?:\.\d+){1,3}(?:\.x)?(?:[a-z]\d*|R\d+)?"),
    re.IGNORECASE,
)
_PRODUCT_WORD = re.compile(
    r"^(?:[A-Z][\w+.-]*|[a-z]+[A-Z][\w+.-]*|iOS|macOS|watchOS|tvOS|vCenter|vSphere|\d+)$"
)
_SKIP = frozenset(
    {"version", "versions", "v", "release", "build", "the", "to", "of", "and", "its", "software"}
)
_NOT_PRODUCT = frozenset({"The", "In", "On", "Version", "Versions", "Update", "Upgrade", "All", "CVE", "It"})


@dataclass(frozen=True, slots=True)
class VersionFact:
    kind: str  # "affected" | "fixed"
    product: str | None
    versions: tuple[str, ...]
    ranges: tuple[str, ...]

    @property
    def key(self) -> str:
        product = (self.product or "-").lower()
        return f"{self.kind}:{product}:{','.join(sorted(self.versions))}"

    def render(self) -> str:
        product = f"{self.product} " if self.product else ""
        if self.kind == "fixed":
            return f"Fixed in {product}{', '.join(self.versions)}"
        shown = list(self.ranges) or list(self.versions)
        return f"Affected: {product}{', '.join(shown)}"

    def to_data(self) -> dict[str, object]:
        return {"product": self.product, "versions": list(self.versions), "ranges": list(self.ranges)}


def _product_before(text: str, at: int) -> str | None:
    words = text[:at].split()
    while words and (words[-1].lower().strip(",(") in _SKIP):
        words.pop()
    picked: list[str] = []
    while words and len(picked) < 4:
        word = words[-1].strip(",():")
        if not word or not _PRODUCT_WORD.match(word) or word in _NOT_PRODUCT:
            break
        if word.isdigit() and not picked:
            break
        picked.insert(0, word)
        words.pop()
    name = " ".join(picked).strip()
    return name or None


_ADDRESS = re.compile(r"\bIP\b|\baddress(?:es)?\b|\bsubnet\b|\brange\b", re.IGNORECASE)
# "a CVSS score of 6.4 to 6.8": scores, however many ("[^.;]" lets a score's own decimal point through)
_SCORE_BEFORE = re.compile(r"(?:CVSS|score|rated|rating|severity)(?:[^.;]|\.\d){0,20}$", re.IGNORECASE)
# "91.194.214.66", "50.7.0.0/16": an IP address, not a version (four parts of at most 255, the first
# above any product's major version in these texts)
_IP = re.compile(r"^(?:[3-9]\d|1\d\d|2[0-4]\d|25[0-5])(?:\.(?:\d{1,2}|1\d\d|2[0-4]\d|25[0-5])){3}$")
# "users should install watchOS 3.2.2", "Safari 10.1.1 addresses 26 issues": the fix, never the range hit
_EXPOSED_IN = re.compile(r"\b(?:present|exists?|resides?|affect\w*|vulnerable|running|impact\w*)\b", re.I)
_INSTALL = re.compile(r"\binstall\b|\baddress(?:es|ed)\b|\bdownload\b|\bthe\s+update\b", re.IGNORECASE)
_INSTALL_VERSION = re.compile(
    r"\b(?:install|download|apply|load|downgrade\s+to|roll\s+back\s+to)\s+(?:the\s+)?(?:[A-Za-z][\w.-]*\s+){0,2}v?\d+\.(?:\d+|x)|\b[A-Za-z][\w-]*\s+v?\d+(?:\.\d+)+\s+addresses\b",
    re.IGNORECASE,
)


def _fact(kind: str, part: str, offset: int, sentence: str) -> VersionFact | None:
    found = [
        (m.start(), m.group(1))
        for m in VERSION.finditer(part)
        if not _SCORE_BEFORE.search(sentence[max(0, offset + m.start() - 30) : offset + m.start()])
        and not _ADDRESS.search(sentence[max(0, offset + m.start() - 40) : offset + m.start()])
        and not _IP.match(m.group(1))
        and not re.fullmatch(r"\d{1,3}\.000", m.group(1))  # "100.000 users": thousands written the European way
        and part[m.end() : m.end() + 1] != "/"  # "50.7.0.0/16": a subnet
    ]
    if not found:
        return None
    versions = tuple(dict.fromkeys(v for _, v in found))
    ranges = tuple(dict.fromkeys(" ".join(m.group(0).split()) for m in _RANGE.finditer(part)))
    product = _product_before(sentence, offset + found[0][0])
    return VersionFact(kind, product, versions, ranges)


_RELEASED_FIX = re.compile(
    r"\brelease\s+of\b|\breleased\b|\bship(?:s|ped)\b|\broll(?:s|ed)\s+out\b|\bpushed\b|\bissued\b",
    re.IGNORECASE,
)
_FIXING = re.compile(r"\bfix|\bpatch|\baddress|\bresolv", re.IGNORECASE)
_UNPATCHED = re.compile(
    r"\bunpatched\b|\bremains?\s+vulnerable\b|\bno\s+(?:patch|fix)\b|\bnot\s+(?:yet\s+)?(?:been\s+)?(?:fixed|patched)\b"
    r"|\bincluding\s+the\s+latest\b",
    re.IGNORECASE,
)


def _fix_cue(sentence: str) -> re.Match[str] | None:
    """The first fix cue with a version after it ("shipped FortiOS 7.4.3 … told customers to update to"
    is shipped); "released"/"shipped" count as fix cues only in a sentence about a fix."""
    cues = list(_FIX_CUE.finditer(sentence))
    if _FIXING.search(
        sentence
    ):  # "patched ... with the release of Struts 2.3.35", "shipped 7.4.3 with the fix"
        cues += list(_RELEASED_FIX.finditer(sentence))
    cues.sort(key=lambda m: m.start())
    for cue in cues:
        if cue.group(0).lower().startswith(("or ", "and ")) or VERSION.search(sentence, cue.end()):
            return cue
    return cues[0] if cues else None


def find_versions(sentence: str) -> list[VersionFact]:
    if not VERSION.search(sentence) or not (_FIX_CUE.search(sentence) or _AFFECTED_CUE.search(sentence)):
        return []
    fix = None if _UNPATCHED.search(sentence) else _fix_cue(sentence)
    if (
        fix is not None
        and fix.group(0).lower().startswith("and ")
        and _EXPOSED_IN.search(sentence)
        and not _FIXING.search(sentence)
        and not re.search(r"\bupdat|\bupgrad", sentence, re.I)
    ):
        fix = None  # "present in 7.3 and newer (up to 7.5)", "3.2 and above are vulnerable": the range hit
    out: list[VersionFact] = []
    if fix is None:
        if _INSTALL_VERSION.search(sentence) or (
            _INSTALL.search(sentence) and not re.search(r"\baffect|\bvulnerable\b", sentence, re.I)
        ):
            return []
        fact = _fact("affected", sentence, 0, sentence)
        return [fact] if fact else []
    before, after = sentence[: fix.start()], sentence[fix.start() :]
    if fix.group(0).lower().startswith(("or ", "and ")):
        # "7.4.3 or later": the version just before the cue is the fix
        head = list(VERSION.finditer(before))
        if head:
            last = head[-1]
            before, after = sentence[: last.start()], sentence[last.start() :]
    if _AFFECTED_CUE.search(before):
        affected = _fact("affected", before, 0, sentence)
        if affected:
            out.append(affected)
    fixed = _fact("fixed", after, len(before), sentence)
    if fixed:
        if fixed.product is None and out:
            fixed = VersionFact("fixed", out[0].product, fixed.versions, ())
        out.append(VersionFact("fixed", fixed.product, fixed.versions, ()))
    return out
