-- Channel subscriptions with their filters, and vendors a workspace tracks with /track.
CREATE TABLE subscriptions (
    id               INTEGER PRIMARY KEY,
    platform         TEXT NOT NULL,
    workspace        TEXT NOT NULL,
    channel          TEXT NOT NULL,
    vendor           TEXT NOT NULL,
    event_types      TEXT NOT NULL DEFAULT '[]',
    include_words    TEXT NOT NULL DEFAULT '[]',
    exclude_words    TEXT NOT NULL DEFAULT '[]',
    mode             TEXT NOT NULL DEFAULT 'instant',
    digest_time      TEXT NOT NULL DEFAULT '09:00',
    timezone         TEXT NOT NULL DEFAULT 'UTC',
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL DEFAULT '',
    muted_until      TEXT,
    disabled_reason  TEXT,
    UNIQUE (platform, workspace, channel, vendor)
);
CREATE INDEX subscriptions_vendor ON subscriptions(vendor);

CREATE TABLE tracked_vendors (
    platform    TEXT NOT NULL,
    workspace   TEXT NOT NULL,
    name        TEXT NOT NULL,
    aliases     TEXT NOT NULL DEFAULT '[]',
    created_at  TEXT NOT NULL,
    PRIMARY KEY (platform, workspace, name)
);
