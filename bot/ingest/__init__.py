"""Stored page files -> clean `Article`s (no vendor matching here: the pipeline adds subjects/mentions).

Public API:
- `load_article(path, *, max_bytes, settle_seconds, root)` / `article_from_bytes(data, path, *, max_bytes)`
- `clean_text(text, fmt)`: the boilerplate remover alone
- `reject_file(path, stories_dir, reason)`: move an unreadable file to `stories_dir/.rejected/`
- `watch_story_files(stories_dir, *, stop_event, settle_seconds)`: existing, then new/changed files
- `RejectedFile` / `NotReady`: why a file gave no article (for good / for now)
"""

from bot.ingest.article import article_from_bytes, article_from_page, content_hash, load_article
from bot.ingest.clean import clean_text
from bot.ingest.errors import IngestError, NotReady, RejectedFile, Transient
from bot.ingest.formats import parse_page
from bot.ingest.reject import REJECTED_DIR, reject_file
from bot.ingest.watch import existing_story_files, is_story_file, watch_story_files

__all__ = [
    "REJECTED_DIR",
    "IngestError",
    "NotReady",
    "RejectedFile",
    "Transient",
    "article_from_bytes",
    "article_from_page",
    "clean_text",
    "content_hash",
    "existing_story_files",
    "is_story_file",
    "load_article",
    "parse_page",
    "reject_file",
    "watch_story_files",
]
