-- Every batch an item was claimed in, with the moment its intent was committed: what proves
-- that a transfer Enkash holds under our reference came from a call of ours (a batch of ours,
-- created after our first intent), when Enkash answers that the reference already exists.

CREATE TABLE item_batches (
    item_id    INTEGER NOT NULL REFERENCES items(id),
    batch_id   TEXT    NOT NULL,
    claimed_at TEXT    NOT NULL,
    PRIMARY KEY (item_id, batch_id)
);

-- The claims recorded before this table existed, from their events ("in batch <id>").
INSERT OR IGNORE INTO item_batches (item_id, batch_id, claimed_at)
    SELECT item_id, substr(detail, 10), at FROM events
    WHERE to_status = 'submitting' AND detail LIKE 'in batch %';
