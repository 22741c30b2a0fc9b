"""Who published a page, and whom it credits.

The outlet is the *publisher*, never the aggregator that stored the copy: a page with a URL is the
URL host's (a small table gives common news hosts their display names, anything else gets a name made
from its domain); a page without one names itself in its own chrome ("Sign up to the X newsletter",
"More from X", "© 2026 X"), and the most-voted such name wins. Credits are the outlets a page says it
is based on ("Via X", "first reported by X"), which lets the clusterer link a rewrite to its source.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from urllib.parse import urlsplit

from bot.hostnames import ascii_host, is_lookalike
from bot.ingest.text_utils import wordset

KNOWN_HOSTS = {
    "techcrunch.com": "TechCrunch", "techradar.com": "TechRadar", "theregister.com": "The Register",
    "theregister.co.uk": "The Register", "bleepingcomputer.com": "BleepingComputer",
    "securityweek.com": "SecurityWeek", "darkreading.com": "Dark Reading", "therecord.media": "The Record",
    "krebsonsecurity.com": "Krebs on Security", "thehackernews.com": "The Hacker News",
    "arstechnica.com": "Ars Technica", "wired.com": "Wired", "theverge.com": "The Verge", "zdnet.com": "ZDNET",
    "reuters.com": "Reuters", "bloomberg.com": "Bloomberg", "cnbc.com": "CNBC", "cnn.com": "CNN",
    "nytimes.com": "The New York Times", "wsj.com": "The Wall Street Journal", "bbc.co.uk": "BBC",
    "bbc.com": "BBC", "theguardian.com": "The Guardian", "washingtonpost.com": "The Washington Post",
    "ft.com": "Financial Times", "apnews.com": "AP News", "axios.com": "Axios", "forbes.com": "Forbes",
    "cyberscoop.com": "CyberScoop", "helpnetsecurity.com": "Help Net Security",
    "infosecurity-magazine.com": "Infosecurity Magazine", "securityaffairs.com": "Security Affairs",
    "securityaffairs.co": "Security Affairs", "scmagazine.com": "SC Media", "csoonline.com": "CSO Online",
    "computerweekly.com": "Computer Weekly", "venturebeat.com": "VentureBeat", "engadget.com": "Engadget",
    "gizmodo.com": "Gizmodo", "macrumors.com": "MacRumors", "9to5mac.com": "9to5Mac",
    "techtarget.com": "TechTarget", "govinfosecurity.com": "GovInfoSecurity", "cybernews.com": "Cybernews",
    "hackread.com": "HackRead", "itpro.com": "ITPro", "siliconangle.com": "SiliconANGLE",
    "theinformation.com": "The Information", "businessinsider.com": "Business Insider",
    "securitymagazine.com": "Security Magazine", "databreaches.net": "DataBreaches.net",
    "csoonline.de": "CSO Online", "heise.de": "heise online", "lemonde.fr": "Le Monde",
}  # fmt: skip
_SECOND_LEVEL = wordset("co com net org gov ac edu ne or go")
# Domains whose subdomains are separate sites: documentation placeholders (RFC 2606) and blog hosts.
_SHARED_DOMAINS = frozenset(
    {
        "example.com", "example.org", "example.net", "blogspot.com", "wordpress.com", "substack.com",
        "medium.com", "github.io", "tumblr.com", "wixsite.com", "netlify.app", "pages.dev", "vercel.app",
    }
)  # fmt: skip
_HOST_PREFIXES = ("www.", "m.", "amp.", "mobile.", "edition.", "news.")
_NAME = r"((?:The\s)?[A-Z0-9][\w&.'’-]{0,30}(?:[ \t](?:[A-Z0-9][\w&.'’-]{0,30}|on|of|and|&)){0,3})"
# A page naming itself: chrome lines every publisher prints about itself. Each pattern comes with the
# literal text any of its matches holds: these scans see every line of every page, and only a line
# holding one of those literals is worth a full pattern search.
_SELF_NAMING = (
    (
        ("newsletter",),
        re.compile(
            r"\b(?:[Ss]ign up (?:to|for)|[Ss]ubscribe to|[Gg]et) (?:the |our )?"
            + _NAME
            + r"\s+newsletters?\b"
        ),
    ),
    (("More from ",), re.compile(r"^More from " + _NAME + r"\s*$", re.MULTILINE)),
    (
        ("©", "(c)", "(C)", "opyright"),
        re.compile(r"(?:©|\([Cc]\)|[Cc]opyright)\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*)?" + _NAME),
    ),
    (
        ("joining", "rites for", "riter at", "ditor at", "eporter at"),
        re.compile(
            r"\b(?:[Bb]efore joining|[Ww]rites for|[Ww]riter at|[Ee]ditor at|[Rr]eporter at) " + _NAME
        ),
    ),
)
_SELF_NAMING_NEEDLES = tuple(needle for needles, _ in _SELF_NAMING for needle in needles)
# A page crediting another outlet.
_CREDIT_LINE = re.compile(r"^(?:[Vv]ia|VIA|[Ss]ource|SOURCE)\s*:?\s*" + _NAME + r"\s*[.)]?\s*$", re.MULTILINE)
_CREDIT_PHRASE = re.compile(
    r"\b(?:\([Vv]ia|(?:first|originally|as|previously)\s+(?:reported|published)\s+(?:by|in|on)|"
    r"reported\s+first\s+by|(?:republished|reposted|syndicated)\s+from|"
    r"according to (?:a report (?:by|from|in)|reporting by))\s+" + _NAME
)
_CREDIT_PHRASE_NEEDLES = ("(via", "(Via", "reported", "published", "reposted", "syndicated", "according to ")
_NOT_OUTLETS = wordset(
    "our the this email e-mail signal telegram twitter x facebook linkedin instagram getty images "
    "shutterstock alamy reuters/ ap photo image us me you it"
)
_TRAILING_NOISE = wordset("newsletter newsletters and of on in at & ltd inc plc")
_CALENDAR_WORDS = wordset(
    "monday tuesday wednesday thursday friday saturday sunday today yesterday january february march april "
    "may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec"
)
_PHOTO_AGENCIES = re.compile(r"\b(?:Getty|Shutterstock|Alamy|iStock|Unsplash|AFP/|Photo|Image)\b")


def _registrable_label(host: str) -> str:
    """The label that names the site: "bbc" for news.bbc.co.uk, and on a shared or placeholder domain
    the most specific one ("dailypatch" for dailypatch.example.org, "jdoe" for jdoe.substack.com)."""
    parts = [p for p in host.split(".") if p]
    if len(parts) >= 3 and parts[-2] in _SECOND_LEVEL and len(parts[-1]) == 2:
        parts = parts[:-1]  # bbc.co.uk -> bbc.co
    if len(parts) >= 3 and ".".join(parts[-2:]) in _SHARED_DOMAINS:
        return parts[-3]
    return parts[-2] if len(parts) >= 2 else (parts[0] if parts else "")


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:
        return None
    return host.lower().rstrip(".") if host else None


def outlet_from_host(host: str) -> str:
    """Display name for a host: the table, else the domain's registrable label made presentable."""
    host = host.lower()
    while host.startswith(_HOST_PREFIXES) and host.count(".") > 1:
        host = host.split(".", 1)[1]
    for candidate in (host, ".".join(host.split(".")[-2:]), ".".join(host.split(".")[-3:])):
        if candidate in KNOWN_HOSTS:
            return KNOWN_HOSTS[candidate]
    label = _registrable_label(host)
    if not label:
        return host
    if "xn--" in host:
        return registrable_domain(host)  # an internationalised name is shown as its punycode address
    if len(label) <= 4 and label.isalpha():
        return label.upper()  # cnn, bbc, wsj
    return " ".join(word.capitalize() for word in label.replace("_", "-").split("-"))


