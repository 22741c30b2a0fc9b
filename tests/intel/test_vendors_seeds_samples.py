"""The seeds and the bundled sample stories keep their subjects through the fitted subject model."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ingest import load_article
from bot.intel.vendors import VendorCatalog, VendorMatcher
from bot.models import Salience

SAMPLES = Path(__file__).resolve().parents[2] / "bot" / "samples" / "stories"
SAMPLE_SUBJECTS = {
    "2026-01-22-cloudsentinel-okta-verify-flaw.md": {"Okta"},
    "2026-02-04-ivanti-connect-secure-patch.txt": {"Ivanti"},
    "2026-02-17-crowdstrike-acquires-keystone.html": {"CrowdStrike"},
    "2026-03-06-netdefense-fortinet-fortios-zero-day.json": {"Fortinet"},
    "2026-03-10-breachwire-okta-support-breach.md": {"Okta"},
    "2026-03-11-patchreport-okta-support-breach.txt": {"Okta"},
    "2026-03-12-cisco-restructuring-layoffs.md": {"Cisco"},
}


@pytest.fixture(scope="module")
def matcher() -> VendorMatcher:
    return VendorMatcher.of(VendorCatalog.load())


def _subjects(matcher: VendorMatcher, path: Path) -> set[str]:
    article = load_article(path, settle_seconds=0)
    return {m.vendor for m in matcher.match(article.title, article.body) if m.salience is Salience.SUBJECT}


def test_every_bundled_sample_is_listed() -> None:
    assert {p.name for p in SAMPLES.iterdir() if p.is_file()} == set(SAMPLE_SUBJECTS)


@pytest.mark.parametrize("name", sorted(SAMPLE_SUBJECTS))
def test_bundled_samples_keep_their_subjects(matcher: VendorMatcher, name: str) -> None:
    assert _subjects(matcher, SAMPLES / name) == SAMPLE_SUBJECTS[name]


def test_seeds_keep_kaspersky_as_their_only_subject(matcher: VendorMatcher, seeds: list[Path]) -> None:
    for seed in seeds:
        assert _subjects(matcher, seed) == {"Kaspersky"}, seed.name
