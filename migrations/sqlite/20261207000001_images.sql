-- Posts' images. Each file the server made from an upload (the image, its
-- thumbnail) is a row here, under a name that is never reused, so every
-- instance serves it and it can be cached for a year. A file belongs to one
-- post: it is written in the transaction that publishes or saves the post,
-- and deleted in the one that deletes the post or drops the image.
CREATE TABLE images (
    name         TEXT    NOT NULL PRIMARY KEY,
    content_type TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    width        INTEGER NOT NULL CHECK (width > 0),
    height       INTEGER NOT NULL CHECK (height > 0),
    data         BLOB    NOT NULL
);

-- A post's image: its file and thumbnail's names, the description its
-- author wrote, and its size in pixels (for the page's layout before the
-- file arrives). All NULL for a post without one.
ALTER TABLE posts ADD COLUMN image TEXT;
ALTER TABLE posts ADD COLUMN image_thumb TEXT;
ALTER TABLE posts ADD COLUMN image_alt TEXT CHECK (image_alt IS NULL OR length(image_alt) BETWEEN 1 AND 300);
ALTER TABLE posts ADD COLUMN image_width INTEGER;
ALTER TABLE posts ADD COLUMN image_height INTEGER;
