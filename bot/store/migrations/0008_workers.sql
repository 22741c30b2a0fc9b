-- Several `bot run` workers on one database (PostgreSQL). SQLite keeps one process (the flock in
-- bot/store/owner.py) and uses these tables the same way with a single worker.
-- A running worker: alive while lease_until (Unix seconds) is ahead; it renews it by heartbeat.
CREATE TABLE workers (
    id           TEXT PRIMARY KEY,
    host         TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    started_at   REAL NOT NULL,
    lease_until  REAL NOT NULL
);
-- Who sends to a channel: one worker at a time, so the channel's order and its per-channel rate
-- limit stay one process's business. Free again when the owner releases it or stops being alive.
CREATE TABLE channel_owners (
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    owner      TEXT NOT NULL,
    PRIMARY KEY (platform, workspace, channel)
);
CREATE INDEX channel_owners_owner ON channel_owners(owner);
-- A named role one worker holds (the watcher of a stories folder); taken over when its owner dies.
CREATE TABLE leases (
    name         TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,
    acquired_at  REAL NOT NULL
);
-- Shared send budgets (a workspace's, Discord's global one): the earliest time the next send of
-- the scope may go, advanced by one interval per send (evenly spaced sends, whichever worker).
CREATE TABLE rate_budgets (
    scope    TEXT PRIMARY KEY,
    next_at  REAL NOT NULL
);
-- The worker that holds a row in flight: its rows are taken over only once it is no longer alive.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
