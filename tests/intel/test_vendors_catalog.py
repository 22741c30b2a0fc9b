"""The vendor catalog: built-in data, lookup by name/alias/typo, suggestions, paging, user files, workspace vendors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.intel.vendors import AliasKind, VendorCatalog, VendorMatcher
from bot.intel.vendors.entries import lookup_key
from bot.models import Vendor


@pytest.fixture(scope="module")
def catalog() -> VendorCatalog:
    return VendorCatalog.load()


def test_catalog_has_at_least_300_vendors_each_with_a_category(catalog: VendorCatalog) -> None:
    assert len(catalog.vendors) >= 300
    assert all(vendor.category for vendor in catalog.vendors)
    assert [v.name.casefold() for v in catalog.vendors] == sorted(v.name.casefold() for v in catalog.vendors)


def test_every_alias_belongs_to_exactly_one_vendor(catalog: VendorCatalog) -> None:
    owner: dict[str, str] = {}
    clashes = []
    for vendor in catalog.vendors:
        for alias in (vendor.name, *vendor.aliases):
            previous = owner.setdefault(lookup_key(alias), vendor.name)
            if previous != vendor.name:
                clashes.append((alias, previous, vendor.name))
    assert clashes == []


_REQUIRED = """
Kaspersky, CrowdStrike, Okta, Microsoft, Google, Apple, Amazon, AWS, Meta, Cisco, Fortinet, Ivanti,
SolarWinds, Citrix, VMware, Broadcom, Zscaler, Cloudflare, SentinelOne, Sophos, ESET, Bitdefender,
Avast, Malwarebytes, 1Password, LastPass, Bitwarden, Signal, Box, Dropbox, Atlassian, GitHub,
GitLab, Snowflake, MongoDB, Oracle, SAP, Salesforce, Twilio, Auth0, CyberArk, Rapid7, Tenable,
Qualys, Splunk, Datadog, Elastic, Akamai, F5, Juniper, Arista, Netgear, TP-Link, D-Link, Ubiquiti,
Zyxel, SonicWall, WatchGuard, Barracuda, Proofpoint, Mimecast, UltraAV, TikTok, Instagram, Intel,
AMD, Nvidia, Qualcomm, Samsung, Huawei, ZTE, Xiaomi, Lenovo, Dell, HP, IBM, Canonical, SUSE,
Mozilla, Adobe, Zoom, Slack, Discord, Telegram, WhatsApp, Kaseya, ConnectWise, Veeam, Commvault,
Rubrik, Cohesity, NetApp, Wiz, Lacework, Snyk, Veracode, Checkmarx, JFrog, HashiCorp,
Palo Alto Networks, Check Point, Trend Micro, Ping Identity, Red Hat, Progress Software,
Orca Security
"""


@pytest.mark.parametrize("name", [n.strip() for n in _REQUIRED.split(",")])
def test_required_vendors_are_known(catalog: VendorCatalog, name: str) -> None:
    assert catalog.lookup(name) is not None, name


@pytest.mark.parametrize(
    ("query", "vendor"),
    [
        ("Kaspersky Lab", "Kaspersky"),
        ("Symantec", "Gen Digital"),
        ("NortonLifeLock", "Gen Digital"),
        ("Gen Digital", "Gen Digital"),
        ("McAfee", "McAfee"),
        ("FireEye", "Mandiant"),
        ("Trellix", "Trellix"),
        ("Kaspersky Endpoint Security", "Kaspersky"),
        ("FortiGate", "Fortinet"),
        ("GlobalProtect", "Palo Alto Networks"),
        ("Pulse Secure", "Ivanti"),
        ("Ivanti Connect Secure", "Ivanti"),
        ("ScreenConnect", "ConnectWise"),
        ("MOVEit", "Progress Software"),
        ("AWS", "Amazon"),
        ("Instagram", "Meta"),
        ("WhatsApp", "Meta"),
        ("Facebook", "Meta"),
        ("Palo Alto", "Palo Alto Networks"),
    ],
)
def test_aliases_products_and_former_names_resolve(catalog: VendorCatalog, query: str, vendor: str) -> None:
    found = catalog.lookup(query)
    assert found is not None and found.name == vendor


@pytest.mark.parametrize(
    ("query", "vendor"),
    [
        ("KASPERSKY", "Kaspersky"),
        ("kaspersky", "Kaspersky"),
        ("crowdSTRIKE", "CrowdStrike"),
        ("crowd strike", "CrowdStrike"),
        ("palo-alto  networks", "Palo Alto Networks"),
        ("  okta ", "Okta"),
        ("moveit transfer", "Progress Software"),
    ],
)
def test_lookup_ignores_case_spacing_and_punctuation(catalog: VendorCatalog, query: str, vendor: str) -> None:
    found = catalog.lookup(query)
    assert found is not None and found.name == vendor


@pytest.mark.parametrize(
    ("query", "vendor"),
    [
        ("kaspersy", "Kaspersky"),
        ("Kasperksy", "Kaspersky"),
        ("kasperski", "Kaspersky"),
        ("crowdstrke", "CrowdStrike"),
        ("microsft", "Microsoft"),
        ("fortinte", "Fortinet"),
        ("Sentinelone", "SentinelOne"),
    ],
)
def test_lookup_tolerates_typos(catalog: VendorCatalog, query: str, vendor: str) -> None:
    found = catalog.lookup(query)
    assert found is not None and found.name == vendor


@pytest.mark.parametrize(
    "query", ["Kasper", "kasp", "xyzzy", "October", "zzzzzzzzzz", "", "   ", "Schmeichel"]
)
def test_lookup_rejects_strings_too_far_from_any_vendor(catalog: VendorCatalog, query: str) -> None:
    assert catalog.lookup(query) is None


def test_get_is_exact_canonical_name(catalog: VendorCatalog) -> None:
    vendor = catalog.get("Kaspersky")
    assert vendor is not None and "Kaspersky Lab" in vendor.aliases
    assert catalog.get("kaspersky") is None
    assert catalog.get("Kaspersky Lab") is None


def test_suggest_puts_the_closest_name_first(catalog: VendorCatalog) -> None:
    assert catalog.suggest("kasperski")[0] == "Kaspersky"
    assert catalog.suggest("crowdstrik", limit=2)[0] == "CrowdStrike"
    assert catalog.suggest("fortinte")[0] == "Fortinet"
    assert len(catalog.suggest("kasperski", limit=1)) == 1
    assert catalog.suggest("qqqqqqqqqqqqqqqqqqqq") == []


def test_search_lists_prefix_matches_then_substring_then_alias_matches(catalog: VendorCatalog) -> None:
    assert catalog.search("fort")[:2] == ["Fortinet", "Fortra"]
    assert catalog.search("forti") == ["Fortinet", "Lacework"]  # Lacework by its "Lacework FortiCNAPP" alias
    alto = catalog.search("alto")
    assert "Palo Alto Networks" in alto
    assert catalog.search("screenconnect") == ["ConnectWise"]
    assert catalog.search("zzzzqqq") == []


def test_search_pages_through_the_whole_catalog(catalog: VendorCatalog) -> None:
    everything = catalog.search("", limit=10_000)
    assert len(everything) == len(catalog.vendors)
    pages = [catalog.search("", limit=25, offset=start) for start in range(0, len(everything), 25)]
    assert [name for page in pages for name in page] == everything
    assert all(len(page) <= 25 for page in pages)


def test_ambiguous_vendors_can_be_confirmed_by_context(catalog: VendorCatalog) -> None:
    strict = {rule.vendor for rule in catalog.alias_rules() if rule.kind >= AliasKind.AMBIGUOUS}
    assert {"Box", "Signal", "Meta", "Zoom", "Elastic", "Slack", "Discord", "Wiz", "Snowflake"} <= strict
    for vendor in strict:
        context = {lookup_key(term) for term in catalog.rules_for(vendor).context}
        risky = {lookup_key(r.alias) for r in catalog.alias_rules() if r.vendor == vendor and r.kind >= 2}
        assert context, f"{vendor} has ambiguous aliases but no context words"
        assert not context & risky, f"{vendor}: a context word is itself an ambiguous alias"


def test_with_extra_adds_workspace_vendors_without_changing_the_base(catalog: VendorCatalog) -> None:
    extra = [
        Vendor("Acme Widgets", aliases=("AcmeSec",), category="saas", workspace="T123"),
        Vendor("Kaspersky", aliases=("KasperskyOS",)),
        Vendor("Sneaky", aliases=("Okta",), workspace="T123"),  # cannot take another vendor's alias
    ]
    merged = catalog.with_extra(extra)
    acme = merged.lookup("acmesec")
    assert acme is not None and acme.name == "Acme Widgets" and acme.workspace == "T123"
    kaspersky = merged.lookup("KasperskyOS")
    assert kaspersky is not None and kaspersky.name == "Kaspersky" and kaspersky.workspace is None
    okta = merged.lookup("Okta")
    assert okta is not None and okta.name == "Okta"
    assert catalog.lookup("acmesec") is None
    assert len(merged.vendors) == len(catalog.vendors) + 2
    assert catalog.with_extra(list(extra)) is merged  # cached per set of extra vendors
    assert catalog.with_extra([]) is catalog


def test_workspace_vendor_name_takes_over_a_product_alias(catalog: VendorCatalog) -> None:
    merged = catalog.with_extra([Vendor("Instagram", workspace="T1")])
    instagram = merged.lookup("instagram")
    assert instagram is not None and instagram.name == "Instagram"
    meta = merged.get("Meta")
    assert meta is not None and "Instagram" not in meta.aliases


def test_workspace_vendor_with_a_common_word_name_is_matched_carefully(catalog: VendorCatalog) -> None:
    matcher = VendorMatcher.of(catalog.with_extra([Vendor("Beacon", workspace="T9")]))
    assert matcher.find("Light a beacon on the hill.") == []
    assert matcher.find("Beacon lights were lit.") == []
    hits = matcher.find("Customers of the startup Beacon were told to reset passwords.")
    assert [h.vendor for h in hits] == ["Beacon"]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_user_yaml_file_adds_extends_moves_and_disables(tmp_path: Path) -> None:
    user = _write(
        tmp_path,
        "vendors.yaml",
        """
