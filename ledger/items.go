package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"enkashbatch/domain"
)

// itemColumns are the columns scanItem reads, of items i joined with their files f. An item
// never changed since its file arrived has no updated_at of its own (see notUpdated): its
// file's received_at is its time.
const itemColumns = `i.id, i.file_id, f.name, i.kind, i.line, i.reference, i.amount, i.status, i.reason, i.rule, coalesce(i.payload, ''), i.raw,
	coalesce(i.batch_id, ''), i.provider_id, i.provider_status, i.provider_amount, i.utr, i.provider_reason, ` + itemUpdatedAt

// notUpdated is the updated_at that ingest writes: the item has not changed since its file was
// received, and files.received_at holds that time once for all the file's rows rather than
// once a row. Every change of an item sets its own time.
const notUpdated = ""

// itemUpdatedAt is the time an item (items i of files f) last changed.
const itemUpdatedAt = `coalesce(nullif(i.updated_at, ''), f.received_at)`

func scanItem(rows interface{ Scan(...any) error }) (domain.Item, error) {
	var it domain.Item
	var payload, raw, updated string
	err := rows.Scan(&it.ID, &it.FileID, &it.File, &it.Kind, &it.Line, &it.Reference, &it.Amount, &it.Status, &it.Reason, &it.Rule, &payload, &raw,
		&it.Provider.BatchID, &it.Provider.ProviderID, &it.Provider.Status, &it.Provider.Amount, &it.Provider.UTR, &it.Provider.Reason, &updated)
	if err != nil {
		return it, err
	}
	if payload != "" {
		it.Payload = json.RawMessage(payload)
	}
	if err := json.Unmarshal([]byte(raw), &it.Raw); err != nil {
		return it, fmt.Errorf("item %d: raw cells: %w", it.ID, err)
	}
	it.UpdatedAt = parseTime(updated)
	return it, nil
}

func collectItems(rows *sql.Rows) ([]domain.Item, error) {
	defer rows.Close()
	var items []domain.Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, rows.Err()
}

// ItemUpdate is a change to one item, recorded with an event when its status changes.
type ItemUpdate struct {
	ItemID int64
	Status domain.Status
	// Provider, when set, replaces what Enkash last said of the item.
	Provider *domain.ProviderState
	// Reason, when set, replaces the item's reason.
	Reason string
	// ReleaseReference gives the item's reference back, so a corrected row may use it again.
	ReleaseReference bool
	// Detail is written on the event.
	Detail string
}

// Changes is everything one step learned, recorded in one transaction.
type Changes struct {
	Batches    []BatchUpdate
	Items      []ItemUpdate
	Exceptions []domain.Exception
}

