"""The readers' static tables are loaded by importing `bot.ingest.worker_tables` (the parse workers' fork
server does), and only then: the service's own process, which imports `bot.ingest.worker` to run the
pool, reads no page and must not carry them. Each check runs in a fresh interpreter (the test process
may have loaded the tables already)."""

from __future__ import annotations

import subprocess
import sys

_LOADED = (
    "from bot.ingest.stopwords import LANGUAGES, _stoplist\n"
    "from bot.intel.facts.threats import _automaton, _english\n"
    "print(_stoplist.cache_info().currsize == len(LANGUAGES), _english.cache_info().currsize,"
    " _automaton.cache_info().currsize)\n"
)


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout.strip()


def test_importing_worker_tables_loads_them() -> None:
    assert _run("import bot.ingest.worker_tables\n" + _LOADED) == "True 1 1"


def test_the_service_process_does_not_load_them() -> None:
    assert _run("import bot.ingest.worker\n" + _LOADED) == "False 0 0"
