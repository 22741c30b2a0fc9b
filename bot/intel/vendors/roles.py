"""What part a vendor plays where it is named: the role of one occurrence, from the words around it.

Roles (why a security team cares):
- affected: its product has the flaw, it was breached or attacked, it patched its own flaw;
- actor: it announced, acquired, launched, banned, took down something, or a sponsored post pitches
  its product ("start a free trial", "X provides organizations with");
- researcher: it did or published the research ("X researchers", "according to X", "X said in a
  report", a research brand such as Talos or Unit 42);
- abused: its service is what attackers use ("using Telegram to control", "on Google Play", a store);
- platform: malware for or on it, something runs on it ("Android malware", "targeting Windows");
- commentator: one of its people is quoted;
- incidental: lists, footers, "the next SolarWinds";
- named: none of the above cues (most occurrences in passing).

Each cue is a short regular expression over the sentence around the name: the words that decided
are kept as evidence, so `bot inspect --json` can show why. The cues are deliberately plain; how
much each role weighs for the article-level subject decision is fitted on labelled articles
(salience.py and bot/intel/data/vendor_weights.json), not tuned here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ROLES = ("affected", "actor", "abused", "researcher", "platform", "commentator", "incidental", "named")

_WINDOW = 90  # characters each side that a cue may look at (roughly a clause)

# Cues on the words right BEFORE the name (the pattern must end at the name).
_BEFORE: dict[str, re.Pattern[str]] = {
    "researcher": re.compile(
        r"(?:according to|researchers? (?:at|from|with|of)|analysts? (?:at|from)|report (?:by|from)|"
        r"(?:discovered|spotted|found|uncovered|observed|detected|identified|reported|published|"
        r"analy[sz]ed|shared|tracked|attributed|documented|flagged|revealed|disclosed) by|"
        r"analysis (?:by|from)|findings (?:by|from)|research (?:by|from)|"
        r"(?:cyber ?security|security|threat intelligence|antivirus|research) (?:researchers?|team)s?|"
        r"(?:firm|vendor|company)s? (?:like|such as))\s+(?:the\s+)?$",
        re.IGNORECASE,
    ),
    "incidental": re.compile(
        r"(?:the next|another|like|such as|including|follow us on)\s+(?:the\s+)?"
        r"(?:[\w.-]+(?: [\w.-]+)?, )*(?:[\w.-]+(?: [\w.-]+)? (?:and|or) )?$"
        r"|(?:^|\s)(?:[A-Z][\w.-]+, ){2,}(?:and |or )?$",
        re.IGNORECASE,
    ),
    "affected": re.compile(
        r"(?:flaws?|vulnerabilit(?:y|ies)|bugs?|zero-days?|0-days?|exploits?|breach(?:es)?|"
        r"hack(?:ing)?|attacks?|intrusions?|compromise|patch(?:es)?|fix(?:es)?|updates?|"
        r"issues?|weakness(?:es)?|holes?|outage|leak|lawsuit|fine|ban|sanctions?|"
        r"affecting|impacting|hitting|compromised|breached|hacked|targeted|sued|fined|against)"
        r"\s+(?:in|on|at|of|to|affecting|impacting|against|from)?\s*(?:the\s+|its\s+)?"
        r"(?:[\w.-]+\s+){0,2}$",
        re.IGNORECASE,
    ),
    "platform": re.compile(
        r"(?:targeting|targets|targeted at|infect(?:s|ed|ing)?|running|runs on|"
        r"posing as|impersonat(?:e|es|ed|ing)|disguised as|fake|rogue|compatible with|"
        # "AppLock for Android", "Etsy for iPhone": someone's product for that platform (a patch or
        # update "for X" is read as affected first)
        r"(?<![\w.-])[\w.-]+ for)"
        r"\s+(?:the\s+|both\s+)?$",
        re.IGNORECASE,
    ),
    "abused": re.compile(
        r"(?:using|uses|used|abus(?:e|es|ed|ing)|leverag(?:e|es|ed|ing)|exploit(?:s|ed|ing)|"
        r"hosted on|distributed (?:via|through|on)|spread(?:s|ing)? (?:via|through|on)|through|via|"
        r"found (?:on|in)|slipped into|sneaked into|uploaded to|published (?:on|to)|listed on|"
        r"removed from|pulled from|kicked out of)\s+(?:the\s+)?(?:official\s+)?$",
        re.IGNORECASE,
    ),
    # "for/on/via X" says platform only in a sentence about malware (else "a flaw on X" would be one)
    "platform_malware": re.compile(
        r"(?:for|on|via|through|using|uses|against)\s+(?:the\s+)?$", re.IGNORECASE
    ),
}

# Cues on the words right AFTER the name (the pattern must start at the name's end).
_AFTER: dict[str, re.Pattern[str]] = {
    "researcher": re.compile(
        r"^(?:'s?|’s?)?\s*(?:security |threat |malware )?(?:researchers?|research(?:ers)? team|"
        r"labs?|threat (?:intelligence|research|hunters?)|analysts?|experts?|telemetry|"
        r"said in an? (?:report|analysis|advisory|write-?up|blog)|"
        r"(?:\w+\s+){0,4}(?:report|analysis|write-?up|blog post|findings|researchers)\b|"
        r"(?:security )?(?:hacker|researcher|expert) (?:discloses|finds|reveals|releases|publishes|demonstrates)|"
        r"(?:,\s*which|,\s*who)?\s*(?:discovered|found|spotted|observed|uncovered|detected|dubbed|"
        r"identified|tracks|tracked|attributed|named|codenamed|noted|said it (?:observed|detected)|"
        r"uncovers|discovers|finds|spots|details|exposes|observes|detects|identifies|"
        r"(?:study|survey|paper) reveals|revealed|reveals|warns? (?:\w+ ){0,2}(?:about|of) (?:a |an |the )?new))",
        re.IGNORECASE,
    ),
    "affected": re.compile(
        r"^(?:'s?|’s?)?\s*(?:(?!(?:that|which|who|and|but|after|when|while|to)\b)[\w.-]+\s+){0,3}?(?:vulnerabilit|flaws?\b|bugs?\b|zero-day|0-day|"
        r"(?:has |have |had |quietly |silently )?(?:patched|fixed|addressed|resolved|mitigated)|"
        r"(?:released|rolled out|issued|shipped|pushed|published) (?:a |an )?(?:patch|fix|update|"
        r"security update|advisor)|security (?:update|patch|advisor)|patch(?:es)?\b|"
        r"(?:was|were|has been|had been|got) (?:hacked|breached|compromised|attacked|targeted|hit|sued|fined)|"
        r"suffered|confirmed|acknowledged|disclosed (?:a|the|that)|warned (?:users|customers)|"
        r"source code|data breach|breach|outage|shares)"
        # its own things are hit only when they are its own: "Microsoft's servers", not "Windows servers"
        r"|^(?:'s?|’s?)\s*(?:own\s+)?(?:[\w-]+\s+)?(?:servers|systems|network|customers|users|accounts|"
        r"database|employees|infrastructure|data)\b",
        re.IGNORECASE,
    ),
    "actor": re.compile(
        r"^(?:'s?|’s?)?\s*(?:(?:has|have|had|is|was|will|has now|also|today|on \w+)\s+)*"
        r"(?:announced|acquired|acquiring|acquire|bought|buy|launched|launch|unveiled|introduced|"
        r"rolled out|released|filed|sued|banned|bans|took down|taken down|removed|blocked|blocks|"
        r"agreed|plans|plan|settled|laid off|cuts|cut|shut down|disabled|revoked|kicked|pulled|"
        r"expanded|added|enabled|began|started|is (?:testing|rolling|adding|making|bringing))",
        re.IGNORECASE,
    ),
    "platform": re.compile(
        r"^(?:'s?|’s?)?\s*(?:[\w.-]+\s+)?(?:malware|trojans?|ransomware|backdoors?|botnets?|spyware|"
        r"stealers?|rats?\b|worms?|viruses|adware|keyloggers?|miners?|implants?|infections?|"
        r"variants?|payloads?|loaders?|droppers?|rootkits?|bootkits?|exploit kits?|"
        r"plugins?|plug-ins?|extensions?|themes?|add-ons?|addons?)",
        re.IGNORECASE,
    ),
}

_QUOTE = re.compile(r"[\"“”]")
_SAID = re.compile(
    r"\b(?:said|says|told|tells|added|noted|explained|commented|according to|calls|called|slams|criticizes|"
    r"criticises|blasts|accuses)\b",
    re.IGNORECASE,
)
_PERSON_TITLE = re.compile(
    r"\b(?:CEO|CTO|CISO|CSO|chief|director|head|manager|vice president|VP|founder|"
    r"principal|lead|senior|spokesperson|spokesman|spokeswoman|evangelist|officer|analyst|"
    r"researcher|engineer|strategist|advisor|adviser|president)\b",
    re.IGNORECASE,
)
_SPOKESPERSON_OF = re.compile(
    r"^(?:'s?|’s?)?\s*(?:co-?founder|founder|ceo|cto|ciso|cso|chief [\w ]{0,30}?officer|chief|president|"
    r"spokesperson|spokesman|spokeswoman|head of [\w ]{0,20}|vice president)\b",
    re.IGNORECASE,
)
_FOOTER = re.compile(
    r"(?:follow us on|found this article interesting|subscribe to|sign up for|newsletter|"
    r"related (?:articles?|stories|posts)|read more|also read)",
    re.IGNORECASE,
)
MALWARE_WORDS = re.compile(  # whole words: "Virus_Hima" is a hacker's handle, not a virus
    r"\b(?:malware|trojans?|ransomware|backdoors?|botnets?|spyware|stealers?|adware|keyloggers?|worms?|"
    r"virus(?:es)?|malicious (?:apps?|software|code)|miners?|infect\w*)\b",
    re.IGNORECASE,
)
_OWN_TROUBLE = re.compile(
    r"\b(?:its|their) (?:own )?(?:[\w-]+ ){0,2}(?:systems?|networks?|servers?|customers|users|products?|"
    r"software|code|source code|data|database|accounts?|employees|infrastructure|platform|service|"
    r"app|devices?|firmware|vulnerabilit\w+|flaws?|bugs?|breach|patch\w*|update)\b",
    re.IGNORECASE,
)
_COMPONENT = re.compile(
    r"^(?:'s?|’s?)?\s*(?:[\w.-]+\s+)?(?:plugins?|plug-ins?|extensions?|themes?|add-ons?|addons?)\b",
    re.IGNORECASE,
)
_DESCRIBED = re.compile(
    r"(?:cyber ?security|security|threat intelligence|antivirus|research|endpoint security)\s+"
    r"(?:firm|company|vendor|provider|outfit|specialist|giant|maker)s?\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_REPORTED = re.compile(
    r"^(?:'s?|’s?)?\s*(?:[\w-]+\s+){0,3}?(?:said|says|noted|found|observed|discovered|detected|reported|warned|"
    r"spotted|uncovered|wrote|explained|revealed|identified|attributed|published)\b",
    re.IGNORECASE,
)
# In a malware sentence, what it targets, infects or attacks is the ground it runs on, each item of a
# short list too ("targets Linux and Docker instances", "upgraded to attack macOS systems")
_TARGETED = re.compile(
    r"(?:targeting|targets|targeted at|infect(?:s|ed|ing)|attack(?:s|ing)?)\s+(?:the\s+|both\s+)?"
    r"(?:[\w.-]+(?:,| and| or) )?$",
    re.IGNORECASE,
)
_STORE = re.compile(r"\b(?:Play|Store|App Store|Web Store|Marketplace)\b")
# In the store ("on Google Play", "from the Chrome Web Store"), not beside it ("a Google Play clone",
# "stores like Google Play", "posing as Google Play")
_IN_STORE = re.compile(
    r"\b(?:on|in|into|onto|from|via|through)\s+(?:the\s+)?(?:official\s+)?$", re.IGNORECASE
)
_FLAWED = re.compile(
    r"\b(?:vulnerab\w*|flaws?|bugs?|zero-days?|affect(?:s|ed|ing)?|impact(?:s|ed|ing)?|breach(?:ed|es)?|"
    r"hacked|compromised|exposed|patch(?:ed|es)?)\b",
    re.IGNORECASE,
)
# A sponsored post's pitch: the vendor whose product the sentence sells is the post's business subject
_PROMO = re.compile(
    r"\b(?:free trial|\d+[- ]day trial|request a demo|book a demo|learn more about|start a free|"
    r"download (?:a |the )?free|sign up for a|(?:provides|offers|helps|lets|allows|enables) (?:you|your|"
    r"organi[sz]ations|companies|businesses|teams|admins|administrators|users to)\b)",
    re.IGNORECASE,
)
# "SolarWinds hackers", "the Twitter attackers": a campaign named after its first victim, not that victim
_NAMED_AFTER = re.compile(r"^\s+(?:supply[- ]chain\s+)?(?:hackers|attackers|threat actors)\b", re.IGNORECASE)
_NEXT = re.compile(r"\b(?:next|another|like)\b", re.IGNORECASE)
_SENTENCE_STOP = re.compile(r"[.!?]\s|\n")


@dataclass(frozen=True, slots=True)
class RoleCue:
    """Why one occurrence got its role: the role and the words (with their offsets) that decided."""

    role: str
    words: str
    start: int
    end: int


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence (or line) around [start, end), capped at a few hundred characters."""
    left = max(0, start - 400)
    cut = left
    for match in _SENTENCE_STOP.finditer(text, left, start):
        cut = match.end()
    stop = _SENTENCE_STOP.search(text, end, min(len(text), end + 400))
    return cut, stop.start() + 1 if stop else min(len(text), end + 400)


