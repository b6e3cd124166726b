-- The book of record. Amounts are INTEGER paise; times are RFC 3339 text in UTC.

CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    command     TEXT    NOT NULL,
    sandbox     INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT    NOT NULL,
    finished_at TEXT,
    outcome     TEXT    NOT NULL DEFAULT 'running',
    detail      TEXT    NOT NULL DEFAULT ''
);

CREATE TABLE files (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    status      TEXT    NOT NULL,          -- accepted | rejected | duplicate
    note        TEXT    NOT NULL DEFAULT '',
    header      TEXT    NOT NULL DEFAULT '[]',  -- JSON array, as written in the file
    rows_in     INTEGER NOT NULL DEFAULT 0,
    paise_in    INTEGER NOT NULL DEFAULT 0,
    received_at TEXT    NOT NULL
);
-- A file's content is processed once: only one accepted file per SHA-256.
CREATE UNIQUE INDEX files_accepted_sha ON files(sha256) WHERE status = 'accepted';

CREATE TABLE items (
    id              INTEGER PRIMARY KEY,
    file_id         INTEGER NOT NULL REFERENCES files(id),
    kind            TEXT    NOT NULL,
    line            INTEGER NOT NULL,
    reference       TEXT    NOT NULL,
    -- live_ref holds the reference while this item owns it; NULL for rows that never did
    -- (rejected) or gave it back (refused by Enkash, which allows a resend once fixed).
    live_ref        TEXT,
    amount          INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    reason          TEXT    NOT NULL DEFAULT '',
    payload         TEXT,
    raw             TEXT    NOT NULL,      -- JSON array of the row's original cells
    batch_id        TEXT,
    provider_id     TEXT    NOT NULL DEFAULT '',
    provider_status TEXT    NOT NULL DEFAULT '',
    provider_amount INTEGER NOT NULL DEFAULT 0,
    utr             TEXT    NOT NULL DEFAULT '',
    provider_reason TEXT    NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    updated_at      TEXT    NOT NULL
);
CREATE UNIQUE INDEX items_live_ref ON items(kind, live_ref);
CREATE INDEX items_kind_status ON items(kind, status);
CREATE INDEX items_file ON items(file_id);
CREATE INDEX items_batch ON items(batch_id);

-- A batch is one intent to send: written and committed before the call is made.
CREATE TABLE batches (
    id         TEXT    PRIMARY KEY,        -- our batchTransactionId
    kind       TEXT    NOT NULL,
    run_id     INTEGER NOT NULL REFERENCES runs(id),
    status     TEXT    NOT NULL,           -- submitting | submitted | unknown | refused | unsent
    items      INTEGER NOT NULL,
    amount     INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    detail     TEXT    NOT NULL DEFAULT ''
);

-- Append-only history of every item's state changes.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items(id),
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    at          TEXT    NOT NULL,
    from_status TEXT    NOT NULL,
    to_status   TEXT    NOT NULL,
    detail      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX events_item ON events(item_id);
CREATE INDEX events_run ON events(run_id);

CREATE TABLE exceptions (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    fingerprint TEXT    NOT NULL UNIQUE,   -- the same cause is recorded once
    category    TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    file        TEXT    NOT NULL DEFAULT '',
    line        INTEGER NOT NULL DEFAULT 0,
    reference   TEXT    NOT NULL DEFAULT '',
    expected    TEXT    NOT NULL DEFAULT '',
    actual      TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL,
    resolved_at TEXT,
    note        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX exceptions_open ON exceptions(resolved_at);
