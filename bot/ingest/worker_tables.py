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
from bot.intel.facts import threats
from bot.intel.facts.kev import load_catalog


def load_tables() -> None:
    stopwords.preload()
    threats.preload()
    load_catalog(None)  # cached there: the workers' kev_catalog(None) finds it loaded


with contextlib.suppress(
    Exception
):  # the fork server must start regardless: a table that fails loads on first use
    load_tables()
