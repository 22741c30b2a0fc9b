from __future__ import annotations

from datetime import timedelta

import pytest

from bot.chat.commands import COMMAND_SPECS
from bot.chat.parsing import UsageError, clean_input, parse_duration, parse_text, split_words

SPECS = {spec.name: spec for spec in COMMAND_SPECS}


def test_subscribe_with_filters() -> None:
    args = parse_text(SPECS["subscribe"], 'kaspersky types:breach,layoffs include:"data leak",uk mode:digest')
    assert args == {"vendor": "kaspersky", "types": "breach,layoffs", "include": "data leak,uk", "mode": "digest"}


def test_multi_word_vendor_and_trailing_duration() -> None:
    assert parse_text(SPECS["subscribe"], "palo alto networks")["vendor"] == "palo alto networks"
    args = parse_text(SPECS["mute"], "palo alto networks 3d")
    assert args == {"vendor": "palo alto networks", "duration": "3d"}


@pytest.mark.parametrize(
    ("command", "text", "message"),
    [
        ("subscribe", "", "vendor is missing"),
        ("subscribe", "okta mode:loud", "mode must be one of"),
        ("subscribe", "okta types:breach,gossip", "unknown types 'gossip'"),
        ("mute", "okta", "duration is missing"),
        ("mute", "okta soon", "not a duration"),
        ("subscriptions", "extra words", "takes no arguments"),
        ("subscribe", "x" * 600, "too long"),
    ],
)
def test_bad_arguments_give_one_line(command: str, text: str, message: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_text(SPECS[command], text)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_lone_apostrophe_is_a_word() -> None:
    assert parse_text(SPECS["track"], "O'Reilly Media")["name"] == "O'Reilly Media"


def test_durations() -> None:
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("3d") == timedelta(days=3)
    assert parse_duration("1w") == timedelta(weeks=1)
    with pytest.raises(UsageError):
        parse_duration("200d")
    with pytest.raises(UsageError):
        parse_duration("0m")


def test_input_cleaning() -> None:
    assert clean_input("ok\u202eta \u200b x\x00") == "okta x"
    assert split_words("UK, uk ,, London") == ("uk", "london")


def test_usage_line() -> None:
    assert SPECS["mute"].usage == "/mute VENDOR DURATION"
    assert SPECS["subscribe"].usage.startswith("/subscribe VENDOR [types:…]")
