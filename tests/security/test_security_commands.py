"""Hostile command arguments: whatever a user types gives a valid action or a one-line error, never an
exception or an internal failure; inputs are length-capped; SQL only ever sees arguments as data.

Runs the real `CommandService` over a real store and the built-in catalog. Hypothesis drives both
entry points: `run_text` (Slack and console: the raw argument text) and `run` (Discord: typed options).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import Core, open_core
from bot.chat.commands import COMMAND_SPECS
from bot.chat.parsing import MAX_INPUT_CHARS
from bot.chat.ports import CommandContext, Reply
from bot.config import Settings
from bot.models import ChannelRef

CHANNEL = ChannelRef("slack", "T1", "C1")
INTERNAL_FAILURE = "failed on our side"
MAX_ERROR_CHARS = 400
SQL = "'; DROP TABLE subscriptions; --"
TABLES = {"articles", "stories", "subscriptions", "tracked_vendors", "outbox"}


async def _admin() -> bool:
    return True


def context(channel: ChannelRef = CHANNEL, user: str = "U1") -> CommandContext:
    return CommandContext(channel, user=user, is_admin=_admin)


class CoreRunner:
    """One core on its own event loop for the whole module: Hypothesis calls a synchronous test many
    times, and each example runs its command on this loop."""

    def __init__(self, tmp: Path) -> None:
        self.runner = asyncio.Runner()
        self.settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            BOT_DB_PATH=tmp / "bot.sqlite3",
            BOT_STORIES_DIR=tmp / "stories",
        )
        self._opened = open_core(self.settings)
        self.core: Core = self.runner.run(self._opened.__aenter__())

    def text(self, name: str, text: str, ctx: CommandContext | None = None) -> Reply:
        return self.runner.run(self.core.commands.run_text(ctx or context(), name, text))

    def typed(self, name: str, args: dict[str, str], ctx: CommandContext | None = None) -> Reply:
        return self.runner.run(self.core.commands.run(ctx or context(), name, args))

    def close(self) -> None:
        self.runner.run(self._opened.__aexit__(None, None, None))
        self.runner.close()


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CoreRunner]:
    runner = CoreRunner(tmp_path_factory.mktemp("commands"))
    yield runner
    runner.close()


def assert_sane(reply: Reply) -> None:
    assert isinstance(reply, Reply)
    assert INTERNAL_FAILURE not in reply.text, reply.text  # a handler raised: a bug, not bad input
    if reply.error:
        assert len(reply.text.splitlines()) == 1, reply.text
        assert 0 < len(reply.text) <= MAX_ERROR_CHARS, reply.text


COMMAND_NAMES = [spec.name for spec in COMMAND_SPECS]
OPTION_NAMES = sorted({opt.name for spec in COMMAND_SPECS for opt in spec.options})
HOSTILE = [
    SQL,
    "<!channel>",
    "@everyone",
    "<@U123>",
    "\u202egnp.exe",
    "\u200b",
    "\x00",
    "\r\n",
    "\u2028",
    "\x85",
    '"',
    "'",
    "\\",
    "%s%n",
    "{0}",
    "../../etc/passwd",
    "/etc/localtime",
    "okta",
    "Kaspersky",
    "AT&T",
    "9" * 30,
    "-1",
    "0:00",
    "23:59",
    "99:99",
    "2h",
    "0m",
    "9999w",
    "Europe/London",
    "UTC",
]
words = st.one_of(
    st.sampled_from(HOSTILE),
    st.builds(lambda key, value: f"{key}:{value}", st.sampled_from(OPTION_NAMES), st.sampled_from(HOSTILE)),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), max_size=12),
)
argument_text = st.one_of(st.lists(words, max_size=8).map(" ".join), st.text(max_size=MAX_INPUT_CHARS + 50))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from([*COMMAND_NAMES, "/subscribe", "SUBSCRIBE", "nope", ""]), text=argument_text)
def test_any_argument_text_gives_an_action_or_one_line_error(bot: CoreRunner, name: str, text: str) -> None:
    assert_sane(bot.text(name, text))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(COMMAND_NAMES),
    args=st.dictionaries(
        st.one_of(st.sampled_from(OPTION_NAMES), st.text(max_size=10)),
        st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300)),
        max_size=5,
    ),
)
def test_any_typed_options_give_an_action_or_one_line_error(
    bot: CoreRunner, name: str, args: dict[str, str]
) -> None:
    assert_sane(bot.typed(name, args))


@settings(max_examples=60, deadline=None)
@given(
    workspace=st.one_of(st.just(SQL), st.text(max_size=30)),
    channel=st.one_of(st.just(SQL), st.text(max_size=30)),
    user=st.text(max_size=30),
)
def test_hostile_channel_and_user_ids_are_data(
    bot: CoreRunner, workspace: str, channel: str, user: str
) -> None:
    ctx = context(ChannelRef("slack", workspace, channel), user)
    assert_sane(bot.text("subscribe", "okta", ctx))
    listing = bot.text("subscriptions", "", ctx)
    assert_sane(listing)
    assert "Okta" in listing.text
    assert_sane(bot.text("unsubscribe", "okta", ctx))


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_over_long_input_is_refused_before_any_work(bot: CoreRunner, name: str) -> None:
    reply = bot.text(name, "okta " + "x" * MAX_INPUT_CHARS)
    assert reply.error and "too long" in reply.text


@pytest.mark.parametrize(
    ("name", "option"), [(spec.name, opt) for spec in COMMAND_SPECS for opt in spec.options]
)
def test_every_option_has_a_length_cap(bot: CoreRunner, name: str, option: object) -> None:
    from bot.chat.specs import OptionSpec

    assert isinstance(option, OptionSpec)
    assert option.max_length <= 200
    required = {
        o.name: "okta" for spec in COMMAND_SPECS if spec.name == name for o in spec.options if o.required
    }
    reply = bot.typed(name, {**required, option.name: "y" * (option.max_length + 1)})
    assert reply.error and f"{option.name} is too long" in reply.text, reply.text


def test_sql_in_every_argument_is_stored_and_matched_as_data(bot: CoreRunner) -> None:
    ctx = context(ChannelRef("slack", "T-sql", "C-sql"))
    tracked = bot.typed("track", {"name": "Bobby Tables", "aliases": SQL}, ctx)
    assert not tracked.error, tracked.text
    # The alias is the hostile string itself: subscribing by it finds the tracked vendor.
    by_text = bot.text("subscribe", SQL, ctx)
    assert not by_text.error and "Bobby Tables" in by_text.text, by_text.text
    subscribed = bot.typed("subscribe", {"vendor": SQL, "include": SQL, "exclude": SQL}, ctx)
    assert not subscribed.error and "Bobby Tables" in subscribed.text, subscribed.text
    for name, args in [
        ("story", {"vendor": SQL}),
        ("vendors", {"prefix": SQL}),
        ("mute", {"vendor": SQL, "duration": "2h"}),
        ("unmute", {"vendor": SQL}),
        ("untrack", {"name": SQL}),
        ("subscribe", {"vendor": "okta", "tz": SQL}),
        ("subscribe", {"vendor": "okta", "types": SQL}),
    ]:
        assert_sane(bot.typed(name, args, ctx))

    with sqlite3.connect(bot.settings.db_path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables >= TABLES
        rows = conn.execute(
            "SELECT vendor, include_words FROM subscriptions WHERE workspace='T-sql' AND channel='C-sql'"
        ).fetchall()
        aliases = conn.execute("SELECT aliases FROM tracked_vendors WHERE name='Bobby Tables'").fetchone()
    assert rows == [("Bobby Tables", '["\'; drop table subscriptions; --"]')]
    assert aliases is not None and "drop table subscriptions" in aliases[0]
    listing = bot.text("subscriptions", "", ctx)
    assert "include: '; drop table subscriptions; --" in listing.text
