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

// floorCSV parses the CSV file at path with encoding/csv and inserts every row into the items
// table of a fresh ledger at dbPath: the ledger's own schema (ledger.Open applies it) and
// connection settings (WAL, synchronous=FULL), one prepared INSERT, one transaction. It fills
// the same columns as an ingest, with the row's text standing in for the JSON payload and raw
// cells so that the bytes stored are alike, and does no validation.
func floorCSV(ctx context.Context, path, dbPath string) (int, error) {
	l, err := ledger.Open(ctx, dbPath)
	if err != nil {
		return 0, err
	}
	if err := l.Close(); err != nil {
		return 0, err
	}
	params := url.Values{}
	params.Set("_journal_mode", "WAL")
	params.Set("_synchronous", "FULL")
	params.Set("_foreign_keys", "on")
	params.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?"+params.Encode())
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", dbPath, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	fh, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("floor csv: %w", err)
	}
	defer fh.Close()
	cr := csv.NewReader(bufio.NewReaderSize(fh, 64<<10))
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil {
		return 0, fmt.Errorf("floor csv: header: %w", err)
	}

	now := time.Now().UTC().Format(time.RFC3339Nano)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("floor csv: begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO runs (id, command, started_at) VALUES (1, 'floor', ?)`, now); err != nil {
		return 0, fmt.Errorf("floor csv: run: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO files (id, run_id, name, kind, sha256, status, received_at) VALUES (1, 1, ?, 'payouts', 'floor', 'accepted', ?)`,
		filepath.Base(path), now); err != nil {
		return 0, fmt.Errorf("floor csv: file: %w", err)
	}
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
