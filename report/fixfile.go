package report

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
	// Template is the help of the file's kind, as its XLSX template gives it: the workbook
	// takes its sheet name, column formats, drop-downs and "How to fill" sheet. Zero: a bare
	// sheet of text cells. A CSV fix file uses none of it.
	Template FixTemplate
}

// FixTemplate is what a fix-and-redrop workbook keeps of its kind's XLSX template.
type FixTemplate struct {
	// Sheet names the data sheet (the template's, e.g. "Payouts"); empty: "Sheet1".
	Sheet string
	// Columns describe the columns of FixFile.Header, one each, in order; a header cell
	// that names no column of the kind has a zero FixColumn.
	Columns []FixColumn
	// HelpSheet names the sheet of help (the one the readers never take as data); empty:
	// no help sheet is written.
	HelpSheet string
	// Help are the help sheet's lines, one per column of the kind.
	Help []FixHelp
	// Rules are the kind's rules, listed under the columns on the help sheet.
	Rules []string
	// ParseDate reads a date cell as the readers do; nil: dates stay text.
	ParseDate func(string) (time.Time, bool)
}

// FixColumn is one column of a fix-and-redrop workbook.
type FixColumn struct {
	// Text columns (references, account numbers, IFSC...) are formatted as text, so that
	// re-typing a value keeps its leading zeros and all its digits.
	Text bool
	// Date columns hold real dates, shown as dd-mm-yyyy, where the value reads as one.
	Date bool
	// Choices, if any, are offered as a drop-down, as the template does.
	Choices []string
	// Width is the template's width of the column; 0: one from the header.
	Width float64
}

