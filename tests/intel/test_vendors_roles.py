"""Roles of vendor occurrences, research brands, product names and the no-typo rules (own wording)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.inspection import inspect_file
from bot.intel.vendors import VendorCatalog, VendorMatcher
from bot.intel.vendors.roles import occurrence_role
from bot.models import Salience

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vendor_roles"


@pytest.fixture(scope="module")
def matcher() -> VendorMatcher:
    return VendorMatcher.of(VendorCatalog.load())


def _role(text: str, name: str) -> str:
    start = text.index(name)
    return occurrence_role(text, start, start + len(name)).role


@pytest.mark.parametrize(
    ("text", "name", "role"),
    [
        ("The campaign was spotted by researchers at Sophos last month.", "Sophos", "researcher"),
        ("Sophos researchers said the loader was new.", "Sophos", "researcher"),
        ("The dropper targets Windows machines in banks.", "Windows", "platform"),
        ("A new Android banking trojan was found.", "Android", "platform"),
        ("Ivanti patched the flaw on Tuesday.", "Ivanti", "affected"),
        ("The bug in Ivanti Connect Secure lets attackers in.", "Ivanti", "affected"),
        ("Okta said attackers reached its support system.", "Okta", "affected"),
        ("Cisco announced it would buy the startup.", "Cisco", "actor"),
        ("Nobody wants to become the next SolarWinds, she said.", "SolarWinds", "incidental"),
        ("Found this article interesting? Follow us on Twitter for more.", "Twitter", "incidental"),
        ("The weather was mild and Zscaler was mentioned.", "Zscaler", "named"),
        ("The gang used Telegram to control the bots.", "Telegram", "abused"),
        ("Forty malicious apps were found on Google Play this week.", "Google Play", "abused"),
        ("The flaw is in a WordPress plugin with 90,000 installs.", "WordPress", "platform"),
        ("Cybersecurity firm Sophos said the loader was new.", "Sophos", "researcher"),
        ("Cisco is buying cybersecurity company Splunk for $28 billion.", "Splunk", "named"),
        ("Tenable CEO says the vendor was slow to fix the flaw", "Tenable", "commentator"),
        ("The flaw affects gear from several vendors, including F5 and Citrix.", "Citrix", "affected"),
        (
            "Analysts compared the launch with products such as Zscaler Private Access.",
            "Zscaler",
            "incidental",
        ),
        ("State-Sponsored Hackers Suspected in JumpCloud Breach", "JumpCloud", "affected"),
        ("SolarWinds Hackers Target Think Tanks With a New Backdoor", "SolarWinds", "incidental"),
        ("Flaw in the Notely app for Android leaks saved notes", "Android", "platform"),
        ("A wormable ransomware strain now targets Linux and Docker hosts", "Docker", "platform"),
        ("The stealer was reworked to attack macOS machines as well", "macOS", "platform"),
        ("Attackers hacked the Okta support system last week", "Okta", "affected"),
        ("Google releases a security update for Android", "Android", "affected"),
        ("Learn more about Zscaler Private Access and start a free trial today.", "Zscaler", "actor"),
        ("Rapid7 provides organizations with a unified view of their exposure.", "Rapid7", "actor"),
        ("The trojan shows an icon much like that of Google Play to fool users.", "Google Play", "named"),
    ],
)
def test_occurrence_role_from_the_words_around_it(text: str, name: str, role: str) -> None:
    assert _role(text, name) == role


def test_research_brands_map_to_their_firm_as_researcher(matcher: VendorMatcher) -> None:
    body = (
        "The espionage campaign hit ministries in three countries, Cisco Talos said. "
        "Unit 42 linked the servers to an earlier operation, and X-Force shared further indicators."
    )
    found = {m.vendor: m for m in matcher.match("Espionage campaign hits ministries", body)}
    assert {"Cisco", "Palo Alto Networks", "IBM"} <= found.keys()
    for vendor in ("Cisco", "Palo Alto Networks", "IBM"):
        assert found[vendor].role == "researcher"
        assert found[vendor].salience is Salience.MENTION


@pytest.mark.parametrize(
    ("product", "vendor"),
    [
        ("Xfinity", "Comcast"),
        ("ChatGPT", "OpenAI"),
        ("FortiGate", "Fortinet"),
        ("Gmail", "Google"),
        ("Outlook", "Microsoft"),
        ("NoxPlayer", "BigNox"),
        ("3CXDesktopApp", "3CX"),
        ("WinRAR", "RARLAB"),
    ],
)
def test_products_and_brands_map_to_their_vendor(matcher: VendorMatcher, product: str, vendor: str) -> None:
    hits = matcher.find(f"Attackers abused a weakness in {product} last week.")
    assert [hit.vendor for hit in hits] == [vendor]


def test_no_typo_matching_for_product_names(matcher: VendorMatcher) -> None:
    # Two edits from Nord Security's NordLayer: only an exact product name counts.
    assert matcher.find("The Noxlayer emulator update carried a backdoor.") == []
    assert [h.vendor for h in matcher.find("Staff said the office of Kasperksy in London closed.")] == [
        "Kaspersky"
    ]


def test_camel_case_product_names_keep_their_case(matcher: VendorMatcher) -> None:
    # Apple's iOS is spelled "iOS"; "IOS" in capitals is Cisco's router software.
    assert [h.vendor for h in matcher.find("Cisco warns of a zero-day in IOS Software.")] == ["Cisco"]
    assert [h.vendor for h in matcher.find("Apple shipped iOS 18.2 with fixes.")] == ["Apple", "Apple"]


def test_inspect_json_explains_each_vendor_with_role_and_evidence(matcher: VendorMatcher) -> None:
    record = inspect_file(FIXTURES / "researcher_only.md", matcher, max_bytes=1_000_000)
    assert record["error"] is None and record["subjects"] == []
    assert record["mentions"] == ["Check Point"]
    detail = record["vendors"][0]
    assert detail["name"] == "Check Point" and detail["role"] == "researcher"
    assert detail["salience"] == "mention"
    body = record["body"]
    for evidence in detail["evidence"]:
        assert body[evidence["start"] : evidence["end"]] == evidence["words"]
    json.dumps(record)  # the record stays plain JSON


@pytest.mark.parametrize(
    ("name", "subjects"),
    [
        ("researcher_only.md", []),
        ("platform_only.md", []),
        ("advertorial.md", []),
        ("control_subject.md", ["Zyxel"]),
    ],
)
def test_bystanders_are_not_subjects(matcher: VendorMatcher, name: str, subjects: list[str]) -> None:
    record = inspect_file(FIXTURES / name, matcher, max_bytes=1_000_000)
    assert record["subjects"] == subjects
    assert record["vendors"], "each fixture names a vendor"


def test_kev_growth_adds_vendors_and_products_without_moving_curated_names() -> None:
    grown, curated = VendorCatalog.load(), VendorCatalog.load(grown=False)
    assert len(grown) > len(curated)
    for vendor in curated.vendors:
        for alias in (vendor.name, *vendor.aliases):
            found = grown.lookup(alias, typos=False)
            assert found is not None and found.name == vendor.name, alias
    found = grown.lookup("Ghostscript", typos=False)
    assert found is not None and found.name == "Artifex"
    assert curated.lookup("Ghostscript", typos=False) is None


def test_title_lists_and_qualifiers_are_told_apart(matcher: VendorMatcher) -> None:
    """Vendors listed together in a headline share it; a platform that only qualifies another vendor's
    product ("Windows users ... Java flaw") is outshared by the vendor the body is about."""
    body = (
        "Researchers found the same internal address leak on the sites of Google, PayPal and Facebook. "
        "Google fixed its pages within a day; PayPal and Facebook followed."
    )
    listed = {
        e.vendor: e.evidence
        for e in matcher.evidence("Google, PayPal, Facebook leak internal addresses", body)
    }
    assert listed["PayPal"].title_listed and listed["Meta"].title_listed and listed["Google"].title_listed
    assert not listed["PayPal"].title_outshared
    body = (
        "A new Java flaw lets a rigged page run code. Oracle said the Java fix ships next week, and Java "
        "users should disable the plugin until Oracle releases it."
    )
    found = {
        e.vendor: e.evidence for e in matcher.evidence("Millions of Windows users exposed by Java flaw", body)
    }
    assert found["Microsoft"].title_outshared and not found["Microsoft"].title_listed
    assert not found["Oracle"].title_outshared


def test_malware_words_are_whole_words(matcher: VendorMatcher) -> None:
    """A handle such as "Virus_Hima" does not make the headline a malware story."""
    found = {
        e.vendor: e.evidence
        for e in matcher.evidence("Yahoo data leak by Virus_Hima", "Yahoo confirmed the leak.")
    }
    assert not found["Yahoo"].malware_title
    found = {
        e.vendor: e.evidence
        for e in matcher.evidence("New Android trojans steal codes", "The trojans hit Android.")
    }
    assert found["Google"].malware_title
