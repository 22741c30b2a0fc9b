"""Story text is inert on the wire: hostile stories are delivered by the real adapters (slack_sdk and
discord.py against the stand-in servers) and the assertions are on the payloads the stand-ins
recorded, for alerts, edits, thread follow-ups, digests and command replies.

Inert means: no mention or broadcast can form (`@everyone`, `@here`, `<@123>`, `<@&456>`, `<!channel>`,
`<!here>`), the only links are the ones the bot built, each to an http(s) source URL that
`bot.chat.render.safe_url` accepted and under a label that does not name another site (no
`<https://evil.example|https://bank.example>`, no `[https://bank.example](https://evil.example)`), and
`javascript:` / `data:` never become links.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.adapters.discord import DiscordPlatform
from bot.adapters.slack import SlackPlatform
from bot.chat.ports import Reply
from bot.chat.render import safe_url, story_plain_text
from bot.config import Settings
from bot.models import ChannelRef, EventType, KeyFact, Source, Story
from tests.support.commands import RecordingCommands
from tests.support.discord_fakes import running as running_discord
from tests.support.discord_fakes import settings_for
from tests.support.discord_server import DiscordStandIn, RecordedRequest
from tests.support.slack_fakes import running as running_slack
from tests.support.slack_server import TEAM_ID, ApiCall, SlackStandIn

pytestmark = pytest.mark.slow

WHEN = datetime(2024, 10, 8, 14, 30, tzinfo=UTC)
MENTIONS = (
    "@everyone",
    "@here",
    "@channel",
    "<@123>",
    "<@!123>",
    "<@&456>",
    "<#789>",
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S123>",
    "<@U024BE7LH>",
    "<t:0:R>",
    "</subscribe:1>",
    "<:pwn:1>",
)
SPOOFS = (
    "<https://evil.example|https://bank.example>",
    "[https://bank.example](https://evil.example)",
    "[Your bank](https://evil.example/login)",
    "[click](javascript:alert(1))",
    "<javascript:alert(1)|click>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "javascript:alert(document.cookie)",
)
MARKUP = (
    "**bold**",
    "# heading",
    "> quote",
    "`code`",
    "||spoiler||",
    "~~x~~",
    "\\",
    "|",
    "&amp;",
    "&lt;!here&gt;",
)
INVISIBLE = ("\u202e", "\u200b", "\u2066", "\ufeff")
HOSTILE_SOURCES: tuple[tuple[str, str | None], ...] = (
    ("https://bank.example", "https://evil.example/a"),
    ("[bank.example](https://bank.example)", "https://evil.example/b"),
    ("Evil|Outlet> <!channel>", "https://evil.example/c?x=1&y=2"),
    ("@everyone", "https://ok.example/d"),
    ("Scripted", "javascript:alert(1)"),
    ("Mixed", "JaVaScRiPt:alert(1)"),
    ("Data", "data:text/html,<script>alert(1)</script>"),
    ("Relative", "//evil.example/e"),
    ("Creds", "https://bank.example@evil.example/f"),
    ("bank.example", "https://evil.example\\@bank.example/g"),
    ("Bidi", "https://ok.example/\u202egnp.exe"),
    ("Spaced", "https://ok.example/has space"),
    ("Paren", "https://ok.example/a)](javascript:alert(1))"),
    ("None", None),
)


def hostile_story(story_id: int = 66, *, rng: random.Random | None = None) -> Story:
    """The fixed worst case, or (with `rng`) a random mix of hostile fragments and plain words."""
    if rng is None:
        title = "<!channel> @everyone <@123> <@&456> AT&T breach <https://evil.example|https://bank.example>"
        summary = " ".join((*MENTIONS, *SPOOFS, *MARKUP, *INVISIBLE))
        facts = (*MENTIONS[:6], *SPOOFS[:4], "a > b & c < d")
        sources = HOSTILE_SOURCES
        vendors: tuple[str, ...] = ("<!everyone>", "@here Okta")
    else:
        pool = [*MENTIONS, *SPOOFS, *MARKUP, *INVISIBLE, "Okta", "breach", "the", "\n", " ", "1.", "-"]

        def mix(n: int) -> str:
            return "".join(rng.choice(pool) + rng.choice(("", " ", "")) for _ in range(rng.randint(1, n)))

        title, summary = mix(8), mix(40)
        facts = tuple(mix(10) for _ in range(rng.randint(0, 4)))
        sources = tuple(
            (mix(3), rng.choice([u for _, u in HOSTILE_SOURCES])) for _ in range(rng.randint(1, 5))
        )
        vendors = (mix(3),)
    return Story(
        id=story_id,
        title=title,
        summary=summary,
        key_facts=tuple(KeyFact("statement", text, (0,)) for text in facts),
        sources=tuple(Source(outlet, url, f"{outlet} title <!here>", WHEN) for outlet, url in sources),
        vendors=vendors,
        event_type=EventType.BREACH,
        first_seen=WHEN,
        updated_at=WHEN,
    )


def stories() -> list[Story]:
    rng = random.Random(20241008)
    return [hostile_story(), *(hostile_story(100 + n, rng=rng) for n in range(25))]


def allowed_urls(stories: Iterable[Story]) -> set[str]:
    return {url for story in stories for s in story.sources if (url := safe_url(s.url))}


BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")  # shown reversed: "invoice\u202efdp.exe"
_DOTTED = re.compile(r"(?i)\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b")


def assert_honest(label: str, url: str) -> None:
    """A link label may name no site other than the one the link goes to."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    assert parts.scheme.lower() in ("http", "https"), url
    # user info or a backslash: browsers and urlsplit disagree on the host (`https://a\\@b`)
    assert "@" not in parts.netloc and "\\" not in url, url
    for shown in _DOTTED.findall(label):
        shown = shown.lower().removeprefix("www.")
        assert host == shown or host.endswith("." + shown), (
            f"label {label!r} names {shown}, link goes to {host}"
        )


