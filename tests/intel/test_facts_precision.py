"""Facts a reading judged noise, by their general cause (issue 16): counts retold from other events
below the lead, a score range or an IP address read as versions, install advice read as the range
hit, generic advice as a workaround, a famous family named for comparison, and what-happened prose in
a story typed `other`. Fixtures are our own words in the shape of real articles."""

from __future__ import annotations

from bot.intel.facts import extract_facts, facts_for_event, merge_facts
from bot.intel.facts.versions import find_versions
from bot.intel.sentences import article_sentences
from bot.models import KeyFact


def facts_of(text: str) -> list[KeyFact]:
    return list(merge_facts([extract_facts(text, article_sentences(text), published=None)], ["A"]))


FILLER = " ".join(f"Paragraph {n} explains how the service works for its users." for n in range(8))


def test_counts_below_the_lead_are_background() -> None:
    lead = "Acme said hackers breached its network last week and 2 million customers were affected."
    late = "A different retailer had 40 million customers affected by an unrelated breach."
    kinds = [(f.kind, f.text) for f in facts_of(f"{lead}\n\n{FILLER}\n\n{late}")]
    assert any(k == "data" or k == "victims" for k, _ in kinds)
    assert not any("40 million" in t for _, t in kinds)


def test_score_ranges_and_ip_addresses_are_no_versions() -> None:
    assert find_versions("The flaw affects the server, with a CVSS score of 6.4 to 6.8 depending on setup.") == []
    assert find_versions("Affected hosts ran on 91.194.214.66 and other servers.") == []
    found = find_versions("The flaw affects Acme Server 6.4 to 6.8.")
    assert found and found[0].versions == ("6.4", "6.8")


def test_install_advice_is_no_affected_range() -> None:
    assert find_versions("Watch owners should install WatchOS 3.2.2 that patches 12 flaws on the affected device.") == []
    assert find_versions("Browser 10.1.1 addresses 26 issues, most of them in its engine.") == []
    assert [v.kind for v in find_versions("The bug affects WatchOS 3.2.1 and earlier.")] == ["affected"]


def test_generic_advice_is_no_workaround() -> None:
    text = (
        "Police ransomware locked thousands of screens in the city this week. "
        "Experts advise victims to block the pop-ups and disable notifications rather than pay. "
    )
    assert not [f for f in facts_of(text) if f.kind == "workaround"]
    flaw = (
        "Acme disclosed a critical vulnerability in its VPN gateway on Monday. "
        "Until a patch ships, Acme recommends admins disable the web portal as a mitigation. "
    )
    assert [f for f in facts_of(flaw) if f.kind == "workaround"]


def test_a_family_named_for_comparison_is_no_malware_fact() -> None:
    text = (
        "In recent years ransomware threats rose, ranging from Cryptowall to Locky ransomware. "
        "The new strain found last week locks web sites and asks for bitcoin. "
    )
    assert not [f for f in facts_of(text) if f.kind == "malware"]


def test_a_story_typed_other_keeps_no_what_happened_prose() -> None:
    facts = (
        KeyFact("statement", "Acme released its annual threat report on Monday", (0,), "statement:report"),
        KeyFact("cve", "CVE-2024-0001", (0,), "cve:CVE-2024-0001"),
    )
    assert [f.kind for f in facts_for_event(facts, "other")] == ["cve"]
    assert [f.kind for f in facts_for_event(facts, "breach")] == ["statement", "cve"]


def test_a_tally_of_earlier_flaws_is_background() -> None:
    text = (
        "Acme has shipped a browser update that fixes CVE-2031-1111, a zero-day exploited in the wild. "
        "The flaw is a type confusion bug in the script engine. "
        "Acme credited an anonymous researcher for reporting it. "
        "CVE-2031-1111 is the fifth zero-day Acme fixed since the start of the year: CVE-2031-0001, CVE-2031-0002. "
    )
    cves = [f for f in facts_of(text) if f.kind == "cve"]
    assert [f.data["id"] for f in cves] == ["CVE-2031-1111"]
    assert cves[0].data.get("related") == ["CVE-2031-0001", "CVE-2031-0002"]  # every id stays in the JSON


