"""Finding vendors in text: exact aliases, typos, casing rules, false alarms, offsets into non-ASCII text."""

from __future__ import annotations

import pytest

from benchmarks.vendor_matching import measure_matching_speed
from bot.intel.vendors import VendorCatalog, VendorMatcher
from bot.models import Vendor, VendorHit


@pytest.fixture(scope="module")
def matcher() -> VendorMatcher:
    return VendorMatcher.of(VendorCatalog.load())


def _found(matcher: VendorMatcher, text: str, *, in_title: bool = False) -> list[tuple[str, str]]:
    """(vendor, text as written) for each hit, checking that the offsets point at the written alias."""
    hits = matcher.find(text, in_title=in_title)
    return [(hit.vendor, text[hit.start : hit.end]) for hit in hits]


def test_finds_names_aliases_and_products_in_order(matcher: VendorMatcher) -> None:
    text = (
        "Researchers at CrowdStrike said FortiGate boxes and Palo Alto Networks firewalls were hit; AWS too."
    )
    assert _found(matcher, text) == [
        ("CrowdStrike", "CrowdStrike"),
        ("Fortinet", "FortiGate"),
        ("Palo Alto Networks", "Palo Alto Networks"),
        ("Amazon", "AWS"),
    ]


def test_hits_report_the_catalog_alias_and_flags(matcher: VendorMatcher) -> None:
    [hit] = matcher.find("Kaspersky Lab said so.", in_title=True)
    assert hit == VendorHit("Kaspersky", "Kaspersky Lab", 0, 13, in_title=True, fuzzy=False)


def test_longest_alias_wins_where_aliases_overlap(matcher: VendorMatcher) -> None:
    text = "Ivanti Connect Secure, Intel 471 and Intel chips"
    assert _found(matcher, text) == [
        ("Ivanti", "Ivanti Connect Secure"),
        ("Intel 471", "Intel 471"),
        ("Intel", "Intel"),
    ]


def test_whole_words_only(matcher: VendorMatcher) -> None:
    assert _found(matcher, "The Oktaberfest and NetAppliance and CiscoX") == []
    assert _found(matcher, "Okta’s shares fell; Okta-branded kits; (Okta)") == [("Okta", "Okta")] * 3


def test_several_word_names_match_across_a_line_break(matcher: VendorMatcher) -> None:
    assert _found(matcher, "according to Palo Alto\nNetworks researchers") == [
        ("Palo Alto Networks", "Palo Alto\nNetworks")
    ]


@pytest.mark.parametrize(
    "prefix",
    [
        "İstanbul İİ ",
        "straße ",
        "ﬁnance ",
        "İ ß ﬁ ",
        "🚀🚀 ",
        "ΣΊΣΥΦΟΣ ",
        "e\u0301 ",
        "Ǆ ǅ ",
        "\u0130" * 50 + " ",
    ],
)
def test_offsets_index_the_original_text_even_when_lowercasing_changes_length(
    matcher: VendorMatcher, prefix: str
) -> None:
    text = prefix + "Kaspersky’s report and CrowdStrike, then İ again and Okta."
    assert _found(matcher, text) == [
        ("Kaspersky", "Kaspersky"),
        ("CrowdStrike", "CrowdStrike"),
        ("Okta", "Okta"),
    ]


def test_typos_of_capitalised_names_are_found_as_fuzzy_hits(matcher: VendorMatcher) -> None:
    text = "Kasperksy said; Crowdstrke agreed; Kaspersy too."
    hits = matcher.find(text)
    assert [(h.vendor, text[h.start : h.end], h.fuzzy) for h in hits] == [
        ("Kaspersky", "Kasperksy", True),
        ("CrowdStrike", "Crowdstrke", True),
        ("Kaspersky", "Kaspersy", True),
    ]
    assert hits[0].alias == "Kaspersky"