# -- Slack ------------------------------------------------------------------------------------------

SLACK_LINK = re.compile(r"<([^<>]*)>")


def slack_texts(node: Any) -> list[str]:
    if isinstance(node, str):
        try:
            decoded = json.loads(node)
        except ValueError:
            return []
        return slack_texts(decoded) if isinstance(decoded, (dict, list)) else []
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                found.append(value)
            elif key != "value":  # a button's value is never rendered
                found.extend(slack_texts(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(slack_texts(item))
    return found


def assert_inert_for_slack(
    payload: dict[str, Any], allowed: set[str], *, shared_by: str | None = None
) -> None:
    assert str(payload.get("link_names", "")).lower() not in ("1", "true"), (
        "link_names would turn @here into a ping"
    )
    assert payload.get("parse") not in ("full",), "parse=full would turn @channel into a ping"
    texts = slack_texts({k: v for k, v in payload.items() if k in ("text", "blocks", "attachments")})
    assert texts, payload
    for text in texts:
        assert not BIDI.search(text), f"bidi control in {text!r}"
        if shared_by is not None:
            text = text.replace(f"<@{shared_by}>", "")
        for match in SLACK_LINK.finditer(text):
            url, bar, label = match.group(1).partition("|")
            assert bar, f"control sequence {match.group(0)!r} in {text!r}"
            url = url.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
            assert url in allowed, f"link to {url!r} in {text!r}"
            assert_honest(label, url)


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn() as standin:
        yield standin


def slack_settings(slack: SlackStandIn) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        SLACK_BOT_TOKEN=slack.bot_token,
        SLACK_APP_TOKEN=slack.app_token,
        SLACK_API_URL=slack.api_url,
    )


def posted(calls: list[ApiCall]) -> list[dict[str, Any]]:
    return [call.params for call in calls]


async def test_slack_alerts_edits_followups_and_digests_are_inert(slack: SlackStandIn) -> None:
    platform = SlackPlatform(slack_settings(slack), RecordingCommands())
    channel = ChannelRef("slack", TEAM_ID, "C0ALERTS")
    batch = stories()
    for story in batch:
        ref = await platform.post_alert(channel, story, delivery_key=f"k{story.id}")
        await platform.edit_alert(ref, story)
        await platform.post_followup(ref, story, [s.outlet for s in story.sources])
    await platform.post_digest(channel, batch, delivery_key="digest")
    payloads = posted(slack.calls_to("chat.postMessage")) + posted(slack.calls_to("chat.update"))
    assert len(payloads) == 3 * len(batch) + 1
    allowed = allowed_urls(batch)
    for payload in payloads:
        assert_inert_for_slack(payload, allowed)
    dumped = json.dumps(payloads)
    for ping in ("<!channel>", "<!here>", "<!everyone>", "<@123>", "<@U024BE7LH>", "<#789>", "<!subteam"):
        assert ping not in dumped
    for scheme in ("<javascript:", "<data:", "<//", "<jav"):
        assert scheme not in dumped.lower()
    # The hostile outlet still shows, as text: escaped, and linked to where it really goes.
    first = slack.calls_to("chat.postMessage")[0]
    sources = first.blocks[-1]["elements"][0]["text"]
    assert "<https://evil.example/a|evil.example>" in sources
    assert "Scripted" in sources and "Data" in sources and "javascript" not in sources.lower()


async def test_slack_command_replies_and_shares_are_inert(slack: SlackStandIn) -> None:
    story = hostile_story()
    commands = RecordingCommands()
    echo = "No vendor '<!channel> @here <https://evil.example|bank.example>'."
    commands.replies["subscribe"] = Reply(echo, error=True)
    commands.replies["story"] = Reply(story_plain_text(story), story=story, shareable=True)
    commands.replies["vendors"] = Reply("Vendors:\n<!here>", lines=("<!here>", "<@123>", "[a](javascript:x)"))
    slack.add_user("U0USER", name="alice", is_admin=True)
    async with running_slack(SlackPlatform(slack_settings(slack), commands)):
        for command, text in (("/subscribe", "<!channel>"), ("/story", "okta"), ("/vendors", "")):
            await slack.wait_ack(await slack.send_slash_command(command, text))
        replies = await slack.wait_responses(3)
        share = next(r for r in replies if "blocks" in r and any(b["type"] == "actions" for b in r["blocks"]))
        button = next(b for b in share["blocks"] if b["type"] == "actions")["elements"][0]
        await slack.click_button(button["action_id"], button["value"])
        (shared,) = await slack.wait_calls("chat.postMessage")
        await slack.wait_all_acked()
    allowed = allowed_urls([story])
    for reply in replies:
        assert_inert_for_slack(reply, allowed)
    assert_inert_for_slack(shared.params, allowed, shared_by="U0USER")
    assert any("No vendor '&lt;!channel&gt; @here &lt;https://evil.example" in r["text"] for r in replies)


# -- Discord ----------------------------------------------------------------------------------------

MASKED_LINK = re.compile(r"\[([^\[\]]*)\]\(([^()\s]*)\)")
MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)


