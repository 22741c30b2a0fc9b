-- Stories (one real-world event, however many outlets covered it), their member articles, the
-- candidate index clustering reads (vendor + time), the change log, and corpus-wide document
-- frequencies for TF-IDF. Times are ISO-8601 UTC text (bot/store/timefmt.py), so they sort as text.
CREATE TABLE stories (
    id               INTEGER PRIMARY KEY,
    title            TEXT NOT NULL,
    summary          TEXT NOT NULL DEFAULT '',
    key_facts        TEXT NOT NULL DEFAULT '[]',
    event_type       TEXT NOT NULL DEFAULT 'other',
    event_cues       TEXT NOT NULL DEFAULT '[]',
    vendors          TEXT NOT NULL DEFAULT '[]',
    first_seen       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1,
    first_published  TEXT,
    last_published   TEXT,
    last_seen        TEXT NOT NULL,
    articles         INTEGER NOT NULL DEFAULT 0,
    profile          TEXT NOT NULL DEFAULT '{}',
    entity_keys      TEXT NOT NULL DEFAULT '[]'
);

-- Every article clustered into a story. `source_index` is its place in Story.sources; a syndicated
-- or re-posted copy has none (it is kept so that it is never clustered twice) and names the
-- original in `duplicate_of`. `analysis` caches sentences and facts so rebuilding a story never
-- re-parses its older articles.
CREATE TABLE story_articles (
    article_id    INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    story_id      INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    source_index  INTEGER,
    duplicate_of  INTEGER,
    outlet        TEXT NOT NULL,
    url           TEXT,
    title         TEXT NOT NULL,
    published     TEXT,
    content_hash  TEXT NOT NULL,
    simhash       INTEGER NOT NULL,
    analysis      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX story_articles_story ON story_articles(story_id, position);
CREATE INDEX story_articles_url ON story_articles(url);
CREATE INDEX story_articles_hash ON story_articles(content_hash);

-- The candidate index: one row per (vendor, story). `recency` is the last publication date, or
-- the last time the story was seen when none of its articles is dated.
CREATE TABLE story_vendors (
    vendor           TEXT NOT NULL COLLATE NOCASE,
    story_id         INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    first_published  TEXT,
    last_published   TEXT,
    last_seen        TEXT NOT NULL,
    recency          TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (vendor, story_id)
) WITHOUT ROWID;
CREATE INDEX story_vendors_published ON story_vendors(vendor, last_published, last_seen);
CREATE INDEX story_vendors_seen ON story_vendors(vendor, last_seen);
CREATE INDEX story_vendors_recency ON story_vendors(vendor, recency);
CREATE INDEX story_vendors_updated ON story_vendors(vendor, updated_at);

CREATE TABLE story_versions (
    story_id    INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    kinds       TEXT NOT NULL,
    article_id  INTEGER,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (story_id, version)
) WITHOUT ROWID;

-- Document frequencies over every clustered article (TF-IDF). The empty term (never a real token)
-- counts the documents, so that one statement updates and one query reads everything.
CREATE TABLE term_df (
    term  TEXT PRIMARY KEY,
    df    INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO term_df (term, df) VALUES ('', 0);
