package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
)

// FixFile is the content of a fix-and-redrop file: the rejected rows of one input file, so
// that a finance user can correct them and drop the file into the inbox again.
type FixFile struct {
	// SourceName is the name of the input file the rows came from.
	SourceName string
	// Header is the input file's header row, as written there.
	Header []string
	// Rows yields the rejected rows in file order. It is read once, as a stream.
	Rows iter.Seq2[FixRow, error]
}

// FixRow is one rejected row of an input file.
type FixRow struct {
	// Line is where the row was in the input file (physical CSV line, XLSX sheet row).
	Line int
	// Raw holds the row's cell values as read, in the file's column order.
	Raw []string
	// Reason says why the row was rejected, in words a finance user reads.
	Reason string
	// Rule is the first rule the row broke. A row under a rule of domain.NeverResendRules (its
	// reference was already sent) is never written: a fix file would invite sending it again.
	Rule string
}

// ErrorColumn is the name of the column a fix file adds after the original ones. The parsers
// report it as an unknown column, which does not stop the file being dropped again.
const ErrorColumn = "Error"

// WriteFixFile writes f to path in the format its extension names: ".csv" (UTF-8 with a byte
// order mark, so that Excel reads it right) or ".xlsx". The file holds the original header
// with ErrorColumn appended, then one line per rejected row: the original values, untouched
// and in their original columns, and the reason. It is written atomically.
//
// A row with more values than the header keeps them all; the extra ones come after the error.
// A row whose reference was already sent (FixRow.Rule) is left out.
func WriteFixFile(path string, f FixFile) error {
	var write func(*os.File, FixFile) error
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv":
		write = writeFixCSV
	case ".xlsx":
		write = writeFixXLSX
	default:
		return fmt.Errorf("write fix file %s: unsupported extension %q (want .csv or .xlsx)", path, ext)
	}
	if err := writeAtomic(path, func(out *os.File) error { return write(out, f) }); err != nil {
		return fmt.Errorf("write fix file %s: %w", path, err)
	}
	return nil
}

// fixRecord lays out one rejected row: the raw values padded to the header's width, the
// error, then any values beyond the header.
func fixRecord(dst []string, width int, r FixRow) []string {
	dst = dst[:0]
	n := min(len(r.Raw), width)
	dst = append(dst, r.Raw[:n]...)
	for len(dst) < width {
		dst = append(dst, "")
	}
	dst = append(dst, fixReason(r))
	return append(dst, r.Raw[n:]...)
}

// fixReason is the text of the Error cell of r.
func fixReason(r FixRow) string {
	if r.Line > 0 {
		return "line " + strconv.Itoa(r.Line) + ": " + r.Reason
	}
	return r.Reason
}

// writeFixCSV writes f as CSV. Values are written exactly as read: a value such as
// "=SUM(A1)" was in the user's own file already, and changing it would change their data.
func writeFixCSV(out *os.File, f FixFile) error {
	bw := bufio.NewWriter(out)
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return fmt.Errorf("write byte order mark: %w", err)
	}
	w := csv.NewWriter(bw)
	w.UseCRLF = true
	if err := w.Write(append(append([]string(nil), f.Header...), ErrorColumn)); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	var rec []string
	if f.Rows != nil {
		for r, err := range f.Rows {
			if err != nil {
				return fmt.Errorf("read rejected rows of %s: %w", f.SourceName, err)
			}
			if domain.NeverResend(r.Rule) {
				continue
			}
			rec = fixRecord(rec, len(f.Header), r)
			if err := w.Write(rec); err != nil {
				return fmt.Errorf("write line %d: %w", r.Line, err)
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// writeFixXLSX writes f as a one-sheet workbook. Every value is a text cell, as it was read.
func writeFixXLSX(out *os.File, f FixFile) error {
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "Sheet1"
	st, err := newStyles(x)
	if err != nil {
		return err
	}
	errStyle, err := x.NewStyle(&excelize.Style{
		Font: &excelize.Font{Bold: true, Color: colorBad},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FCE4D6"}},
	})
	if err != nil {
		return fmt.Errorf("create styles: %w", err)
	}
	if err := setupPage(x, sheet, "Rejected rows of "+f.SourceName); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("stream sheet: %w", err)
	}
	width := len(f.Header)
	for i, h := range f.Header {
		if err := sw.SetColWidth(i+1, i+1, float64(min(max(len(h)+4, 16), 40))); err != nil {
			return fmt.Errorf("set column width: %w", err)
		}
	}
	if err := sw.SetColWidth(width+1, width+1, 60); err != nil {
		return fmt.Errorf("set column width: %w", err)
	}
	if err := sw.SetPanes(freezeBelow(1)); err != nil {
		return fmt.Errorf("freeze header: %w", err)
	}
	header := make([]any, 0, width+1)
	for _, h := range f.Header {
		header = append(header, excelize.Cell{StyleID: st.header, Value: h})
	}
	header = append(header, excelize.Cell{StyleID: errStyle, Value: ErrorColumn})
	if err := sw.SetRow("A1", header); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	row := 1
	var rec []string
	var vals []any
	if f.Rows != nil {
		for r, err := range f.Rows {
			if err != nil {
				return fmt.Errorf("read rejected rows of %s: %w", f.SourceName, err)
			}
			if domain.NeverResend(r.Rule) {
				continue
			}
			if row >= excelize.TotalRows {
				return fmt.Errorf("too many rejected rows for one sheet (%d)", excelize.TotalRows)
			}
			row++
			rec = fixRecord(rec, width, r)
			vals = vals[:0]
			for _, v := range rec {
				vals = append(vals, orNil(v)) // strings: text cells, never formulas
			}
			if err := sw.SetRow(cellName(1, row), vals); err != nil {
				return fmt.Errorf("write line %d: %w", r.Line, err)
			}
		}
	}
	if err := closeTable(x, sw, sheet, 1, row, width+1); err != nil {
		return err
	}
	if err := x.Write(out); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}
