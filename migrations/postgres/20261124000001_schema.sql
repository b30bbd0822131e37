-- The whole schema on Postgres, as the SQLite migrations leave it.

-- Posts. Identity ids only grow, which keeps `/?before={id}` cursors stable
-- while posts are added and removed.
CREATE TABLE posts (
    id             BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title          TEXT        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 120),
    content        TEXT        NOT NULL CHECK (char_length(content) BETWEEN 1 AND 10000),
    -- The anonymous visitor id of the author (from the signed visitor cookie).
    author_id      TEXT        NOT NULL,
    -- The random key of the form it was published from: the same form sent
    -- twice finds the first post. Scoped to its author.
    submission_key TEXT        CHECK (submission_key IS NULL OR char_length(submission_key) BETWEEN 1 AND 64),
    like_count     BIGINT      NOT NULL DEFAULT 0 CHECK (like_count >= 0),
    view_count     BIGINT      NOT NULL DEFAULT 0 CHECK (view_count >= 0),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX posts_author_submission ON posts (author_id, submission_key);

-- Who likes which post: one row per (post, visitor), so liking twice is the
-- same as liking once. The count on posts follows the rows through a
-- trigger, in the statement that adds or removes a like, so the two never
-- disagree; the row lock it takes on the post is what orders concurrent
-- likes of one post, across instances.
CREATE TABLE post_likes (
    post_id    BIGINT      NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    visitor_id TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (post_id, visitor_id)
);

CREATE FUNCTION post_likes_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE posts SET like_count = like_count + 1 WHERE id = NEW.post_id;
    ELSE
        UPDATE posts SET like_count = like_count - 1 WHERE id = OLD.post_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER post_likes_count AFTER INSERT OR DELETE ON post_likes
    FOR EACH ROW EXECUTE FUNCTION post_likes_count();

-- Drafts of rejected plain-form posts, kept until the form's page shows them
-- once, whichever instance serves it.
CREATE TABLE drafts (
    -- The random token in the visitor's draft cookie.
    token      TEXT   NOT NULL PRIMARY KEY,
    visitor_id TEXT   NOT NULL,
    -- The form page that shows it, such as /posts/new.
    page       TEXT   NOT NULL,
    -- The draft as JSON: title, content, field errors, alert.
    draft      TEXT   NOT NULL,
    -- Milliseconds since the Unix epoch after which it is never shown.
    expires_at BIGINT NOT NULL
);

CREATE INDEX drafts_expiry ON drafts (expires_at);

-- What each write changed, in commit order, for every instance to follow
-- (server::feed). A sequence would hand out numbers in the order writers ask
-- and let them commit in another, so a follower could read 7 before 6 is
-- visible and never see 6. Instead every write takes the next number from
-- the single row of changes_head, last thing before it commits: the row's
-- lock makes the next writer wait until this one has committed (or rolled
-- back, and its number is taken again), so numbers are gapless and become
-- visible in order.
CREATE TABLE changes_head (
    only_row BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
    seq      BIGINT  NOT NULL
);

INSERT INTO changes_head (seq) VALUES (0);

CREATE TABLE changes (
    seq      BIGINT PRIMARY KEY,
    -- The instance that wrote it (random at each start), which skips its own.
    instance TEXT   NOT NULL,
    -- The tags it changed, space-separated: posts, post:ID, counts:ID.
    tags     TEXT   NOT NULL
);
