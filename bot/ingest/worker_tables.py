"""The readers' static tables, loaded when this module is imported: by the parse workers' fork server
(`worker._context`), once, so that every worker forked from it shares them; by a worker started without
one (spawn) before it reads its first file. Loaded on first use instead, they cost each fresh worker
(at start and after a kill) ~50 ms on its first files' clock: every language's stop words at the first
non-English page, the English word list at the first article naming a threat.

Never imported by the service's own process: it reads no page.
"""

from __future__ import annotations

import contextlib

from bot.ingest import stopwords
from bot.ingest.worker import kev_catalog
from bot.intel.facts import threats


def load_tables() -> None:
    stopwords.preload()
    threats.preload()
    kev_catalog(None)


with contextlib.suppress(
    Exception
):  # the fork server must start regardless: a table that fails loads on first use
    load_tables()
