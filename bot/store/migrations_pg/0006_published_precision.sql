-- How much of an article's `published` is known: 'day', 'month' (a /2021/07/slug URL) or 'fetched'
-- (nothing dated the page: `published` is its fetch date or arrival time). NULL for rows stored before.
ALTER TABLE articles ADD COLUMN published_precision TEXT COLLATE "C";
