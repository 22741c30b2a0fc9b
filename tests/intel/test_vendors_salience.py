"""SUBJECT vs MENTION: what an article is about, on invented articles and on the two stored seed stories."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.intel.vendors import VendorCatalog, VendorMatcher
from bot.intel.vendors.salience import HAND_RULES
from bot.models import Salience, VendorMatch

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SEEDS = sorted((DATA / "seeds").glob("*.txt")) if (DATA / "seeds").is_dir() else []
MENU_VENDORS = {"Amazon", "Apple", "Google", "Meta", "Microsoft", "TikTok"}

BREACH_BODY = """Okta said on Friday that attackers had used stolen credentials to reach its support system and
download files that customers had uploaded. The identity company said it had notified everyone affected.

Okta's chief security officer said the intruders were in the system for two weeks. The company has since
rotated session tokens and added extra checks for administrators.

One affected customer, the password manager 1Password, said it spotted the activity first and alerted Okta.
Analysts at a bank said the breach would raise questions for Okta at its next earnings call.

A spokesperson for Cloudflare, which was also a customer, said no Cloudflare systems were compromised."""

MENU_PAGE = """* [Apple](/tag/apple/)
* [Google](/tag/google/)
* [Meta](/tag/meta/)

[Microsoft](/tag/microsoft/)

[TikTok](/tag/tiktok/)

Veeam warned customers on Tuesday about a critical flaw in its backup software that lets attackers run code
remotely. Veeam said a fix is available and urged administrators to install it.

Researchers said Veeam servers are a favourite target of ransomware gangs, and Veeam has patched similar
flaws twice this year. The company did not say whether the bug had been exploited.

Topics: [Veeam](/tag/veeam/), [Apple](/tag/apple/), [Security](/category/security/)"""


@pytest.fixture(scope="module")
def matcher() -> VendorMatcher:
    return VendorMatcher.of(VendorCatalog.load())


def _by_vendor(matches: list[VendorMatch]) -> dict[str, VendorMatch]:
    return {match.vendor: match for match in matches}


def _subjects(matches: list[VendorMatch]) -> list[str]:
    return [m.vendor for m in matches if m.salience is Salience.SUBJECT]


def test_title_and_lead_vendor_is_the_subject_others_are_mentions(matcher: VendorMatcher) -> None:
    matches = matcher.match("Okta says hackers stole customer files from support system", BREACH_BODY)
    found = _by_vendor(matches)
    assert _subjects(matches) == ["Okta"]
    assert found["1Password"].salience is Salience.MENTION
    assert found["Cloudflare"].salience is Salience.MENTION
    assert matches[0].vendor == "Okta"
    assert found["Okta"].score > found["Cloudflare"].score > 0
    assert found["Okta"].hits[0].in_title and not found["Okta"].hits[-1].in_title


def test_subjects_come_first_then_mentions_each_by_score(matcher: VendorMatcher) -> None:
    matches = matcher.match("Okta and Cloudflare respond to support breach", BREACH_BODY)
    saliences = [m.salience for m in matches]
    assert saliences == sorted(saliences, key=lambda s: s is not Salience.SUBJECT)
    # Cloudflare (in the title, but only denying harm in the body) is a borderline call for the fitted
    # model; the hand rules make every title vendor a subject.
    assert "Okta" in _subjects(matches)
    hand = matcher.match("Okta and Cloudflare respond to support breach", BREACH_BODY, model=HAND_RULES)
    assert set(_subjects(hand)) == {"Okta", "Cloudflare"}
    subjects = [m.score for m in matches if m.salience is Salience.SUBJECT]
    mentions = [m.score for m in matches if m.salience is Salience.MENTION]
    assert subjects == sorted(subjects, reverse=True) and mentions == sorted(mentions, reverse=True)


def test_dominant_lead_vendor_ranks_first_without_a_title_hit(matcher: VendorMatcher) -> None:
    matches = matcher.match("Identity provider confirms support-system breach", BREACH_BODY)
    assert matches[0].vendor == "Okta" and matches[0].role == "affected"
    assert matches[0].score > 2 * max(m.score for m in matches[1:])
    hand = matcher.match("Identity provider confirms support-system breach", BREACH_BODY, model=HAND_RULES)
    assert _subjects(hand) == ["Okta"]


def test_vendors_seen_only_in_link_lists_are_not_subjects(matcher: VendorMatcher) -> None:
    matches = matcher.match("Backup maker patches critical flaw", MENU_PAGE)
    assert _subjects(matches) == ["Veeam"]
    assert not MENU_VENDORS & {m.vendor for m in matches}


def test_a_passing_mention_in_the_last_paragraph_is_a_mention(matcher: VendorMatcher) -> None:
    body = BREACH_BODY + "\n\nSeparately, Zscaler reported quarterly results."
    found = _by_vendor(matcher.match("Okta breach widens", body))
    assert found["Zscaler"].salience is Salience.MENTION


def _crude_article(path: Path) -> tuple[str, str]:
    """Title and body without any cleaning: front matter title (or first line) and everything else."""
    raw = path.read_text(encoding="utf-8")
    if raw.startswith("---"):
        _, front, body = raw.split("---", 2)
        title = re.search(r"^title:\s*(.*)$", front, re.M)
        return (title.group(1) if title else ""), body
    title, _, body = raw.partition("\n")
    return title, body


def _check_seed(matches: list[VendorMatch]) -> None:
    assert _subjects(matches) == ["Kaspersky"]
    found = _by_vendor(matches)
    assert "UltraAV" not in found or found["UltraAV"].salience is Salience.MENTION
    assert all(found[v].salience is Salience.MENTION for v in MENU_VENDORS if v in found)


@pytest.mark.skipif(not SEEDS, reason="shared seed data not present")
@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_seed_stories_are_about_kaspersky_even_uncleaned(matcher: VendorMatcher, path: Path) -> None:
    title, body = _crude_article(path)
    _check_seed(matcher.match(title, body))


@pytest.mark.skipif(not SEEDS, reason="shared seed data not present")
@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_seed_stories_are_about_kaspersky_after_cleaning(matcher: VendorMatcher, path: Path) -> None:
    article_module = pytest.importorskip("bot.ingest.article")
    article = article_module.load_article(path)
    _check_seed(matcher.match(article.title, article.body))


_NOISE = st.text(alphabet=st.sampled_from(list("aİßﬁ🚀Σ é\u0301\n’-.,")), max_size=12)
_ALIASES = st.sampled_from(
    ["Kaspersky", "CrowdStrike", "Palo Alto Networks", "FortiGate", "MOVEit", "1Password"]
)


@settings(max_examples=150, deadline=None)
@given(parts=st.lists(st.tuples(_NOISE, _ALIASES), min_size=1, max_size=5), tail=_NOISE)
def test_offsets_always_slice_the_written_alias(
    matcher: VendorMatcher, parts: list[tuple[str, str]], tail: str
) -> None:
    text = "".join(f"{noise} {alias} " for noise, alias in parts) + tail
    hits = matcher.find(text)
    assert [text[h.start : h.end] for h in hits] == [alias for _, alias in parts]