// Apply records changes in one transaction. Exceptions already recorded for the same cause are
// not recorded again.
func (db *DB) Apply(ctx context.Context, runID int64, c Changes) error {
	err := db.inTx(ctx, func(tx *sql.Tx, now string) error {
		for _, b := range c.Batches {
			if _, err := tx.ExecContext(ctx, `UPDATE batches SET status = ?, detail = ?, updated_at = ? WHERE id = ?`, b.Status, b.Detail, now, b.ID); err != nil {
				return fmt.Errorf("batch %s: %w", b.ID, err)
			}
		}
		if err := applyItems(ctx, tx, runID, now, c.Items); err != nil {
			return err
		}
		rowCtx := context.WithoutCancel(ctx) // see applyItems
		for _, e := range c.Exceptions {
			if err := insertException(rowCtx, tx, runID, now, e, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record changes: %w", err)
	}
	return nil
}

func applyItems(ctx context.Context, tx *sql.Tx, runID int64, now string, updates []ItemUpdate) error {
	if len(updates) == 0 {
		return nil
	}
	// Per-row statements run without cancellation: the transaction is committed or rolled back
	// as a whole, and a cancellable context costs go-sqlite3 a goroutine per statement.
	rowCtx := context.WithoutCancel(ctx)
	// The event first, while the item still has its old status: it is written only when
	// the status changes.
	ev, err := tx.PrepareContext(ctx, `INSERT INTO events (item_id, run_id, at, from_status, to_status, detail)
		SELECT id, ?1, ?2, status, ?3, ?4 FROM items WHERE id = ?5 AND status <> ?3`)
	if err != nil {
		return err
	}
	defer ev.Close()
	// One statement for every update: a field left zero in the update keeps its value.
	upd, err := tx.PrepareContext(ctx, `UPDATE items SET status = ?1, updated_at = ?2,
		provider_id     = CASE WHEN ?3 THEN ?4 ELSE provider_id END,
		provider_status = CASE WHEN ?3 THEN ?5 ELSE provider_status END,
		provider_amount = CASE WHEN ?3 THEN ?6 ELSE provider_amount END,
		utr             = CASE WHEN ?3 THEN ?7 ELSE utr END,
		provider_reason = CASE WHEN ?3 THEN ?8 ELSE provider_reason END,
		batch_id        = CASE WHEN ?9 <> '' THEN ?9 ELSE batch_id END,
		reason          = CASE WHEN ?10 <> '' THEN ?10 ELSE reason END,
		live_ref        = CASE WHEN ?11 THEN NULL ELSE live_ref END,
		ref_key         = CASE WHEN ?11 THEN NULL ELSE ref_key END
		WHERE id = ?12`)
	if err != nil {
		return err
	}
	defer upd.Close()
	for _, u := range updates {
		if _, err := ev.ExecContext(rowCtx, runID, now, string(u.Status), u.Detail, u.ItemID); err != nil {
			return fmt.Errorf("item %d event: %w", u.ItemID, err)
		}
		var p domain.ProviderState
		if u.Provider != nil {
			p = *u.Provider
		}
		res, err := upd.ExecContext(rowCtx, string(u.Status), now, u.Provider != nil, p.ProviderID, p.Status, int64(p.Amount), p.UTR, p.Reason,
			p.BatchID, u.Reason, u.ReleaseReference, u.ItemID)
		if err != nil {
			return fmt.Errorf("item %d: %w", u.ItemID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("item %d: no such item (%v)", u.ItemID, err)
		}
	}
	return nil
}

// ItemFilter selects items. Zero fields select everything.
type ItemFilter struct {
	Kind     domain.Kind
	FileIDs  []int64
	Statuses []domain.Status
	BatchID  string
	// ChangedInRun selects items whose state this run changed.
	ChangedInRun int64
	// From and To, when set, select items of the files received or the batches created in
	// [From, To): the items of a day.
	From, To time.Time
	// Resendable leaves out rejected rows that must never be sent again (domain.NeverResend):
	// what a fix-and-redrop file may hold.
	Resendable bool
}

func (f ItemFilter) where() (string, []any) {
	var conds []string
	var args []any
	if f.Kind != "" {
		conds = append(conds, "i.kind = ?")
		args = append(args, string(f.Kind))
	}
	if len(f.FileIDs) > 0 {
		conds = append(conds, "i.file_id IN ("+placeholders(len(f.FileIDs))+")")
		for _, id := range f.FileIDs {
			args = append(args, id)
		}
	}
	if len(f.Statuses) > 0 {
		conds = append(conds, "i.status IN ("+placeholders(len(f.Statuses))+")")
		for _, s := range f.Statuses {
			args = append(args, string(s))
		}
		if !slices.Contains(f.Statuses, domain.StatusValid) {
			// Lets SQLite read items_kind_status (states.go).
			conds = append(conds, "i."+notValid)
		}
	}
	if f.BatchID != "" {
		conds = append(conds, "i.batch_id = ?")
		args = append(args, f.BatchID)
	}
	if !f.From.IsZero() && !f.To.IsZero() {
		from, to := formatTime(f.From), formatTime(f.To)
		conds = append(conds, `(i.file_id IN (SELECT id FROM files WHERE received_at >= ? AND received_at < ?)
			OR i.batch_id IN (SELECT id FROM batches WHERE created_at >= ? AND created_at < ?))`)
		args = append(args, from, to, from, to)
	}
	if f.Resendable {
		conds = append(conds, "i.rule NOT IN ("+placeholders(len(domain.NeverResendRules))+")")
		for _, r := range domain.NeverResendRules {
			args = append(args, r)
		}
	}
	if f.ChangedInRun != 0 {
		conds = append(conds, "i.id IN (SELECT item_id FROM events WHERE run_id = ?)")
		args = append(args, f.ChangedInRun)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Items streams the items that f selects, in file and line order, without holding them all.
func (db *DB) Items(ctx context.Context, f ItemFilter) iter.Seq2[domain.Item, error] {
	return func(yield func(domain.Item, error) bool) {
		where, args := f.where()
		rows, err := db.read.QueryContext(ctx, `SELECT `+itemColumns+` FROM items i JOIN files f ON f.id = i.file_id`+where+` ORDER BY i.file_id, i.line, i.id`, args...)
		if err != nil {
			yield(domain.Item{}, fmt.Errorf("list items: %w", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			it, err := scanItem(rows)
			if err != nil {
				yield(it, fmt.Errorf("list items: %w", err))
				return
			}
			if !yield(it, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(domain.Item{}, fmt.Errorf("list items: %w", err))
		}
	}
}

// ItemList returns the items that f selects, for steps that work on a bounded set.
func (db *DB) ItemList(ctx context.Context, f ItemFilter) ([]domain.Item, error) {
	var items []domain.Item
	for it, err := range db.Items(ctx, f) {
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

// KnownReferences returns which of refs any item of kind carries, live or not.
func (db *DB) KnownReferences(ctx context.Context, kind domain.Kind, refs []string) (map[string]bool, error) {
	known := make(map[string]bool, len(refs))
	const chunk = 500
	for start := 0; start < len(refs); start += chunk {
		part := refs[start:min(start+chunk, len(refs))]
		args := []any{string(kind)}
		for _, r := range part {
			args = append(args, r)
		}
		rows, err := db.read.QueryContext(ctx, `SELECT DISTINCT reference FROM items WHERE kind = ? AND reference IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("look up references: %w", err)
		}
		for rows.Next() {
			var r string
			if err := rows.Scan(&r); err != nil {
				rows.Close()
				return nil, fmt.Errorf("look up references: %w", err)
			}
			known[r] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("look up references: %w", err)
		}
	}
	return known, nil
}

// StateCount is how many items of a kind are in one state, and their amount.
type StateCount struct {
	Kind   domain.Kind   `json:"kind"`
	Status domain.Status `json:"status"`
	Count  int           `json:"count"`
	Paise  domain.Paise  `json:"paise"`
}

// StateCounts returns item counts and amounts by kind and state.
func (db *DB) StateCounts(ctx context.Context) ([]StateCount, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT kind, status, count(*), coalesce(sum(amount), 0) FROM items GROUP BY kind, status ORDER BY kind, status`)
	if err != nil {
		return nil, fmt.Errorf("count items: %w", err)
	}
	defer rows.Close()
	var out []StateCount
	for rows.Next() {
		var c StateCount
		if err := rows.Scan(&c.Kind, &c.Status, &c.Count, &c.Paise); err != nil {
			return nil, fmt.Errorf("count items: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

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
			WHERE kind = ? AND status = ? AND `+notValid+` AND provider_id <> '' AND reference IN (`+placeholders(len(part))+`) ORDER BY id`, args...)
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
