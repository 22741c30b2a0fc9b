-- A rewritten story file is an edit of the article stored from it: found by its path.
CREATE INDEX IF NOT EXISTS articles_path ON articles(path);