def test_a_statement_that_repeats_a_workaround_is_dropped() -> None:
    text = (
        "Acme acknowledged yet another remote code execution vulnerability in the Acme Print Spooler component. "
        "Tracked as CVE-2031-4444 (CVSS score: 7.3), the unpatched flaw is the latest of a list. "
        "As workarounds, Acme is recommending users to stop and disable the print service to prevent "
        "malicious actors from exploiting the vulnerability. "
    )
    kinds = [f.kind for f in facts_of(text)]
    assert kinds.count("workaround") == 1
    assert not [f for f in facts_of(text) if f.kind == "statement" and "disable" in f.text]
    # and stopping attackers from exploiting it says nothing about exploitation
    assert "exploitation" not in kinds


def test_what_a_botnet_launches_is_not_the_flaws_class() -> None:
    text = (
        "Attackers used the Bash flaw (CVE-2031-2222) to build botnets and launch distributed "
        "denial-of-service (DDoS) attacks. "
    )
    cve = next(f for f in facts_of(text) if f.kind == "cve")
    assert "denial" not in cve.text
    dos = "The bug (CVE-2031-3333) causes memory exhaustion that leads to a denial of service. "
    assert "denial of service" in next(f for f in facts_of(dos) if f.kind == "cve").text


def test_below_is_an_affected_range() -> None:
    found = find_versions("The malware infects devices running Android versions below 5.0.")
    assert found and found[0].ranges == ("below 5.0",)


def test_rates_and_typical_amounts_are_no_counts() -> None:
    rate = "The botnet's spam module sends more than 30,000 emails per hour from hacked computers that were compromised. "
    assert not [f for f in facts_of(rate) if f.kind in ("data", "victims")]
    typical = "Such ransomware encrypts files and then demands a ransom, typically about $500 in Bitcoin. "
    assert not [f for f in facts_of(typical) if f.kind == "ransom"]
    paid = "The city paid a ransom of $600,000 to the attackers to decrypt its files. "
    assert [f for f in facts_of(paid) if f.kind == "ransom"]


def test_a_family_whose_code_is_compared_is_no_malware_fact() -> None:
    text = (
        "Researchers linked a new ransomware strain to a known gang after studying its code. "
        "The sample's code overlaps with that of Conti and reuses wording from Egregor ransomware in its ransom note. "
    )
    assert not [f for f in facts_of(text) if f.kind == "malware" and f.text.startswith(("Conti", "Egregor"))]


def test_version_ranges_said_with_newer_x_and_protocols() -> None:
    hit = find_versions("The flaw is present by default in Acme AS Java 7.3 and newer (up to 7.5), putting servers at risk.")
    assert [v.kind for v in hit] == ["affected"]
    assert find_versions("Upgrade to AcmeOS 7.4.3 or later.")[0].kind == "fixed"
    assert find_versions("The bug affects Acme firmware versions 6.x, 7.x and 8.0.")[0].versions == ("6.x", "7.x", "8.0")
    assert find_versions("If you get a reply to GET / HTTP/1.1 your router is affected.") == []
    assert find_versions("Until a patch ships, users can load firmware version 9.x after a reset.") == []


def test_each_cve_in_a_list_keeps_its_own_description() -> None:
    text = (
        "Acme patched 53 flaws this month. The four with public exploits are CVE-2031-0001 (an information "
        "disclosure flaw in Acme Core), CVE-2031-0002 (browser remote code execution) and CVE-2031-0003 "
        "(denial of service affecting Acme Core). "
    )
    cves = {f.data["id"]: f.text for f in facts_of(text) if f.kind == "cve"}
    assert "remote code execution" in cves["CVE-2031-0002"]
    assert "denial of service" in cves["CVE-2031-0003"]