def structural(text: str) -> str:
    """The text with every backslash-escaped character replaced by a placeholder: what is left is the
    markup Discord would act on."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append("\x00\x00")
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def discord_texts(message: dict[str, Any]) -> list[str]:
    """The texts Discord renders as markdown. (Embed footers and thread names are shown as plain text,
    and nothing inside an embed ever pings.)"""
    texts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        texts += [embed.get("title") or "", embed.get("description") or ""]
        for field in embed.get("fields") or []:
            texts += [field.get("name") or "", field.get("value") or ""]
    return [t for t in texts if t]


def assert_inert_for_discord(message: dict[str, Any], allowed: set[str]) -> None:
    assert message.get("allowed_mentions") == {"parse": []}, message.get("allowed_mentions")
    for embed in message.get("embeds") or []:
        assert embed.get("url") in allowed | {None}, embed.get("url")
    texts = discord_texts(message)
    assert texts, message
    for text in texts:
        assert not BIDI.search(text), f"bidi control in {text!r}"
        assert not MASS_MENTION.search(text), f"mass mention in {text!r}"
        markup = structural(text)
        assert "<" not in markup, f"unescaped '<' in {text!r}"
        for match in MASKED_LINK.finditer(markup):
            url = match.group(2).replace("%28", "(").replace("%29", ")")
            assert url in allowed, f"masked link to {url!r} in {text!r}"
            assert_honest(match.group(1), url)
        rest = MASKED_LINK.sub("", markup)
        assert "](" not in rest, f"broken masked link in {text!r}"


def sent_messages(discord: DiscordStandIn) -> list[RecordedRequest]:
    routes = (r"/channels/\d+/messages", r"/channels/\d+/messages/\d+", r"/webhooks/\d+/[\w-]+")
    return [
        r
        for r in discord.requests
        if r.method in ("POST", "PATCH") and any(re.fullmatch(p, r.path) for p in routes)
    ]


async def test_discord_alerts_edits_followups_and_digests_are_inert() -> None:
    async with DiscordStandIn() as discord:
        async with running_discord(DiscordPlatform(settings_for(discord), RecordingCommands(typed_only=True))) as bot:
            channel = ChannelRef("discord", str(discord.guild_id), str(discord.channel_id))
            batch = stories()
            for story in batch:
                ref = await bot.post_alert(channel, story, delivery_key=f"k{story.id}")
                await bot.edit_alert(ref, story)
                await bot.post_followup(ref, story, [s.outlet for s in story.sources])
            await bot.post_digest(channel, batch, delivery_key="digest")
        requests = sent_messages(discord)
        assert len(requests) == 3 * len(batch) + 1
        assert all(r.body.get("allowed_mentions") == {"parse": []} for r in requests)
        allowed = allowed_urls(batch)
        for request in requests:
            assert_inert_for_discord(request.body, allowed)
        for thread in discord.threads():  # shown as plain text, but still no reversed names
            assert thread["name"] and not BIDI.search(thread["name"])
        first = discord.messages[min(discord.messages)]
        assert first["embeds"][0]["url"] == "https://evil.example/a"
        sources = first["embeds"][0]["fields"][-1]["value"]
        assert "[evil.example](https://evil.example/a)" in sources and "Scripted" in sources


async def test_discord_command_replies_are_inert() -> None:
    story = hostile_story()
    commands = RecordingCommands(typed_only=True)
    commands.replies["subscribe"] = Reply(
        "No vendor '<@&456> @everyone [bank](https://evil.example)'.", error=True
    )
    commands.replies["story"] = Reply(story_plain_text(story), story=story, ephemeral=False)
    async with DiscordStandIn() as discord:
        async with running_discord(DiscordPlatform(settings_for(discord), commands)):
            one = await discord.send_command("subscribe", {"vendor": "<@&456>"})
            two = await discord.send_command("story", {"vendor": "@everyone"})
            await discord.wait_until(lambda: bool(one.replies) and len(two.followups) >= 1)
        requests = [r for r in sent_messages(discord) if r.path.startswith("/webhooks/")]
        assert requests
        for request in requests:
            assert_inert_for_discord(request.body, allowed_urls([story]))
        assert any("\\<@&456" in (r.body.get("content") or "") for r in requests)


# -- console ----------------------------------------------------------------------------------------

TERMINAL_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


async def test_console_output_carries_no_terminal_control_sequences() -> None:
    """An ESC sequence in a scraped title would drive the terminal of whoever watches the console
    (set its title, write its clipboard with OSC 52): the console prints story text without them."""
    import io

    from bot.adapters.console import ConsolePlatform

    escapes = "\x1b]0;owned\x07 \x1b]52;c;Y3VybCBldmlsLmV4YW1wbGU=\x07 \x1b[2J \x9b31m \x00 \x08\x08"
    story = hostile_story()
    story = Story(
        id=story.id,
        title=f"Okta {escapes} breach \u202egnp.exe",
        summary=f"Summary {escapes}",
        key_facts=(KeyFact("statement", f"fact {escapes}", (0,)),),
        sources=(Source(f"Outlet {escapes}", "https://ok.example/a", f"t {escapes}", WHEN),),
        vendors=(f"Okta{escapes}",),
        event_type=EventType.BREACH,
        first_seen=WHEN,
        updated_at=WHEN,
    )
    out = io.StringIO()
    console = ConsolePlatform(RecordingCommands(typed_only=True), stdin=io.StringIO(""), stdout=out)  # type: ignore[arg-type]
    channel = ChannelRef("console", "local", "console")
    ref = await console.post_alert(channel, story, delivery_key="k")
    await console.edit_alert(ref, story)
    await console.post_followup(ref, story, [f"Outlet {escapes}"])
    await console.post_digest(channel, [story], delivery_key="d")
    printed = out.getvalue()
    assert "Okta" in printed and "breach" in printed and "Outlet" in printed
    assert not TERMINAL_CONTROL.search(printed), repr(TERMINAL_CONTROL.search(printed))
