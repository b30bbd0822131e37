-- Posts. Ids only grow (AUTOINCREMENT never reuses the id of a deleted
-- post), which keeps `/?before={id}` cursors stable while posts are added
-- and removed.
CREATE TABLE posts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    title       TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    content     TEXT    NOT NULL CHECK (length(content) BETWEEN 1 AND 10000),
    -- The anonymous visitor id of the author (from the signed visitor cookie).
    author_id   TEXT    NOT NULL,
    like_count  INTEGER NOT NULL DEFAULT 0 CHECK (like_count >= 0),
    view_count  INTEGER NOT NULL DEFAULT 0 CHECK (view_count >= 0),
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX posts_author ON posts (author_id);
