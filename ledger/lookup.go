package ledger

import (
	"context"
	"fmt"

	"enkashbatch/domain"
)

// ProviderIDs returns, for each of refs that an item of kind carries with a success status and
// an Enkash id, that id (the latest such item's): what a flow needs of an earlier item, e.g.
// the Enkash id (KC...) of the customer an invoice names, or of a customer a later row updates.
func (db *DB) ProviderIDs(ctx context.Context, kind domain.Kind, refs []string) (map[string]string, error) {
	ids := make(map[string]string, len(refs))
	const chunk = 500
	for start := 0; start < len(refs); start += chunk {
		part := refs[start:min(start+chunk, len(refs))]
		args := []any{string(kind), string(domain.StatusSuccess)}
		for _, r := range part {
			args = append(args, r)
		}
		rows, err := db.read.QueryContext(ctx, `SELECT reference, provider_id FROM items
			WHERE kind = ? AND status = ? AND provider_id <> '' AND reference IN (`+placeholders(len(part))+`) ORDER BY id`, args...)
		if err != nil {
			return nil, fmt.Errorf("look up %s ids: %w", kind, err)
		}
		for rows.Next() {
			var ref, id string
			if err := rows.Scan(&ref, &id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("look up %s ids: %w", kind, err)
			}
			ids[ref] = id // ordered by id: the latest item wins
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("look up %s ids: %w", kind, err)
		}
	}
	return ids, nil
}