def outlet_from_url(url: str | None) -> str | None:
    host = host_of(url)
    return outlet_from_host(host) if host else None


def _clean_name(name: str) -> str | None:
    name = re.split(r"[.,;:]\s", name, maxsplit=1)[0].strip(" .,:;'’\"")
    words = name.split()
    while words and (words[-1].lower() in _TRAILING_NOISE or words[-1].lower().strip(".") in _CALENDAR_WORDS):
        words.pop()
    name = " ".join(words)
    if not name or name.lower() in _NOT_OUTLETS or name.isdigit() or len(name) < 2:
        return None
    if "." in name and " " not in name and (host := host_of(name)) and "." in host:
        return outlet_from_host(host)  # "techcrunch.com"
    return name


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower().removeprefix("the "))


def _spelling_of(label: str, name: str | None) -> str | None:
    """`name`, or its shortest leading words, when they spell the domain label ("Breach Wire Media" for
    breachwire.example -> "Breach Wire")."""
    if not name or not label:
        return None
    words = name.split()
    for end in range(1, len(words) + 1):
        if _squash(" ".join(words[:end])) == label:
            return " ".join(words[:end])
    return None


def _abbreviates(label: str, name: str) -> bool:
    """Whether some run of `name`'s words has `label` as its initials ("Internet Storm Center": isc)."""
    initials = "".join(word[0] for word in re.findall(r"[A-Za-z0-9]+", name)).lower()
    return len(label) >= 2 and label in initials


