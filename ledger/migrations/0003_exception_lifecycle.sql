-- The exception lifecycle: a severity, when the cause was last seen, how often it came back,
-- and every change as an event with who and when. Nothing is ever deleted.

ALTER TABLE exceptions ADD COLUMN severity TEXT NOT NULL DEFAULT 'medium';
ALTER TABLE exceptions ADD COLUMN last_seen_at TEXT NOT NULL DEFAULT '';
ALTER TABLE exceptions ADD COLUMN reopened INTEGER NOT NULL DEFAULT 0;
UPDATE exceptions SET last_seen_at = created_at WHERE last_seen_at = '';

CREATE TABLE exception_events (
    id           INTEGER PRIMARY KEY,
    exception_id INTEGER NOT NULL REFERENCES exceptions(id),
    run_id       INTEGER REFERENCES runs(id),
    at           TEXT    NOT NULL,
    actor        TEXT    NOT NULL,          -- "batch" for the processor, else the person
    action       TEXT    NOT NULL,          -- raised | resolved | reopened
    note         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX exception_events_exception ON exception_events(exception_id);
