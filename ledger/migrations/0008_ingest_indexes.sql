-- An item has no batch until it is claimed for sending, and no approval request until it is
-- held for approval: rows arrive with neither. These two indexes hold only items that have
-- one, so that ingest, which writes rows by the million, does not maintain an entry per row
-- for NULL in each. Every query by batch or by approval request (= ?, IN, or a join on it)
-- implies IS NOT NULL, so SQLite still uses the index for it; the queries for items without
-- one (approval_id IS NULL) never used it.
DROP INDEX items_batch;
CREATE INDEX items_batch ON items(batch_id) WHERE batch_id IS NOT NULL;
DROP INDEX items_approval;
CREATE INDEX items_approval ON items(approval_id) WHERE approval_id IS NOT NULL;
