"""The cue words of each event type (bot/intel/events.py weighs them by where they stand).

Kept apart from the weighing so the lists can grow without the decision logic passing the module
size limit. Each cue is a regular expression matched case-insensitively on word boundaries.
"""

from __future__ import annotations

import re

from bot.intel.prefilter import prefiltered
from bot.models import EventType

# Earlier types win ties: a breach that came from an attack is reported as a breach.
CUES: dict[EventType, tuple[str, ...]] = {
    EventType.BREACH: (
        r"data breach",
        r"breach(?:ed|es)?",
        r"stole",
        r"stolen (?:\w+ )?(?:data|files|records|information|credentials)",
        r"data (?:was |were )?(?:stolen|exposed|leaked)",
        r"exfiltrat\w+",
        r"unauthori[sz]ed access",
        r"leaked",
        r"expos(?:ed|es|ing) (?:\w+ ){0,3}(?:data|records|databases?|information|details|credentials|passwords)",
        r"data (?:dump|dumped)",
        r"data (?:\w+ ){0,6}(?:have|has|had) been (?:compromised|accessed|stolen|exposed|leaked)",
        r"steal(?:s|ing)? (?:\w+ ){0,3}(?:data|information|records|credentials|passwords|card)",
        r"accounts? (?:were |was |have been |had been )?(?:hacked|accessed|compromised|breached|stolen|hijacked)",
        r"(?:selling|sells|sold|for sale)(?: \w+){0,4} (?:passwords|credentials|records|accounts|data)",
        r"(?:passwords|credentials|records) (?:\w+ )?(?:for sale|leaked|stolen|dumped|hacked|compromised)",
        r"(?:left|found|sitting|lying) (?:\w+ )?(?:exposed|unprotected|open)",
        r"(?:unprotected|unsecured|misconfigured|open) (?:\w+ )?(?:databases?|servers?|buckets?|Elasticsearch)",
        r"dumped",
        r"publicly (?:accessible|available|exposed|readable)",
        r"(?:found|left|exposed|stored|sitting) on (?:a |an )?(?:public|open|unprotected|unsecured)",
        r"(?:accidentally|mistakenly|inadvertently|unintentionally) (?:\w+ )?(?:shared|exposed|leaked|sent|published|made public)",
        r"compromised",
        # "Users' Account Information Exposed", "Database Hacked", "gained access to members' account details"
        r"(?:data|information|details|records|credentials|passwords|e-?mails|accounts?) (?:were |was |have been |has been )?"
        r"(?:exposed|leaked|stolen|dumped)",
        r"databases? (?:was |were |has been |have been )?(?:hacked|breached)",
        r"(?:gained|gain|obtained) (?:unauthori[sz]ed )?access to (?:[\w']+ ){0,3}(?:data|details|information|records|databases?|e-?mails?)",
    ),
    EventType.VULNERABILITY: (
        r"vulnerabilit(?:y|ies)",
        r"vulnerable",
        r"hard[- ]?coded (?:\w+ )?(?:credentials|passwords?|accounts?|keys?)",
        r"(?:secret|hidden|undocumented) (?:admin(?:istrator)? )?(?:accounts?|passwords?|backdoor)",
        r"CVE-\d{4}-\d{4,}",
        r"zero-day",
        r"flaws?",
        r"security (?:update|patch|advisory)",
        r"patch(?:ed|es)?",
        r"exploit(?:ed|s|ing)?(?!\s+kits?\b)",  # an exploit kit is attack tooling
        r"bug",
        r"(?:can|could|will) crash",  # "13 characters can crash your browser": a flaw, not an outage that happened
        r"at risk",
        r"(?:stored|stores|storing|saved|kept) (?:\w+ ){0,3}in (?:plain|clear) ?text",
        r"plain-?text passwords?",
    ),
    EventType.ATTACK: (
        r"ransomware",
        r"cyber-?attacks?",
        r"attack(?:ed|s)?",
        r"hack(?:s|ed|ing|ers?)?",
        r"DDoS(?:ed|ing)?",
        r"malware",
        r"trojans?",
        r"backdoors?",
        r"botnets?",
        r"spyware",
        r"adware",
        r"(?:info)?stealers?",
        r"phishing",
        r"scams?",
        r"(?:fake|rogue) (?:antivirus|anti-virus|AV|security|apps?|updates?)",
        r"extortion",
        r"keyloggers?",
        r"exploit kits?",
        r"malvertising",
        r"trojani[sz]ed",
        r"backdoored",
        r"worms?",
        r"(?:cyber-?)?espionage",
        # what a victim calls an attack before it says more: "a cybersecurity issue", "a cyber incident"
        r"cyber-?security (?:issue|incident)s?",
        r"cyber[- ]?incidents?",
        r"cyber ?war(?:fare)?",
        r"(?:password|credential|data|info(?:rmation)?|card|cookie|crypto)[- ]steal(?:ing|ers?)",
        r"malicious (?:[\w-]+ ){0,2}(?:apps?|applications?|extensions?|add-?ons?|packages?|librar(?:y|ies)|installers?"
        r"|ads?|code|files?|software|programs?|versions?|updates?|ad ?blockers?|plugins?|websites?|documents?|emails?)",
    ),
    EventType.OUTAGE: (
        r"outages?",
        r"(?:faulty|buggy|bad|botched|defective|flawed) (?:\w+ )?(?:update|patch|release)",
        # a crash of computers, not of a plane or a car
        r"(?:systems?|computers?|machines?|PCs?|servers?|devices?|apps?|services?|Windows|hosts?|endpoints?|browsers?)"
        r" (?:to )?crash(?:ed|es|ing)?",
        r"crash(?:ed|es|ing)? (?:\w+ ){0,2}(?:systems?|computers?|machines?|PCs?|servers?|devices?|Windows|hosts?|endpoints?)",
        r"blue screens?(?: of death)?",
        r"BSODs?",
        r"boot ?loops?",
        r"(?:service|services|website|site|platform|network) (?:was |were |is |went )?(?:down|offline|unavailable)",
        r"went (?:down|offline)",
        r"(?:shut(?:s|ting)? down|shutdown of) (?:(?:its|the|their|some|many|all|of) )*(?:[\w-]+ ){0,2}"
        r"(?:systems?|websites?|web ?sites|servers?|networks?|services?)",
        r"service disruptions?",
    ),
    EventType.LAYOFFS: (
        r"lay(?:ing|s)? off",
        r"laid off",
        r"layoffs?",
        r"job cuts",
        r"cut(?:ting|s)? (?:\d+ )?jobs",
        r"redundanc(?:y|ies)",
        # for good, not for a few days after an attack ("forced to close operations for several days")
        r"clos(?:e|es|ed|ing)(?: down)? (?:its |the |an? )?(?:\w+ )?(?:office|offices|operations|business|site)"
        r"(?! (?:temporarily|for (?:a |an )?(?:\w+ ){0,2}(?:hours?|days?|weeks?)))",
        # a workplace or a business, not an app, a system, a machine or a network taken offline (an outage),
        # and not a thing shut down by an attack ("port shut down by ransomware")
        r"shut(?:ting|s)? down(?! by\b)(?! (?:(?:its|the|their|an?|many|some|all|of) )*(?:temporarily )?(?:[\w-]+ ){0,3}"
        r"(?:apps?|applications?|systems?|services?|websites?|sites?|portals?|servers?|networks?|gateways?|infrastructure"
        r"|botnets?|domains?|machines?|ATMs?|computers?|devices?|terminals?))",
        r"shutter(?:s|ed|ing)?",
        r"wind[- ]?down",
        r"restructuring",
    ),
    EventType.ACQUISITION: (
        r"acquir(?:e|es|ed|ing)",
        r"acquisition",
        r"to buy",
        r"buys",
        r"merger",
        r"funding",
        r"raise[sd]? \$",
        r"series [a-f]",
        r"valuation",
        r"investment",
    ),
    EventType.LEGAL: (
        r"bann(?:ed|ing)",
        r"bans?",
        r"lawsuit",
        r"su(?:ed|es|ing)",
        r"fined?",
        r"regulat(?:or|ors|ory|ion)",
        r"court",
        r"settlement",
        r"indict(?:ed|ment)",
        r"charg(?:e|es|ed|ing) (?:[\w&]+ ){0,5}(?:officials?|suspects?|individuals|hackers|men|members|nationals|spies|officers|operators)",
        r"executive order",
        r"sign(?:s|ed)? (?:\w+ ){0,3}(?:law|bill|legislation)",
        r"prosecut(?:ors?|ion|ed)",
        r"arrest(?:ed|s)?",
        r"extradit\w+",
        r"sanction(?:s|ed)?",
        # a regulator's rule: "new SEC rules require", "a rule adopted by the Securities and Exchange Commission"
        r"(?:new|adopt(?:s|ed)?|approv(?:es|ed)|final) (?:[\w.]+ )?rules?",
        r"rules? (?:adopted|approved|finali[sz]ed) by",
        r"Securities and Exchange Commission",
        r"antitrust",
        r"GDPR",
        r"probe",
        # law enforcement taking a botnet or a market down
        r"(?:take|takes|took|taken|taking) down (?:[\w-]+ ){0,3}(?:botnet|network|service|marketplace|market|forum|site)s?",
        r"takedown",
        r"dismantl(?:e|es|ed|ing)",
    ),
    EventType.PRODUCT: (
        r"launch(?:es|ed)?",
        r"unveil(?:s|ed)?",
        r"introduc(?:es|ed)",
        r"now available",
        r"generally available",
        r"new (?:feature|product|version|release)",
        r"releases?",
        # "Open Source Web App Vulnerability Scanning Tool", "Anti-Malware Tool": a defender's tool
        r"(?:anti-?\w+|security|scanning|testing|open[- ]source|free|forensics?|pen-?testing|detection|removal|decryption)"
        r" (?:[\w-]+ ){0,2}(?:tool|scanner|toolkit|utility|framework|decryptor)s?",
    ),
}


