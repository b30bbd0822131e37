-- What each write changed, in commit order: every instance on this database
-- follows it to drop from its read cache what another instance's writes
-- made stale (server::feed). A write adds its row in its own transaction.
CREATE TABLE changes (
    -- In commit order: SQLite has one writer at a time, and AUTOINCREMENT
    -- numbers never go back, even after a rollback.
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The instance that wrote it (random at each start), which skips its own.
    instance TEXT    NOT NULL,
    -- The tags it changed, space-separated: posts, post:ID, counts:ID.
    tags     TEXT    NOT NULL
);
