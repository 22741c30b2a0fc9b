"""Throughput of the vendor matcher, for `bot bench` and for checking the >= 20 MB/s budget.

The text is made of invented security-news paragraphs (written for this project, no third-party text)
with many vendor names, curly quotes and dashes, and an invented surname per copy so that the typo
search meets a realistic stream of capitalised tokens it has never seen.
"""

from __future__ import annotations

import random
import time

from benchmarks.texts import SURNAME_SYLLABLES
from bot.intel.vendors.catalog import VendorCatalog
from bot.intel.vendors.matcher import VendorMatcher

SAMPLE_PARAGRAPHS = (
    "Threat actors have been exploiting a critical flaw in Ivanti Connect Secure appliances since early December, according to researchers at Mandiant, who said the intrusions targeted defence contractors and telecommunications providers across Europe and North America.",
    "The vulnerability, tracked as CVE-2025-0282, is a stack-based buffer overflow that lets an unauthenticated attacker run code on the gateway. Ivanti released patches on Wednesday and urged customers to run its integrity checker tool, adding that a “limited number of customers” had been affected.",
    "Separately, Microsoft’s monthly Patch Tuesday update fixed 71 vulnerabilities in Windows, Office and Exchange Server, including two zero-days that were exploited in the wild. The company credited researchers from Google’s Threat Analysis Group and Kaspersky for reporting one of them.",
    "“We are aware of the reports and are investigating,” a spokesperson for Fortinet told reporters — declining to say how many FortiGate devices were exposed to the internet when the proof-of-concept was published on GitHub last week.",
    "During the past year, ransomware crews have increasingly targeted managed file transfer software. After the mass exploitation of MOVEit Transfer in 2023, the Clop gang turned to Cleo’s Harmony and VLTrader products, stealing data from dozens of organisations before patches were available.",
    "Meanwhile, the identity provider Okta said a support-system breach exposed the names and email addresses of all customer support users. The company’s shares fell about 11 percent on the news, and analysts said customers would be watching how quickly it rotated credentials.",
    "Security teams should review their logs for unusual outbound connections, rotate any secrets that may have been stored on affected systems, and apply the vendor’s mitigations until a full upgrade can be scheduled. CISA added the flaw to its Known Exploited Vulnerabilities catalogue and gave federal agencies three weeks to patch.",
    "The report, which was shared with reporters ahead of publication, also describes a wave of phishing e-mails impersonating DocuSign and Dropbox notifications. Recipients who clicked were sent to credential-harvesting pages hosted on compromised WordPress sites and on free cloud services.",
    "In an interview, the chief information security officer of a regional bank said the team had moved most of its remote workers from a legacy VPN to a zero-trust access product over the summer, partly because of the steady stream of advisories affecting edge devices from several vendors.",
    "CrowdStrike said its Falcon sensor had detected the malicious loader on a handful of customer endpoints, while SentinelOne and Sophos published indicators of compromise, including file hashes, domains and the IP addresses of the command-and-control servers.",
    "Prices for stolen access on criminal forums have dropped, according to a study by researchers who tracked more than 3,000 listings. Initial access brokers advertised footholds in healthcare, manufacturing and local government networks, often naming the remote-access software in use.",
    "The researchers said the campaign did not appear to be related to an earlier operation attributed to a North Korean group, although both used similar infrastructure and a loader written in Rust. They did not name the victims, citing ongoing investigations and notification obligations.",
)

_SYLLABLES = (*SURNAME_SYLLABLES, "fis")  # the filler names of benchmarks/texts.py, one syllable more


def sample_text(text_bytes: int, seed: int = 7) -> str:
    """At least `text_bytes` UTF-8 bytes of sample paragraphs, shuffled, each copy quoting a new person."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < text_bytes:
        surname = "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize()
        paragraph = rng.choice(SAMPLE_PARAGRAPHS)
        chunk = f"{paragraph} “It is a serious issue,” said analyst Dana {surname}.\n\n"
        parts.append(chunk)
        size += len(chunk.encode("utf-8"))
    return "".join(parts)


def measure_matching_speed(
    text_bytes: int = 5_000_000, catalog: VendorCatalog | None = None, *, repeat: int = 3
) -> float:
    """MB/s (10**6 bytes of UTF-8 per second) of `VendorMatcher.find` over `text_bytes` of sample text.

    The catalog is the full built-in one unless given; building the matcher is not timed. The best of
    `repeat` runs is reported, as timeit does: on a shared machine the slower runs measure the neighbours.
    """
    matcher = VendorMatcher(catalog or VendorCatalog.load())
    matcher.find(SAMPLE_PARAGRAPHS[0])  # load the word list before the clock starts
    text = sample_text(text_bytes)
    best = float("inf")
    for _ in range(max(repeat, 1)):
        started = time.perf_counter()
        matcher.find(text)
        best = min(best, time.perf_counter() - started)
    return len(text.encode("utf-8")) / 1e6 / best
