"""Invented security-news text for the benchmark corpus (written for this project; no third-party text).

Paragraphs carry placeholders ({vendor}, {product}, {count}, {city}, {month}, {cve}, {group}, {person})
so that a small pool gives many different articles. No paragraph names any real vendor other than
through {vendor}: a generated article is about exactly the vendor it was generated for, which the
alert-latency benchmark relies on (one story, one subscribed channel).
"""

from __future__ import annotations

LEADS = (
    "{vendor} said on {weekday} that attackers had gained access to an internal support system and copied "
    "records belonging to about {count} customers, the latest in a run of intrusions at software suppliers.",
    "{vendor} has patched a critical flaw in {product} that researchers say was exploited for weeks before a "
    "fix was available, and urged administrators to upgrade at once.",
    "{vendor} is cutting roughly {count} jobs, about {percent} percent of its staff, as it closes its office in "
    "{city} and folds two product lines into one, the company told employees in a memo.",
    "{vendor} agreed to buy a smaller rival for an undisclosed sum, adding identity tooling to {product} and "
    "bringing about {count} engineers into its cloud division.",
    "A ransomware gang calling itself {group} claimed on its leak site that it had stolen data from {vendor}, "
    "posting screenshots of what it said were contracts, invoices and employee records.",
    "Regulators in {city} opened an inquiry into how {vendor} handled customer data after a former employee "
    "filed a complaint describing lax controls around backups of {product}.",
    "{vendor} warned customers that a misconfigured storage bucket had exposed log files from {product} for "
    "several months, and said it had found no sign that anyone outside the company downloaded them.",
    "{vendor} released an emergency update for {product} after a proof-of-concept exploit for {cve} was "
    "published on a code-sharing site, allowing unauthenticated attackers to run commands.",
)

BODY = (
    "The company said it detected unusual activity on {month} {day} and brought in an outside incident "
    "response firm. It has since rotated credentials, reset sessions and notified law enforcement.",
    "According to the advisory, the vulnerability tracked as {cve} affects versions released over the past "
    "two years. It carries a severity score of {score} out of 10 and requires no user interaction.",
    "{person}, a spokesperson for {vendor}, said: “We take the security of our customers extremely seriously "
    "and are contacting everyone who may have been affected.” The company declined to give more detail.",
    "Researchers who analysed the intrusion said the attackers used a stolen session token to move from a "
    "contractor's laptop into a ticketing system, where customers routinely upload diagnostic files.",
    "Security teams were told to review access logs for connections from unfamiliar addresses, to revoke API "
    "keys issued before {month} {day}, and to apply the vendor's mitigations until a full upgrade is possible.",
    "Shares of {vendor} fell about {percent} percent in early trading after the disclosure, as analysts "
    "questioned whether the incident would slow renewals among its larger enterprise customers.",
    "The group behind the attack has previously targeted hospitals, schools and local governments, and is "
    "known for publishing stolen files in instalments to pressure victims into paying.",
    "In a filing with securities regulators, {vendor} said it did not expect the incident to have a material "
    "effect on its finances, but added that its investigation was still at an early stage.",
    "Customers in {city} reported that {product} had been unavailable for several hours on {weekday}, though "
    "{vendor} said the outage was caused by its own containment measures rather than by the attackers.",
    "The flaw sits in the component that parses uploaded configuration files, where a crafted archive can "
    "write outside its intended folder and overwrite scripts that run with administrator rights.",
    "{vendor} said about {count} devices running {product} were still reachable from the internet without "
    "the patch, according to scans shared by an independent research group.",
    "Under data-protection rules the company has 72 hours to inform the regulator once it becomes aware of a "
    "breach involving personal data, and must tell affected people without undue delay.",
    "The memo, which was seen by reporters, said severance would include twelve weeks of pay and that "
    "affected staff in {city} would keep their health cover until the end of the year.",
    "Industry observers said the deal values the target at several times its annual recurring revenue, a "
    "premium that reflects demand for tools that manage machine identities across cloud providers.",
    "It is the second time this year that {vendor} has disclosed a security incident; in the spring it "
    "reset passwords for a subset of users after detecting a credential-stuffing campaign.",
    "{person}, who leads threat research at a consultancy in {city}, said the technique was unusual: “We "
    "rarely see attackers wait this long between gaining access and taking data.”",
    "The company published indicators of compromise, including file hashes, domains and the IP addresses "
    "of servers used to receive stolen data, and asked customers to search their own logs for them.",
    "A government cybersecurity agency added {cve} to its catalogue of exploited vulnerabilities and gave "
    "federal departments three weeks to patch or disconnect affected systems.",
)

BOILERPLATE_TOP = (
    "[Home](/) | [News](/news) | [Security](/security) | [Cloud](/cloud) | [Podcasts](/podcasts) | [Subscribe](/subscribe)",
    "Sign in · Register · Newsletters · Events",
)
BOILERPLATE_BOTTOM = (
    "**Sign up for our daily briefing.** The biggest security stories, every weekday morning. [Subscribe](/subscribe)",
    "## Most popular\n\n- [Ten questions to ask before you renew your firewall contract](/a1)\n- [What a zero-trust "
    "rollout really costs](/a2)\n- [The week in ransomware](/a3)",
    "© 2025 Example Media Group. All rights reserved. [Privacy](/privacy) · [Terms](/terms) · [Cookie settings](/cookies)",
)

TITLES = (
    "{vendor} confirms breach of customer support system",
    "{vendor} patches actively exploited flaw in {product}",
    "{vendor} to cut {count} jobs and close {city} office",
    "{vendor} buys identity start-up to bolster {product}",
    "Ransomware gang claims attack on {vendor}",
    "Regulator opens inquiry into {vendor} data handling",
    "{vendor} exposed {product} logs in misconfigured bucket",
    "{vendor} rushes out fix for {cve} after exploit goes public",
)

# A product is always "<vendor> <suffix>", so product names never name another catalog vendor.
PRODUCT_SUFFIXES = (
    "Gateway",
    "Cloud Console",
    "Endpoint Agent",
    "Secure Access",
    "Data Vault",
    "Identity Hub",
    "Mail Shield",
    "Edge Router",
    "Backup Server",
    "Analytics Suite",
)
CITIES = (
    "London",
    "Dublin",
    "Berlin",
    "Toronto",
    "Singapore",
    "Sydney",
    "Amsterdam",
    "Austin",
    "Lisbon",
    "Warsaw",
)
GROUPS = ("Black Lantern", "NightHarbor", "Copper Moth", "Silent Ledger", "Grey Tide")
FIRST_NAMES = ("Dana", "Priya", "Tomasz", "Aiko", "Marcus", "Lena", "Oluwaseun", "Ines", "Rafael", "Hannah")
SURNAME_SYLLABLES = (
    "ka",
    "lo",
    "ren",
    "vi",
    "sto",
    "mar",
    "tel",
    "qui",
    "dor",
    "an",
    "bre",
    "zu",
    "wen",
    "hol",
)
MONTHS = (
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
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
OUTLETS = (
    "The Record Desk",
    "Patchwork Weekly",
    "Breach Bulletin",
    "SecOps Daily",
    "Threat Ledger",
    "Cloud Wire",
    "Packet Review",
    "Incident Notes",
)
EVENT_TYPES = (
    "breach",
    "vulnerability",
    "layoffs",
    "acquisition",
    "attack",
    "legal",
    "breach",
    "vulnerability",
)
