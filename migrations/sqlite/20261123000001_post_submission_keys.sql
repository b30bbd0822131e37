-- Each form carries a random submission key. A post remembers the key it was
-- published with, so the same form submitted twice (a double click, a reload
-- of the POST, a retry after a dropped answer) finds the first post instead
-- of writing a second one. Keys are scoped to their author.
ALTER TABLE posts ADD COLUMN submission_key TEXT
    CHECK (submission_key IS NULL OR length(submission_key) BETWEEN 1 AND 64);

CREATE UNIQUE INDEX posts_author_submission ON posts (author_id, submission_key);
