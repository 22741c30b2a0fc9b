"""Event types are rule-based and explain themselves with the cue words that decided them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.intel.events import classify, decide, score_text
from bot.intel.sentences import paragraphs
from bot.models import EventType
from tests.support.articles import fixture, read_article


def classify_file(path: Path) -> tuple[EventType, tuple[str, ...]]:
    article = read_article(path, ("Kaspersky",), pipeline=path.suffix == ".txt")
    parts = paragraphs(article.body)
    verdict = classify(article.title, parts[0], " ".join(parts[1:]))
    return verdict.event_type, verdict.cues


@pytest.mark.parametrize(
    ("name", "expected", "cue"),
    [
        ("kaspersky-us-ban-wire.md", EventType.LEGAL, "banned"),
        ("kaspersky-us-ban-daily.md", EventType.LEGAL, "banned"),
        ("kaspersky-us-exit.md", EventType.LAYOFFS, "lay off"),
        ("kaspersky-uk-closure-threatdesk.md", EventType.LAYOFFS, "laid off"),
        ("kaspersky-endpoint-flaw.md", EventType.VULNERABILITY, "vulnerability"),
        ("okta-support-breach.md", EventType.BREACH, "breach"),
    ],
)
def test_fixture_event_types(name: str, expected: EventType, cue: str) -> None:
    event, cues = classify_file(fixture(name))
    assert event is expected
    assert cue in cues


def test_the_seeds_are_layoffs_although_they_recall_a_ban(seeds: list[Path]) -> None:
    for path in seeds:
        event, cues = classify_file(path)
        assert event is EventType.LAYOFFS, path.name
        assert {"laying off", "closing its uk office"} & set(cues) or "closing down its uk office" in cues


def test_title_and_lead_outweigh_background_paragraphs() -> None:
    title = "Acme closes its Berlin office and lays off 40 staff"
    lead = "Acme is closing its office in Berlin, laying off 40 employees."
    background = " ".join(
        ["Last year a regulator fined Acme and a court banned its product in a lawsuit."] * 5
    )
    verdict = classify(title, lead, background)
    assert verdict.event_type is EventType.LAYOFFS
    assert verdict.scores["layoffs"] > verdict.scores["legal"] > 0
    # the same words in the title make it a legal story
    flipped = classify("Court bans Acme product after regulator lawsuit", "A court banned the product.", lead)
    assert flipped.event_type is EventType.LEGAL


def test_no_cue_is_other_and_ties_prefer_the_more_specific_type() -> None:
    assert (
        classify("Acme shares its quarterly outlook", "Acme spoke about its plans.").event_type
        is EventType.OTHER
    )
    tie = decide([score_text("Ransomware gang breach at Acme", "", "")])
    assert tie.event_type is EventType.BREACH  # breach before attack on equal scores
    assert classify("Acme launches a new product", "").event_type is EventType.PRODUCT
    assert classify("Acme to acquire Contoso in $2 billion deal", "").event_type is EventType.ACQUISITION
    assert classify("Ransomware attack disrupts Acme", "").event_type is EventType.ATTACK


def test_a_faulty_update_that_crashed_machines_is_an_outage_not_an_attack() -> None:
    verdict = classify(
        "Faulty security update crashes millions of Windows machines",
        "A buggy content update pushed by an endpoint vendor sent machines into boot loops, grounding flights.",
        "The company said the outage was not the result of a cyberattack. Hackers are now using the chaos "
        "for phishing.",
    )
    assert verdict.event_type is EventType.OUTAGE


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("Webinar: Building a zero-trust program that survives a breach", "Register now. Save your seat."),
        ("How to protect your SaaS apps from ransomware", "Attackers breach companies with ransomware."),
        (
            "Using breached-password detection to prevent account takeover",
            "Attackers reuse stolen passwords.",
        ),
        (
            "Ransomware is evolving: is your backup strategy ready?",
            "This article is sponsored by Contoso. Request a demo of the platform. Attackers exploit flaws.",
        ),
    ],
)
def test_advertorials_and_how_tos_are_other(title: str, body: str) -> None:
    assert classify(title, body).event_type is EventType.OTHER


def test_facts_decide_over_cue_words() -> None:
    hack_words = score_text("Hackers hack hacked systems", "Hackers attacked the portal.")
    assert decide([hack_words]).event_type is EventType.ATTACK
    assert decide([hack_words], ["cve", "fixed", "exploitation"]).event_type is EventType.VULNERABILITY


def test_a_hack_that_could_happen_is_a_vulnerability() -> None:
    verdict = classify(
        "How one image could have hacked your messaging account",
        "A flaw, now patched, could have let attackers take over accounts with a crafted picture.",
    )
    assert verdict.event_type is EventType.VULNERABILITY


@pytest.mark.parametrize(
    ("title", "lead", "expected"),
    [
        (
            "Creator of notorious RAT malware jailed for five years",
            "The man behind a remote access trojan that infected half a million machines was sentenced on Tuesday.",
            EventType.LEGAL,
        ),
        (
            "Contoso launches a new free online malware scanning service",
            "Contoso has launched a new free online service that checks links for malware.",
            EventType.PRODUCT,
        ),
    ],
)
def test_a_legal_outcome_or_a_launch_decides_over_hack_words(
    title: str, lead: str, expected: EventType
) -> None:
    assert classify(title, lead).event_type is expected


def test_a_feature_piece_without_event_facts_is_other() -> None:
    scored = score_text(
        "The rise of double extortion in hospital ransomware attacks",
        "Ransomware attacks keep hitting hospitals and schools, and attackers move faster every year.",
    )
    assert decide([scored]).event_type is EventType.OTHER
    # the same piece whose facts show an event (a named gang, a ransom) reports that event
    assert decide([scored], ["malware", "ransom"]).event_type is EventType.ATTACK


@pytest.mark.parametrize(
    ("title", "lead", "expected"),
    [
        # a white-hat "hacking X" headline: a researcher (initials do not end the sentence) found flaws
        (
            "Hacking Acmepay Accounts with Just a Click",
            "A security researcher, Jane Q. Doe has discovered three critical vulnerabilities in the Acmepay website "
            "that could be used by cybercriminals in targeted attacks.",
            EventType.VULNERABILITY,
        ),
        # flaw named before the researchers who showed it
        (
            "$20 gadget is enough to hack police radios",
            "The radios have major security flaws that allowed researchers to intercept sensitive traffic.",
            EventType.VULNERABILITY,
        ),
        # a discovery verb with the flaw as its object
        (
            "Acme Phone 9 Hacked",
            "Forum developers have discovered a new vulnerability in Acme Phone 9.",
            EventType.VULNERABILITY,
        ),
        # what malware is built to do is the attack, not a breach that happened
        (
            "Password Stealing Apps Found on Acme Store",
            "Researchers found 80 apps designed to steal credentials from users of a social network.",
            EventType.ATTACK,
        ),
        (
            "Exploit kit attack on Acme web server sites",
            "The exploit kit redirects visitors of the site.",
            EventType.ATTACK,
        ),
        # a plane crash is no outage; a crash of computers after an update is
        (
            "Scammers use plane crash news to bait users",
            "Spammers spread malware with links about the crashed plane.",
            EventType.ATTACK,
        ),
        (
            "Acme update leaves machines stuck",
            "A faulty update from Acme made millions of Windows machines crash on boot.",
            EventType.OUTAGE,
        ),
        # a flaw named as the means of a compromise: the compromise is the event
        (
            "Hackers Breach Acme Servers Using Gizmo Vulnerability",
            "A hacking campaign breached the servers of three firms by exploiting the flaws.",
            EventType.BREACH,
        ),
        # an uncertain report of what happened is not a harm that could happen
        (
            "Warning! 32 Million Acme Passwords May Have Been Hacked and Leaked",
            "A dump is for sale.",
            EventType.BREACH,
        ),
        (
            "US Charges Two Spies & Two Hackers For Hacking Acme",
            "They have been charged by the US.",
            EventType.LEGAL,
        ),
        (
            "Acme launches Bug Bounty Program for Hackers",
            "Acme offers up to $15,000 for flaws.",
            EventType.OTHER,
        ),
        ("Drones affected by Keylogger", "A keylogger has infiltrated the base's systems.", EventType.ATTACK),
        (
            "Police Arrest Author of Largest Phishing Service",
            "Police identified the developer.",
            EventType.LEGAL,
        ),
        # malware exists even when the sentence tells what it can do
        (
            "This Malware Can Delete Your Browser",
            "Researchers uncovered adware that replaces the browser.",
            EventType.ATTACK,
        ),
        # a product named after what it stops
        (
            "Acme Office Gets Built-in Ransomware Protection",
            "Acme announced new features.",
            EventType.PRODUCT,
        ),
        # trend pieces and books are no event; a researcher's finding is a vulnerability
        (
            "Trojan & Botnet Activities Increased in February",
            "Trojans were the most prolific threat.",
            EventType.OTHER,
        ),
        ("Novella Explores Aftermath of Worm Attack", "A new novella by a journalist.", EventType.OTHER),
        (
            "Hacking Acmebook users from the chat box",
            "Jane Doe, known for finding serious flaws in Acmebook, shared a stored XSS in its chat.",
            EventType.VULNERABILITY,
        ),
        # "state sponsored" is no sponsored post; information exposed and a database hacked are a breach
        (
            "Acme Confirms 500 Million Accounts Were Hacked by 'State Sponsored' Hackers",
            "Acme said so.",
            EventType.BREACH,
        ),
        (
            "Acmeboard Database Hacked — Users' Account Information Exposed",
            "The company disclosed the incident on Monday.",
            EventType.BREACH,
        ),
        (
            "Acmegle buys Online Malware Multi Scanner ScanAll",
            "Acmegle acquired the scanning service.",
            EventType.ACQUISITION,
        ),
        (
            "Acme Phone Passwords are stored in plain text on Disk",
            "A user found the file.",
            EventType.VULNERABILITY,
        ),
        (
            "Download: The State of Breach Protection Survey Results",
            "We polled 1,536 professionals.",
            EventType.OTHER,
        ),
        # a defender's tool, launched
        (
            "Rangefinder — Open Source Web Vulnerability Scanning Tool From Acme",
            "Acme on Tuesday launched a security testing tool to evaluate scanners against vulnerabilities seen in the wild.",
            EventType.PRODUCT,
        ),
    ],
)
def test_who_did_what_decides_over_hack_words(title: str, lead: str, expected: EventType) -> None:
    assert classify(title, lead).event_type is expected


def test_a_feature_stays_other_unless_a_fact_names_a_specific_event() -> None:
    scored = [score_text("Most Vulnerable Cities to Cyber Attack", "Imagine a hacker takes over your car.")]
    assert decide(scored, ["data", "victims"]).event_type is EventType.OTHER  # background counts
    assert decide(scored, ["cve"]).event_type is not EventType.OTHER
