"""Prometheus metrics through prometheus_client, on a registry of their own (one per service, so
tests and several services in one process never share counters).

Counters and histograms move with the events the core reports (`events.Telemetry`); the outbox gauges
are read from the database when /metrics is scraped, so they are right after a restart too.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from bot.observability.events import Telemetry, rejection_label
from bot.store.operations import OutboxBacklog

# Seconds; alert latency is tens of milliseconds when healthy, minutes when a platform throttles.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)
WAIT_BUCKETS = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)

__all__ = ["CONTENT_TYPE_LATEST", "PrometheusTelemetry"]


class PrometheusTelemetry(Telemetry):
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.files = Counter(
            "bot_files_processed", "Watched story files by outcome.", ["status"], registry=r
        )
        self.rejected = Counter(
            "bot_files_rejected", "Files moved to .rejected, by reason.", ["reason"], registry=r
        )
        self.articles = Counter("bot_articles_stored", "New articles stored (copies excluded).", registry=r)
        self.stories = Counter(
            "bot_story_changes", "Stories created or updated, by kind of change.", ["kind"], registry=r
        )
        self.lag = Histogram(
            "bot_watcher_lag_seconds",
            "From a story file's last write to the watcher handing it on.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.deliveries = Counter(
            "bot_deliveries", "Outbox deliveries by platform, kind and outcome.", ["platform", "kind", "outcome"],
            registry=r,
        )
        self.throttled = Counter(
            "bot_rate_limited", "429 answers from a platform.", ["platform"], registry=r
        )
        self.waits = Histogram(
            "bot_rate_limit_wait_seconds", "Waits a platform asked for with a 429.", ["platform"],
            buckets=WAIT_BUCKETS, registry=r,
        )
        self.dead = Counter("bot_dead_letters", "Deliveries given up on.", ["platform"], registry=r)
        self.latency = Histogram(
            "bot_alert_latency_seconds",
            "From a story change committed (alert queued) to the platform accepting the alert.",
            ["platform"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.depth = Gauge("bot_outbox_depth", "Open outbox rows (pending or in flight).", ["platform"], registry=r)
        self.age = Gauge(
            "bot_outbox_oldest_age_seconds", "Age of the oldest open outbox row (0 when none).", ["platform"],
            registry=r,
        )
        self.dead_kept = Gauge(
            "bot_outbox_dead_rows", "Dead letters kept in the outbox (see the log for why).", ["platform"],
            registry=r,
        )

    # -- events from the core ----------------------------------------------------------------------

    def file_processed(self, status: str, reason: str | None) -> None:
        self.files.labels(status).inc()
        if status == "rejected":
            self.rejected.labels(rejection_label(reason)).inc()
        elif status == "stored":
            self.articles.inc()

    def story_changed(self, kinds: Sequence[str]) -> None:
        for kind in kinds:
            self.stories.labels(str(kind)).inc()

    def watcher_lag(self, seconds: float) -> None:
        self.lag.observe(max(seconds, 0.0))

    def delivery(self, platform: str, kind: str, outcome: str) -> None:
        self.deliveries.labels(platform, kind, outcome).inc()
        if outcome == "dead":
            self.dead.labels(platform).inc()

    def rate_limited(self, platform: str, wait_seconds: float) -> None:
        self.throttled.labels(platform).inc()
        self.waits.labels(platform).observe(max(wait_seconds, 0.0))

    def alert_latency(self, platform: str, seconds: float) -> None:
        self.latency.labels(platform).observe(max(seconds, 0.0))

    # -- scrape ------------------------------------------------------------------------------------

    def exposition(self, backlog: Sequence[OutboxBacklog], platforms: Sequence[str], now: float | None = None) -> bytes:
        """The text format, with the outbox gauges set from `backlog` (every running platform shown,
        zero when it owes nothing)."""
        now = time.time() if now is None else now
        seen = {b.platform: b for b in backlog}
        for name in sorted(set(platforms) | set(seen)):
            entry = seen.get(name)
            self.depth.labels(name).set(entry.open_rows if entry else 0)
            oldest = entry.oldest_open_created_at if entry else None
            self.age.labels(name).set(max(now - oldest, 0.0) if oldest is not None else 0.0)
            self.dead_kept.labels(name).set(entry.dead_rows if entry else 0)
        return generate_latest(self.registry)
