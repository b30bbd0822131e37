-- Posts' images, as the SQLite migration of the same name describes: each
-- file the server made from an upload, under a name never reused, owned by
-- one post and written and deleted in that post's transactions.
CREATE TABLE images (
    name         TEXT   NOT NULL PRIMARY KEY,
    content_type TEXT   NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    -- BIGINT, as every integer the services read (as i64).
    width        BIGINT NOT NULL CHECK (width > 0),
    height       BIGINT NOT NULL CHECK (height > 0),
    data         BYTEA  NOT NULL
);

ALTER TABLE posts
    ADD COLUMN image        TEXT,
    ADD COLUMN image_thumb  TEXT,
    ADD COLUMN image_alt    TEXT CHECK (image_alt IS NULL OR char_length(image_alt) BETWEEN 1 AND 300),
    ADD COLUMN image_width  BIGINT,
    ADD COLUMN image_height BIGINT;
