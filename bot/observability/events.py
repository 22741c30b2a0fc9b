"""The small interface the core reports through, and the per-run choice of recorder.

Why a context variable rather than constructor arguments: the events come from deep inside the
pipeline and the delivery workers, and one process may run several services (tests do). The service
sets the recorder once around its task group; every task it starts (and every `to_thread`) inherits
it, and code outside a service (the CLI's `bot ingest`, benchmarks) reports into the no-op default.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar


class Telemetry:
    """What happened, in the core's words. This base records nothing; `metrics.PrometheusTelemetry`
    counts. Methods must be cheap and must never raise."""

    def file_processed(self, status: str, reason: str | None) -> None:
        """A watched file went through the pipeline: stored, duplicate, seen, rejected or pending."""

    def story_changed(self, kinds: Sequence[str]) -> None:
        """A story was created or updated (the change kinds, e.g. created, new_source)."""

    def watcher_lag(self, seconds: float) -> None:
        """From a file's last modification to the watcher handing it to the pipeline."""

    def delivery(self, platform: str, kind: str, outcome: str) -> None:
        """One attempt at an outbox row: sent, retry, rate_limited, dead, channel_gone, cancelled."""

    def rate_limited(self, platform: str, wait_seconds: float) -> None:
        """The platform answered 429 and asked us to wait this long."""

    def alert_latency(self, platform: str, seconds: float) -> None:
        """From the story change being committed (alert queued) to the platform accepting the post."""


_NOTHING = Telemetry()
_current: ContextVar[Telemetry] = ContextVar("bot_telemetry", default=_NOTHING)


def telemetry() -> Telemetry:
    """The recorder of the running service (a no-op outside one)."""
    return _current.get()


@contextmanager
def using_telemetry(recorder: Telemetry) -> Iterator[Telemetry]:
    """Report into `recorder` in this context and the tasks started from it."""
    token = _current.set(recorder)
    try:
        yield recorder
    finally:
        _current.reset(token)


# A rejection reason carries details (sizes, line numbers, encodings); metrics need a small fixed set
# of labels. First match wins; anything new is "other" until it is named here.
_REJECTION_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern, re.IGNORECASE))
    for label, pattern in (
        ("too_large", r"too large|larger than|over \d+ bytes"),
        ("empty", r"^empty file"),
        ("binary", r"^binary file"),
        ("encoding", r"UTF-8|encoding"),
        ("front_matter", r"front matter"),
        ("json", r"JSON"),
        ("no_text", r"no article text|no 'body'"),
        ("symlink", r"symlink"),
        ("unreadable", r"cannot read|permission denied|not a regular file"),
    )
)


def rejection_label(reason: str | None) -> str:
    """A bounded label for a rejection reason ("too_large", "binary", … or "other")."""
    for label, pattern in _REJECTION_LABELS:
        if reason and pattern.search(reason):
            return label
    return "other"
