"""Block Kit for alerts, follow-ups, digests and command replies.

What a message shows is decided once in `bot.chat.render.story_view`; this module only lays it out
the Slack way and passes every piece of story text through `escape`/`fit`/`link`, so no story can
put a mention, a broadcast or a fake link into a message. Block Kit's size limits (header 150
characters, section 3000, 50 blocks) are respected here rather than discovered as `invalid_blocks`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.adapters.slack import limits
from bot.adapters.slack.escape import escape, fit, link, one_line
from bot.chat.ports import Reply
from bot.chat.render import SourceLine, StoryView, notification_text, story_plain_text, story_view
from bot.models import Story

Block = dict[str, Any]

HEADER_LIMIT = limits.HEADER_TEXT
SECTION_LIMIT = limits.SECTION_TEXT
CONTEXT_LIMIT = limits.CONTEXT_TEXT
TEXT_LIMIT = limits.NOTIFICATION_TEXT
MAX_BLOCKS = limits.BLOCKS_PER_MESSAGE
MAX_LINKED_SOURCES = 8
MAX_DIGEST_STORIES = 15
FACT_LIMIT = 400
SHARE_ACTION_ID = "share_story"
SHARE_VALUE_LIMIT = 2000
_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """`text` is the notification / accessibility fallback; `blocks` is what people see."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        message: dict[str, Any] = {"text": self.text}
        if self.blocks:
            message["blocks"] = self.blocks
        return message


def _header(text: str) -> Block:
    # Slack refuses an empty header: a story without a title still gets one.
    shown = fit(one_line(text), HEADER_LIMIT) or "Untitled story"
    return {"type": "header", "text": {"type": "plain_text", "text": shown}}


def _section(mrkdwn: str) -> Block:
    # verbatim: Slack must not turn bare addresses or #names in story text into links.
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn, "verbatim": True}}


def _context(*mrkdwn: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": text, "verbatim": True} for text in mrkdwn if text],
    }


def _sources_line(sources: Sequence[SourceLine], count_label: str) -> str:
    """Linked outlets, then "N sources". Links stop when the context element would get too long
    (a source URL may be up to 2000 characters)."""
    shown: list[str] = []
    size = len(count_label) + 20
    for source in sources[:MAX_LINKED_SOURCES]:
        item = link(source.url, source.outlet, limit=80)
        if size + len(item) + 3 > CONTEXT_LIMIT:
            item = link(None, source.outlet, limit=80)
            if size + len(item) + 3 > CONTEXT_LIMIT:
                break
        shown.append(item)
        size += len(item) + 3
    hidden = len(sources) - len(shown)
    if hidden > 0:
        shown.append(f"+{hidden} more")
    shown.append(escape(count_label))
    return " · ".join(shown)


def _about_line(view: StoryView) -> str:
    vendors = fit(", ".join(view.vendors), 300) if view.vendors else ""
    return " · ".join(part for part in (vendors, escape(view.event_label)) if part)


def whole_items(items: Sequence[str], limit: int, *, separator: str = "\n") -> str:
    """As many whole (already escaped) items as fit in `limit` characters, then "… and N more":
    cutting between items never splits an escape sequence or a `<url|label>` link."""
    shown: list[str] = []
    used = 0
    for index, item in enumerate(items):
        more = f"… and {len(items) - index} more"
        tail = len(separator) + len(more) if index < len(items) - 1 else 0
        if used + len(separator) * bool(shown) + len(item) + tail > limit:
            shown.append(more)
            break
        used += len(separator) * bool(shown) + len(item)
        shown.append(item)
    return separator.join(shown)


def _facts_section(facts: Sequence[str]) -> Block:
    heading = "*Key facts*\n"
    items = [f"• {fit(one_line(fact), FACT_LIMIT)}" for fact in facts]
    return _section(heading + whole_items(items, SECTION_LIMIT - len(heading)))


MAX_FIELDS = limits.SECTION_FIELDS
FIELD_TEXT_LIMIT = limits.FIELD_TEXT


def _fields_section(fields: Sequence[tuple[str, str]]) -> Block:
    """CVE · CVSS · Exploited · Fixed in · CISA KEV as a two-column grid."""
    return {
        "type": "section",
        "fields": [
            {
                "type": "mrkdwn",
                "text": fit(f"*{escape(label)}*\n{escape(one_line(value))}", FIELD_TEXT_LIMIT),
                "verbatim": True,
            }
            for label, value in fields[:MAX_FIELDS]
        ],
    }


def share_value(command: str, text: str) -> str:
    """The button value that lets the share action ask the same question again."""
    return json.dumps({"c": command, "t": text[: SHARE_VALUE_LIMIT - 100]}, ensure_ascii=False)


def parse_share_value(value: str) -> tuple[str, str] | None:
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), str) or not isinstance(data.get("t"), str):
        return None
    return data["c"], data["t"]


def _share_actions(value: str) -> Block:
    return {
        "type": "actions",
        "block_id": "story_share",
        "elements": [
            {
                "type": "button",
                "action_id": SHARE_ACTION_ID,
                "text": {"type": "plain_text", "text": "Share in channel"},
                "value": value,
            }
        ],
    }