# Advertorials, webinars, opinion and how-to pieces: typed `other` and not alerted by default.
PROMO_TITLE = prefiltered(
    r"^\s*download\b|\bdownload\s*!*\s*$|\beverything\s+you\s+need\s+to\s+know\b|\bsurvey\s+results\b|\bwebinar\b|(?<!state[- ])(?<!nation[- ])\bsponsored\b|^\s*how\s+to\b|^\s*using\s+.{3,80}?\s+to\s+(?:prevent|protect|stop|secure|improve|detect|defend)\b|\bhow\s+to\s+(?:protect|secure|choose|build|prevent|stop|get)\b"
    r"|\b(?:\d+|top|three|four|five|six|seven|eight|nine|ten)\s+(?:[\w-]+\s+){0,2}?(?:tips|ways|steps|reasons|best\s+practices|mistakes|questions)\b|\bbest\s+practices\b"
    r"|\bchecklist\b|\b(?:e-?book|whitepaper|guide)\b|\bwhy\s+(?:you|your|every|organizations|companies)\b"
    r"|\bopinion\b|\bop-ed\b|\bexpert\s+insights?\b|\bimportance\s+of\b|\binterview\b"
    r"|\bawards?\b|\bbest\s+of\s+(?:the\s+)?year\b|\byear\s+in\s+review\b|\b(?:weekly|monthly)\s+(?:recap|roundup)\b",
    re.IGNORECASE,
)
PROMO_BODY = re.compile(
    r"\bthis\s+(?:article|post)\s+is\s+(?:sponsored|contributed|written\s+by)\b|\bsponsored\s+(?:content|post)\b"
    r"|\bpartner\s+content\b|\b(?:register|sign\s+up)\s+(?:now|here|today|for\s+(?:the|this|our)\s+(?:free\s+)?webinar)"
    r"|\bsave\s+your\s+(?:seat|spot)\b|\breserve\s+your\s+(?:seat|spot)\b|\bjoin\s+(?:us|our|the)\s+(?:free\s+|live\s+)?webinar"
    r"|\bfree\s+(?:\d+-day\s+)?trial\b|\b(?:request|watch|schedule|book)\s+(?:a\s+)?(?:live\s+)?demo\b|\bwatch\s+the\s+webinar\b"
    r"|\btest\s+drive\b|\bdownload\s+(?:the|our|a)\s+(?:free\s+)?(?:e-?book|guide|report|whitepaper)",
    re.IGNORECASE,
)


