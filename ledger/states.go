package ledger

import (
	"context"
	"database/sql"
	"fmt"

	"enkashbatch/domain"
)

// The index items_kind_status holds every item but the valid ones (migration 0010), so that
// ingest, which writes valid items by the million, pays nothing for it. SQLite uses a partial
// index only for a query that writes the index's own condition: a query of items of a kind in
// other states adds notValid to its own. Valid items of a kind are read by id, from the kind's
// mark in valid_from (validFrom).

// notValid is the condition of the index items_kind_status (on items, or i.+notValid on
// items aliased i).
const notValid = `status <> 'valid'`

// validFrom is the condition that reads the valid items of a kind by id (items aliased i, read
// NOT INDEXED: by id, not by another index), from the kind's mark: every valid item of the
// kind is at or above it. kind is the parameter that binds the kind, e.g. "?" or "?1".
func validFrom(kind string) string {
	return `i.id >= coalesce((SELECT item_id FROM valid_from WHERE kind = ` + kind + `), 0)`
}

// raiseValidFrom raises kind's mark to its first valid item, or past the last item when none
// is valid, after a claim or a hold took valid items out of that state. It reads from the
// mark to the first valid item: the items just claimed or held.
func raiseValidFrom(ctx context.Context, tx *sql.Tx, kind domain.Kind) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO valid_from (kind, item_id) VALUES (?1, coalesce(
			(SELECT i.id FROM items i NOT INDEXED WHERE `+validFrom("?1")+` AND i.kind = ?1 AND i.status = 'valid' ORDER BY i.id LIMIT 1),
			(SELECT coalesce(max(id), 0) + 1 FROM items)))
		ON CONFLICT (kind) DO UPDATE SET item_id = excluded.item_id`, string(kind))
	if err != nil {
		return fmt.Errorf("mark where the valid %s begin: %w", kind, err)
	}
	return nil
}
