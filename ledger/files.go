package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"enkashbatch/domain"
)

// File statuses.
const (
	FileAccepted  = "accepted"  // read; its rows are items
	FileRejected  = "rejected"  // unusable as a whole (see its note)
	FileDuplicate = "duplicate" // its content was processed before
)

// AcceptedFile returns the accepted file with this content hash, if there is one.
func (db *DB) AcceptedFile(ctx context.Context, sha256 string) (domain.FileSummary, bool, error) {
	var f domain.FileSummary
	var received string
	err := db.read.QueryRowContext(ctx, `SELECT id, name, kind, sha256, status, received_at FROM files WHERE sha256 = ? AND status = 'accepted'`, sha256).
		Scan(&f.ID, &f.Name, &f.Kind, &f.SHA256, &f.Status, &received)
	if errors.Is(err, sql.ErrNoRows) {
		return f, false, nil
	}
	if err != nil {
		return f, false, fmt.Errorf("look up file %s: %w", sha256, err)
	}
	f.ReceivedAt = parseTime(received)
	return f, true, nil
}

// RecordUnprocessedFile records a file that yields no items: a rejected (unusable) file or a
// duplicate, together with the exception a person must see.
func (db *DB) RecordUnprocessedFile(ctx context.Context, runID int64, f domain.FileSummary, note string, exc domain.Exception) (int64, error) {
	var id int64
	err := db.inTx(ctx, func(tx *sql.Tx, now string) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO files (run_id, name, kind, sha256, status, note, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			runID, f.Name, string(f.Kind), f.SHA256, f.Status, note, now)
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return insertException(ctx, tx, runID, now, exc, "")
	})
	if err != nil {
		return 0, fmt.Errorf("record %s file %s: %w", f.Status, f.Name, err)
	}
	return id, nil
}

// FileHeader returns the header of a file as it was written.
func (db *DB) FileHeader(ctx context.Context, fileID int64) ([]string, error) {
	var raw string
	if err := db.read.QueryRowContext(ctx, `SELECT header FROM files WHERE id = ?`, fileID).Scan(&raw); err != nil {
		return nil, fmt.Errorf("header of file %d: %w", fileID, err)
	}
	var header []string
	if err := json.Unmarshal([]byte(raw), &header); err != nil {
		return nil, fmt.Errorf("header of file %d: %w", fileID, err)
	}
	return header, nil
}

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
