package main

// The floors: bare programs doing the least work that the measured one cannot avoid. Each runs
// in a child process of the harness (bench floor-csv / floor-xlsx), like bin/batch does, so
// that both pay for a process start and their wall times and peak RSS compare.

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
	"enkashbatch/ledger"
)

// openFloorLedger creates a fresh ledger at dbPath with the ledger's own schema (ledger.Open
// applies it) and opens it with the ledger's connection settings (WAL, synchronous=FULL, one
// connection), as bare database/sql.
func openFloorLedger(ctx context.Context, dbPath string) (*sql.DB, error) {
	l, err := ledger.Open(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	if err := l.Close(); err != nil {
		return nil, err
	}
	params := url.Values{}
	params.Set("_journal_mode", "WAL")
	params.Set("_synchronous", "FULL")
	params.Set("_foreign_keys", "on")
	params.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?"+params.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dbPath, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// floorRows opens the CSV file at path for a floor: encoding/csv, records reused, the header
// read.
func floorRows(path string) (*csv.Reader, io.Closer, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	cr := csv.NewReader(bufio.NewReaderSize(fh, 64<<10))
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil {
		fh.Close()
		return nil, nil, fmt.Errorf("header: %w", err)
	}
	return cr, fh, nil
}

// beginFloor opens the CSV file at path (floorRows) and begins the transaction that records
// its run and file (floorFile) and, by the caller, its rows; now is the time they share. end
// rolls back what was not committed and closes the file.
func beginFloor(ctx context.Context, db *sql.DB, path string) (cr *csv.Reader, tx *sql.Tx, now string, end func(), err error) {
	cr, fh, err := floorRows(path)
	if err != nil {
		return nil, nil, "", nil, err
	}
	if tx, err = db.BeginTx(ctx, nil); err != nil {
		fh.Close()
		return nil, nil, "", nil, fmt.Errorf("begin: %w", err)
	}
	end = func() {
		tx.Rollback()
		fh.Close()
	}
	now = time.Now().UTC().Format(time.RFC3339Nano)
	if err := floorFile(ctx, tx, filepath.Base(path), now); err != nil {
		end()
		return nil, nil, "", nil, err
	}
	return cr, tx, now, end, nil
}

// floorFile records the run and the file the floor's rows belong to (ids 1).
func floorFile(ctx context.Context, tx *sql.Tx, name, now string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO runs (id, command, started_at) VALUES (1, 'floor', ?)`, now); err != nil {
		return fmt.Errorf("run: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO files (id, run_id, name, kind, sha256, status, received_at) VALUES (1, 1, ?, 'payouts', 'floor', 'accepted', ?)`,
		name, now); err != nil {
		return fmt.Errorf("file: %w", err)
	}
	return nil
}

// floorCSVSingle is the CSV floor of earlier runs, printed beside the floor for comparison:
// encoding/csv and one prepared single-row INSERT per row into the items table of a fresh
// ledger (all its indexes), one transaction, the row's text standing in for both the JSON
// payload and the raw cells, no validation.
func floorCSVSingle(ctx context.Context, path, dbPath string) (int, error) {
	db, err := openFloorLedger(ctx, dbPath)
	if err != nil {
		return 0, fmt.Errorf("floor csv: %w", err)
	}
	defer db.Close()
	cr, tx, now, end, err := beginFloor(ctx, db, path)
	if err != nil {
		return 0, fmt.Errorf("floor csv: %w", err)
	}
	defer end()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO items (file_id, kind, line, reference, live_ref, ref_key, amount, status, reason, payload, raw, updated_at)
		VALUES (1, 'payouts', ?, ?, ?, ?, ?, 'valid', '', ?, ?, ?)`)
	if err != nil {
		return 0, fmt.Errorf("floor csv: prepare: %w", err)
	}
	defer ins.Close()
	n := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, fmt.Errorf("floor csv: %w", err)
		}
		n++
		text := strings.Join(rec, ",")
		if _, err := ins.ExecContext(ctx, n+1, rec[0], rec[0], domain.ReferenceKey(rec[0]), bareAmount(rec[5]), text, text, now); err != nil {
			return n, fmt.Errorf("floor csv: row %d: %w", n, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return n, fmt.Errorf("floor csv: commit: %w", err)
	}
	return n, nil
}

// floorChunk is the rows of one multi-row INSERT of the CSV floor: the fastest of 64, 128 and
// 256 on the machine of docs/performance.md (beyond that the statement's size buys nothing).
const floorChunk = 128

// floorCSV is the CSV floor: the fastest SQLite load of the rows of the CSV file at path that
// this machine does, into the items table of a fresh ledger at dbPath. It reads the rows with
// encoding/csv and writes them with multi-row INSERTs (floorChunk rows each, prepared once per
// size, the values every row shares bound once) in one transaction, over the ledger's
// connection settings (WAL, synchronous=FULL). Each row is written once: its reference (and
// live reference and key), its amount, and its text as the payload; the raw cells are not
// kept (as a valid row's are not). The table keeps the ledger's columns and its unique index
// of references, which a load needs to refuse duplicates, and no other index. No validation.
func floorCSV(ctx context.Context, path, dbPath string) (int, error) {
	db, err := openFloorLedger(ctx, dbPath)
	if err != nil {
		return 0, fmt.Errorf("floor csv: %w", err)
	}
	defer db.Close()
	for _, idx := range []string{"items_kind_status", "items_file", "items_batch"} {
		if _, err := db.ExecContext(ctx, `DROP INDEX IF EXISTS `+idx); err != nil {
			return 0, fmt.Errorf("floor csv: %w", err)
		}
	}
	cr, tx, now, end, err := beginFloor(ctx, db, path)
	if err != nil {
		return 0, fmt.Errorf("floor csv: %w", err)
	}
	defer end()
	// ?1 is the time every row shares; each row binds five values, its reference once.
	insert := func(rows int) string {
		var q strings.Builder
		q.WriteString(`INSERT INTO items (file_id, kind, line, reference, live_ref, ref_key, amount, status, reason, payload, raw, updated_at) VALUES `)
		for i := range rows {
			p := 2 + 5*i
			if i > 0 {
				q.WriteString(", ")
			}
			fmt.Fprintf(&q, "(1, 'payouts', ?%d, ?%d, ?%d, ?%d, ?%d, 'valid', '', ?%d, '[]', ?1)", p, p+1, p+1, p+2, p+3, p+4)
		}
		return q.String()
	}
	chunk, err := tx.PrepareContext(ctx, insert(floorChunk))
	if err != nil {
		return 0, fmt.Errorf("floor csv: prepare: %w", err)
	}
	defer chunk.Close()
	one, err := tx.PrepareContext(ctx, insert(1))
	if err != nil {
		return 0, fmt.Errorf("floor csv: prepare: %w", err)
	}
	defer one.Close()
	args := make([]any, 1, 1+5*floorChunk)
	args[0] = now
	n := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, fmt.Errorf("floor csv: %w", err)
		}
		n++
		ref := strings.Clone(rec[0])
		args = append(args, int64(n+1), ref, domain.ReferenceKey(ref), bareAmount(rec[5]), strings.Join(rec, ","))
		if len(args) == cap(args) {
			if _, err := chunk.ExecContext(ctx, args...); err != nil {
				return n, fmt.Errorf("floor csv: rows to %d: %w", n, err)
			}
			args = args[:1]
		}
	}
	for i := 1; i < len(args); i += 5 {
		if _, err := one.ExecContext(ctx, append([]any{now}, args[i:i+5]...)...); err != nil {
			return n, fmt.Errorf("floor csv: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return n, fmt.Errorf("floor csv: commit: %w", err)
	}
	return n, nil
}

// bareAmount reads "1,25,000.50" as paise with no checks: the least a floor must do.
func bareAmount(s string) int64 {
	var p int64
	decimals := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			p = p*10 + int64(c-'0')
			if decimals >= 0 {
				decimals++
			}
		case c == '.':
			decimals = 0
		}
	}
	for ; decimals < 2; decimals++ {
		p *= 10
	}
	return p
}

// floorXLSX reads every row of the first sheet of the workbook at path with excelize's row
// iterator and raw cell values, and returns how many rows it read.
func floorXLSX(path string) (int, error) {
	f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true})
	if err != nil {
		return 0, fmt.Errorf("floor xlsx: %w", err)
	}
	defer f.Close()
	rows, err := f.Rows(f.GetSheetList()[0])
	if err != nil {
		return 0, fmt.Errorf("floor xlsx: %w", err)
	}
	n, cells := 0, 0
	for rows.Next() {
		cols, err := rows.Columns()
		if err != nil {
			return n, fmt.Errorf("floor xlsx: row %d: %w", n+1, err)
		}
		n++
		cells += len(cols)
	}
	if err := rows.Close(); err != nil {
		return n, fmt.Errorf("floor xlsx: %w", err)
	}
	if cells == 0 {
		return n, errors.New("floor xlsx: no cells read")
	}
	return n - 1, nil // without the header
}

// floorReport writes the cells of the run workbook's detail sheet (13 a row) for items with
// one bare StreamWriter: no styles, no other sheets, values decoded beforehand.
func floorReport(path string, items []domain.Item, beneficiaries, modes []string) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return fmt.Errorf("floor report: %w", err)
	}
	row := make([]any, 13)
	for i, it := range items {
		row[0], row[1], row[2], row[3], row[4] = it.File, it.Line, it.Reference, beneficiaries[i], modes[i]
		row[5], row[6], row[7], row[8] = it.Amount.Float(), string(it.Status), it.Provider.Status, it.Provider.ProviderID
		row[9], row[10], row[11], row[12] = it.Provider.BatchID, it.Provider.UTR, it.Provider.Amount.Float(), nil
		cell, err := excelize.CoordinatesToCellName(1, i+3)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, row); err != nil {
			return fmt.Errorf("floor report: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("floor report: %w", err)
	}
	if err := f.SaveAs(path); err != nil {
		return fmt.Errorf("floor report: %w", err)
	}
	return nil
}
