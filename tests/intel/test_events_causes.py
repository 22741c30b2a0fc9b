"""Event types for the general causes of the errors found on read stories (issue 16): research that
names its technique an "attack", a product left "open to" attack, a regulator or court acting, money
offered for flaws, annual reports, and attack words where nothing happened. Fixtures are our own
words in the shape of real headlines and leads."""

from __future__ import annotations

import pytest

from bot.intel.events import classify, decide, score_text
from bot.models import EventType


@pytest.mark.parametrize(
    ("title", "lead", "expected"),
    [
        # a technique researchers revealed, named "attack", that works on a product
        (
            "New Warm Reset Attack Unlocks Disk Encryption On Most Laptops",
            "Security researchers have revealed a new attack to steal passwords and keys kept in memory.",
            EventType.VULNERABILITY,
        ),
        (
            "New FooLoad v3 Attack Affects Acme's Latest Server CPUs",
            "A new variant of the data-leaking side-channel flaw also affects the newest chips.",
            EventType.VULNERABILITY,
        ),
        # a product left open to an attack that has not happened
        (
            "Millions of routers open to remote hack attack",
            "Could an attacker on another continent take over your router and make it join a botnet?",
            EventType.VULNERABILITY,
        ),
        # researchers who built malware to show a point
        (
            "Waking dormant phone malware with sound and light",
            "Researchers at a university presented a research paper showing that malware hidden on phones "
            "can be triggered with music or a flashing lamp.",
            EventType.VULNERABILITY,
        ),
        # a regulator fines, a court rules, police take a botnet down
        (
            "Data Regulator Fines Acme £400,000 Over 2019 Data Breach",
            "The privacy watchdog said Acme failed to protect the customer records exposed in the breach.",
            EventType.LEGAL,
        ),
        (
            "Police Remotely Disinfect 500,000 PCs Infected with Qux Botnet",
            "French police said they took down the Qux botnet malware and removed it from infected computers.",
            EventType.LEGAL,
        ),
        # money offered for exploits and annual reports are no event
        (
            "Broker Offers $80,000 for Browser Zero-Day Exploit",
            "A firm that buys and sells zero-day vulnerabilities now pays for a working exploit.",
            EventType.OTHER,
        ),
        (
            "Acme 2012 Breach Investigations Report Released",
            "Data loss through attacks fell last year while the number of breaches rose, the report says.",
            EventType.OTHER,
        ),
        # a bounty paid for a flaw found is still that flaw
        (
            "Acme Pays $20,000 Bounty to Researcher for Finding Login Bypass",
            "A researcher found a flaw that let anyone take over accounts; Acme fixed it.",
            EventType.VULNERABILITY,
        ),
    ],
)
def test_general_causes_of_read_errors(title: str, lead: str, expected: EventType) -> None:
    assert classify(title, lead).event_type is expected


def test_attack_words_where_nothing_happened_are_no_attack() -> None:
    title, lead = "Nation preparing cyber shield", "Officials said hackers and attacks from abroad will increase."
    scored = [score_text(title, lead)]
    assert decide(scored).event_type is EventType.OTHER
    # the same words with something that happened, or with an actor named, are an attack
    assert classify(title, "Hackers attacked the ministry's network on Monday.").event_type is EventType.ATTACK
    assert decide(scored, ["actor"]).event_type is EventType.ATTACK


@pytest.mark.parametrize(
    ("title", "lead", "expected"),
    [
        # an app or a portal taken offline to fix a hole is no layoff
        (
            "Agency Temporarily Shuts Down Records App to Fix Security Hole",
            "The agency shut down the web portal for several weeks after a vulnerability was found in it.",
            EventType.VULNERABILITY,
        ),
        # an arrest told as background in a concessive clause of the lead is not the news
        (
            "Botnet Variant Adds New Exploits to Infect Office Devices",
            "Although the original authors of the botnet have already been arrested and jailed, new variants "
            "keep infecting routers and cameras worldwide.",
            EventType.ATTACK,
        ),
        # a string that can crash a browser is a flaw
        ("This String of Characters Can Crash Your Browser", "A special string makes any tab crash at once.", EventType.VULNERABILITY),
        # a how-to with a number and adjectives before "steps"
        ("5 Critical Steps to Recover From a Ransomware Attack", "Ransomware hit twice as many firms last year.", EventType.OTHER),
    ],
)
def test_more_general_causes(title: str, lead: str, expected: EventType) -> None:
    assert classify(title, lead).event_type is expected


