package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"enkashbatch/domain"
)

// Exception event actions.
const (
	ExceptionRaised   = "raised"
	ExceptionResolved = "resolved"
	ExceptionReopened = "reopened"
)

// processActor is the actor of the events the processor itself records.
const processActor = "batch"

// insertException records an exception once per cause (its fingerprint: what it says, plus
// key when the words alone do not tell two causes apart). When the same cause is seen again it
// updates last_seen_at, and an exception a person had resolved re-opens.
func insertException(ctx context.Context, tx *sql.Tx, runID int64, now string, e domain.Exception, key string) error {
	fp := strings.Join([]string{string(e.Category), string(e.Kind), e.File, fmt.Sprint(e.Line), e.Reference, e.Expected, e.Actual, key}, "|")
	var id int64
	var resolved sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT id, resolved_at FROM exceptions WHERE fingerprint = ?`, fp).Scan(&id, &resolved)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		res, err := tx.ExecContext(ctx, `INSERT INTO exceptions (run_id, fingerprint, category, kind, file, line, reference, expected, actual, detail, severity, created_at, last_seen_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, runID, fp, string(e.Category), string(e.Kind), e.File, e.Line, e.Reference, e.Expected, e.Actual, e.Detail,
			string(e.Category.Severity()), now, now)
		if err != nil {
			return fmt.Errorf("record %s exception for %q: %w", e.Category, e.Reference, err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return exceptionEvent(ctx, tx, id, runID, now, processActor, ExceptionRaised, e.Detail)
	case err != nil:
		return fmt.Errorf("look up %s exception for %q: %w", e.Category, e.Reference, err)
	}
	if !resolved.Valid {
		_, err := tx.ExecContext(ctx, `UPDATE exceptions SET last_seen_at = ? WHERE id = ?`, now, id)
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE exceptions SET last_seen_at = ?, resolved_at = NULL, reopened = reopened + 1, detail = ? WHERE id = ?`,
		now, e.Detail, id); err != nil {
		return fmt.Errorf("re-open exception %d: %w", id, err)
	}
	return exceptionEvent(ctx, tx, id, runID, now, processActor, ExceptionReopened, "the cause was seen again: "+e.Detail)
}

func exceptionEvent(ctx context.Context, tx *sql.Tx, id, runID int64, now, actor, action, note string) error {
	var run any
	if runID != 0 {
		run = runID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO exception_events (exception_id, run_id, at, actor, action, note) VALUES (?, ?, ?, ?, ?, ?)`,
		id, run, now, actor, action, note); err != nil {
		return fmt.Errorf("record %s event of exception %d: %w", action, id, err)
	}
	return nil
}

// ExceptionFilter selects exceptions.
type ExceptionFilter struct {
	OpenOnly bool
	RunID    int64 // raised by this run
	// FileIDs selects exceptions about these files (by name), besides RunID's.
	Files []string
}

// Exceptions returns exceptions, open ones first, oldest first within each.
func (db *DB) Exceptions(ctx context.Context, f ExceptionFilter) ([]domain.Exception, error) {
	var conds []string
	var args []any
	if f.OpenOnly {
		conds = append(conds, "resolved_at IS NULL")
	}
	var scope []string
	if f.RunID != 0 {
		scope = append(scope, "run_id = ?")
		args = append(args, f.RunID)
	}
	if len(f.Files) > 0 {
		scope = append(scope, "file IN ("+placeholders(len(f.Files))+")")
		for _, name := range f.Files {
			args = append(args, name)
		}
	}
	if len(scope) > 0 {
		conds = append(conds, "("+strings.Join(scope, " OR ")+")")
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, run_id, category, kind, file, line, reference, expected, actual, detail, severity,
		created_at, last_seen_at, resolved_at, reopened, note
		FROM exceptions`+where+` ORDER BY resolved_at IS NOT NULL, CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list exceptions: %w", err)
	}
	defer rows.Close()
	var out []domain.Exception
	for rows.Next() {
		var e domain.Exception
		var created, seen string
		var resolved sql.NullString
		if err := rows.Scan(&e.ID, &e.RunID, &e.Category, &e.Kind, &e.File, &e.Line, &e.Reference, &e.Expected, &e.Actual, &e.Detail, &e.Severity,
			&created, &seen, &resolved, &e.Reopened, &e.Note); err != nil {
			return nil, fmt.Errorf("list exceptions: %w", err)
		}
		e.CreatedAt, e.LastSeenAt = parseTime(created), parseTime(seen)
		if resolved.Valid {
			t := parseTime(resolved.String)
			e.ResolvedAt = &t
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ErrNoSuchException is returned when an exception id is not in the ledger.
var ErrNoSuchException = errors.New("no such exception")

// ResolveException closes an exception with a note, recording who closed it. Nothing is
// deleted: if its cause is seen again, it re-opens.
func (db *DB) ResolveException(ctx context.Context, id int64, actor, note string) error {
	err := db.inTx(ctx, func(tx *sql.Tx, now string) error {
		res, err := tx.ExecContext(ctx, `UPDATE exceptions SET resolved_at = ?, note = ? WHERE id = ? AND resolved_at IS NULL`, now, note, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var exists int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM exceptions WHERE id = ?`, id).Scan(&exists); err != nil {
				return err
			}
			if exists == 0 {
				return ErrNoSuchException
			}
			return ErrAlreadyResolved
		}
		if err := releaseHold(ctx, tx, id, now, actor, note); err != nil {
			return err
		}
		return exceptionEvent(ctx, tx, id, 0, now, actor, ExceptionResolved, note)
	})
	if err != nil {
		return fmt.Errorf("resolve exception %d: %w", id, err)
	}
	return nil
}

// releaseHold ends the hold of the item a reference_conflict exception is about, once a person
// resolves it: the item counts as failed (this row did not pay), and it keeps its reference,
// so that no later row can send that reference again.
func releaseHold(ctx context.Context, tx *sql.Tx, excID int64, now, actor, note string) error {
	var category, kind, ref string
	if err := tx.QueryRowContext(ctx, `SELECT category, kind, reference FROM exceptions WHERE id = ?`, excID).Scan(&category, &kind, &ref); err != nil {
		return fmt.Errorf("read exception %d: %w", excID, err)
	}
	if domain.Category(category) != domain.CategoryReferenceConflict || ref == "" {
		return nil
	}
	detail := fmt.Sprintf("reference conflict resolved by %s: %s; counted as not paid by this row, its reference stays blocked", actor, note)
	var runID sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(id) FROM runs`).Scan(&runID); err != nil {
		return fmt.Errorf("release hold of %s: %w", ref, err)
	}
	// The held item is the live holder of the reference as written: its key (ref_key), or,
	// in a ledger older than the keys, its live_ref.
	heldItem := `kind = ?1 AND status = ?2 AND ` + notValid + ` AND (ref_key = ?3 AND reference = ?4 OR live_ref = ?4)`
	held := []any{kind, string(domain.StatusHeld), domain.ReferenceKey(ref), ref}
	if runID.Valid {
		if _, err := tx.ExecContext(ctx, `INSERT INTO events (item_id, run_id, at, from_status, to_status, detail)
			SELECT id, ?5, ?6, status, ?7, ?8 FROM items WHERE `+heldItem,
			append(held, runID.Int64, now, string(domain.StatusFailed), detail)...); err != nil {
			return fmt.Errorf("release hold of %s: %w", ref, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE items SET status = ?5, reason = ?6, updated_at = ?7 WHERE `+heldItem,
		append(held, string(domain.StatusFailed), detail, now)...); err != nil {
		return fmt.Errorf("release hold of %s: %w", ref, err)
	}
	if domain.Kind(kind) == domain.KindCustomers {
		return releaseInvoicesOf(ctx, tx, runID, now, ref, actor)
	}
	return nil
}

// releaseInvoicesOf gives the invoices held because they name customer ref (whose reference
// conflict a person just resolved) back to valid: the next run finds the conflict resolved
// and rejects them, for a corrected row naming the customer's new reference (see the invoice
// flow). An invoice held for a conflict of its own (an open reference_conflict on its own
// number) stays held.
func releaseInvoicesOf(ctx context.Context, tx *sql.Tx, runID sql.NullInt64, now, ref, actor string) error {
	held := `FROM items i WHERE i.kind = ? AND i.status = ? AND i.` + notValid + ` AND i.payload IS NOT NULL
		AND upper(trim(` + domain.StoredFieldSQL(domain.KindInvoices, "customer_reference", "i.payload") + `)) = ?
		AND NOT EXISTS (SELECT 1 FROM exceptions e WHERE e.category = ? AND e.kind = i.kind AND e.resolved_at IS NULL
			AND upper(trim(e.reference)) = upper(trim(i.reference)))`
	args := []any{string(domain.KindInvoices), string(domain.StatusHeld), domain.ReferenceKey(ref), string(domain.CategoryReferenceConflict)}
	detail := fmt.Sprintf("its customer %s's reference conflict was resolved by %s: looked at again by the next run", ref, actor)
	if runID.Valid {
		if _, err := tx.ExecContext(ctx, `INSERT INTO events (item_id, run_id, at, from_status, to_status, detail)
			SELECT i.id, ?, ?, i.status, ?, ? `+held, append([]any{runID.Int64, now, string(domain.StatusValid), detail}, args...)...); err != nil {
			return fmt.Errorf("release invoices of customer %s: %w", ref, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE items SET status = ?, reason = ?, updated_at = ? WHERE id IN (SELECT i.id `+held+`)`,
		append([]any{string(domain.StatusValid), detail, now}, args...)...); err != nil {
		return fmt.Errorf("release invoices of customer %s: %w", ref, err)
	}
	return nil
}

// ErrAlreadyResolved is returned when resolving an exception that is not open.
var ErrAlreadyResolved = errors.New("already resolved")

// ExceptionEvent is one change in an exception's life.
type ExceptionEvent struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Note   string    `json:"note"`
}

// ExceptionHistory returns every change of an exception, oldest first.
func (db *DB) ExceptionHistory(ctx context.Context, id int64) ([]ExceptionEvent, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT at, actor, action, note FROM exception_events WHERE exception_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("history of exception %d: %w", id, err)
	}
	defer rows.Close()
	var out []ExceptionEvent
	for rows.Next() {
		var ev ExceptionEvent
		var at string
		if err := rows.Scan(&at, &ev.Actor, &ev.Action, &ev.Note); err != nil {
			return nil, fmt.Errorf("history of exception %d: %w", id, err)
		}
		ev.At = parseTime(at)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// ExceptionCount is how many open exceptions there are of one category and severity.
type ExceptionCount struct {
	Category domain.Category `json:"category"`
	Severity domain.Severity `json:"severity"`
	Count    int             `json:"count"`
}

// OpenExceptionCounts counts the open (unresolved) exceptions by category and severity.
func (db *DB) OpenExceptionCounts(ctx context.Context) ([]ExceptionCount, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT category, severity, count(*) FROM exceptions
		WHERE resolved_at IS NULL GROUP BY category, severity ORDER BY category, severity`)
	if err != nil {
		return nil, fmt.Errorf("count open exceptions: %w", err)
	}
	defer rows.Close()
	var out []ExceptionCount
	for rows.Next() {
		var c ExceptionCount
		if err := rows.Scan(&c.Category, &c.Severity, &c.Count); err != nil {
			return nil, fmt.Errorf("count open exceptions: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ReferenceConflict is the latest reference_conflict exception raised on a reference.
type ReferenceConflict struct {
	ExceptionID int64
	Open        bool // not resolved yet: the item under the reference is held
}

// ReferenceConflicts returns, for each of refs (compared as domain.ReferenceKey does) that a
// reference_conflict exception of kind names, the latest such exception.
func (db *DB) ReferenceConflicts(ctx context.Context, kind domain.Kind, refs []string) (map[string]ReferenceConflict, error) {
	out := map[string]ReferenceConflict{}
	byKey := map[string][]string{}
	for _, r := range refs {
		k := domain.ReferenceKey(r)
		byKey[k] = append(byKey[k], r)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	const chunk = 500
	for start := 0; start < len(keys); start += chunk {
		part := keys[start:min(start+chunk, len(keys))]
		args := []any{string(domain.CategoryReferenceConflict), string(kind)}
		for _, k := range part {
			args = append(args, k)
		}
		rows, err := db.read.QueryContext(ctx, `SELECT id, upper(trim(reference)), resolved_at IS NULL FROM exceptions
			WHERE category = ? AND kind = ? AND upper(trim(reference)) IN (`+placeholders(len(part))+`) ORDER BY id`, args...)
		if err != nil {
			return nil, fmt.Errorf("look up reference conflicts: %w", err)
		}
		for rows.Next() {
			var c ReferenceConflict
			var key string
			if err := rows.Scan(&c.ExceptionID, &key, &c.Open); err != nil {
				rows.Close()
				return nil, fmt.Errorf("look up reference conflicts: %w", err)
			}
			for _, r := range byKey[key] {
				out[r] = c // ordered by id: the latest wins
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("look up reference conflicts: %w", err)
		}
	}
	return out, nil
}
