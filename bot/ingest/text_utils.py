"""Small helpers shared by the ingest modules."""

from __future__ import annotations


def wordset(words: str) -> frozenset[str]:
    """A frozenset from a space-separated word list (keeps long vocabularies readable)."""
    return frozenset(words.split())
