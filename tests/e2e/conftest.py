"""Fixtures of the end-to-end tests (the bot as a child process lives in tests/support/bot_process.py)."""

from __future__ import annotations

import pytest

from tests.support.bot_process import Coverage, two_outlets


@pytest.fixture
def coverage() -> Coverage:
    """Two outlets' files about one event: the real seed stories when present, else two samples."""
    return two_outlets()