@pytest.mark.parametrize(
    "text",
    [
        "kasperksy in lower case is not evidence",  # typos only for capitalised tokens
        "Trellis and Mandate are words",  # dictionary words near Trellix / Mandiant
        "Kasper Schmeichel saved a penalty.",  # too far from Kaspersky
        "Kaspr and Oktaa",  # too short for typo tolerance
    ],
)
def test_typo_tolerance_does_not_invent_vendors(matcher: VendorMatcher, text: str) -> None:
    assert _found(matcher, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Kasper Schmeichel kept a clean sheet.",
        "The meeting moved to October.",
        "Put the drives in a box and label it.",
        "They waited for a signal from the tower.",
        "Meta descriptions help search engines.",
        "Write unique Meta descriptions for each page.",
        "The startup is based in Palo Alto, California.",
        "Apple pie was served after lunch.",
        "Grandma baked an Apple pie.",
        "The Elastic band snapped.",
        "Use an elastic band.",
        "Zoom in on the chart to see the trend.",
        "You can zoom in on the chart.",
        "Box office takings rose.",
        "Signal strength was weak near the coast.",
        "Slack water at the harbour.",
        "Discord in the team grew.",
        "The Amazon rainforest is burning.",
        "Windows and doors were replaced.",
        "The oracle predicted rain; check point four.",
        "Press F5 to reload the page.",
        "She walked through the Ring of Kerry.",
        "An Arm wrestling contest was held.",
        "The sap rose in the maple trees.",
        "Next came the Painted Box Lantern Parade.",  # an ordinary-word name inside a run of Capitalised Words
        "Goalkeeper Lena Fortinat made seven saves.",  # a typo-like surname after a first name
        "Tickets come with INTEGGO, our all-caps pass.",  # ALL CAPS tokens are not typo candidates
    ],
)
def test_common_words_places_and_people_are_not_vendors(matcher: VendorMatcher, text: str) -> None:
    assert _found(matcher, text) == []


@pytest.mark.parametrize(
    ("text", "vendor", "written"),
    [
        ("Files were shared on Box, the cloud storage company.", "Box", "Box"),
        ("The messaging app Signal said it would leave the country.", "Signal", "Signal"),
        (
            "Zoom patched a flaw in its meeting client.",
            "Zoom",
            "Zoom",
        ),  # sentence-initial, confirmed by context
        ("Users of Slack and Discord were phished.", "Slack", "Slack"),
        ("Meta said Instagram accounts were hijacked.", "Meta", "Meta"),  # confirmed by another alias
        (
            "Palo Alto Networks warned. Palo Alto said its firewalls are safe.",
            "Palo Alto Networks",
            "Palo Alto",
        ),
        ("Apple patched a zero-day in iOS.", "Apple", "Apple"),
        ("The cloud-security startup Wiz found an exposed database.", "Wiz", "Wiz"),
        ("F5 said attackers stole BIG-IP source code.", "F5", "F5"),
        ("Investors cheered, said Box CEO Aaron Levie.", "Box", "Box"),  # in a run, but confirmed by context
    ],
)
def test_ambiguous_names_match_with_capitals_or_context(
    matcher: VendorMatcher, text: str, vendor: str, written: str
) -> None:
    assert (vendor, written) in _found(matcher, text)


def test_ambiguous_names_in_titles_need_confirmation(matcher: VendorMatcher) -> None:
    assert _found(matcher, "Signal Boost for Small Startups", in_title=True) == []
    assert _found(matcher, "Zoom Fixes Critical Flaw in Its Meeting Client", in_title=True) == [
        ("Zoom", "Zoom")
    ]


def test_names_that_must_be_capitalised(matcher: VendorMatcher) -> None:
    assert _found(matcher, "check point and red hat and sap") == []
    assert _found(matcher, "Check Point, Red Hat, SAP and CHECK POINT") == [
        ("Check Point", "Check Point"),
        ("Red Hat", "Red Hat"),
        ("SAP", "SAP"),
        ("Check Point", "CHECK POINT"),
    ]


def test_names_inside_urls_and_link_targets_are_ignored(matcher: VendorMatcher) -> None:
    text = "See https://example.com/kaspersky-report and [the report](/tag/okta/) or www.sophos.example"
    assert _found(matcher, text) == []
    assert _found(matcher, "[Okta](https://example.com/x) said") == [("Okta", "Okta")]  # link text is prose


def test_empty_text(matcher: VendorMatcher) -> None:
    assert matcher.find("") == []
    assert matcher.match("", "") == []


def test_matcher_is_built_once_per_catalog() -> None:
    catalog = VendorCatalog.load()
    assert VendorMatcher.of(catalog) is VendorMatcher.of(catalog)
    workspace = catalog.with_extra([Vendor("Acme Widgets", workspace="T1")])
    assert VendorMatcher.of(workspace) is not VendorMatcher.of(catalog)
    assert VendorMatcher.of(workspace).find("Acme Widgets shipped.")[0].vendor == "Acme Widgets"


def test_benchmark_reports_a_positive_speed() -> None:
    # The >= 20 MB/s budget is checked by `bot bench` on 5 MB; here only that the figure is sane,
    # since the test machine is shared.
    speed = measure_matching_speed(300_000)
    assert 1.0 < speed < 10_000.0