vendors:
  - name: Acme Security
    aliases: [AcmeSec, Acme Sec Inc]
    products: [AcmeGuard]
    category: endpoint-security
  - name: Kaspersky
    aliases: [KasperskyOS]
    category: antivirus
  - name: Instagram
    category: social-media
  - name: Avast
    disabled: true
""",
    )
    catalog = VendorCatalog.load(user)
    acme = catalog.lookup("acmeguard")
    assert acme is not None and acme.name == "Acme Security" and acme.category == "endpoint-security"
    kaspersky = catalog.get("Kaspersky")
    assert (
        kaspersky is not None and "KasperskyOS" in kaspersky.aliases and "Kaspersky Lab" in kaspersky.aliases
    )
    assert kaspersky.category == "antivirus"
    instagram = catalog.lookup("Instagram")
    assert instagram is not None and instagram.name == "Instagram"
    assert catalog.get("Avast") is None and catalog.lookup("AVG") is None
    hits = VendorMatcher(catalog).find("AcmeGuard flagged a loader; Kaspersky agreed.")
    assert [h.vendor for h in hits] == ["Acme Security", "Kaspersky"]


def test_user_toml_file_has_the_same_shape(tmp_path: Path) -> None:
    user = _write(
        tmp_path,
        "vendors.toml",
        """
