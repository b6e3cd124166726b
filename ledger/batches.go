package ledger

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"enkashbatch/domain"
)

// Batch statuses.
const (
	BatchSubmitting = "submitting" // intent committed; the call may or may not have been made
	BatchSubmitted  = "submitted"  // Enkash answered
	BatchUnknown    = "unknown"    // the call's outcome is not known: resolve by searching
	BatchRefused    = "refused"    // Enkash refused the whole batch
	BatchUnsent     = "unsent"     // provably never reached Enkash
)

// Batch is one intent to send a set of items in one call.
type Batch struct {
	ID     string
	Kind   domain.Kind
	Items  int
	Amount domain.Paise
}

// ClaimBatch commits the intent to send: it takes up to limit valid (or approved) items of
// kind, in file order, marks them submitting under a new batch named by name, and commits, all
// before any call is made. It returns no items when none are left.
func (db *DB) ClaimBatch(ctx context.Context, runID int64, kind domain.Kind, limit int, name func([]domain.Item) string) (Batch, []domain.Item, error) {
	return db.ClaimBatchOf(ctx, runID, kind, limit, false, name)
}

// claimable is the condition (on items aliased i) of the items of kind a submission may claim:
// valid or approved ones; with onlyApproved (a kind that needs approval), only those of a
// granted approval request. ClaimBatchOf and Claimable share it, so that what a balance check
// counts is what a claim takes.
func claimable(kind domain.Kind, onlyApproved bool) (string, []any) {
	return claimableIn(kind, onlyApproved, claimableStates...)
}

// claimableStates are the states of an item a submission may claim.
var claimableStates = []domain.Status{domain.StatusValid, domain.StatusApproved}

// claimableOf returns the table (items aliased i) and the condition that read the claimable
// items of kind in state st, in id order: valid items by id from the kind's mark, the others
// through the index items_kind_status (see states.go).
func claimableOf(kind domain.Kind, onlyApproved bool, st domain.Status) (from, cond string, args []any) {
	cond, args = claimableIn(kind, onlyApproved, st)
	if st == domain.StatusValid {
		return `items i NOT INDEXED`, cond + ` AND ` + validFrom("?"), append(args, string(kind))
	}
	return `items i`, cond + ` AND i.` + notValid, args
}

// claimableIn is claimable's condition for the items in the given states alone.
func claimableIn(kind domain.Kind, onlyApproved bool, states ...domain.Status) (string, []any) {
	cond := `i.kind = ? AND i.status IN (` + placeholders(len(states)) + `)`
	args := []any{string(kind)}
	for _, st := range states {
		args = append(args, string(st))
	}
	if onlyApproved {
		cond += ` AND i.approval_id IN (SELECT id FROM approvals WHERE state = ?)`
		args = append(args, ApprovalGranted)
	}
	return cond, args
}

// firstClaimable returns the first limit items a claim of kind takes, in id order (the files'
// order). Each state is read on its own, in id order as the index items_kind_status keeps the
// items of one state, and the two are merged: read together, every claimable item of the kind
// would be sorted at each claim (0.19 s a claim with a million waiting, docs/performance.md).
func firstClaimable(ctx context.Context, tx *sql.Tx, kind domain.Kind, onlyApproved bool, limit int) ([]domain.Item, error) {
	var items []domain.Item
	for _, st := range claimableStates {
		from, cond, args := claimableOf(kind, onlyApproved, st)
		rows, err := tx.QueryContext(ctx, `SELECT `+itemColumns+` FROM `+from+` JOIN files f ON f.id = i.file_id
			WHERE `+cond+` ORDER BY i.id LIMIT ?`, append(args, limit)...)
		if err != nil {
			return nil, err
		}
		some, err := collectItems(rows)
		if err != nil {
			return nil, err
		}
		items = append(items, some...)
	}
	slices.SortFunc(items, func(a, b domain.Item) int { return cmp.Compare(a.ID, b.ID) })
	return items[:min(limit, len(items))], nil
}