@pytest.mark.parametrize(
    ("title", "lead", "expected"),
    [
        ("Someone Just Tried to Take Down the Backbone", "Someone just DDoSed the name servers of the internet.", EventType.ATTACK),
        ("Acme Accidentally Shared Private Videos of Some Users With Others", "A glitch sent files to strangers.", EventType.BREACH),
        ("Authorities Seize Dark-Web Site Linked to the Qux Ransomware", "Police took control of the leak site.", EventType.LEGAL),
        ("U.S. Announces Charges Against 2 Foreign Hackers", "The hackers stole cryptocurrency in phishing attacks.", EventType.LEGAL),
        ("Everything You Need to Know About the Threat of Ransomware", "Ransomware hit hospitals and schools.", EventType.OTHER),
        ("Qux Exploit Kit 2.0 - Download !", "The attack toolkit infected many sites last year.", EventType.OTHER),
        (
            "Open Source Smart Meter Hacking Framework can Hack the Grid",
            "A researcher has released an open-source tool designed to test smart meters for vulnerabilities.",
            EventType.PRODUCT,
        ),
        (
            "FOO Attack: 19-Year-Old Padding Attack On Encrypted Web Returns",
            "A 19-year-old vulnerability has been re-discovered in the RSA code of eight vendors.",
            EventType.VULNERABILITY,
        ),
    ],
)
def test_causes_from_the_second_fresh_reading(title: str, lead: str, expected: EventType) -> None:
    assert classify(title, lead).event_type is expected


@pytest.mark.parametrize(
    ("title", "lead", "expected"),
    [
        ("Alleged Malware Co-Author Pleads not Guilty", "A man accused of writing a trojan pleaded not guilty to hacking charges.", EventType.LEGAL),
        (
            "A Cloud Drive 'Feature' Could Let Attackers Trick You Into Installing Malware",
            "An unpatched weakness in the drive could be exploited to swap shared files for malicious ones.",
            EventType.VULNERABILITY,
        ),
        (
            "Mobile Operator Hacked – 6 Million Customers' Data at Risk",
            "The operator has become the latest victim of a massive data breach that left customer details exposed.",
            EventType.BREACH,
        ),
        (
            "Hacking Traffic Lights is Really Easy",
            "Security researchers at a university have not only hacked traffic signals but say anyone could.",
            EventType.VULNERABILITY,
        ),
        ("Region still on target of 'Qux' malware after detection", "The Qux spyware keeps infecting computers.", EventType.ATTACK),
        (
            "100k Site Plain-Text Passwords found on Public FTP",
            "A researcher found that 100,000 usernames and passwords were stored on a publicly accessible FTP server.",
            EventType.BREACH,
        ),
    ],
)
def test_causes_from_the_third_fresh_reading(title: str, lead: str, expected: EventType) -> None:
    assert classify(title, lead).event_type is expected


def test_a_vendor_piece_with_trial_and_demo_calls_is_other() -> None:
    body = "Attackers exploit old vulnerabilities.\n\nDownload a free 30-day trial of the suite.\nWatch a demo on-demand."
    assert classify("Vulnerability Management: Think Like an Attacker", "Attackers exploit flaws.", body).event_type is EventType.OTHER


@pytest.mark.parametrize(
    ("title", "lead"),
    [
        ("Recycling Giant Takes Systems Offline Following Cyberattack", "Acme says internal systems were taken offline."),
        ("University requires password resets after cyberattack", "Staff and students must reset their passwords."),
        ("Real estate markets scramble following cyberattack on listings provider", "No estimate when listings return."),
    ],
)
def test_a_feed_lede_that_names_the_attack_as_cause_is_an_attack(title: str, lead: str) -> None:
    assert classify(title, lead).event_type is EventType.ATTACK


@pytest.mark.parametrize(
    ("title", "lead", "expected"),
    [
        # a shutdown an attack caused is no closure of a business
        ("Busy harbour shut down by ransomware attack", "The port was forced to close operations for several days.", EventType.ATTACK),
        (
            "Casino chain 'cybersecurity issue' shuts down slot machines and cash machines",
            "A cybersecurity issue forced the resort operator to shut down many of its systems on Monday.",
            EventType.ATTACK,
        ),
        # the police dismantled it, told the other way round
        (
            "Foobot botnet dismantled after infecting 500,000 computers",
            "Foobot, one of the longest-running botnets, was taken down following a multinational law enforcement operation.",
            EventType.LEGAL,
        ),
        # an investigation into the attack follows every attack; the attack is the story
        (
            "Ten city agencies were hacked using a zero-day vulnerability",
            "Attackers exploited a flaw in third-party software to breach the agencies. Police launched an investigation into the attack.",
            EventType.ATTACK,
        ),
        # a regulator's new rule, an obituary, a CPU research technique
        (
            "New Regulator Rules Require Companies to Reveal Cyber Attacks Within 4 Days",
            "The commission approved new rules that require listed companies to disclose a cyber attack within four days.",
            EventType.LEGAL,
        ),
        (
            "Famous hacker and author has passed away at 60",
            "The hacker, once convicted for breaking into phone company computers, died after an illness.",
            EventType.OTHER,
        ),
        (
            "New Foo attack leaks secrets from all Acme CPUs",
            "Researchers have discovered a new and powerful transient execution attack that can leak privileged data.",
            EventType.VULNERABILITY,
        ),
    ],
)
def test_causes_from_the_fresh_feed_reading(title: str, lead: str, expected: EventType) -> None:
    assert classify(title, lead).event_type is expected
