package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Outcomes of a scheduled occurrence (table schedule_runs).
const (
	ScheduleRunning     = "running"     // started, not finished yet
	ScheduleOK          = "ok"          // every step done, nothing to look at
	ScheduleAttention   = "attention"   // every step done, with exceptions to look at
	ScheduleStopped     = "stopped"     // stopped early: Enkash unreachable or credentials refused
	ScheduleFailed      = "failed"      // a step failed
	ScheduleInterrupted = "interrupted" // the daemon stopped (or died) while it ran; resumed once when due
	ScheduleSkipped     = "skipped"     // not started: the job's previous occurrence was still running
	ScheduleMissed      = "missed"      // not run: the daemon was down and the job's catch-up policy said no
)

// scheduleTime is the fixed-width form of scheduled_for, so that text order is time order.
const scheduleTime = "2006-01-02T15:04:05Z"

func formatSchedule(t time.Time) string { return t.UTC().Format(scheduleTime) }

// ScheduledRun is one occurrence of a scheduled job.
type ScheduledRun struct {
	ID           int64     `json:"id"`
	Job          string    `json:"job"`
	ScheduledFor time.Time `json:"scheduled_for"`
	StartedAt    time.Time `json:"started_at"`
	FinishedAt   time.Time `json:"finished_at,omitzero"`
	Outcome      string    `json:"outcome"`
	Detail       string    `json:"detail,omitempty"`
	CaughtUp     bool      `json:"caught_up"`
	Attempts     int       `json:"attempts"`
	RunID        int64     `json:"run_id,omitempty"`
}

// Duration is how long a finished occurrence took; zero while it runs.
func (r ScheduledRun) Duration() time.Duration {
	if r.FinishedAt.IsZero() {
		return 0
	}
	return r.FinishedAt.Sub(r.StartedAt)
}

// BeginScheduledRun records the start of a job's occurrence and reports whether the caller may
// run it. It may not when the occurrence is already recorded (run, running, skipped or missed),
// so that an occurrence is started once however many processes or paths try; an occurrence a
// previous daemon left interrupted may be started again, once per call, as a new attempt.
func (db *DB) BeginScheduledRun(ctx context.Context, job string, scheduledFor time.Time, caughtUp bool) (id int64, started bool, err error) {
	err = db.inTx(ctx, func(tx *sql.Tx, now string) error {
		var outcome string
		err := tx.QueryRowContext(ctx, `SELECT id, outcome FROM schedule_runs WHERE job = ? AND scheduled_for = ?`, job, formatSchedule(scheduledFor)).Scan(&id, &outcome)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			res, err := tx.ExecContext(ctx, `INSERT INTO schedule_runs (job, scheduled_for, started_at, caught_up) VALUES (?, ?, ?, ?)`,
				job, formatSchedule(scheduledFor), now, caughtUp)
			if err != nil {
				return err
			}
			id, err = res.LastInsertId()
			started = err == nil
			return err
		case err != nil:
			return err
		case outcome != ScheduleInterrupted:
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE schedule_runs SET started_at = ?, finished_at = NULL, outcome = ?, detail = '', caught_up = ?, attempts = attempts + 1
			WHERE id = ?`, now, ScheduleRunning, caughtUp, id)
		started = err == nil
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("begin scheduled run of %s: %w", job, err)
	}
	return id, started, nil
}

// NoteScheduledRun records an occurrence that was not run (skipped or missed), unless the
// occurrence is already recorded.
func (db *DB) NoteScheduledRun(ctx context.Context, job string, scheduledFor time.Time, outcome, detail string) error {
	err := db.inTx(ctx, func(tx *sql.Tx, now string) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO schedule_runs (job, scheduled_for, started_at, finished_at, outcome, detail)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (job, scheduled_for) DO NOTHING`,
			job, formatSchedule(scheduledFor), now, now, outcome, detail)
		return err
	})
	if err != nil {
		return fmt.Errorf("note %s occurrence of %s: %w", outcome, job, err)
	}
	return nil
}

