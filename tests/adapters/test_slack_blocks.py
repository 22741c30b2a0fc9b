"""Block Kit rendering: what an alert shows, and that story text can never become Slack markup."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.slack.blocks import (
    HEADER_LIMIT,
    SHARE_ACTION_ID,
    alert_message,
    digest_message,
    followup_text,
    parse_share_value,
    reply_message,
    share_value,
)
from bot.adapters.slack.escape import escape, fit, honest_label, link
from bot.chat.ports import Reply
from bot.chat.render import safe_url, story_plain_text
from bot.models import EventType, Story
from tests.support.stories import kaspersky_story


def texts(node: Any) -> list[str]:
    """Every string Slack would parse as text: `text` values anywhere in the payload."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(texts(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(texts(item))
    return found


LINK = re.compile(r"<([^<>|]+)\|([^<>|]*)>")


def assert_no_markup_but_links(payload: Any, allowed_urls: set[str]) -> None:
    """Outside the links we built, no `<` or `>` may remain; each link goes to an allowed URL."""
    for text in texts(payload):
        for match in LINK.finditer(text):
            url = match.group(1).replace("&amp;", "&")
            assert url in allowed_urls, f"unexpected link {match.group(0)!r}"
        rest = LINK.sub("", text)
        assert "<" not in rest and ">" not in rest, f"markup left in {text!r}"


def message_payload(story: Story) -> dict[str, Any]:
    message = alert_message(story)
    return {"text": message.text, "blocks": message.blocks}


def test_alert_has_header_summary_facts_and_context_with_links() -> None:
    story = kaspersky_story()
    message = alert_message(story)
    types = [block["type"] for block in message.blocks]
    assert types == ["header", "section", "section", "context"]
    assert message.blocks[0]["text"] == {"type": "plain_text", "text": story.title}
    assert message.blocks[1]["text"]["text"].startswith("The antivirus maker says")
    facts = message.blocks[2]["text"]["text"].splitlines()
    assert facts == [
        "*Key facts*",
        "• Fewer than 50 employees work in the London office",
        "• Closure announced 8 October",
    ]
    sources, about = (element["text"] for element in message.blocks[3]["elements"])
    assert "<https://news.example.com/2024/10/kaspersky-uk|Example Tech News>" in sources
    assert "<https://register.example.org/kaspersky-uk-office|Register Sample>" in sources
    assert sources.endswith("2 sources")
    assert about == "Kaspersky · Layoffs / closure"
    # The notification fallback names vendor, title and count without any markup.
    assert (
        message.text
        == "Kaspersky: Kaspersky to close its UK office, cutting dozens of jobs (Layoffs / closure, 2 sources)"
    )


def test_hostile_story_text_cannot_mention_broadcast_or_spoof_links() -> None:
    story = kaspersky_story(
        title="<!channel> AT&T breach <@U024BE7LH>",
        summary="Read <https://evil.example/login|https://bank.example> now <!here> <#C123|general>",
        facts=("<!subteam^S123> was paged", "a > b & c < d"),
        sources=(
            ("Evil|Outlet>", "https://evil.example/a?x=1&y=2"),
            ("https://bank.example", "https://evil.example/b"),
            ("Scripted", "javascript:alert(1)"),
            ("Spaced", "https://ok.example/has space"),
        ),
        vendors=("<!everyone>",),
    )
    payload = message_payload(story)
    dumped = json.dumps(payload)
    for markup in (
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<@U024BE7LH>",
        "<#C123",
        "<!subteam",
        "<https://evil.example/login",
    ):
        assert markup not in dumped
    assert_no_markup_but_links(payload, {"https://evil.example/a?x=1&y=2", "https://evil.example/b"})
    assert payload["blocks"][0]["text"]["text"] == "&lt;!channel&gt; AT&amp;T breach &lt;@U024BE7LH&gt;"
    sources = payload["blocks"][-1]["elements"][0]["text"]
    # `|` cannot split the label, `>` cannot close the link, the URL's `&` is encoded.
    assert "<https://evil.example/a?x=1&amp;y=2|Evil¦Outlet&gt;>" in sources
    # An outlet name that reads like another address is replaced by the real host.
    assert "<https://evil.example/b|evil.example>" in sources
    # Unsafe URLs are shown as plain outlet names, never linked.
    assert "Scripted" in sources and "javascript" not in sources
    assert "Spaced" in sources and "has space" not in sources


printable = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)
urls = st.one_of(
    st.none(),
    st.sampled_from(
        ["https://a.example/x?q=1&r=2", "http://b.example", "javascript:x", "https://c.example/<x>"]
    ),
    st.builds(lambda path: f"https://d.example/{path}", st.text(max_size=20)),
)


@settings(max_examples=150, deadline=None)
@given(
    title=printable,
    summary=printable,
    fact=printable,
    outlet=printable,
    url=urls,
    vendor=printable,
)
def test_no_story_text_escapes_into_markup(
    title: str, summary: str, fact: str, outlet: str, url: str | None, vendor: str
) -> None:
    story = kaspersky_story(
        title=title or "t",
        summary=summary,
        facts=(fact,) if fact else (),
        sources=((outlet, url),),
        vendors=(vendor,),
    )
    allowed = {u for u in (safe_url(url),) if u}
    assert_no_markup_but_links(message_payload(story), allowed)
    assert_no_markup_but_links({"text": followup_text(story, [outlet])}, allowed)
    digest = digest_message([story, story])
    assert_no_markup_but_links({"text": digest.text, "blocks": digest.blocks}, allowed)
    assert len(alert_message(story).blocks[0]["text"]["text"]) <= HEADER_LIMIT


