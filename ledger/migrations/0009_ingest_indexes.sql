-- An item has no batch until it is claimed for sending: rows arrive without one. The index of
-- batches holds only items that have one, so that ingest, which writes rows by the million,
-- does not maintain an entry per row for NULL. Every query by batch (batch_id = ?, IN, or a
-- join on it) implies batch_id IS NOT NULL, so SQLite still uses the index for it.
DROP INDEX items_batch;
CREATE INDEX items_batch ON items(batch_id) WHERE batch_id IS NOT NULL;
