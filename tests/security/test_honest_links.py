"""Honest links: a page that calls itself "Okta Security" (og:site_name, publisher) is shown under its
URL's own name, never a trusted name on a look-alike or unrelated domain; non-ASCII hosts are shown
and linked in punycode; a look-alike host (mixed scripts) is flagged and never linked. Through the
real ingest and both renderers (Slack blocks, Discord embed)."""

from __future__ import annotations

import json

import pytest

from bot.adapters.discord.embeds import story_embed
from bot.adapters.slack.blocks import alert_message
from bot.chat.render import safe_url
from bot.hostnames import ascii_host, is_lookalike
from bot.ingest.article import article_from_bytes
from tests.support.stories import kaspersky_story

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title>Okta warns customers of support system breach</title>
<meta property="og:site_name" content="Okta Security"><meta name="publisher" content="Okta Security">
<link rel="canonical" href="{url}">
<meta property="article:published_time" content="2026-03-10T09:00:00Z"></head>
<body><article><h1>Okta warns customers of support system breach</h1>
<p>Okta said on Tuesday that an attacker used stolen credentials to reach its customer support system
and download files that customers had uploaded to it over the past two weeks.</p>
<p>The company said it had revoked the affected session tokens and contacted every customer whose
files were viewed by the intruder.</p>
<p>Security teams were advised to rotate any credentials shared in support cases.</p>
</article></body></html>"""


def ingest(url: str) -> tuple[str, str | None]:
    article = article_from_bytes(PAGE.format(url=url).encode("utf-8"), "page.html")
    assert article.outlet is not None
    return article.outlet, article.url


def rendered(outlet: str, url: str) -> tuple[str, str]:
    story = kaspersky_story(sources=((outlet, url),))
    slack = json.dumps(alert_message(story).as_kwargs(), ensure_ascii=False)
    discord = json.dumps(story_embed(story).to_dict(), ensure_ascii=False)
    return slack, discord


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://www.oktasecurity-alerts.com/2026/03/breach", "Oktasecurity Alerts"),
        ("https://news.unrelated-site.example.net/a", "Unrelated Site"),
        ("https://www.bleepingcomputer.com/news/okta", "BleepingComputer"),
    ],
    ids=["look-alike-domain", "unrelated-domain", "known-outlet"],
)
def test_self_description_never_names_another_organisation(url: str, shown: str) -> None:
    outlet, _ = ingest(url)
    assert outlet == shown
    slack, discord = rendered(outlet, url)
    assert "Okta Security" not in slack and "Okta Security" not in discord
    assert f"<{url}|{shown}>" in slack
    assert f"[{shown}]({url})" in discord.replace("\\\\", "")


def test_a_self_description_that_spells_the_domain_is_kept() -> None:
    assert ingest("https://oktasecurity.net/a")[0] == "Okta Security"


def test_cyrillic_lookalike_host_is_flagged_and_not_linked() -> None:
    url = "https://www.оkta.com/2026/03/breach"  # Cyrillic "о"
    outlet, _ = ingest(url)
    assert outlet == "xn--kta-red.com (look-alike address, not linked)"
    slack, discord = rendered(outlet, url)
    for text in (slack, discord):
        assert "оkta.com" not in text, "the disguised host never appears"
        assert "look-alike address" in text
    assert "<https://www.xn--kta" not in slack and "](https://www.xn--kta" not in discord


def test_other_non_ascii_hosts_are_shown_and_linked_in_punycode() -> None:
    outlet, _ = ingest("https://bücher.de/a")
    assert outlet == "xn--bcher-kva.de"
    assert safe_url("https://bücher.de:8443/a?x=1") == "https://xn--bcher-kva.de:8443/a?x=1"
    slack, discord = rendered(outlet, "https://bücher.de/a")
    assert "<https://xn--bcher-kva.de/a|xn--bcher-kva.de>" in slack
    assert "bücher" not in slack and "bücher" not in discord


@pytest.mark.parametrize(
    ("host", "lookalike"),
    [
        ("www.оkta.com", True),  # Cyrillic о among Latin letters
        ("окта.com", True),  # all Cyrillic, every letter a Latin twin
        ("xn--kta-red.com", True),  # the same, already in punycode
        ("раураl.com", True),
        ("bücher.de", False),
        ("東京.jp", False),
        ("пример.рф", False),  # a real Cyrillic word, not imitating Latin
        ("okta.com", False),
    ],
)
def test_lookalike_detection(host: str, lookalike: bool) -> None:
    assert is_lookalike(ascii_host(host) or host) is lookalike
