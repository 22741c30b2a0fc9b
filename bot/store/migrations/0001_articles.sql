-- Articles as cleaned by the pipeline, and every stored file ever processed (by raw-bytes hash),
-- so that a restart does not process a file twice.
CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    path          TEXT NOT NULL,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    raw           TEXT NOT NULL,
    content_hash  TEXT NOT NULL UNIQUE,
    outlet        TEXT,
    url           TEXT,
    published     TEXT,
    fetched       TEXT,
    credits       TEXT NOT NULL DEFAULT '[]',
    subjects      TEXT NOT NULL DEFAULT '[]',
    mentions      TEXT NOT NULL DEFAULT '[]',
    ingested_at   TEXT NOT NULL
);
CREATE INDEX articles_url ON articles(url);

CREATE TABLE article_vendors (
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    vendor      TEXT NOT NULL,
    salience    TEXT NOT NULL,
    PRIMARY KEY (article_id, vendor)
);
CREATE INDEX article_vendors_vendor ON article_vendors(vendor, salience);

CREATE TABLE processed_files (
    file_hash     TEXT PRIMARY KEY,
    path          TEXT NOT NULL,
    status        TEXT NOT NULL,
    article_id    INTEGER,
    reason        TEXT,
    processed_at  TEXT NOT NULL
);