// FixHelp is one line of the help sheet: a column, "required" or "optional", what to enter.
type FixHelp struct {
	Column, Required, Help string
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
// and in their original columns, and the reason, which names the row in this file first and
// then its line in the original ("row 3 of this file (line 17 of payouts_nov.csv): ...").
// A workbook is laid out as the kind's template (f.Template): see writeFixXLSX. The file is
// written atomically.
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

// fixRecord lays out one rejected row, the row-th of the fix file (its header is row 1): the
// raw values padded to the header's width, the error, then any values beyond the header.
func fixRecord(dst []string, width int, f FixFile, row int, r FixRow) []string {
	dst = dst[:0]
	n := min(len(r.Raw), width)
	dst = append(dst, r.Raw[:n]...)
	for len(dst) < width {
		dst = append(dst, "")
	}
	dst = append(dst, fixReason(f.SourceName, row, r))
	return append(dst, r.Raw[n:]...)
}

// fixReason is the text of the Error cell of r, the row-th row of the fix file: it names that
// row first, the one the user is looking at, then where the row was in the original file.
func fixReason(source string, row int, r FixRow) string {
	where := "row " + strconv.Itoa(row) + " of this file"
	if r.Line > 0 {
		unit := "line"
		if strings.EqualFold(filepath.Ext(source), ".xlsx") {
			unit = "row"
		}
		where += " (" + unit + " " + strconv.Itoa(r.Line) + " of " + source + ")"
	}
	return where + ": " + r.Reason
}

// cellError is one broken rule of a rejected row, in the column of the file it names.
type cellError struct {
	col     int // 0-based column of the header
	message string
}

// cellErrors finds in reason the errors that name a column of header, as the ledger joins a
// row's errors (ledger/ingest.go, joinErrors): "Column (rule): message", joined by "; ". A
// column is recognised only where its header is followed by a rule name in brackets and a
// colon; where two headers fit, the longer wins ("Amount (₹)" over "Amount"). Errors of no
// column (a row with too many cells) are left to the Error column.
func cellErrors(reason string, header []string) []cellError {
	type hit struct{ at, col, end int }
	var hits []hit
	for at := 0; at < len(reason); {
		best := hit{at: at, col: -1}
		for i, h := range header {
			if h == "" || !strings.HasPrefix(reason[at:], h+" (") {
				continue
			}
			rest := reason[at+len(h)+2:]
			j := 0
			for j < len(rest) && (rest[j] == '_' || rest[j] >= 'a' && rest[j] <= 'z' || rest[j] >= '0' && rest[j] <= '9') {
				j++
			}
			if j == 0 || !strings.HasPrefix(rest[j:], "): ") {
				continue
			}
			if best.col < 0 || len(h) > len(header[best.col]) {
				best = hit{at: at, col: i, end: at + len(h) + 2 + j + 3}
			}
		}
		if best.col >= 0 {
			hits = append(hits, best)
		}
		next := strings.Index(reason[at:], "; ")
		if next < 0 {
			break
		}
		at += next + 2
	}
	out := make([]cellError, 0, len(hits))
	for i, h := range hits {
		end := len(reason)
		if i+1 < len(hits) {
			end = hits[i+1].at - 2
		}
		msg := reason[h.at:end]
		// The same column twice: one note with both messages.
		if k := slices.IndexFunc(out, func(c cellError) bool { return c.col == h.col }); k >= 0 {
			out[k].message += "; " + msg
			continue
		}
		out = append(out, cellError{col: h.col, message: msg})
	}
	return out
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
	row := 1
	if f.Rows != nil {
		for r, err := range f.Rows {
			if err != nil {
				return fmt.Errorf("read rejected rows of %s: %w", f.SourceName, err)
			}
			if domain.NeverResend(r.Rule) {
				continue
			}
			row++
			rec = fixRecord(rec, len(f.Header), f, row, r)
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

// The fix workbook's own colours: the Error column and the cells to correct.
const (
	colorFixBad     = "FCE4D6"
	fixNoteAuthor   = "enkashbatch"
	maxFixNotes     = 2000  // cell notes beyond these: the fill and the Error column still say it
	fixTemplateRows = 10000 // rows given the drop-downs, as the template's
)

// fixStyles are the cell styles of a fix workbook's data sheet: per column its own, and the
// same highlighted for a cell to correct.
type fixStyles struct {
	header, errHeader, errCell int
	col, bad                   []int
}

func newFixStyles(x *excelize.File, cols []FixColumn, width int) (*fixStyles, error) {
	st := &fixStyles{col: make([]int, width), bad: make([]int, width)}
	var err error
	add := func(dst *int, s *excelize.Style) {
		if err == nil {
			*dst, err = x.NewStyle(s)
		}
	}
	badFill := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colorFixBad}}
	border := []excelize.Border{{Type: "left", Color: colorBad, Style: 2}, {Type: "right", Color: colorBad, Style: 2},
		{Type: "top", Color: colorBad, Style: 2}, {Type: "bottom", Color: colorBad, Style: 2}}
	add(&st.header, &excelize.Style{
		Font:      &excelize.Font{Bold: true, Color: "FFFFFF"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F4E78"}},
		Alignment: &excelize.Alignment{Vertical: "center"},
	})
	add(&st.errHeader, &excelize.Style{
		Font: &excelize.Font{Bold: true, Color: "FFFFFF"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colorBad}},
	})
	add(&st.errCell, &excelize.Style{
		Font:      &excelize.Font{Color: colorBad},
		NumFmt:    49,
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
	})
	date := fmtDate
	top := &excelize.Alignment{Vertical: "top"}
	for i := range width {
		var c FixColumn
		if i < len(cols) {
			c = cols[i]
		}
		plain, bad := &excelize.Style{Alignment: top}, &excelize.Style{Fill: badFill, Border: border, Alignment: top}
		switch {
		case c.Text:
			plain.NumFmt, bad.NumFmt = 49, 49
		case c.Date:
			plain.CustomNumFmt, bad.CustomNumFmt = &date, &date
		}
		add(&st.col[i], plain)
		add(&st.bad[i], bad)
	}
	if err != nil {
		return nil, fmt.Errorf("create styles: %w", err)
	}
	return st, nil
}

// writeFixXLSX writes f as a workbook laid out as its kind's template (f.Template): the data
// sheet under the template's name, identifier columns formatted as text, dates as dates, the
// drop-downs, then the Error column; each cell to correct filled and given a note with its
// error; and the "How to fill" sheet. Values are text cells, as they were read (never
// formulas), but for dates where the column takes dates.
func writeFixXLSX(out *os.File, f FixFile) error {
	x := excelize.NewFile()
	defer x.Close()
	tpl := f.Template
	sheet := cmp.Or(tpl.Sheet, "Sheet1")
	if sheet != "Sheet1" {
		if err := x.SetSheetName("Sheet1", sheet); err != nil {
			return fmt.Errorf("name sheet %s: %w", sheet, err)
		}
	}
	width := len(f.Header)
	st, err := newFixStyles(x, tpl.Columns, width)
	if err != nil {
		return err
	}
	if err := setupPage(x, sheet, "Rejected rows of "+f.SourceName); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("stream sheet: %w", err)
	}
	column := func(i int) FixColumn {
		if i < len(tpl.Columns) {
			return tpl.Columns[i]
		}
		return FixColumn{}
	}
	for i, h := range f.Header {
		w := max(column(i).Width, float64(min(max(utf8.RuneCountInString(h)+4, 12), 40)))
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return fmt.Errorf("set column width: %w", err)
		}
		if err := sw.SetColStyle(i+1, i+1, st.col[i]); err != nil {
			return fmt.Errorf("set column style: %w", err)
		}
	}
	if err := sw.SetColWidth(width+1, width+1, 70); err != nil {
		return fmt.Errorf("set column width: %w", err)
	}
	if err := sw.SetColStyle(width+1, width+1, st.errCell); err != nil {
		return fmt.Errorf("set column style: %w", err)
	}
	if err := sw.SetPanes(freezeBelow(1)); err != nil {
		return fmt.Errorf("freeze header: %w", err)
	}
	header := make([]any, 0, width+1)
	for _, h := range f.Header {
		header = append(header, excelize.Cell{StyleID: st.header, Value: h})
	}
	header = append(header, excelize.Cell{StyleID: st.errHeader, Value: ErrorColumn})
	if err := sw.SetRow("A1", header, excelize.RowOpts{Height: 20}); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	row, notes := 1, 0
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
			rec = fixRecord(rec, width, f, row, r)
			vals = vals[:0]
			for i, v := range rec {
				vals = append(vals, fixCell(st, column(i), tpl.ParseDate, i, width, v))
			}
			for _, ce := range cellErrors(r.Reason, f.Header) {
				vals[ce.col] = excelize.Cell{StyleID: st.bad[ce.col], Value: cellValue(vals[ce.col])}
				if notes < maxFixNotes {
					notes++
					if err := x.AddComment(sheet, excelize.Comment{Cell: cellName(ce.col+1, row), Author: fixNoteAuthor,
						Paragraph: []excelize.RichTextRun{{Text: ce.message}}, Width: 320, Height: 90}); err != nil {
						return fmt.Errorf("add note to %s: %w", cellName(ce.col+1, row), err)
					}
				}
			}
			// Tall enough for the wrapped error, as spreadsheets do not grow rows on opening.
			if err := sw.SetRow(cellName(1, row), vals, excelize.RowOpts{Height: wrappedHeight(rec[width], 68)}); err != nil {
				return fmt.Errorf("write line %d: %w", r.Line, err)
			}
		}
	}
	// The drop-downs, as the template has them, over the rows there are and the rows a user
	// may add (before Flush: the stream writes the sheet's validations with its data).
	for i := range width {
		choices := column(i).Choices
		if len(choices) == 0 {
			continue
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", colName(i+1), colName(i+1), max(fixTemplateRows, row+1))
		if err := dv.SetDropList(choices); err != nil {
			return fmt.Errorf("drop-down of %s: %w", f.Header[i], err)
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "Not allowed", "Choose one of: "+strings.Join(choices, ", "))
		if err := x.AddDataValidation(sheet, dv); err != nil {
			return fmt.Errorf("drop-down of %s: %w", f.Header[i], err)
		}
	}
	if err := closeTable(x, sw, sheet, 1, row, width+1); err != nil {
		return err
	}
	if tpl.HelpSheet != "" {
		if err := writeFixHelp(x, st, f); err != nil {
			return err
		}
	}
	if err := x.Write(out); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

// fixCell is the cell of value v in column i of a fix workbook: a date where the column takes
// dates and v reads as one, else text (never a formula); the Error column and the values
// beyond the header in the Error column's style.
func fixCell(st *fixStyles, c FixColumn, parseDate func(string) (time.Time, bool), i, width int, v string) any {
	switch {
	case v == "":
		return nil
	case i == width:
		return excelize.Cell{StyleID: st.errCell, Value: v}
	case i > width:
		return v
	case c.Date && parseDate != nil:
		if d, ok := parseDate(v); ok {
			return excelize.Cell{StyleID: st.col[i], Value: d}
		}
	}
	return excelize.Cell{StyleID: st.col[i], Value: v}
}

// cellValue is the value a fixCell holds.
func cellValue(v any) any {
	if c, ok := v.(excelize.Cell); ok {
		return c.Value
	}
	return v
}

// wrappedHeight is the height of a row whose text wraps at about perLine characters, as
// spreadsheets do not grow the rows of a file on opening it.
func wrappedHeight(text string, perLine int) float64 {
	return 15 * float64(max(1, (utf8.RuneCountInString(text)+perLine-1)/perLine))
}

// writeFixHelp writes the "How to fill" sheet of a fix workbook: what this file is and how to
// send it again, then the template's help, column by column, and the kind's rules.
func writeFixHelp(x *excelize.File, st *fixStyles, f FixFile) error {
	tpl := f.Template
	sheet := tpl.HelpSheet
	if _, err := x.NewSheet(sheet); err != nil {
		return fmt.Errorf("add sheet %s: %w", sheet, err)
	}
	wrap, err := x.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return fmt.Errorf("create styles: %w", err)
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 12}})
	if err != nil {
		return fmt.Errorf("create styles: %w", err)
	}
	for col, w := range map[string]float64{"A": 22, "B": 12, "C": 100} {
		if err := x.SetColWidth(sheet, col, col, w); err != nil {
			return fmt.Errorf("set column width: %w", err)
		}
	}
	if err := x.SetColStyle(sheet, "A:C", wrap); err != nil {
		return fmt.Errorf("set column style: %w", err)
	}
	intro := []string{
		"Rows of " + f.SourceName + " that were not sent",
		"Each row here was refused. The cells to correct are shaded, with a note saying what is wrong; the " + ErrorColumn +
			" column says it too, with the row's place in " + f.SourceName + ". Correct them on the " + cmp.Or(tpl.Sheet, "Sheet1") +
			" sheet, save, and drop this file into the inbox again: its rows are checked again and the good ones are sent. The " +
			ErrorColumn + " column and this sheet are ignored.",
		"Rows of " + f.SourceName + " that are not here were sent or are waiting to be sent: do not add them. A row whose reference was already sent is never here.",
	}
	r := 1
	for i, line := range intro {
		if err := x.SetCellStr(sheet, cellName(1, r), line); err != nil {
			return fmt.Errorf("write sheet %s: %w", sheet, err)
		}
		if i == 0 {
			if err := x.SetCellStyle(sheet, cellName(1, r), cellName(1, r), bold); err != nil {
				return fmt.Errorf("write sheet %s: %w", sheet, err)
			}
		} else {
			if err := x.MergeCell(sheet, cellName(1, r), cellName(3, r)); err != nil {
				return fmt.Errorf("write sheet %s: %w", sheet, err)
			}
			if err := x.SetRowHeight(sheet, r, wrappedHeight(line, 125)); err != nil {
				return fmt.Errorf("write sheet %s: %w", sheet, err)
			}
		}
		r++
	}
	r++
	if err := x.SetSheetRow(sheet, cellName(1, r), &[]any{"Column", "Required", "What to enter"}); err != nil {
		return fmt.Errorf("write sheet %s: %w", sheet, err)
	}
	if err := x.SetCellStyle(sheet, cellName(1, r), cellName(3, r), st.header); err != nil {
		return fmt.Errorf("write sheet %s: %w", sheet, err)
	}
	for _, h := range tpl.Help {
		r++
		if err := x.SetSheetRow(sheet, cellName(1, r), &[]any{h.Column, h.Required, h.Help}); err != nil {
			return fmt.Errorf("write sheet %s: %w", sheet, err)
		}
		if err := x.SetRowHeight(sheet, r, wrappedHeight(h.Help, 92)); err != nil {
			return fmt.Errorf("write sheet %s: %w", sheet, err)
		}
	}
	if len(tpl.Rules) > 0 {
		r += 2
		if err := x.SetCellStr(sheet, cellName(1, r), "Rules"); err != nil {
			return fmt.Errorf("write sheet %s: %w", sheet, err)
		}
		if err := x.SetCellStyle(sheet, cellName(1, r), cellName(3, r), st.header); err != nil {
			return fmt.Errorf("write sheet %s: %w", sheet, err)
		}
		for _, rule := range tpl.Rules {
			r++
			if err := x.SetCellStr(sheet, cellName(3, r), rule); err != nil {
				return fmt.Errorf("write sheet %s: %w", sheet, err)
			}
			if err := x.SetRowHeight(sheet, r, wrappedHeight(rule, 92)); err != nil {
				return fmt.Errorf("write sheet %s: %w", sheet, err)
			}
		}
	}
	return setupPage(x, sheet, "How to fill "+f.SourceName)
}
