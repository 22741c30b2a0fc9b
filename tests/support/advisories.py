"""A security advisory of our own writing (never third-party text) and its facts, shared by the fact
extraction and fact rendering tests."""

from __future__ import annotations

from datetime import date

from bot.intel.facts import ArticleFact, extract_facts
from bot.intel.facts.kev import load_catalog
from bot.intel.sentences import article_sentences

FEB_9_2024 = date(2024, 2, 9)

FORTIOS = (
    "Fortinet has warned customers about a critical security hole in FortiOS SSL VPN that attackers are "
    "already abusing.\n\n"
    "Tracked as CVE-2024-21762 (CVSS score: 9.6), the out-of-bounds write vulnerability in FortiOS lets a "
    "remote attacker with no credentials run code through crafted HTTP requests.\n\n"
    "The company said the flaw is potentially being exploited in the wild, without naming who is behind it.\n\n"
    "FortiOS 7.4.0 through 7.4.2 is affected; customers should upgrade to 7.4.3 or above, 7.2.7 or 7.0.14.\n\n"
    "As a workaround, administrators who cannot patch right away are advised to disable SSL VPN on the device.\n\n"
    "CISA added the bug to its Known Exploited Vulnerabilities (KEV) catalog, giving federal agencies until "
    "February 16 to apply the fixes."
)


def facts_of(body: str, published: date = FEB_9_2024) -> list[ArticleFact]:
    return extract_facts(
        body, article_sentences(body), published=published, vendors=("Fortinet",), kev=load_catalog()
    )
