-- Ingest writes rows by the million, all of them valid, and each index of the items table costs
-- it a b-tree insert a row. The index of items by kind and state no longer holds valid items:
-- a query of other states names the index's condition (status <> 'valid', ledger/states.go)
-- beside its own, which is how SQLite knows it may use a partial index.
--
-- Valid items are found by id instead, from valid_from: for each kind, an id at or below every
-- valid item of the kind. An item is valid when its file is ingested (a new item takes an id
-- above every id there is, so above the mark) or when it is given back to valid (this
-- trigger lowers the mark to it). The mark is raised to the first valid item, or past the
-- last item, after each claim and each hold (ledger/states.go). A kind without a row is read
-- from id 0.
DROP INDEX items_kind_status;
CREATE INDEX items_kind_status ON items(kind, status) WHERE status <> 'valid';

CREATE TABLE valid_from (
    kind    TEXT    PRIMARY KEY,
    item_id INTEGER NOT NULL
);
INSERT INTO valid_from (kind, item_id)
    SELECT kind, coalesce(min(CASE WHEN status = 'valid' THEN id END), (SELECT max(id) + 1 FROM items)) FROM items GROUP BY kind;

CREATE TRIGGER items_valid_again AFTER UPDATE OF status ON items WHEN NEW.status = 'valid'
BEGIN
    INSERT INTO valid_from (kind, item_id) VALUES (NEW.kind, NEW.id)
        ON CONFLICT (kind) DO UPDATE SET item_id = min(item_id, excluded.item_id);
END;
