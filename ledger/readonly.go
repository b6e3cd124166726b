package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"time"

	"enkashbatch/domain"
)

// OpenReadOnly opens an existing ledger for reading only (`batch validate --home`): nothing is
// created, migrated or written, and every write through it fails. When there is no ledger at
// path the error wraps fs.ErrNotExist.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("open ledger %s: not a regular file", path)
	}
	params := url.Values{}
	params.Set("mode", "ro")
	params.Set("_foreign_keys", "on")
	params.Set("_busy_timeout", "10000")
	dsn := "file:" + path + "?" + params.Encode()
	read, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	read.SetMaxOpenConns(2)
	// The writer is read-only too: a write by mistake fails instead of changing the ledger.
	write, err := sql.Open("sqlite3", dsn)
	if err != nil {
		read.Close()
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	db := &DB{write: write, read: read, Now: func() time.Time { return time.Now().UTC() }}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var applied int
	if err := read.QueryRowContext(ctx, `SELECT count(*) FROM migrations`).Scan(&applied); err != nil {
		db.Close()
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	if applied < len(names) {
		db.Close()
		return nil, fmt.Errorf("open ledger %s: it was written by an older version of batch and is brought up to date by the next command that writes to it (batch status does)", path)
	}
	return db, nil
}

// SandboxCount counts the runs recorded against the Enkash simulator and against Enkash.
type SandboxCount struct{ Sandbox, Enkash int }

// RunsBySandbox counts the runs of the ledger by whether they talked to the sandbox.
func (db *DB) RunsBySandbox(ctx context.Context) (SandboxCount, error) {
	var n SandboxCount
	err := db.read.QueryRowContext(ctx, `SELECT coalesce(sum(sandbox <> 0), 0), coalesce(sum(sandbox = 0), 0) FROM runs`).Scan(&n.Sandbox, &n.Enkash)
	if err != nil {
		return n, fmt.Errorf("count runs: %w", err)
	}
	return n, nil
}

// ReferenceRow is a valid row of a file not yet recorded: where it is and its reference.
type ReferenceRow struct {
	Line      int
	Reference string
}

// CheckReferences returns the errors ingest would give these valid rows of a file of kind named
// file, whose reference column is headed refColumn, because of what the ledger already holds:
// a reference sent or queued from another file (domain.RuleAlreadySent, RuleAlreadyQueued) or
// held by another item (duplicate_reference), in ingest's own words. A row of an updatable kind
// under the exact reference of a record Enkash created is an update, not an error. It only
// reads.
func (db *DB) CheckReferences(ctx context.Context, kind domain.Kind, file, refColumn string, rows []ReferenceRow) ([]domain.RowError, error) {
	holders := map[string]holder{}
	const chunk = 500
	for start := 0; start < len(rows); start += chunk {
		part := rows[start:min(start+chunk, len(rows))]
		args := []any{string(kind)}
		for _, r := range part {
			args = append(args, domain.ReferenceKey(r.Reference))
		}
		if err := db.referenceHolders(ctx, holders, len(part), args); err != nil {
			return nil, fmt.Errorf("check references of %s: %w", file, err)
		}
	}
	// The words are those of an ingest of a file not yet recorded (file id 0 is no file's).
	in := &Ingest{kind: kind, file: file, refCol: refColumn}
	var errs []domain.RowError
	for _, r := range rows {
		h, held := holders[domain.ReferenceKey(r.Reference)]
		if !held {
			continue
		}
		if kind.Updatable() && h.reference == r.Reference && h.status == domain.StatusSuccess {
			continue // an update of the record Enkash created (see takeOver)
		}
		if e, ok := in.neverResend(r.Line, r.Reference, h); ok {
			errs = append(errs, e)
		} else {
			errs = append(errs, in.duplicate(r.Line, r.Reference, h))
		}
	}
	return errs, nil
}

// referenceHolders adds to holders, by reference key, the items holding the n keys in args
// (after the kind).
func (db *DB) referenceHolders(ctx context.Context, holders map[string]holder, n int, args []any) error {
	q, err := db.read.QueryContext(ctx, `SELECT i.ref_key, i.file_id, i.line, f.name, i.reference, i.status, i.provider_id, i.provider_status, i.utr,
			i.provider_reason, coalesce(b.created_at, nullif(i.updated_at, ''), f.received_at), f.received_at
		FROM items i JOIN files f ON f.id = i.file_id LEFT JOIN batches b ON b.id = i.batch_id
		WHERE i.kind = ? AND i.ref_key IN (`+placeholders(n)+`)`, args...)
	if err != nil {
		return err
	}
	defer q.Close()
	for q.Next() {
		var key string
		var h holder
		if err := q.Scan(&key, &h.fileID, &h.line, &h.file, &h.reference, &h.status, &h.providerID, &h.providerStatus, &h.utr,
			&h.pReason, &h.sentAt, &h.receivedAt); err != nil {
			return err
		}
		holders[key] = h
	}
	return q.Err()
}
