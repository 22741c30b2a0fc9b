"""SimHash is stored with every story member, so its value is part of the database: the counting in C
(`similarity.simhash`) must give exactly what the definition gives, a vote per shingle per bit of its
8-byte big-endian BLAKE2b digest, a bit set when more than half the shingles have it set."""

from __future__ import annotations

import hashlib
import random

from hypothesis import given
from hypothesis import strategies as st

from bot.intel.similarity import hamming, shingles, simhash


def _by_definition(text: str) -> int:
    found = shingles(text)
    votes = [0] * 64
    for shingle in found:
        value = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            votes[bit] += (value >> (63 - bit)) & 1
    result = sum(1 << (63 - bit) for bit in range(64) if votes[bit] > len(found) / 2)
    return result - (1 << 64) if result >= 1 << 63 else result


def test_short_texts_are_one_shingle() -> None:
    assert shingles("") == {""}
    assert shingles("Okta") == {"okta"}
    assert shingles("Okta, Cisco!") == {"okta cisco"}
    assert shingles("a b c d") == {"a b c", "b c d"}


def test_simhash_matches_its_definition_on_prose() -> None:
    rng = random.Random(7)
    words = [
        "the",
        "vendor",
        "patched",
        "a",
        "flaw",
        "that",
        "attackers",
        "exploited",
        "in",
        "its",
        "VPN",
        "appliance",
        "last",
        "week",
    ]
    for length in (0, 1, 2, 3, 4, 5, 8, 40, 400):
        text = " ".join(rng.choice(words) for _ in range(length))
        assert simhash(text) == _by_definition(text)
        assert simhash(text, shingles(text)) == simhash(text)


@given(st.text(alphabet="abcde -'.\n", max_size=300))
def test_simhash_matches_its_definition(text: str) -> None:
    assert simhash(text) == _by_definition(text)


def test_near_copies_are_near() -> None:
    base = " ".join(f"word{i}" for i in range(300))
    assert hamming(simhash(base), simhash(base + " one more line")) <= 8
    assert -(1 << 63) <= simhash(base) < 1 << 63