// FinishScheduledRun records how an occurrence ended and the pipeline run that did its steps
// (0 when none was started).
func (db *DB) FinishScheduledRun(ctx context.Context, id, runID int64, outcome, detail string) error {
	err := db.inTx(ctx, func(tx *sql.Tx, now string) error {
		var run any
		if runID != 0 {
			run = runID
		}
		_, err := tx.ExecContext(ctx, `UPDATE schedule_runs SET finished_at = ?, outcome = ?, detail = ?, run_id = coalesce(?, run_id) WHERE id = ?`,
			now, outcome, detail, run, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish scheduled run %d: %w", id, err)
	}
	return nil
}

// InterruptScheduledRuns marks every occurrence still recorded as running as interrupted: at
// the start of a daemon, which holds the data folder's lock, they are what a stopped or killed
// daemon left. It returns how many it marked.
func (db *DB) InterruptScheduledRuns(ctx context.Context) (int, error) {
	var n int64
	err := db.inTx(ctx, func(tx *sql.Tx, now string) error {
		res, err := tx.ExecContext(ctx, `UPDATE schedule_runs SET outcome = ?, finished_at = coalesce(finished_at, ?),
			detail = 'the daemon stopped while it ran' WHERE outcome = ?`, ScheduleInterrupted, now, ScheduleRunning)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("mark interrupted scheduled runs: %w", err)
	}
	return int(n), nil
}

const scheduledRunColumns = `id, job, scheduled_for, started_at, finished_at, outcome, detail, caught_up, attempts, run_id`

func scanScheduledRun(row interface{ Scan(...any) error }) (ScheduledRun, error) {
	var r ScheduledRun
	var scheduled, started string
	var finished sql.NullString
	var runID sql.NullInt64
	if err := row.Scan(&r.ID, &r.Job, &scheduled, &started, &finished, &r.Outcome, &r.Detail, &r.CaughtUp, &r.Attempts, &runID); err != nil {
		return r, err
	}
	r.ScheduledFor, _ = time.Parse(scheduleTime, scheduled)
	r.StartedAt = parseTime(started)
	if finished.Valid {
		r.FinishedAt = parseTime(finished.String)
	}
	r.RunID = runID.Int64
	return r, nil
}

// LastScheduledRuns returns, for every job with a recorded occurrence, its latest one by
// scheduled time.
func (db *DB) LastScheduledRuns(ctx context.Context) (map[string]ScheduledRun, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+scheduledRunColumns+` FROM schedule_runs s
		WHERE scheduled_for = (SELECT max(scheduled_for) FROM schedule_runs WHERE job = s.job)`)
	if err != nil {
		return nil, fmt.Errorf("last scheduled runs: %w", err)
	}
	defer rows.Close()
	out := map[string]ScheduledRun{}
	for rows.Next() {
		r, err := scanScheduledRun(rows)
		if err != nil {
			return nil, fmt.Errorf("last scheduled runs: %w", err)
		}
		out[r.Job] = r
	}
	return out, rows.Err()
}

// ScheduledRuns returns a job's occurrences, latest first, at most limit of them (0: all).
func (db *DB) ScheduledRuns(ctx context.Context, job string, limit int) ([]ScheduledRun, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+scheduledRunColumns+` FROM schedule_runs WHERE job = ?
		ORDER BY scheduled_for DESC LIMIT ?`, job, limit)
	if err != nil {
		return nil, fmt.Errorf("scheduled runs of %s: %w", job, err)
	}
	defer rows.Close()
	var out []ScheduledRun
	for rows.Next() {
		r, err := scanScheduledRun(rows)
		if err != nil {
			return nil, fmt.Errorf("scheduled runs of %s: %w", job, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ScheduledRunCount is how many occurrences of a job ended one way, and the seconds the
// finished ones took in all.
type ScheduledRunCount struct {
	Job     string  `json:"job"`
	Outcome string  `json:"outcome"`
	Count   int     `json:"count"`
	Seconds float64 `json:"seconds"`
}

// ScheduledRunCounts returns occurrence counts by job and outcome.
func (db *DB) ScheduledRunCounts(ctx context.Context) ([]ScheduledRunCount, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT job, outcome, count(*),
		coalesce(sum(CASE WHEN finished_at IS NULL THEN 0 ELSE (julianday(finished_at) - julianday(started_at)) * 86400.0 END), 0)
		FROM schedule_runs GROUP BY job, outcome ORDER BY job, outcome`)
	if err != nil {
		return nil, fmt.Errorf("count scheduled runs: %w", err)
	}
	defer rows.Close()
	var out []ScheduledRunCount
	for rows.Next() {
		var c ScheduledRunCount
		if err := rows.Scan(&c.Job, &c.Outcome, &c.Count, &c.Seconds); err != nil {
			return nil, fmt.Errorf("count scheduled runs: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Heartbeat records that the daemon is alive now. It is a real write, so it also proves the
// ledger is writable.
func (db *DB) Heartbeat(ctx context.Context) error {
	err := db.inTx(ctx, func(tx *sql.Tx, now string) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO daemon_heartbeat (id, seen_at) VALUES (1, ?)
			ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("record heartbeat: %w", err)
	}
	return nil
}

// LastHeartbeat returns when a daemon last recorded a heartbeat, and whether one ever did.
func (db *DB) LastHeartbeat(ctx context.Context) (time.Time, bool, error) {
	var seen string
	err := db.read.QueryRowContext(ctx, `SELECT seen_at FROM daemon_heartbeat WHERE id = 1`).Scan(&seen)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read heartbeat: %w", err)
	}
	return parseTime(seen), true, nil
}