def alert_blocks(story: Story, *, shared_by: str | None = None, share: str | None = None) -> list[Block]:
    """Header, summary, key facts as a list, then a context line: linked outlets, "N sources",
    vendors and event type."""
    view = story_view(story)
    blocks: list[Block] = [_header(view.title)]
    if view.changes:
        blocks.append(_context("*Updated:* " + fit("; ".join(view.changes), CONTEXT_LIMIT - 11)))
    if view.summary.strip():
        blocks.append(_section(fit(view.summary.strip(), SECTION_LIMIT)))
    if view.fields:
        blocks.append(_fields_section(view.fields))
    if view.facts:
        blocks.append(_facts_section(view.facts))
    blocks.append(_context(_sources_line(view.sources, view.source_count_label), _about_line(view)))
    if shared_by and _SLACK_USER_ID.match(shared_by):
        blocks.append(_context(f"Shared by <@{shared_by}>"))
    if share is not None:
        blocks.append(_share_actions(share))
    return blocks


def alert_message(story: Story, *, shared_by: str | None = None, share: str | None = None) -> SlackMessage:
    return SlackMessage(
        text=fit(notification_text(story), TEXT_LIMIT),
        blocks=alert_blocks(story, shared_by=shared_by, share=share),
    )


def followup_text(story: Story, new_outlets: Sequence[str]) -> str:
    """The thread reply under an updated alert: which outlet joined, linked when it can be."""
    view = story_view(story)
    by_outlet = {source.outlet: source for source in view.sources}
    named = []
    for outlet in new_outlets:
        source = by_outlet.get(outlet)
        named.append(link(source.url, outlet, limit=120) if source else fit(one_line(outlet), 120))
    noun = "source" if len(named) == 1 else "sources"
    changed = f" Updated: {fit('; '.join(view.changes), 300)}." if view.changes else ""
    tail = f". Now {escape(view.source_count_label)}.{changed}"
    room = TEXT_LIMIT - len(f"New {noun}: ") - len(tail)
    joined = whole_items(named, room, separator=", ") if named else "another outlet"
    return f"New {noun}: {joined}{tail}"


def digest_message(stories: Sequence[Story]) -> SlackMessage:
    """One message with several stories: a linked title, the summary and a context line each."""
    shown = stories[:MAX_DIGEST_STORIES]
    noun = "story" if len(stories) == 1 else "stories"
    vendors = sorted({vendor for story in stories for vendor in story.vendors})
    blocks: list[Block] = [_header(f"Vendor digest: {len(stories)} {noun}")]
    for index, story in enumerate(shown):
        view = story_view(story)
        if index:
            blocks.append({"type": "divider"})
        title = f"*{link(view.link, view.title, limit=300)}*"
        if len(title) > SECTION_LIMIT - 700:  # a URL too long to link beside its summary: no link
            title = f"*{fit(one_line(view.title), 300)}*"
        summary = fit(view.summary.strip(), 600)
        blocks.append(_section(f"{title}\n{summary}" if summary else title))
        blocks.append(_context(f"{escape(view.source_count_label)} · {_about_line(view)}"))
    if len(stories) > len(shown):
        blocks.append(_context(f"…and {len(stories) - len(shown)} more"))
    text = fit(f"Vendor digest: {len(stories)} {noun} about {', '.join(vendors)}", TEXT_LIMIT)
    return SlackMessage(text=text, blocks=blocks)


def _chunk_lines(lines: Sequence[str], limit: int) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        item = f"• {fit(one_line(line), 500)}"
        if current and size + len(item) + 1 > limit:
            chunks.append("\n".join(current))
            current, size = [], 0
        current.append(item)
        size += len(item) + 1
    if current:
        chunks.append("\n".join(current))
    return chunks


def _split_reply_text(reply: Reply) -> tuple[str, list[str]]:
    """The heading (first line) and the lines of `reply.text` that do not just repeat an item:
    `text` is complete on its own, so the items are in it too ("• x" lines, "a, b, c")."""
    heading, *rest = reply.text.strip().splitlines() or [""]
    extra = [line for line in rest if line.strip() and not any(item and item in line for item in reply.lines)]
    return heading, extra


def reply_message(reply: Reply, *, share: str | None = None) -> SlackMessage:
    """A command reply: the story in full, a list, or text. All of it escaped: replies echo what
    users typed and what stories say."""
    prefix = ":warning: " if reply.error else ""
    if reply.story is not None:
        story = alert_message(reply.story, share=share if reply.shareable else None)
        # /subscribe says what it did, then shows the latest story: keep that lead-in.
        intro = reply.text.strip().replace(story_plain_text(reply.story).strip(), "").strip()
        if not intro:
            return story
        lead = _section(prefix + fit(intro, SECTION_LIMIT))
        return SlackMessage(text=prefix + fit(intro, TEXT_LIMIT), blocks=[lead, *story.blocks])
    text = prefix + fit(reply.text, TEXT_LIMIT)
    if not reply.lines:
        return SlackMessage(text=text)
    heading, extra = _split_reply_text(reply)
    blocks: list[Block] = []
    if heading.strip():
        blocks.append(_section(prefix + fit(heading.strip(), SECTION_LIMIT)))
    chunks = _chunk_lines(reply.lines, SECTION_LIMIT)
    room = MAX_BLOCKS - len(blocks) - 2
    blocks.extend(_section(chunk) for chunk in chunks[:room])
    if len(chunks) > room:
        blocks.append(_context(f"…{len(chunks) - room} more sections not shown"))
    if extra:
        blocks.append(_context(fit("\n".join(extra), CONTEXT_LIMIT)))
    return SlackMessage(text=text, blocks=blocks)
