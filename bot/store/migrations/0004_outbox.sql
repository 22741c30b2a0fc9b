-- Delivery outbox: one row per message the bot owes a channel, written in the same transaction as the
-- story change that caused it. Scheduling times (created_at, not_before, updated_at) are Unix seconds
-- (REAL) because the workers do arithmetic on them; human-facing times are ISO-8601 UTC text.
--
-- kind:  post (first alert of a story in a channel) | edit (show a later story version) |
--        followup (thread reply naming new outlets) | digest (the daily list of a digest subscription)
-- state: pending -> in_flight -> done | dead | cancelled   (in_flight -> pending on retry / restart)
-- maybe_sent: a previous attempt may have reached the platform (crash while in flight, timeout, 5xx),
--        so a post or digest asks the platform `find_delivered` before sending again.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL,
    subscription_id  INTEGER NOT NULL,
    story_id         INTEGER NOT NULL,
    story_version    INTEGER NOT NULL DEFAULT 0,
    platform         TEXT NOT NULL,
    workspace        TEXT NOT NULL,
    channel          TEXT NOT NULL,
    payload          TEXT NOT NULL DEFAULT '{}',
    state            TEXT NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    maybe_sent       INTEGER NOT NULL DEFAULT 0,
    created_at       REAL NOT NULL,
    not_before       REAL NOT NULL,
    updated_at       REAL NOT NULL,
    message_id       TEXT,
    thread_id        TEXT,
    last_error       TEXT
);
CREATE INDEX outbox_due ON outbox(platform, state, not_before);
CREATE INDEX outbox_story_channel ON outbox(story_id, platform, workspace, channel, kind);
-- A story is posted at most once per channel, whatever number of subscriptions there match it.
CREATE UNIQUE INDEX outbox_one_post ON outbox(story_id, platform, workspace, channel) WHERE kind = 'post';

-- The message each (story, channel) alert became, so later versions edit it and follow-ups thread on it.
CREATE TABLE message_refs (
    story_id         INTEGER NOT NULL,
    platform         TEXT NOT NULL,
    workspace        TEXT NOT NULL,
    channel          TEXT NOT NULL,
    subscription_id  INTEGER NOT NULL,
    ref_workspace    TEXT NOT NULL,
    ref_channel      TEXT NOT NULL,
    message_id       TEXT NOT NULL,
    thread_id        TEXT,
    posted_version   INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    posted_at        TEXT NOT NULL,
    edited_at        TEXT,
    PRIMARY KEY (story_id, platform, workspace, channel)
);

-- Deliveries given up on (too old, or refused for good), with the reason; kept for operators.
CREATE TABLE dead_letters (
    id               INTEGER PRIMARY KEY,
    outbox_id        INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    subscription_id  INTEGER NOT NULL,
    story_id         INTEGER NOT NULL,
    platform         TEXT NOT NULL,
    workspace        TEXT NOT NULL,
    channel          TEXT NOT NULL,
    attempts         INTEGER NOT NULL,
    reason           TEXT NOT NULL,
    dead_at          TEXT NOT NULL
);

-- Stories waiting for a digest subscription's next digest; `digest_outbox_id` is the digest that listed it.
CREATE TABLE digest_items (
    subscription_id   INTEGER NOT NULL,
    story_id          INTEGER NOT NULL,
    added_at          TEXT NOT NULL,
    digest_outbox_id  INTEGER,
    PRIMARY KEY (subscription_id, story_id)
);
CREATE INDEX digest_items_open ON digest_items(subscription_id, digest_outbox_id);

-- The last digest slot (scheduled UTC time) handled per subscription, sent or empty: a slot is handled once.
CREATE TABLE digest_state (
    subscription_id  INTEGER PRIMARY KEY,
    last_slot        TEXT NOT NULL
);
