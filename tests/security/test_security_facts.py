"""Typed security facts on stories written for these tests (shapes of real coverage, own words)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.intel.facts import merge_facts
from bot.intel.facts.cve import find_cves, score_vector
from bot.intel.facts.incident import exploitation_status
from bot.intel.facts.kev import KevCatalog, KevError, load_catalog, trim_feed
from bot.intel.facts.threats import find_threats
from bot.models import KeyFact
from tests.support.advisories import FORTIOS, facts_of


# A FortiOS CVE-2024-21762-shaped story, in our own words.
def by_kind(facts: list[KeyFact]) -> dict[str, list[KeyFact]]:
    out: dict[str, list[KeyFact]] = {}
    for fact in facts:
        out.setdefault(fact.kind, []).append(fact)
    return out


def test_the_fortios_story_yields_its_security_facts_each_cited() -> None:
    merged = merge_facts([facts_of(FORTIOS)], ["Example News"])
    kinds = by_kind(list(merged))
    (cve,) = kinds["cve"]
    assert cve.data["id"] == "CVE-2024-21762"
    assert cve.data["cvss"]["score"] == 9.6
    assert cve.data["weakness"] == "out-of-bounds write"
    assert cve.data["product"] == "FortiOS"
    assert cve.data["kev"]["date_added"] == "2024-02-09"  # from the shipped CISA snapshot
    assert "CVE-2024-21762" in cve.text and "9.6" in cve.text
    (exploited,) = kinds["exploitation"]
    assert exploited.data["status"] == "in_the_wild" and exploited.data["cves"] == ["CVE-2024-21762"]
    fixed = kinds["fixed"][0]
    assert fixed.data["versions"] == ["7.4.3", "7.2.7", "7.0.14"] and fixed.data["product"] == "FortiOS"
    affected = kinds["affected"][0]
    assert affected.data["ranges"] == ["7.4.0 through 7.4.2"]
    (kev,) = kinds["kev"]
    assert kev.data["id"] == "CVE-2024-21762" and kev.data["due_date"] == "2024-02-16"
    assert kinds["workaround"][0].text.startswith("As a workaround")
    for fact in merged:
        assert fact.sources == (0,)
        assert fact.sentence and fact.sentence in FORTIOS.replace("\n\n", " "), fact


def test_two_outlets_that_disagree_on_the_score_are_shown_side_by_side() -> None:
    other = FORTIOS.replace("CVSS score: 9.6", "CVSS score: 9.8")
    merged = merge_facts([facts_of(FORTIOS), facts_of(other)], ["Fortinet PSIRT", "NVD"])
    (cve,) = [f for f in merged if f.kind == "cve"]
    assert cve.sources == (0, 1)
    assert cve.data["cvss_variants"] == [
        {"score": 9.6, "version": None, "vector": None, "severity": None, "sources": [0]},
        {"score": 9.8, "version": None, "vector": None, "severity": None, "sources": [1]},
    ]
    assert "9.6 per Fortinet PSIRT" in cve.text and "9.8 per NVD" in cve.text
    fixed = [f for f in merged if f.kind == "fixed"]
    assert fixed[0].sources == (0, 1)


def test_a_score_in_the_next_sentence_rates_the_cve_the_text_is_about() -> None:
    body = (
        "Cisco has fixed CVE-2021-1388 in its API Services Infrastructure.\n\n"
        "The flaw ranks 10 out of 10 on the CVSS scoring system and lets attackers bypass authentication."
    )
    (cve,) = [f for f in facts_of(body) if f.kind == "cve"]
    assert cve.data["id"] == "CVE-2021-1388" and cve.data["cvss"]["score"] == 10.0


@pytest.mark.parametrize(
    ("sentence", "scores"),
    [
        ("Flaws CVE-2021-27500 and CVE-2021-27498 (CVSS scores: 7.5) crash the stack.", [7.5, 7.5]),
        ("The bug (CVE-2021-21973, CVSS score 5.3) is a server-side request forgery.", [5.3]),
        ("It is rated 8.8 out of 10 on the CVSS scale (CVE-2020-0001).", [8.8]),
        ("Nine out of 10 phones run an old release, says CVE-2020-0002's finder.", [None]),
        ("CVE-2024-1111 (CVSSv3: 9.8) lets attackers run code.", [9.8]),
        ("CVE-2024-1111 - CVSS 9.8 - remote code execution in the web interface.", [9.8]),
        ("The first, CVE-2024-1111, has a base score of 9.8; the second, CVE-2024-2222, is milder.", [9.8, None]),
        # scores listed in the ids' order, never the last one given to both
        ("CVE-2024-1111 and CVE-2024-2222 are rated 9.8 and 7.5 on the CVSS scale respectively.", [9.8, 7.5]),
        ("CVE-2024-1111 and CVE-2024-2222 are rated 7.5 on the CVSS scale in versions 2.1 and 3.4 respectively.", [None, None]),
        # the scoring system's version is no score
        ("The flaw, CVE-2024-1111, was scored using CVSS 3.1 and rated 9.8 out of 10.", [9.8]),
        ("CVE-2024-1111 has a CVSS 3.1 score of 7.2.", [7.2]),
    ],
)
def test_cvss_shapes(sentence: str, scores: list[float | None]) -> None:
    found = find_cves(sentence)
    assert [m.cvss.score if m.cvss else None for m in found] == scores


def test_a_vector_is_scored_by_the_cvss_package() -> None:
    cvss = score_vector("Vector: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    assert cvss is not None and cvss.score == 9.8 and cvss.severity == "Critical" and cvss.version == "3.1"


def test_actor_malware_victims_data_ransom_money_layoffs_and_dates() -> None:
    body = (
        "Hackers from the Lazarus Group used a backdoor called Anchor against Contoso Bank in March 2024.\n\n"
        "The LockBit ransomware gang encrypted systems at more than 2,000 organizations that were affected.\n\n"
        "The attackers stole 1.2 million records containing names, email addresses and passwords.\n\n"
        "They demanded a ransom of $4.5 million, which the bank refused to pay.\n\n"
        "Regulators fined the bank $2 million over the breach.\n\n"
        "Contoso Bank said it is laying off 300 employees as it closes its Oslo office."
    )
    facts = merge_facts([facts_of(body, date(2024, 5, 1))])
    kinds = by_kind(list(facts))
    assert kinds["actor"][0].data["name"] == "Lazarus Group" and kinds["actor"][0].data["aliases"]
    # an article gives its first malware family only (extract.FIRST_ONLY); the gang's own article its own
    malware = {f.data["name"]: f.data for f in kinds["malware"]}
    assert list(malware) == ["Anchor"] and malware["Anchor"]["ransomware"] is False
    gang = [f for f in facts_of(body.split("\n\n", 1)[1], date(2024, 5, 1)) if f.kind == "malware"]
    assert [(f.data["name"], f.data["ransomware"]) for f in gang] == [("LockBit", True)]
    assert kinds["victims"][0].data["value"] == "2000"
    data = kinds["data"][0].data
    assert data["value"] == "1200000" and data["kinds"] == ["names", "email addresses", "passwords"]
    assert kinds["ransom"][0].data == {"amount": 4500000.0, "currency": "USD", "comparator": "eq"}
    assert kinds["money"][0].data["amount"] == 2000000.0
    assert kinds["layoffs"][0].data["value"] == "300"
    assert any(f.data.get("precision") == "month" for f in kinds.get("date", []))
    for fact in facts:
        assert fact.sentence and fact.sources == (0,)


def test_ordinary_words_are_no_threat_names() -> None:
    assert find_threats("The Turkish team will anchor the hive of activity.") == []
    assert find_threats("Emotet is back.") == []  # a malware name needs a malware word next to it


def test_no_known_exploitation_and_public_poc() -> None:
    body = (
        "Acme patched CVE-2023-1111, a SQL injection flaw.\n\n"
        "Acme said it is not aware of any attacks exploiting the vulnerability.\n\n"
        "A proof-of-concept exploit was published on GitHub last week."
    )
    statuses = {f.data["status"] for f in facts_of(body) if f.kind == "exploitation"}
    assert statuses == {"none_known", "poc_public"}


def test_the_kev_feed_is_checked_before_it_is_used() -> None:
    with pytest.raises(KevError):
        trim_feed({"title": "not a catalog"})
    with pytest.raises(KevError):
        trim_feed({"vulnerabilities": [{"cveID": "nope", "dateAdded": "2024-01-01"}]})
    snapshot = trim_feed(
        {
            "catalogVersion": "2024.02.09",
            "vulnerabilities": [
                {
                    "cveID": "CVE-2024-21762",
                    "vendorProject": "Fortinet",
                    "product": "FortiOS",
                    "dateAdded": "2024-02-09",
                    "dueDate": "2024-02-16",
                    "knownRansomwareCampaignUse": "Known",
                }
            ],
        }
    )
    catalog = KevCatalog.from_snapshot(json.loads(json.dumps(snapshot)))
    entry = catalog.get("cve-2024-21762")
    assert entry is not None and entry.due_date == "2024-02-16" and entry.ransomware == "Known"


def test_the_shipped_kev_snapshot_is_dated_and_complete() -> None:
    catalog = load_catalog()
    assert len(catalog) > 1000 and catalog.version


def test_amounts_are_no_versions_and_exact_counts_stay_as_written() -> None:
    body = (
        "Contoso Cloud confirmed a breach that exposed 68,680,741 accounts, about 4.9 million of them active.\n\n"
        "The attackers stole 15 GB of data, which affects version 2.1 of the sync client."
    )
    facts = merge_facts([facts_of(body)])
    assert not any(v in ("4.9", "15") for f in facts if f.kind == "affected" for v in f.data["versions"])
    assert any(f.kind == "data" and f.text.startswith("68,680,741 accounts") for f in facts)


def test_ordinary_word_names_need_their_role_next_to_them() -> None:
    assert find_threats("Researchers found 84 such apps on Google Play, uploaded by hackers.") == []
    named = [(m.threat.kind, m.threat.name) for m in find_threats("The Play ransomware gang claimed it.")]
    assert named == [("actor", "Play")]
    attributed = find_threats("Researchers attributed the intrusion to FIN7.")
    assert [m.threat.name for m in attributed] == ["FIN7"]


def test_a_fix_shipped_and_attackers_using_the_flaw() -> None:
    body = (
        "CISA told agencies to fix CVE-2024-21762 after confirming attackers are using the flaw.\n\n"
        "Fortinet shipped FortiOS 7.4.3 and 7.2.7 with the fix and told customers who cannot update to "
        "turn off SSL VPN as a workaround."
    )
    kinds = by_kind(list(merge_facts([facts_of(body)])))
    assert kinds["fixed"][0].data["versions"] == ["7.4.3", "7.2.7"]
    assert kinds["exploitation"][0].data["status"] == "in_the_wild"
    assert kinds["workaround"][0].data["cves"] == ["CVE-2024-21762"]


BACKGROUND_STORY = (
    "Acme fixed a critical flaw in its Gateway appliance, tracked as CVE-2024-11111, that attackers "
    "exploited to steal data of 40,000 customers. "
    "The company said the attackers accessed names and email addresses of 40,000 customers. "
    "Acme urged customers to install version 5.2.1 immediately. "
    "The Gateway has long been a source of bugs, with Acme fixing CVE-2023-22222 and CVE-2023-33333 in the past year alone. "
    "The flaw is similar to last year's Spoolbreak vulnerability (CVE-2022-44444). "
    "In a separate incident, hackers stole 3 million records from a rival firm."
)


def test_facts_from_sentences_that_retell_other_events_are_set_aside() -> None:
    merged = merge_facts([facts_of(BACKGROUND_STORY)], ["Example News"])
    kinds = by_kind(list(merged))
    (cve,) = kinds["cve"]  # the story's CVE; the earlier ones are its related ids, still in the JSON
    assert cve.data["id"] == "CVE-2024-11111"
    assert cve.data["related"] == ["CVE-2023-22222", "CVE-2023-33333", "CVE-2022-44444"]
    counts = " ".join(f.text for f in merged)
    assert "40,000" in counts
    assert "3 million" not in counts  # the rival firm's breach is background


def test_an_opening_that_dates_the_event_earlier_is_still_the_event() -> None:
    body = (
        "Earlier this year, hackers breached Acme's support portal and stole data of 12,000 customers. "
        "Acme disclosed the breach on Monday. "
        "Earlier this April, a separate group had targeted the portal with phishing."
    )
    texts = " ".join(f.text for f in merge_facts([facts_of(body)], ["Example News"]))
    assert "12,000" in texts


def test_the_same_victim_count_told_twice_is_one_fact() -> None:
    body = (
        "The agency hacked into more than 8,000 computers in 120 countries, court filings show. "
        "The transcript reveals the agency hacked into more than 8,000 users' computers."
    )
    victims = by_kind(list(merge_facts([facts_of(body)], ["Example News"]))).get("victims", [])
    assert len(victims) == 1 and "8,000" in victims[0].text


def test_an_amount_rounded_once_and_exact_once_is_one_fact_and_a_rate_is_none() -> None:
    body = (
        "The Acmelock ransomware extorted nearly $6 million from its victims, a ransom tally shows. "
        "Researchers found the ransomware gang received more than $5.9 million in ransom payments, "
        "netting around $300,000 per month in ransom."
    )
    ransoms = by_kind(list(merge_facts([facts_of(body)], ["Example News"]))).get("ransom", [])
    assert [f.text for f in ransoms] == ["Ransom: about $6 million"]  # "nearly" reads as about


def test_a_place_or_a_pandemic_names_no_product_of_a_cve() -> None:
    assert find_cves("Two zero-days, CVE-2021-11111 in Western Europe, were found.")[0].product is None
    assert find_cves("The flaw, CVE-2021-22222, in COVID-19 lures was used.")[0].product is None
    assert (
        find_cves("The flaw, CVE-2021-33333, in Exchange Server was patched.")[0].product == "Exchange Server"
    )


def test_the_whole_a_count_is_part_of_is_no_victim_count() -> None:
    body = (
        "Acme Air confirmed a data breach that affected about 20,000 customers of its 1.7 million app users."
    )
    counted = [
        f.text for f in merge_facts([facts_of(body)], ["Example News"]) if f.kind in ("victims", "data")
    ]
    assert counted == ["About 20,000 customers affected"]


def test_a_flashback_below_the_lead_and_versions_said_not_vulnerable_give_no_facts() -> None:
    body = (
        "Anonymous hackers launched a cyber attack on Acme websites on Tuesday. "
        "The group defaced 120 websites of Acme, the company said. "
        "Acme said it had restored the websites by Wednesday. "
        "In April 2013, the group targeted about 30,000 bank accounts of Acme customers. "
        "Servers using versions of Gizmo prior to 1.0.1g are not vulnerable in their default configuration."
    )
    texts = " ".join(f.text for f in merge_facts([facts_of(body)], ["Example News"]))
    assert "30,000" not in texts and "1.0.1g" not in texts


def test_an_embedded_post_and_an_earlier_report_give_no_facts() -> None:
    body = (
        "Acme suffered a new data breach exposing order details of its store customers. "
        "Acme said it fixed the flaw in its website. "
        "Acme started informing affected customers by email on Monday. "
        "As we covered back in January 2018, the store was hacked to steal card data of up to 40,000 Acme customers. "
        "— Example News (@ExampleNews) June 11, 2013 The malware was first seen on May 2, 2013 in a campaign."
    )
    facts = merge_facts([facts_of(body)], ["Example News"])
    texts = " ".join(f.text for f in facts)
    assert "40,000" not in texts and "2013" not in texts


def test_a_year_is_no_count_and_shutting_down_networks_is_no_layoff() -> None:
    body = (
        "The Acme group, active since 2013 and targeted organisations in five countries, hit a utility on Monday. "
        "The utility decided to shut down its networks and suspend email for its about 250 employees."
    )
    kinds = {f.kind: f.text for f in merge_facts([facts_of(body)], ["Example News"])}
    assert "layoffs" not in kinds
    assert not any("2,013" in text or "2013 organisations" in text for text in kinds.values())


@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        (
            "None of the flaws patched this month were publicly disclosed or found being actively exploited in the wild.",
            "none_known",
        ),
        ("The researchers warned that the flaws could be exploited in the wild imminently.", None),
        ("Google said four of the flaws may have been exploited in the wild as zero-days.", "in_the_wild"),
    ],
)
def test_exploitation_said_with_none_or_could_is_no_in_the_wild_status(
    sentence: str, status: str | None
) -> None:
    assert exploitation_status(sentence) == status


@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        # the vendors' own wordings of exploitation
        ("Acme said it is aware of limited, targeted attacks exploiting the vulnerability.", "in_the_wild"),
        ("Acme is aware that an exploit for CVE-2024-1111 exists in the wild.", "in_the_wild"),
        ("The flaw was exploited as a zero-day by an espionage group.", "in_the_wild"),
        ("Acme said the flaw may have been exploited in a limited number of cases.", "in_the_wild"),
        ("Attackers have been exploiting the bug since at least April.", "in_the_wild"),
        ("The company is not aware of any malicious use of the vulnerability.", "none_known"),
        ("Acme said it is not aware of any attacks exploiting the flaw.", "none_known"),
        ("A working exploit is now publicly available.", "poc_public"),
        # a warning is no status
        ("The flaw could be exploited as a zero-day by attackers.", None),
    ],
)
def test_exploitation_wordings(sentence: str, status: str | None) -> None:
    assert exploitation_status(sentence) == status


def test_an_earlier_flaw_that_the_new_one_gets_round_keeps_its_particulars_to_itself() -> None:
    body = (
        "Acme shipped a fix for a critical flaw in its VPN to address an incomplete patch for an actively "
        "exploited flaw it previously resolved in October. "
        "Tracked as CVE-2024-22222 (CVSS score: 9.1), the new flaw lets an administrator write files. "
        "Acme urged customers to update to VPN 9.1R12 or later. "
        "This vulnerability is a bypass of the patch for CVE-2023-11111. "
        "CVE-2023-11111, a code execution flaw, was remediated in October with version 9.1R9."
    )
    facts = merge_facts([facts_of(body)])
    kinds = by_kind(list(facts))
    assert [f.data["id"] for f in kinds["cve"]] == ["CVE-2024-22222"]
    assert kinds["cve"][0].data["related"] == ["CVE-2023-11111"]  # every id stays in the JSON
    assert "exploitation" not in kinds  # the exploited flaw was the earlier one
    assert [f.text for f in kinds["fixed"]] == ["Fixed in VPN 9.1R12"]
