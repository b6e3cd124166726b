package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-sqlite3"

	"enkashbatch/domain"
)

// FileFilter selects files for summaries. Zero fields select every file.
type FileFilter struct {
	// RunID selects the files a run ingested and the files whose items it touched.
	RunID int64
	// From and To, when set, select the files received in [From, To) and the files with items
	// in batches created then.
	From, To time.Time
}

// FileSummaries returns files with their conservation lines: rows in as the file held them
// when read, and the current bucket of every item recorded for the file.
func (db *DB) FileSummaries(ctx context.Context, f FileFilter) ([]domain.FileSummary, error) {
	where, args := "", []any{}
	switch {
	case f.RunID != 0:
		where = ` WHERE f.run_id = ? OR f.id IN (SELECT i.file_id FROM items i JOIN events e ON e.item_id = i.id WHERE e.run_id = ?)`
		args = append(args, f.RunID, f.RunID)
	case !f.From.IsZero() && !f.To.IsZero():
		from, to := formatTime(f.From), formatTime(f.To)
		where = ` WHERE (f.received_at >= ? AND f.received_at < ?) OR f.id IN (SELECT i.file_id FROM items i JOIN batches b ON b.id = i.batch_id
			WHERE b.created_at >= ? AND b.created_at < ?)`
		args = append(args, from, to, from, to)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT f.id, f.name, f.kind, f.sha256, f.status, f.received_at, f.rows_in, f.paise_in FROM files f`+where+` ORDER BY f.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	var files []domain.FileSummary
	index := map[int64]int{}
	for rows.Next() {
		var s domain.FileSummary
		var received string
		if err := rows.Scan(&s.ID, &s.Name, &s.Kind, &s.SHA256, &s.Status, &received, &s.Tally.In.Count, &s.Tally.In.Paise); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list files: %w", err)
		}
		s.ReceivedAt = parseTime(received)
		index[s.ID] = len(files)
		files = append(files, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	if len(files) == 0 {
		return files, nil
	}
	ids := make([]any, 0, len(files))
	for _, s := range files {
		ids = append(ids, s.ID)
	}
	tallies, err := db.read.QueryContext(ctx, `SELECT file_id, status, count(*), coalesce(sum(amount), 0) FROM items
		WHERE file_id IN (`+placeholders(len(ids))+`) GROUP BY file_id, status`, ids...)
	if err != nil {
		return nil, fmt.Errorf("tally files: %w", err)
	}
	defer tallies.Close()
	for tallies.Next() {
		var id int64
		var status domain.Status
		var n int
		var paise domain.Paise
		if err := tallies.Scan(&id, &status, &n, &paise); err != nil {
			return nil, fmt.Errorf("tally files: %w", err)
		}
		m := files[index[id]].Tally.Bucket(status.Bucket())
		m.Count += n
		m.Paise += paise
	}
	return files, tallies.Err()
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
	if runID.Valid {
		if _, err := tx.ExecContext(ctx, `INSERT INTO events (item_id, run_id, at, from_status, to_status, detail)
			SELECT id, ?, ?, status, ?, ? FROM items WHERE kind = ? AND live_ref = ? AND status = ?`,
			runID.Int64, now, string(domain.StatusFailed), detail, kind, ref, string(domain.StatusHeld)); err != nil {
			return fmt.Errorf("release hold of %s: %w", ref, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE items SET status = ?, reason = ?, updated_at = ? WHERE kind = ? AND live_ref = ? AND status = ?`,
		string(domain.StatusFailed), detail, now, kind, ref, string(domain.StatusHeld)); err != nil {
		return fmt.Errorf("release hold of %s: %w", ref, err)
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

// RunInfo is one recorded run.
type RunInfo struct {
	ID         int64
	Command    string
	Sandbox    bool
	StartedAt  time.Time
	FinishedAt time.Time
	Outcome    string
	// Detail is the run's last word, e.g. its error.
	Detail string
	// Files counts the files the run read (accepted, rejected or duplicate).
	Files int
	// Items counts the rows the run read and the items of other files it moved, once each.
	Items int
	// Exceptions counts the exceptions the run raised or re-opened, once each.
	Exceptions int
}

// Run returns a recorded run.
func (db *DB) Run(ctx context.Context, id int64) (RunInfo, error) {
	r, err := scanRun(db.read.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id))
	if err != nil {
		return r, fmt.Errorf("run %d: %w", id, err)
	}
	return r, nil
}

// runColumns are the columns scanRun reads, with what each run counted: files it read, items
// it read or moved, exceptions it raised or re-opened.
const runColumns = `id, command, sandbox, started_at, finished_at, outcome, detail,
	(SELECT count(*) FROM files f WHERE f.run_id = runs.id),
	(SELECT count(*) FROM (SELECT i.id FROM items i JOIN files f ON f.id = i.file_id WHERE f.run_id = runs.id
		UNION SELECT e.item_id FROM events e WHERE e.run_id = runs.id)),
	(SELECT count(*) FROM (SELECT x.id FROM exceptions x WHERE x.run_id = runs.id
		UNION SELECT ee.exception_id FROM exception_events ee WHERE ee.run_id = runs.id))`

func scanRun(row interface{ Scan(...any) error }) (RunInfo, error) {
	var r RunInfo
	var started string
	var finished sql.NullString
	if err := row.Scan(&r.ID, &r.Command, &r.Sandbox, &started, &finished, &r.Outcome, &r.Detail,
		&r.Files, &r.Items, &r.Exceptions); err != nil {
		return r, err
	}
	r.StartedAt = parseTime(started)
	if finished.Valid {
		r.FinishedAt = parseTime(finished.String)
	}
	return r, nil
}

// Runs returns the runs started in [from, to), oldest first.
func (db *DB) Runs(ctx context.Context, from, to time.Time) ([]RunInfo, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+runColumns+` FROM runs WHERE started_at >= ? AND started_at < ? ORDER BY id`,
		formatTime(from), formatTime(to))
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var out []RunInfo
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// IsDiskFull reports whether err is the ledger failing because the disk holding it is full.
func IsDiskFull(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) && se.Code == sqlite3.ErrFull {
		return true
	}
	return errors.Is(err, syscall.ENOSPC)
}