def test_planned_or_private_proof_of_concept_is_not_public() -> None:
    planned = "Acme Labs found the flaw in the media engine and plans to release proof-of-concept code once a fix ships. "
    assert not [f for f in facts_of(planned) if f.kind == "exploitation"]
    private = "The firm sent the vendor details of the flaw and proof of concept code, but a patch wasn't made available. "
    assert not [f for f in facts_of(private) if f.kind == "exploitation"]


def test_versions_said_not_affected_a_company_and_thousands() -> None:
    said = "A zero-day flaw affects only the latest Acme Java 1.8.0.45. The older Acme Java 1.6 and 1.7 are not at all affected. "
    assert [f.text for f in facts_of(said) if f.kind == "affected"] == ["Affected: Acme Java 1.8.0.45"]
    text = "Developed by Alibaba-owned UCWeb, the browser has more than half a billion users, and attackers abuse a flaw in it. "
    assert not [f for f in facts_of(text) if f.kind == "actor"]
    assert find_versions("Among the almost 100.000 compromised users are researchers, the affected site said.") == []


def test_feed_boilerplate_is_no_statement() -> None:
    text = (
        "China-linked hackers breached government email servers with a zero-day in Acme Gateway. "
        "The post Acme patches a critical flaw in its gateway used by hackers appeared first on Acme News. "
    )
    assert not [f for f in facts_of(text) if f.kind == "statement" and "appeared first" in f.text]


def test_a_background_cve_keeps_its_stated_score_in_the_json() -> None:
    text = (
        "Acme patched CVE-2031-5555 (CVSS score: 9.8), a critical flaw in its appliance, on Tuesday. "
        "The flaw lets attackers run code without logging in. Acme credited two researchers for it. "
        "Acme fixed a command injection flaw (CVE-2031-4444, CVSS score 7.2) earlier this month. "
    )
    main = next(f for f in facts_of(text) if f.kind == "cve")
    assert main.data["id"] == "CVE-2031-5555" and main.data["related"] == ["CVE-2031-4444"]
    assert main.data["related_cvss"]["CVE-2031-4444"]["score"] == 7.2
    same = "Acme also patched a privilege escalation bug (CVE-2031-6666, CVSS score: 7.8) in the same update. "
    assert "CVE-2031-6666" in {f.data["id"] for f in facts_of(text + same) if f.kind == "cve"}


def test_an_article_gives_its_first_count_and_family_only() -> None:
    text = (
        "Hackers breached Acme's billing system and stole the records of 3 million customers. "
        "The intrusion used the QakBot malware to reach the database. "
        "Researchers compared the campaign with the Emotet malware, which infected 600,000 computers in 2019."
    )
    facts = facts_of(text)
    victims = [f.text for f in facts if f.kind in ("victims", "data")]
    assert victims and all("3 million" in t for t in victims), victims
    assert [f.data.get("name") for f in facts if f.kind == "malware"] == ["QakBot"]


def test_two_outlets_with_different_counts_keep_both_side_by_side() -> None:
    one = "Hackers breached Acme and 2 million customers were affected, the company said."
    two = "Hackers breached Acme and 2.5 million customers were affected, a regulator said."
    merged = merge_facts(
        [extract_facts(t, article_sentences(t), published=None) for t in (one, two)], ["A", "B"]
    )
    counts = {f.text: f.sources for f in merged if f.kind == "victims"}
    assert len(counts) == 2 and sorted(s for sources in counts.values() for s in sources) == [0, 1], counts


def test_a_tracked_company_is_no_threat_group_of_the_same_name() -> None:
    from bot.intel.facts.threats import find_threats

    # the galaxy lists "Alibaba" and "Hacking Team" as names of threat groups
    assert find_threats("Researchers at Alibaba found the flaw in the library.") == []
    assert find_threats("The spyware maker Hacking Team was itself breached.") == []
    said = find_threats("The Iranian group Cleaver targeted airlines.")
    assert [m.threat.name for m in said] == ["Cleaver"]


def test_a_share_is_no_count() -> None:
    text = "Hackers breached Acme's app. The flaw affects every 9 out of 10 active Android devices in use."
    assert not [f for f in facts_of(text) if f.kind in ("victims", "data")]