def outlet_for(url: str | None, names: Iterable[str | None], *, declared: str | None = None) -> str | None:
    """The publisher's display name, always the URL's own when there is a URL. On a well-known news
    host: the host table. Else the declared name (front-matter `source`/`outlet`, site name) or one of
    `names` (the names a page calls itself) when it spells the host's registrable domain, else a
    name made from the domain. A non-ASCII host is named in punycode; a look-alike host is named as
    such. Without a URL: the declared name or the first of `names` that is not an aggregator."""
    if declared and is_aggregator(declared):
        declared = None
    candidates = [n for n in names if n]
    raw_host = host_of(url)
    if raw_host is None:
        return declared or next((n for n in candidates if not is_aggregator(n)), None)
    host = ascii_host(raw_host)
    if host is None or is_lookalike(host):
        # Never a trusted name on a homograph: the address itself, in ASCII, marked as what it is.
        return f"{registrable_domain(host or raw_host)} (look-alike address, not linked)"
    fallback = outlet_from_host(host)
    labels = host.split(".")
    if any(".".join(labels[i:]) in KNOWN_HOSTS for i in range(len(labels))):  # the host or a parent domain
        return fallback
    # What the page says about itself ("Okta Security" in og:site_name on a look-alike domain) is
    # shown only when it spells the domain the link goes to; otherwise the domain's own name.
    label = _squash(_registrable_label(host))
    if declared and (_spelling_of(label, declared) or _abbreviates(label, declared)):
        # "Grid Watch Bulletin" on gridwatch.example starts with the domain's name; "SANS Internet
        # Storm Center" on isc.example.org abbreviates to it.
        return declared
    for name in candidates:
        if name != fallback and (spelled := _spelling_of(label, name)):
            return spelled
    return fallback


def registrable_domain(host: str) -> str:
    """`evil.example.com` -> `example.com`; `news.bbc.co.uk` -> `bbc.co.uk`."""
    parts = [p for p in host.lower().split(".") if p]
    keep = 3 if len(parts) >= 3 and parts[-2] in _SECOND_LEVEL and len(parts[-1]) == 2 else 2
    return ".".join(parts[-keep:])


def _lines_holding(lines: list[str], needles: tuple[str, ...]) -> list[str]:
    """The lines (in order) holding any of `needles`, found by `str.find` over the whole page (one
    regex alternation, or a test per line, costs several times more)."""
    text = "\n".join(lines)
    hits: set[int] = set()
    for needle in needles:
        found = text.find(needle)
        while found >= 0:
            hits.add(found)
            found = text.find(needle, found + 1)
    if not hits:
        return []
    ordered = sorted(hits)
    holding: list[str] = []
    next_hit = start = 0
    for line in lines:
        end = start + len(line)  # a needle holds no "\n": each hit lies inside one line
        if ordered[next_hit] < end:
            holding.append(line)
            while next_hit < len(ordered) and ordered[next_hit] < end:
                next_hit += 1
            if next_hit == len(ordered):
                break
        start = end + 1
    return holding


def outlet_names_in_text(lines: Iterable[str]) -> list[str]:
    """The names a page calls itself by, most-voted first."""
    votes: Counter[str] = Counter()
    # Votes are cast line by line, pattern by pattern, as ties keep the order they were first cast in.
    for line in _lines_holding([line for line in lines if len(line) <= 400], _SELF_NAMING_NEEDLES):
        for needles, pattern in _SELF_NAMING:
            if not any(needle in line for needle in needles):
                continue
            for match in pattern.finditer(line):
                if (name := _clean_name(match.group(1))) is not None:
                    votes[name] += 1
    return [name for name, _ in votes.most_common()]


def outlet_from_text(lines: Iterable[str]) -> str | None:
    """The outlet a page names itself by most often; None when it never does."""
    names = outlet_names_in_text(lines)
    return names[0] if names else None


def credited_outlets(lines: Iterable[str], own_outlet: str | None = None) -> tuple[str, ...]:
    """Outlets the page credits ("Via TechCrunch", "first reported by The Record"), in order, no repeats."""
    found: list[str] = []
    own = (own_outlet or "").lower()
    lines = [line for line in lines if len(line) <= 2000]
    # Phrases are searched only on lines holding a literal every match needs (see `_lines_holding`).
    phrase_lines = set(_lines_holding(lines, _CREDIT_PHRASE_NEEDLES))
    for line in lines:
        candidates = []
        # "Via X" / "Source: X" fill a line of their own (`^`: the start of `line` or of a line in it)
        if len(line) <= 80 and (line[:1] in ("V", "v", "S", "s") or "\n" in line):
            candidates = [m.group(1) for m in _CREDIT_LINE.finditer(line)]
        if line in phrase_lines:
            candidates += [m.group(1) for m in _CREDIT_PHRASE.finditer(line)]
        for raw in candidates:
            if _PHOTO_AGENCIES.search(raw):
                continue
            name = _clean_name(raw)
            if name and name.lower() != own and name not in found and not own.startswith(name.lower()):
                found.append(name)
    return tuple(found)


def is_aggregator(name: str | None) -> bool:
    """Front-matter `source` values that name the collecting service rather than a publisher."""
    return bool(name) and bool(
        re.search(r"aggregat|digest|\bfeed\b|\brss\b|reader|curated", name or "", re.I)
    )
