-- Who likes which post: one row per (post, visitor), so liking twice is the
-- same as liking once. The count on posts follows the rows through triggers,
-- which run inside the statement that adds or removes a like: the two can
-- never disagree, whatever the concurrency.
CREATE TABLE post_likes (
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    visitor_id TEXT    NOT NULL,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (post_id, visitor_id)
) WITHOUT ROWID;

CREATE TRIGGER post_likes_count_up AFTER INSERT ON post_likes
BEGIN
    UPDATE posts SET like_count = like_count + 1 WHERE id = NEW.post_id;
END;

CREATE TRIGGER post_likes_count_down AFTER DELETE ON post_likes
BEGIN
    UPDATE posts SET like_count = like_count - 1 WHERE id = OLD.post_id;
END;