@given(text=printable, limit=st.integers(min_value=2, max_value=60))
def test_fit_never_splits_an_entity_and_respects_the_limit(text: str, limit: int) -> None:
    out = fit(text, limit)
    assert len(out) <= limit
    assert out == escape(text) or out.endswith("…")
    body = out.removesuffix("…")
    assert re.sub(r"&(amp|lt|gt);", "", body).count("&") == 0


def test_long_title_is_cut_to_the_header_limit_without_breaking_entities() -> None:
    story = kaspersky_story(title="&" * 400)
    header = alert_message(story).blocks[0]["text"]["text"]
    assert len(header) <= HEADER_LIMIT and header.endswith("…")
    assert set(header.removesuffix("…").split("&amp;")) == {""}


def test_honest_label_keeps_names_and_matching_hosts() -> None:
    assert honest_label("Example Tech News", "https://news.example.com/a") == "Example Tech News"
    assert honest_label("news.example.com", "https://news.example.com/a") == "news.example.com"
    assert honest_label("example.com", "https://news.example.com/a") == "example.com"
    assert honest_label("www.bank.example", "https://evil.example/") == "evil.example"
    assert link(None, "No <link>") == "No &lt;link&gt;"


def test_followup_names_the_new_outlet_with_its_link() -> None:
    story = kaspersky_story()
    assert followup_text(story, ["Register Sample"]) == (
        "New source: <https://register.example.org/kaspersky-uk-office|Register Sample>. Now 2 sources."
    )


def test_digest_lists_each_story_with_a_linked_title() -> None:
    first = kaspersky_story()
    second = kaspersky_story(
        story_id=8, title="Okta fixes login bypass", vendors=("Okta",), event_type=EventType.VULNERABILITY
    )
    message = digest_message([first, second])
    assert message.blocks[0]["text"]["text"] == "Vendor digest: 2 stories"
    sections = [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    assert sections[0].startswith("*<https://news.example.com/2024/10/kaspersky-uk|Kaspersky to close")
    assert sections[1].startswith("*<https://news.example.com/2024/10/kaspersky-uk|Okta fixes login bypass>*")
    assert "Kaspersky" in message.text and "Okta" in message.text


def test_story_reply_offers_a_share_button_only_when_shareable() -> None:
    story = kaspersky_story()
    shared = reply_message(
        Reply(story_plain_text(story), story=story, shareable=True), share=share_value("story", "kas")
    )
    actions = [b for b in shared.blocks if b["type"] == "actions"]
    assert len(actions) == 1
    button = actions[0]["elements"][0]
    assert button["action_id"] == SHARE_ACTION_ID and button["text"]["text"] == "Share in channel"
    assert parse_share_value(button["value"]) == ("story", "kas")
    plain = reply_message(Reply(story_plain_text(story), story=story), share=share_value("story", "kas"))
    assert not [b for b in plain.blocks if b["type"] == "actions"]
    assert plain.blocks[0]["type"] == "header"


def test_subscribe_reply_keeps_its_lead_in_before_the_story() -> None:
    story = kaspersky_story()
    text = (
        "Subscribed this channel to Kaspersky: an alert for every new story.\nLatest story, for reference:\n"
    )
    message = reply_message(Reply(text + story_plain_text(story), story=story, ephemeral=False))
    assert message.blocks[0]["type"] == "section"
    assert message.blocks[0]["text"]["text"].startswith("Subscribed this channel to Kaspersky")
    assert message.blocks[1]["type"] == "header"


def test_list_reply_renders_items_once_and_keeps_footer_lines() -> None:
    lines = ("Kaspersky", "Kape <Technologies>")
    text = "Vendors matching 'ka': page 1 of 2 (22 in all)\nKaspersky, Kape <Technologies>\nNext: /vendors ka page:2"
    message = reply_message(Reply(text, lines=lines))
    rendered = [json.dumps(b) for b in message.blocks]
    assert message.blocks[0]["text"]["text"] == "Vendors matching 'ka': page 1 of 2 (22 in all)"
    assert message.blocks[1]["text"]["text"] == "• Kaspersky\n• Kape &lt;Technologies&gt;"
    assert message.blocks[-1]["elements"][0]["text"] == "Next: /vendors ka page:2"
    assert sum("Kaspersky" in r for r in rendered) == 1


def test_long_lists_are_split_into_sections_within_block_kit_limits() -> None:
    lines = tuple(f"Vendor number {i} with a fairly long descriptive name" for i in range(2000))
    message = reply_message(Reply("Many:\n" + "\n".join(lines), lines=lines))
    assert len(message.blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in message.blocks if b["type"] == "section")


def test_error_replies_are_marked_and_escaped() -> None:
    message = reply_message(Reply("No vendor '<!channel>'.", error=True))
    assert message.text == ":warning: No vendor '&lt;!channel&gt;'."
    assert message.blocks == []