# An attack happened to someone: the title or lead says so with a verb ("infected", "targeted",
# "stole", "a new ransomware strain") or the facts name an actor, a family, victims, a ransom. Without
# either, attack words belong to an explainer or a policy piece ("Israel preparing Cyber Iron Dome",
# "Holiday deals can be hiding hacker surprises"): measured on 500 read stories, 9 of 11 such were not
# attacks.
ATTACK_HAPPENED = prefiltered(
    r"\b(?:attacked|hit|hits|infect\w*|target(?:ed|s|ing)|compromis\w+|hacked|hijack\w*|stole|steal\w*"
    r"|spread\w*|campaigns?|discover\w*|uncover\w*|spotted|found|caught|distribut\w+|deliver\w*|deploy\w*"
    r"|breach\w*|leak\w*|defac\w+|took\s+down|knock\w*|disrupt\w*|claim\w*|launch\w*|exploit\w*|abus\w+"
    r"|lur\w+|trick\w*|posing|disguis\w+|masquerad\w+|victims?|affected|impacted|infiltrat\w+|encrypted|wiped"
    r"|crippl\w+|suffer\w*|struck|extort\w*|inject\w*|install\w*|sent|sending|emails?|messages?|spam\w*|outbreak|DDoSed"
    # a feed lede names the attack as the cause of what happened: "takes systems offline following a
    # cyberattack", "password resets after cyberattack", or only its effect ("port shut down by ransomware")
    r"|offline|shut\w*\s+down|forced\s+to|halt\w*|suspend\w*|(?:following|after|due\s+to|because\s+of|caused\s+by|amid|in\s+the\s+wake\s+of)\s+(?:a\s+|an\s+|the\s+)?"
    r"(?:[\w-]+\s+){0,2}(?:cyber-?\s?attacks?|attacks?|ransomware|hacks?|intrusions?|(?:security|cyber)\s+incidents?)"
    r"|new\s+(?:\w+\s+)?(?:malware|ransomware|trojan|botnet|variant|strain|backdoor|worm))\b",
    re.I,
)
