"""Story text is data: escaping for Discord markdown, anti-spoofing links, and embeds that stay
inside Discord's limits (checked with the same rules the stand-in Discord enforces)."""

from __future__ import annotations

import re
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.discord.embeds import EVENT_COLOURS, digest_embed, reply_parts, story_embed
from bot.adapters.discord.escape import BARE_URL, ZERO_WIDTH_SPACE, escape, link
from bot.adapters.discord.platform import delivery_nonce, followup_text
from bot.chat.render import story_plain_text
from bot.models import EventType, KeyFact, Source
from tests.support.discord_payloads import message_errors
from tests.support.stories import KASPERSKY_UK, kaspersky_story

ONE_SOURCE = KASPERSKY_UK["sources"][:1]  # the Discord tests' story starts with one outlet

UNESCAPE = re.compile(r"\\(.)", re.DOTALL)


def unescape(text: str) -> str:
    return UNESCAPE.sub(r"\1", text).replace(ZERO_WIDTH_SPACE, "")


def test_markdown_and_mentions_are_shown_literally() -> None:
    text = "**Breaking** @everyone <@123> <@&456> `code` [bank](https://evil.example) ||spoiler||"
    escaped = escape(text)
    assert "@everyone" not in escaped and "@" + ZERO_WIDTH_SPACE + "everyone" in escaped
    assert "<@" not in escaped.replace("\\<@", "")
    assert "](" not in escaped.replace("\\](", "")
    assert escaped.startswith("\\*\\*Breaking\\*\\*")
    assert unescape(escaped) == text


def test_line_start_markup_is_escaped_but_not_mid_line() -> None:
    escaped = escape("# Heading\n- item\n> quote\n12. point\nco-founder #1")
    assert escaped.splitlines() == ["\\# Heading", "\\- item", "\\> quote", "12\\. point", "co-founder #1"]


def test_bare_urls_stay_clickable() -> None:
    text = "Details at https://example.com/a_b*c?x=1 and more_text"
    assert escape(text) == "Details at https://example.com/a_b*c?x=1 and more\\_text"


def test_truncation_never_splits_an_escape() -> None:
    text = "*" * 50
    out = escape(text, limit=21)
    assert len(out) <= 21 and out.endswith("…")
    assert out[:-1] == "\\*" * 10


TOKENS = [*"ab *_~`|[]()<>@#-\\\n1.:/", "everyone", "here", "https://x.example/"]


@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_escape_round_trips_and_opens_nothing(text: str) -> None:
    escaped = escape(text)
    assert unescape(escaped) == text
    # Discord consumes a bare URL as one link (its rule runs before emphasis), so what must be inert
    # is everything outside URLs once escaped characters are removed.
    stripped = UNESCAPE.sub("", BARE_URL.sub("", escaped))
    assert not re.search(r"[*_~`|\[\]<>]", stripped)
    assert not re.search(r"@(everyone|here)", escaped)


@given(st.text(max_size=300), st.integers(min_value=2, max_value=120))
def test_escape_respects_limits(text: str, limit: int) -> None:
    assert len(escape(text, limit)) <= limit


def test_links_cannot_pretend_to_be_another_site() -> None:
    assert link("TechCrunch", "https://techcrunch.com/a") == "[TechCrunch](https://techcrunch.com/a)"
    assert link("paypal.com", "https://evil.example/login") == "[evil.example](https://evil.example/login)"
    assert link("https://bank.example", "https://evil.example/x") == "[evil.example](https://evil.example/x)"
    assert link("Outlet", "javascript:alert(1)") == "Outlet"
    assert link("Wiki", "https://en.example.org/A_(b)") == "[Wiki](https://en.example.org/A_%28b%29)"
    assert link("[x](y)", "https://ok.example/") == "[\\[x\\](y)](https://ok.example/)"


def test_story_embed_shows_the_alert() -> None:
    story = kaspersky_story(
        sources=(
            ("Example Tech News", "https://news.example.com/k"),
            ("Register Sample", None),
        )
    )
    data = story_embed(story).to_dict()
    assert data["title"] == escape(story.title)
    assert data["url"] == "https://news.example.com/k"
    assert data["description"] == escape(story.summary)
    assert data["color"] == EVENT_COLOURS[EventType.LAYOFFS]
    fields = {f["name"]: f["value"] for f in data["fields"]}
    assert fields["Key facts"].splitlines() == ["• " + escape(f.text) for f in story.key_facts]
    assert "[Example Tech News](https://news.example.com/k)" in fields["Sources"]
    assert "• Register Sample · 08 Oct 2024" in fields["Sources"]
    assert data["footer"]["text"] == "Kaspersky · Layoffs / closure · 2 sources"
    assert data["timestamp"].startswith("2024-10-08T14:30:00")


def test_event_types_have_distinct_colours() -> None:
    assert set(EVENT_COLOURS) == set(EventType)
    assert len(set(EVENT_COLOURS.values())) == len(EventType)


def test_huge_story_still_fits_discord_limits() -> None:
    story = kaspersky_story(
        title="T" * 400,
        summary="word " * 2000,
        facts=tuple(f"fact {i} " + "x" * 300 for i in range(30)),
        sources=tuple((f"Outlet {i}", f"https://o{i}.example.com/" + "p" * 150) for i in range(60)),
    )
    data = story_embed(story).to_dict()
    assert message_errors({"embeds": [data]}, creating=True) == []
    assert "… and" in data["fields"][1]["value"]
    assert data["footer"]["text"].endswith("60 sources")


def test_digest_lists_each_story_once() -> None:
    first = kaspersky_story(sources=ONE_SOURCE, story_id=1, title="First *story*")
    second = replace(
        kaspersky_story(sources=ONE_SOURCE, story_id=2, title="Second story"), updated_at=first.updated_at.replace(hour=18)
    )
    data = digest_embed([first, second]).to_dict()
    assert data["title"] == "Digest: 2 stories"
    description = data["description"]
    assert description.index("Second story") < description.index("First \\*story\\*")
    assert message_errors({"embeds": [data]}, creating=True) == []


def test_reply_with_story_does_not_repeat_the_story_as_text() -> None:
    story = kaspersky_story(sources=ONE_SOURCE)
    content, embed = reply_parts("Subscribed.\nLatest story:\n" + story_plain_text(story), story)
    assert content == "Subscribed.\nLatest story:"
    assert embed is not None and embed.title == escape(story.title)


def test_followup_names_the_new_outlets_with_links() -> None:
    story = replace(
        kaspersky_story(sources=ONE_SOURCE),
        sources=(
            Source("Example Tech News", "https://news.example.com/k", "a", None),
            Source("Register *Sample*", "https://register.example.org/k", "b", None),
        ),
        key_facts=(KeyFact("statement", "x", (0,)),),
    )
    text = followup_text(story, ["Register *Sample*"])
    assert text == "More coverage: [Register \\*Sample\\*](https://register.example.org/k) · now 2 sources"


def test_delivery_nonce_is_stable_and_short() -> None:
    assert delivery_nonce("story:7:sub:3") == delivery_nonce("story:7:sub:3")
    assert delivery_nonce("story:7:sub:3") != delivery_nonce("story:7:sub:4")
    assert len(delivery_nonce("x" * 500)) <= 25