def occurrence_role(text: str, start: int, end: int, *, research_alias: bool = False) -> RoleCue:
    """The role of the vendor name at text[start:end], with the evidence.

    Priority follows how the labels read: a research brand or research phrasing beats everything (the
    firm that wrote the report is not the story), then quotes, footers and lists, then the affected
    and actor phrasings, then platform phrasings; otherwise the name is just named.
    """
    if research_alias:
        return RoleCue("researcher", text[start:end], start, end)
    s_start, s_end = sentence_bounds(text, start, end)
    before_from = max(s_start, start - _WINDOW)
    before = text[before_from:start]
    after = text[end : min(s_end, end + _WINDOW)]
    sentence = text[s_start:s_end]
    cue = _cue_before("researcher", before, before_from) or _cue_after("researcher", after, end)
    if cue:
        return cue
    named_after = _NAMED_AFTER.match(after)
    if named_after:
        return RoleCue("incidental", text[start : end + named_after.end()], start, end + named_after.end())
    if _FOOTER.search(sentence):
        found = _FOOTER.search(sentence)
        assert found is not None
        return RoleCue("incidental", found.group(0), s_start + found.start(), s_start + found.end())
    spokesman = _SPOKESPERSON_OF.match(after)
    if spokesman and _SAID.search(sentence):  # "Tenable CEO says ...", "X's chief scientist told"
        return _cue("commentator", spokesman, end) or RoleCue("commentator", text[start:end], start, end)
    if _QUOTE.search(sentence) and _SAID.search(sentence) and _PERSON_TITLE.search(sentence):
        title = _PERSON_TITLE.search(sentence)
        assert title is not None
        if _quoted_person_of_vendor(sentence, start - s_start, end - s_start):
            return RoleCue("commentator", title.group(0), s_start + title.start(), s_start + title.end())
    promo = _PROMO.search(sentence)
    if promo:
        return RoleCue("actor", promo.group(0), s_start + promo.start(), s_start + promo.end())
    own = _OWN_TROUBLE.search(sentence, end - s_start)
    if own and not text[s_start:start].strip(" \t\"“‘'*-–—"):  # "X said attackers reached its systems"
        return RoleCue("affected", own.group(0), s_start + own.start(), s_start + own.end())
    described = _DESCRIBED.search(before)
    cue = _cue("researcher", described, before_from) if _REPORTED.match(after) else None
    if cue:  # "cybersecurity firm X said": the firm as the source
        return cue
    component = _COMPONENT.match(after) or (MALWARE_WORDS.search(sentence) and _TARGETED.search(before))
    if component:  # "a WordPress plugin", "targeting Tomcat servers": someone else's code or the target
        at = (end if component.re is _COMPONENT else before_from) + component.start()
        words = component.group(0).strip()
        return RoleCue(
            "platform",
            words,
            at + component.group(0).find(words),
            at + component.group(0).find(words) + len(words),
        )
    if _STORE.search(text, start, end) and _IN_STORE.search(before):  # what is in a store is its problem
        return RoleCue("abused", text[start:end], start, end)
    cue = _cue_before("abused", before, before_from)
    if cue:
        return cue
    for role in ("affected", "actor"):
        cue = (_cue_before(role, before, before_from) if role in _BEFORE else None) or _cue_after(
            role, after, end
        )
        if cue:
            return cue
    cue = _cue_after("platform", after, end) or _cue_before("platform", before, before_from)
    if cue is None and MALWARE_WORDS.search(sentence):
        cue = _cue_before("platform_malware", before, before_from)
        cue = RoleCue("platform", cue.words, cue.start, cue.end) if cue else None
    if cue:
        return cue
    cue = _cue_before("incidental", before, before_from)
    if cue and _FLAWED.search(sentence) and not _NEXT.search(cue.words):
        # "flaws in products from several vendors, including F5 and Citrix": the list is of the affected
        return RoleCue("affected", cue.words, cue.start, cue.end)
    if cue:
        return cue
    return RoleCue("named", text[start:end], start, end)


def _quoted_person_of_vendor(sentence: str, start: int, end: int) -> bool:
    """ "..., said Jane Doe, CTO at X" / "X's chief ... said": the name sits by a person's title."""
    near = sentence[max(0, start - 60) : min(len(sentence), end + 40)]
    return bool(_PERSON_TITLE.search(near))


def _cue_before(role: str, before: str, offset: int) -> RoleCue | None:
    pattern = _BEFORE.get(role)
    found = pattern.search(before) if pattern else None
    return _cue(role, found, offset)


def _cue_after(role: str, after: str, offset: int) -> RoleCue | None:
    pattern = _AFTER.get(role)
    found = pattern.search(after) if pattern else None
    return _cue(role, found, offset)


def _cue(role: str, found: re.Match[str] | None, offset: int) -> RoleCue | None:
    """The cue with its words trimmed of spaces, offsets still exact."""
    if not found:
        return None
    words = found.group(0)
    stripped = words.strip()
    if not stripped:
        return None
    start = offset + found.start() + (len(words) - len(words.lstrip()))
    return RoleCue(role, stripped, start, start + len(stripped))
