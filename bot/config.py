"""Settings, read once from the environment or a `.env` file (see `.env.example`).

Tokens are `SecretStr` so that a settings object can be logged or repr'd without leaking them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the service can be told from outside. Names are the public contract."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    db_path: Path = Field(Path("data/bot.sqlite3"), validation_alias="BOT_DB_PATH")
    # PostgreSQL instead of the SQLite file (`postgresql://user:password@host:5432/dbname`): several
    # `bot run` processes may then share one database. Unset: BOT_DB_PATH.
    database_url: str | None = Field(None, validation_alias="BOT_DATABASE_URL")
    stories_dir: Path = Field(Path("stories"), validation_alias="BOT_STORIES_DIR")
    vendors_file: Path | None = Field(None, validation_alias="BOT_VENDORS_FILE")
    # CISA KEV catalog refreshed by `bot kev update`; until it exists the shipped snapshot is used.
    kev_file: Path = Field(Path("data/kev.json"), validation_alias="BOT_KEV_FILE")

    # Ingest limits (hostile input: bounded work per file).
    max_file_bytes: int = Field(2_000_000, validation_alias="BOT_MAX_FILE_BYTES")
    # A file modified more recently than this is taken as still being written and retried later.
    settle_seconds: float = Field(0.2, validation_alias="BOT_SETTLE_SECONDS")
    # Reading one file (parse, clean, match vendors) runs in worker processes under this budget; a page
    # over it is rejected with the reason and the worker is replaced (see bot/ingest/worker.py).
    # One worker per core by default: the pool is what makes ingest scale with the machine.
    parse_workers: int = Field(
        default_factory=lambda: min(64, max(1, os.cpu_count() or 1)),
        ge=1,
        le=64,
        validation_alias="BOT_PARSE_WORKERS",
    )
    parse_cpu_seconds: float = Field(2.0, gt=0, validation_alias="BOT_PARSE_CPU_SECONDS")
    parse_wall_seconds: float = Field(6.0, gt=0, validation_alias="BOT_PARSE_WALL_SECONDS")

    # Who may change subscriptions: everyone, or workspace/guild admins only.
    subscription_permission: Literal["anyone", "admins"] = Field(
        "anyone", validation_alias="BOT_SUBSCRIPTION_PERMISSION"
    )
    # Post a thread reply naming the new outlet when an alert is updated (Slack) / open a thread (Discord).
    thread_updates: bool = Field(True, validation_alias="BOT_THREAD_UPDATES")
    # Several story changes inside this window become one edit.
    edit_coalesce_seconds: float = Field(2.0, validation_alias="BOT_EDIT_COALESCE_SECONDS")
    # Give up on a delivery (dead letter) after this long.
    delivery_max_age_seconds: float = Field(3600.0, validation_alias="BOT_DELIVERY_MAX_AGE_SECONDS")
    # The longest a platform's Retry-After is waited out in one go. A longer one (a 28-hour 429, or
    # `inf`) holds that channel's delivery, shown in /subscriptions and the log, and asks again then.
    max_retry_after_seconds: float = Field(300.0, gt=0, validation_alias="BOT_MAX_RETRY_AFTER_SECONDS")
    # One platform call may take this long before the outbox gives up on its answer. Longer than
    # the platforms' own timeouts (SLACK_API_TIMEOUT_SECONDS, discord.py's rate-limit sleeps).
    send_timeout_seconds: float = Field(75.0, gt=0, validation_alias="BOT_SEND_TIMEOUT_SECONDS")
    # A post whose answer never came is *unknown*, not failed: the platform may store it late. Its
    # lookup waits this long after the attempt, so that a late store is over before anyone looks.
    uncertain_wait_seconds: float = Field(90.0, ge=0, validation_alias="BOT_UNCERTAIN_WAIT_SECONDS")

    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_api_url: str = Field("https://slack.com/api/", validation_alias="SLACK_API_URL")
    slack_http_host: str = Field("0.0.0.0", validation_alias="SLACK_HTTP_HOST")
    slack_http_port: int = Field(3000, validation_alias="SLACK_HTTP_PORT")
    slack_http_path: str = Field("/slack/events", validation_alias="SLACK_HTTP_PATH")
    slack_max_body_bytes: int = Field(64_000, validation_alias="SLACK_MAX_BODY_BYTES")
    # Slack slash commands are not namespaced per app: ours are /va-subscribe, /va-story … (as in the
    # manifest) so they live beside other apps' and Slack's own. Empty: the bare names.
    slack_command_prefix: str = Field("va-", validation_alias="SLACK_COMMAND_PREFIX", pattern=r"^[a-z0-9_-]{0,10}$")
    # Also answer the unprefixed names (/subscribe …), for an app created from an older manifest.
    slack_legacy_commands: bool = Field(False, validation_alias="SLACK_LEGACY_COMMANDS")
    # How long one Web API call may take (a slow Slack still answers within it).
    slack_api_timeout_seconds: float = Field(60.0, gt=0, validation_alias="SLACK_API_TIMEOUT_SECONDS")
    # conversations.history as Slack rations it for apps outside the Marketplace (since 2025): one
    # call a minute per workspace, at most 15 messages a call. Marketplace apps may raise both. The
    # ration is kept in the database: every worker on it together, not each, keeps this rate.
    slack_history_calls_per_minute: float = Field(1.0, gt=0, validation_alias="SLACK_HISTORY_CALLS_PER_MINUTE")
    slack_history_page_size: int = Field(15, ge=1, le=1000, validation_alias="SLACK_HISTORY_PAGE_SIZE")
    # HTTP mode under load or attack: idle connections closed after this long (also one that never
    # sends a request), at most this many kept open, and a body must arrive within the timeout.
    slack_http_idle_seconds: float = Field(15.0, gt=0, validation_alias="SLACK_HTTP_IDLE_SECONDS")
    slack_http_max_connections: int = Field(256, gt=0, validation_alias="SLACK_HTTP_MAX_CONNECTIONS")
    slack_http_body_timeout_seconds: float = Field(10.0, gt=0, validation_alias="SLACK_HTTP_BODY_TIMEOUT_SECONDS")

    discord_token: SecretStr | None = Field(None, validation_alias="DISCORD_TOKEN")
    discord_api_url: str = Field("https://discord.com/api/v10", validation_alias="DISCORD_API_URL")
    discord_gateway_url: str | None = Field(None, validation_alias="DISCORD_GATEWAY_URL")
    discord_dev_guild: int | None = Field(None, validation_alias="DISCORD_DEV_GUILD")
    discord_shard_count: int | None = Field(None, ge=1, validation_alias="DISCORD_SHARD_COUNT")
    # The shards this worker connects, e.g. "0,1" of DISCORD_SHARD_COUNT=4 (the other worker "2,3"):
    # commands from a guild reach the worker running its shard. Empty: all of them.
    discord_shard_ids: str = Field(
        "", validation_alias="DISCORD_SHARD_IDS", pattern=r"^\s*(\d+\s*(,\s*\d+\s*)*)?$"
    )
    # Discord's global limit is 50 requests/s per bot (raised by Discord for large bots on request).
    discord_requests_per_second: float = Field(50.0, gt=0, validation_alias="DISCORD_REQUESTS_PER_SECOND")
    # Slack's budget for a workspace's posts is not published; these are what we keep to.
    slack_sends_per_second: float = Field(10.0, gt=0, validation_alias="SLACK_SENDS_PER_SECOND")
    slack_sends_per_minute: float = Field(300.0, gt=0, validation_alias="SLACK_SENDS_PER_MINUTE")
    # Several workers on one PostgreSQL database: a worker that has not renewed its lease for this
    # long is taken as dead, and its channels, in-flight deliveries and folder go to the others.
    worker_lease_seconds: float = Field(30.0, gt=0, validation_alias="BOT_WORKER_LEASE_SECONDS")

    log_level: str = Field("INFO", validation_alias=AliasChoices("BOT_LOG_LEVEL", "LOG_LEVEL"))
    # text for people, json for log collectors (one object per line).
    log_format: Literal["text", "json"] = Field("text", validation_alias="BOT_LOG_FORMAT")
    # Opt-in HTTP port for /healthz, /readyz and /metrics (shared with Slack HTTP mode on the same port).
    http_port: int | None = Field(None, validation_alias="BOT_HTTP_PORT")
    http_host: str = Field("0.0.0.0", validation_alias="BOT_HTTP_HOST")

    # Slack or Discord unreachable at start (no network, DNS, 5xx): the same for both platforms.
    # true: retry with exponential backoff up to BOT_STARTUP_MAX_BACKOFF_SECONDS, logging each wait;
    # false: exit at once with one error line (let systemd or the container engine restart it).
    startup_retry: bool = Field(True, validation_alias="BOT_STARTUP_RETRY")
    startup_max_backoff_seconds: float = Field(60.0, validation_alias="BOT_STARTUP_MAX_BACKOFF_SECONDS")

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        ids = self.shard_ids
        if ids is not None:
            if self.discord_shard_count is None:
                raise ValueError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (the total over all workers)")
            if max(ids) >= self.discord_shard_count:
                raise ValueError(f"DISCORD_SHARD_IDS must be below DISCORD_SHARD_COUNT ({self.discord_shard_count})")
        return self

    @property
    def shard_ids(self) -> list[int] | None:
        """DISCORD_SHARD_IDS as numbers; None for every shard."""
        ids = [int(part) for part in self.discord_shard_ids.split(",") if part.strip()]
        return ids or None

    @property
    def database(self) -> str | Path:
        """What the store opens: BOT_DATABASE_URL when set, else the SQLite file BOT_DB_PATH."""
        return self.database_url if self.database_url else self.db_path

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def discord_enabled(self) -> bool:
        return self.discord_token is not None
