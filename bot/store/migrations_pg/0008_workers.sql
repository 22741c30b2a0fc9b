-- Several `bot run` workers on one database: who is alive, who sends to which channel, who reads a
-- stories folder, the send budgets they share (see bot/store/cluster.py). Times are Unix seconds.
-- A running worker: alive while lease_until is ahead; it renews it by heartbeat.
CREATE TABLE workers (
    id           TEXT COLLATE "C" PRIMARY KEY,
    host         TEXT COLLATE "C" NOT NULL,
    pid          BIGINT NOT NULL,
    started_at   DOUBLE PRECISION NOT NULL,
    lease_until  DOUBLE PRECISION NOT NULL
);
-- Who sends to a channel: one worker at a time, so the channel's order and its per-channel rate
-- limit stay one process's business. Free again when the owner releases it or stops being alive.
CREATE TABLE channel_owners (
    platform   TEXT COLLATE "C" NOT NULL,
    workspace  TEXT COLLATE "C" NOT NULL,
    channel    TEXT COLLATE "C" NOT NULL,
    owner      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (platform, workspace, channel)
);
CREATE INDEX channel_owners_owner ON channel_owners(owner);
-- A named role one worker holds (the watcher of a stories folder); taken over when its owner dies.
CREATE TABLE leases (
    name         TEXT COLLATE "C" PRIMARY KEY,
    owner        TEXT COLLATE "C" NOT NULL,
    acquired_at  DOUBLE PRECISION NOT NULL
);
-- Shared send budgets (a workspace's, Discord's global one): the earliest time the next send of
-- the scope may go, advanced by one interval per send (evenly spaced sends, whichever worker).
CREATE TABLE rate_budgets (
    scope    TEXT COLLATE "C" PRIMARY KEY,
    next_at  DOUBLE PRECISION NOT NULL
);
-- The worker that holds a row in flight: its rows are taken over only once it is no longer alive.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT COLLATE "C";
