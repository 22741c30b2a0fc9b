"""Platform limits by construction: every Slack and Discord payload the builders make for extreme
stories (huge titles, thousands of facts, URLs near 2,000 characters, hundreds of sources, text full
of `& < >` and markdown, digests of hundreds of stories) is within every limit, judged by checkers
written from the platforms' documented limits (tests/support), not from the builders' constants."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.discord.embeds import digest_embed, reply_parts, story_embed
from bot.adapters.discord.platform import followup_text as discord_followup
from bot.adapters.slack.blocks import alert_message, digest_message, followup_text, reply_message
from bot.chat.ports import Reply
from bot.models import EventType, KeyFact, Source, Story
from tests.support.discord_payloads import message_errors
from tests.support.slack_payloads import block_problems, message_problem

NASTY = "&<>*_~`|[]()\\#@-. aé\n"
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

texts = st.one_of(
    st.text(alphabet=NASTY, max_size=60),
    st.builds(lambda piece, n: piece * n, st.text(alphabet=NASTY, min_size=1, max_size=8), st.integers(1, 1500)),
)
hosts = st.sampled_from(["news.example", "a" * 60 + ".example", "paypal.com.evil.example", "x.example"])
urls = st.builds(
    lambda host, piece, n: f"https://{host}/{(piece * n)[:1900]}",
    hosts,
    st.sampled_from(["a", "&", "a&b=c", "%3C"]),
    st.integers(0, 1000),
)
KINDS = ["statement", "cve", "fixed", "exploitation", "kev", "victims"]


@st.composite
def stories(draw: st.DrawFn, story_id: int = 1) -> Story:
    when = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 10_000)))
    source_count = draw(st.sampled_from([0, 1, 3, 300]))
    outlet, url = draw(texts), draw(urls)
    sources = tuple(
        Source(outlet=f"{outlet}{i}" if i % 2 else draw(hosts), url=url if i % 3 else f"{url}{i}", title="t", published=when)
        for i in range(source_count)
    )
    fact, fact_count = draw(texts), draw(st.sampled_from([0, 1, 30, 2000]))
    version = draw(st.integers(1, 2))
    facts = tuple(
        KeyFact(KINDS[i % len(KINDS)], f"{fact} {i}", (0,), data={"changed_in": 2, "change": fact})
        for i in range(fact_count)
    )
    return Story(
        id=story_id,
        title=draw(texts),
        summary=draw(texts),
        key_facts=facts,
        sources=sources,
        vendors=tuple(draw(st.lists(texts, max_size=40))),
        event_type=draw(st.sampled_from(list(EventType))),
        first_seen=when,
        updated_at=when,
        version=version,
    )


def assert_slack_ok(kwargs: dict[str, Any]) -> None:
    assert message_problem(kwargs) is None, block_problems(kwargs.get("blocks"))
    for text in _slack_texts(kwargs):
        assert_slack_text_whole(text)


def _slack_texts(kwargs: dict[str, Any]) -> list[str]:
    found = [str(kwargs.get("text", ""))]
    for block in kwargs.get("blocks") or []:
        if isinstance(block.get("text"), dict):
            found.append(block["text"]["text"])
        found.extend(item.get("text", "") for item in block.get("fields", []) + block.get("elements", []))
    return [text for text in found if isinstance(text, str)]


LINK = re.compile(r"<(https?://[^|>]+)\|([^>]*)>")


def assert_slack_text_whole(text: str) -> None:
    """No escape sequence cut in half, every `<` opens one of our own links or mentions, and a link
    label that names a host names the link's own."""
    assert not re.search(r"&(?!amp;|lt;|gt;)", text), text[:200]
    rest = LINK.sub("", text)
    rest = re.sub(r"<@[UW][A-Z0-9]+>", "", rest)
    assert "<" not in rest and ">" not in rest, rest[:200]
    for target, label in LINK.findall(text):
        host = target.split("/")[2].removeprefix("www.")
        # What a reader takes for an address (the product's own definition: a dotted name ending
        # in letters), ignoring the ellipsis of a host shown from its end.
        named = re.findall(r"(?i)[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b", label.removeprefix("…"))
        for name in named:
            assert host.endswith(name.lower()) or name.lower().endswith(host), (label, host)


def assert_discord_ok(content: str | None, embeds: list[Any]) -> None:
    body: dict[str, Any] = {"embeds": [embed.to_dict() for embed in embeds]}
    if content:
        body["content"] = content
    assert message_errors(body, creating=True) == []
    for text in [content or "", *(_embed_texts(e.to_dict()) for e in embeds)]:
        assert "\\…" not in text.replace("\\\\…", ""), "an escape cut in half"


def _embed_texts(embed: dict[str, Any]) -> str:
    parts = [embed.get("title") or "", embed.get("description") or ""]
    parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


@SETTINGS
@given(stories())
def test_every_slack_alert_edit_and_reply_is_within_limits(story: Story) -> None:
    assert_slack_ok(alert_message(story, shared_by="U123ABC", share="x" * 1900).as_kwargs())
    reply = Reply(text="Subscribed.\n" + story.title, story=story, lines=())
    assert_slack_ok(reply_message(reply, share="v").as_kwargs())
    lines = tuple(f"{story.title[:500]} {i}" for i in range(400))
    assert_slack_ok(reply_message(Reply(text=story.summary, lines=lines)).as_kwargs())
    outlets = [source.outlet for source in story.sources]
    assert_slack_ok({"text": followup_text(story, outlets)})


@SETTINGS
@given(stories())
def test_every_discord_alert_edit_and_reply_is_within_limits(story: Story) -> None:
    assert_discord_ok(None, [story_embed(story)])
    content, embed = reply_parts(story.summary * 3 + story.title, story)
    assert_discord_ok(content, [embed] if embed else [])
    assert_discord_ok(discord_followup(story, [source.outlet for source in story.sources]), [])


@SETTINGS
@given(st.lists(stories(), min_size=1, max_size=4), st.sampled_from([1, 40, 300]))
def test_digests_of_hundreds_of_extreme_stories_are_within_limits(sample: list[Story], count: int) -> None:
    many = [sample[i % len(sample)] for i in range(count)]
    assert_slack_ok(digest_message(many).as_kwargs())
    assert_discord_ok(None, [digest_embed(many)])


def test_a_digest_keeps_every_story_with_an_odd_url_and_says_how_many_more() -> None:
    """One story's 1,900-character URL full of `&` used to push a section past 3,000 characters."""
    when = datetime(2026, 1, 1, tzinfo=UTC)
    odd = Source("Odd", "https://odd.example/?" + "a&" * 950, "t", when)
    story = Story(1, "Odd & <story>", "s" * 600, (), (odd,), ("Acme",), EventType.BREACH, when, when)
    many = [story] * 40
    message = digest_message(many).as_kwargs()
    assert_slack_ok(message)
    assert "Odd &amp; &lt;story&gt;" in str(message["blocks"])
    assert "…and 25 more" in str(message["blocks"])
    embed = digest_embed(many).to_dict()
    assert_discord_ok(None, [digest_embed(many)])
    assert "… and 20 more" in embed["description"]
