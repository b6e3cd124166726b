// Package ledger is the SQLite book of record: files, items, send intents, append-only events,
// exceptions and runs. It is the only package with SQL. It opens the database in WAL mode with
// synchronous=FULL (a committed intent to pay must survive a power cut), foreign keys on, one
// writer connection and a pool of readers.
package ledger

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-sqlite3"
	_ "github.com/mattn/go-sqlite3" // the SQLite driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the ledger. Writes go through one connection, reads through a pool.
type DB struct {
	write *sql.DB
	read  *sql.DB
	// Now is the ledger's clock; tests may replace it.
	Now func() time.Time
}

// Open opens (creating if needed) the ledger at path and applies pending migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	params := url.Values{}
	params.Set("_journal_mode", "WAL")
	params.Set("_synchronous", "FULL")
	params.Set("_foreign_keys", "on")
	params.Set("_busy_timeout", "10000")
	params.Set("_txlock", "immediate")
	// The writer keeps its recent statements compiled (go-sqlite3's statement cache): a
	// statement run with arguments, not prepared by its caller (an exception, an event, a
	// claim), is compiled once rather than at every call.
	params.Set("_stmt_cache_size", "32")
	dsn := "file:" + path + "?" + params.Encode()

	write, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	readParams := url.Values{}
	readParams.Set("mode", "ro")
	readParams.Set("_foreign_keys", "on")
	readParams.Set("_busy_timeout", "10000")
	read, err := sql.Open("sqlite3", "file:"+path+"?"+readParams.Encode())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open ledger %s for reading: %w", path, err)
	}
	read.SetMaxOpenConns(4)
	db := &DB{write: write, read: read, Now: func() time.Time { return time.Now().UTC() }}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the ledger.
func (db *DB) Close() error {
	return errors.Join(db.read.Close(), db.write.Close())
}

func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := db.applyMigration(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) applyMigration(ctx context.Context, name string) error {
	return db.inTx(ctx, func(tx *sql.Tx, now string) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM migrations WHERE name = ?`, name).Scan(&n); err != nil {
			return fmt.Errorf("check migration %s: %w", name, err)
		}
		if n > 0 {
			return nil
		}
		body, err := fs.ReadFile(migrations, name)
		if err != nil {
			return fmt.Errorf("read migration %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("apply migration %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO migrations (name, applied_at) VALUES (?, ?)`, name, now); err != nil {
			return fmt.Errorf("record migration %s: %w", name, err)
		}
		return nil
	})
}

// inTx runs fn in one write transaction with a fixed "now", committing when fn succeeds.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx, now string) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx, formatTime(db.Now())); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// placeholders returns "?, ?, ?" for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// IsDiskFull reports whether err is the ledger failing because the disk holding it is full.
func IsDiskFull(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) && se.Code == sqlite3.ErrFull {
		return true
	}
	return errors.Is(err, syscall.ENOSPC)
}