[[vendors]]
name = "Acme Security"
aliases = ["AcmeSec"]
category = "saas"

[[vendors]]
name = "Okta"
replace = true
aliases = ["Okta Identity Cloud"]
category = "identity"
""",
    )
    catalog = VendorCatalog.load(user)
    acme = catalog.lookup("AcmeSec")
    assert acme is not None and acme.name == "Acme Security"
    okta = catalog.get("Okta")
    assert okta is not None and okta.aliases == ("Okta Identity Cloud",)


def test_user_file_can_mark_its_vendor_ambiguous(tmp_path: Path) -> None:
    user = _write(tmp_path, "v.yaml", "vendors:\n  - {name: Harbor, ambiguous: true, context: [registry]}\n")
    matcher = VendorMatcher(VendorCatalog.load(user))
    assert matcher.find("Boats in the harbor. Harbor fees rose.") == []
    assert [h.vendor for h in matcher.find("Harbor fixed a registry flaw.")] == ["Harbor"]


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("bad.yaml", "vendors:\n  - name: [unclosed\n", "invalid YAML"),
        ("bad.toml", "[[vendors]\nname = 'x'\n", "invalid TOML"),
        ("noname.yaml", "vendors:\n  - aliases: [X]\n", "has no 'name'"),
        ("typo.yaml", "vendors:\n  - name: X\n    alias: [Y]\n", "unknown key 'alias'"),
        (
            "aliases.yaml",
            "vendors:\n  - name: X\n    aliases: [1, 2]\n",
            "'aliases' must be a list of non-empty strings",
        ),
        ("shape.yaml", "vendors: 12\n", "expected a list of vendors"),
        ("top.yaml", "vendor:\n  - name: X\n", "unknown top-level key 'vendor'"),
        ("flag.yaml", "vendors:\n  - name: X\n    disabled: maybe\n", "'disabled' must be true or false"),
        ("steal.yaml", "vendors:\n  - name: Gen Digital\n    aliases: [Avast]\n", "another vendor's name"),
    ],
)
def test_bad_user_file_is_a_one_line_error_naming_the_file(
    tmp_path: Path, name: str, text: str, problem: str
) -> None:
    path = _write(tmp_path, name, text)
    with pytest.raises(ValueError) as caught:
        VendorCatalog.load(path)
    message = str(caught.value)
    assert str(path) in message and problem in message
    assert "\n" not in message


def test_missing_user_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ValueError, match="file not found") as caught:
        VendorCatalog.load(missing)
    assert str(missing) in str(caught.value)
