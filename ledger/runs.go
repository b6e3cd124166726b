package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// StartRun records the start of a run and returns its id.
func (db *DB) StartRun(ctx context.Context, command string, sandbox bool) (int64, error) {
	var id int64
	err := db.inTx(ctx, func(tx *sql.Tx, now string) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO runs (command, sandbox, started_at) VALUES (?, ?, ?)`, command, sandbox, now)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("start run: %w", err)
	}
	return id, nil
}

// FinishRun records how a run ended.
func (db *DB) FinishRun(ctx context.Context, id int64, outcome, detail string) error {
	err := db.inTx(ctx, func(tx *sql.Tx, now string) error {
		_, err := tx.ExecContext(ctx, `UPDATE runs SET finished_at = ?, outcome = ?, detail = ? WHERE id = ?`, now, outcome, detail, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish run %d: %w", id, err)
	}
	return nil
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