// ClaimBatchOf is ClaimBatch; with onlyApproved (a kind that needs approval) it takes only
// items of a granted approval request: approved ones, or ones given back (valid) after a
// claim of them was never sent.
func (db *DB) ClaimBatchOf(ctx context.Context, runID int64, kind domain.Kind, limit int, onlyApproved bool, name func([]domain.Item) string) (Batch, []domain.Item, error) {
	var b Batch
	var items []domain.Item
	cond, args := claimable(kind, onlyApproved)
	err := db.inTx(ctx, func(tx *sql.Tx, now string) error {
		var err error
		items, err = firstClaimable(ctx, tx, kind, onlyApproved, limit)
		if err != nil || len(items) == 0 {
			return err
		}
		b = Batch{ID: name(items), Kind: kind, Items: len(items)}
		for _, it := range items {
			b.Amount += it.Amount
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO batches (id, kind, run_id, status, items, amount, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			b.ID, string(kind), runID, BatchSubmitting, b.Items, int64(b.Amount), now, now); err != nil {
			return fmt.Errorf("record batch %s: %w", b.ID, err)
		}
		// The batch is every claimable item of the kind from the first read to the last: the
		// transaction holds the write lock, so it is the set just read. One statement each
		// for the events and the items, not one per item, each reading that span of ids (NOT
		// INDEXED: by id, not by any index of the kind); the events first, while the items
		// still show the state they leave.
		span := append(append([]any{}, args...), items[0].ID, items[len(items)-1].ID)
		if _, err := tx.ExecContext(ctx, `INSERT INTO events (item_id, run_id, at, from_status, to_status, detail)
			SELECT i.id, ?, ?, i.status, ?, ? FROM items i NOT INDEXED WHERE `+cond+` AND i.id BETWEEN ? AND ? ORDER BY i.id`,
			append([]any{runID, now, string(domain.StatusSubmitting), "in batch " + b.ID}, span...)...); err != nil {
			return fmt.Errorf("record batch %s events: %w", b.ID, err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE items AS i NOT INDEXED SET status = ?, batch_id = ?, attempts = attempts + 1, updated_at = ?
			WHERE `+cond+` AND i.id BETWEEN ? AND ?`,
			append([]any{string(domain.StatusSubmitting), b.ID, now}, span...)...)
		if err != nil {
			return fmt.Errorf("record batch %s items: %w", b.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != int64(len(items)) {
			return fmt.Errorf("record batch %s items: %d changed of %d read (%v)", b.ID, n, len(items), err)
		}
		if err := raiseValidFrom(ctx, tx, kind); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO item_batches (item_id, batch_id, claimed_at) SELECT id, batch_id, ? FROM items WHERE batch_id = ?`,
			now, b.ID); err != nil {
			return fmt.Errorf("record batch %s claims: %w", b.ID, err)
		}
		for i := range items {
			items[i].Status = domain.StatusSubmitting
			items[i].Provider.BatchID = b.ID
		}
		return nil
	})
	if err != nil {
		return Batch{}, nil, fmt.Errorf("claim %s batch: %w", kind, err)
	}
	return b, items, nil
}

// BatchUpdate is a change of a batch's status.
type BatchUpdate struct {
	ID     string
	Status string
	Detail string
}

// Intent is what the ledger holds of the calls made for one item: when its intent to send was
// first committed, and every batch it was claimed in.
type Intent struct {
	First   time.Time
	Batches map[string]bool
}

// Intents returns the intents recorded for items, by item id; an item never claimed has none.
func (db *DB) Intents(ctx context.Context, itemIDs []int64) (map[int64]Intent, error) {
	out := make(map[int64]Intent, len(itemIDs))
	const chunk = 500
	for start := 0; start < len(itemIDs); start += chunk {
		part := itemIDs[start:min(start+chunk, len(itemIDs))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := db.read.QueryContext(ctx, `SELECT item_id, batch_id, claimed_at FROM item_batches WHERE item_id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("look up intents: %w", err)
		}
		for rows.Next() {
			var id int64
			var batch, at string
			if err := rows.Scan(&id, &batch, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("look up intents: %w", err)
			}
			in, ok := out[id]
			if !ok {
				in.Batches = map[string]bool{}
			}
			in.Batches[batch] = true
			if t := parseTime(at); in.First.IsZero() || t.Before(in.First) {
				in.First = t
			}
			out[id] = in
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("look up intents: %w", err)
		}
	}
	return out, nil
}
