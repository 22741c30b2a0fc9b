"""Slack's size limits in one place, so every builder trims against the same numbers.

A payload past any of these is refused whole (`invalid_blocks`, `msg_too_long`): an alert or a
digest that never arrives. Builders therefore trim with "…" or drop whole items against these
constants instead of discovering the limits from Slack. Numbers are Slack's documented maxima.
"""

from __future__ import annotations

HEADER_TEXT = 150  # header block plain_text
SECTION_TEXT = 3000  # section text, counted after escaping (&amp; &lt; &gt;)
SECTION_FIELDS = 10  # fields per section
FIELD_TEXT = 2000  # each field's text
CONTEXT_ELEMENTS = 10  # elements per context block
CONTEXT_TEXT = 2000  # what we allow one context element (Slack's text objects take 3000)
BLOCKS_PER_MESSAGE = 50
MESSAGE_TEXT = 40000  # top-level `text`
NOTIFICATION_TEXT = 4000  # what we put in `text` when blocks carry the message: enough to notify
