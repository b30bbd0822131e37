-- Drafts of rejected plain-form posts (what the visitor typed and why it was
-- refused), kept until the form's page shows them once. In the database
-- rather than in the server's memory, so that the page after the redirect
-- finds its draft whichever instance serves it.
CREATE TABLE drafts (
    -- The random token in the visitor's draft cookie.
    token      TEXT    NOT NULL PRIMARY KEY,
    visitor_id TEXT    NOT NULL,
    -- The form page that shows it, such as /posts/new.
    page       TEXT    NOT NULL,
    -- The draft as JSON: title, content, field errors, alert.
    draft      TEXT    NOT NULL,
    -- Milliseconds since the Unix epoch after which it is never shown.
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX drafts_expiry ON drafts (expires_at);
