-- Approvals: money of a kind that needs approval leaves only after named checkers approved
-- exactly what is sent. An approval request binds to its file's content hash and to the count
-- and total of the rows it holds; anything different voids it.

CREATE TABLE approvals (
    id             INTEGER PRIMARY KEY,
    file_id        INTEGER NOT NULL REFERENCES files(id),
    kind           TEXT    NOT NULL,
    -- awaiting | granted | rejected | void
    state          TEXT    NOT NULL,
    maker          TEXT    NOT NULL,   -- who dropped the file: never one of its checkers
    sha256         TEXT    NOT NULL,   -- the file's content hash when the rows were held
    rows           INTEGER NOT NULL,   -- rows held for approval
    paise          INTEGER NOT NULL,   -- their total
    needed         INTEGER NOT NULL,   -- distinct checkers needed
    requested_at   TEXT    NOT NULL,
    decided_at     TEXT
);
CREATE INDEX approvals_file ON approvals(file_id);
CREATE INDEX approvals_state ON approvals(kind, state);

-- Every request, approval, rejection and voiding, with who and when, and what it bound to.
CREATE TABLE approval_events (
    id          INTEGER PRIMARY KEY,
    approval_id INTEGER NOT NULL REFERENCES approvals(id),
    run_id      INTEGER REFERENCES runs(id),
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,      -- requested | approved | rejected | voided
    sha256      TEXT    NOT NULL,
    rows        INTEGER NOT NULL,
    paise       INTEGER NOT NULL,
    note        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX approval_events_approval ON approval_events(approval_id);

-- The approval request an item is held under (NULL: never held). A claim for a kind that needs
-- approval takes only items of a granted request whose binding still holds.
ALTER TABLE items ADD COLUMN approval_id INTEGER REFERENCES approvals(id);
CREATE INDEX items_approval ON items(approval_id);
