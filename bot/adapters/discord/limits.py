"""Discord's size limits in one place, so every builder trims against the same numbers.

An over-long embed or content is a 400 (50035 Invalid Form Body) for the whole message: an alert,
edit or digest that never arrives. Builders trim with "…" or drop whole items against these.
"""

from __future__ import annotations

EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER_TEXT = 2048
AUTHOR_NAME = 256
EMBED_TOTAL = 6000  # title + description + field names and values + footer + author, per message
MESSAGE_CONTENT = 2000
EMBEDS_PER_MESSAGE = 10
