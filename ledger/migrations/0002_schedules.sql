-- The daemon's book: one row per occurrence of a scheduled job (batch serve, schedules.yaml).

CREATE TABLE schedule_runs (
    id            INTEGER PRIMARY KEY,
    job           TEXT    NOT NULL,
    scheduled_for TEXT    NOT NULL,            -- the cron time this occurrence is for (UTC)
    started_at    TEXT    NOT NULL,            -- when it was started, skipped or found missed
    finished_at   TEXT,
    -- running | ok | attention | stopped | failed | interrupted | skipped | missed
    outcome       TEXT    NOT NULL DEFAULT 'running',
    detail        TEXT    NOT NULL DEFAULT '',
    caught_up     INTEGER NOT NULL DEFAULT 0,  -- run late, after the daemon was down
    attempts      INTEGER NOT NULL DEFAULT 1,  -- an interrupted occurrence is resumed once more
    run_id        INTEGER REFERENCES runs(id)  -- the pipeline run that did the steps
);
-- An occurrence is run once: a second start of the same one finds this row.
CREATE UNIQUE INDEX schedule_runs_occurrence ON schedule_runs(job, scheduled_for);

-- When the daemon last showed it was alive and could write: the start of any downtime.
CREATE TABLE daemon_heartbeat (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    seen_at TEXT    NOT NULL
);
