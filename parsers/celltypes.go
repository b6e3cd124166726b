package parsers

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
	"enkashbatch/parsers/xlsxcheck"
)

// CellType says which workbook cells a column takes; a CSV has only text and is not
// concerned.
type CellType byte

const (
	// CellText columns (names, remarks, modes...) take any cell: a number as its shortest
	// decimal, a date-formatted number as dd-mm-yyyy, a boolean as TRUE or FALSE.
	CellText CellType = iota
	// CellIdentifier columns (references, account numbers, IFSC, VPA, mobile, GSTIN...) take the
	// characters shown: text, or a number Excel shows as its own digits (a whole number of at
	// most 11 digits in General, or in a format of 0s and #s that adds no leading zero).
	CellIdentifier
	// CellMoney columns take a number not formatted as a date, time or percentage and shown
	// with all its decimals, or text read by the CSV rules (ParseAmount).
	CellMoney
	// CellDate columns take a date-formatted number, a number (a date serial) or text (ParseDate).
	CellDate
)

// cellType returns the column's cell type: Cell if set, else CellIdentifier for Text columns.
func (c Column) cellType() CellType {
	if c.Cell == CellText && c.Text {
		return CellIdentifier
	}
	return c.Cell
}

// typedCell is a workbook cell that is not plain text, as the sheet check saw it.
type typedCell struct {
	col      int                  // 0-based file column
	typ      byte                 // 'n' number, 'b' boolean, 'e' error, 'd' ISO date, 's' text from a formula
	format   *xlsxcheck.NumFormat // the number format of the cell's style
	external bool                 // a formula reading another workbook (or any formula of a linked workbook)
}

// maxGeneralDigits is the most digits Excel's General format shows of a whole number before
// it switches to scientific notation (123456789012 shows as 1.23457E+11).
const maxGeneralDigits = 11

// typeCells checks the typed cells of the row against their columns' cell types. It rewrites
// the row's cells to what Excel shows where that is sure (numbers in shortest form, booleans
// as TRUE/FALSE, dates in text columns as dd-mm-yyyy) and returns an error per cell whose
// type does not fit its column; such a cell gets no further error.
func (c *Cells) typeCells(typed []typedCell) []domain.RowError {
	var errs []domain.RowError
	for _, tc := range typed {
		if tc.col >= len(c.row) {
			continue
		}
		i := c.specColumn(tc.col)
		v := c.row[tc.col]
		if i < 0 {
			c.row[tc.col] = shown(v, tc, c.date1904) // a column the kind does not read
			continue
		}
		if c.broken&(1<<i) != 0 {
			continue // already reported (a formula without a saved value)
		}
		col := c.spec.Columns[i]
		fail := func(rule, msg string) {
			c.broken |= 1 << i
			errs = append(errs, domain.RowError{Line: c.line, Column: c.header[tc.col], Rule: rule, Message: msg})
		}
		ref, _ := excelize.CoordinatesToCellName(tc.col+1, c.line)
		what := describeCell(v, tc, c.date1904)
		if tc.external {
			fail("external_link", fmt.Sprintf("cell %s holds a formula that takes its value from another workbook (an external link), so the value saved may not be what that workbook says now; copy the cells and paste them as values (Paste Special > Values), save the file and drop it again", ref))
			continue
		}
		if tc.typ == 'e' {
			fail(col.Name+"_cell_type", fmt.Sprintf("cell %s shows the error %s; correct the formula or type the value, then drop the file again", ref, strings.TrimSpace(v)))
			continue
		}
		switch col.cellType() {
		case CellMoney:
			if msg := moneyCell(v, tc, what); msg != "" {
				fail(col.Name+"_cell_type", fmt.Sprintf("cell %s %s", ref, msg))
				continue
			}
			c.row[tc.col] = shown(v, tc, c.date1904)
		case CellIdentifier:
			rule, msg := identifierCell(v, tc, what)
			if msg != "" {
				fail(col.Name+rule, fmt.Sprintf("cell %s %s", ref, msg))
				continue
			}
			c.row[tc.col] = shown(v, tc, c.date1904)
		case CellDate:
			switch tc.typ {
			case 'b':
				fail(col.Name+"_cell_type", fmt.Sprintf("cell %s holds %s, not a date; type the date (dd-mm-yyyy)", ref, what))
				continue
			case 'd':
				c.row[tc.col] = isoDate(v)
			case 'n':
				if tc.format.Class == xlsxcheck.FormatTime {
					fail(col.Name+"_cell_type", fmt.Sprintf("cell %s holds %s, not a date; type the date (dd-mm-yyyy)", ref, what))
					continue
				}
				if norm, _, ok := normalizeNumber(v); ok {
					c.row[tc.col] = norm // the serial, read by ParseDate
				}
			}
		default:
			nv := shown(v, tc, c.date1904)
			if tc.typ == 'n' && tc.format.Class == xlsxcheck.FormatGeneral {
				if _, exp, ok := normalizeNumber(v); ok && exp {
					c.sci |= 1 << i
				}
			}
			c.row[tc.col] = nv
		}
	}
	return errs
}

// moneyCell returns why a typed cell cannot be an amount ("" when it can): what it holds,
// and what to do. Text from a formula is read by the CSV rules, as any text.
func moneyCell(v string, tc typedCell, what string) string {
	const retype = "type the amount in rupees in it, formatted as Number, and drop the file again"
	switch tc.typ {
	case 'b':
		return fmt.Sprintf("holds %s, not an amount; %s", what, retype)
	case 'd':
		return fmt.Sprintf("holds %s, not an amount; %s", what, retype)
	case 's':
		return ""
	}
	f := tc.format
	norm := strings.TrimSpace(v)
	if n, _, ok := normalizeNumber(norm); ok {
		norm = n
	}
	decimals := 0
	if k := strings.IndexByte(norm, '.'); k >= 0 {
		decimals = len(norm) - k - 1
	}
	switch f.Class {
	case xlsxcheck.FormatDate, xlsxcheck.FormatTime:
		return fmt.Sprintf("holds %s, not an amount; %s", what, retype)
	case xlsxcheck.FormatPercent:
		return fmt.Sprintf("is formatted as a percentage (it shows %s), not an amount in rupees; %s", what, retype)
	case xlsxcheck.FormatScientific:
		return fmt.Sprintf("shows the amount %s in scientific notation, which hides digits; format the cell as Number with 2 decimals, check it and drop the file again", norm)
	case xlsxcheck.FormatOther:
		return fmt.Sprintf("has the number format %s, which does not show the amount %s as it is paid; format the cell as Number with 2 decimals, check it and drop the file again", strconv.Quote(f.Code), norm)
	case xlsxcheck.FormatNumber:
		if decimals > f.Decimals {
			return fmt.Sprintf("holds %s but its format shows %d decimal places, so it does not show the amount that would be paid; format the cell as Number with 2 decimals, check it and drop the file again", norm, f.Decimals)
		}
	case xlsxcheck.FormatGeneral:
		if k := strings.IndexByte(norm, '.'); k > maxGeneralDigits || k < 0 && len(norm) > maxGeneralDigits {
			return fmt.Sprintf("holds %s, which Excel shows in scientific notation; format the cell as Number with 2 decimals, check it and drop the file again", norm)
		}
	}
	return ""
}

// identifierCell returns the rule suffix and the message of a typed cell that is not the
// characters shown in an identifier column ("" when it is).
func identifierCell(v string, tc typedCell, what string) (rule, msg string) {
	const retype = "format the column as Text and re-enter it"
	switch tc.typ {
	case 'b', 'd':
		return "_cell_type", fmt.Sprintf("holds %s; %s", what, retype)
	case 's':
		return "", ""
	}
	f := tc.format
	if f.Class == xlsxcheck.FormatDate || f.Class == xlsxcheck.FormatTime {
		return "_cell_type", fmt.Sprintf("holds %s; %s", what, retype)
	}
	raw := strings.TrimSpace(v)
	if strings.ContainsAny(raw, "eE") {
		return "_lost_digits", fmt.Sprintf("holds a number stored in scientific notation (%s), which has lost digits; %s", raw, retype)
	}
	if !allDigits(raw) {
		return "_not_text", fmt.Sprintf("holds the number %s, which is not a string of digits as shown; %s", raw, retype)
	}
	digits := strings.TrimLeft(raw, "0")
	if digits == "" {
		digits = "0"
	}
	if len(digits) > 15 {
		return "_lost_digits", fmt.Sprintf("holds a number of %d digits; Excel keeps only 15, so digits were lost; %s", len(digits), retype)
	}
	switch {
	case f.Class == xlsxcheck.FormatGeneral && len(digits) <= maxGeneralDigits:
		return "", ""
	case f.Class == xlsxcheck.FormatGeneral:
		return "_not_text", fmt.Sprintf("holds the number %s, which Excel shows as %s; %s", digits, generalScientific(digits), retype)
	case f.Plain && len(digits) >= f.Zeros:
		return "", ""
	case f.Plain:
		return "_not_text", fmt.Sprintf("holds the number %s, which Excel shows as %s (leading zeros added by the cell's format, not stored); %s",
			digits, strings.Repeat("0", f.Zeros-len(digits))+digits, retype)
	}
	return "_not_text", fmt.Sprintf("holds the number %s, which its number format %s shows differently; %s", digits, strconv.Quote(f.Code), retype)
}

// generalScientific renders a long whole number the way Excel's General format shows it.
func generalScientific(digits string) string {
	f, err := strconv.ParseFloat(digits, 64)
	if err != nil {
		return digits
	}
	s := strconv.FormatFloat(f, 'E', 5, 64) // 1.23457E+11
	return s
}

// shown returns what Excel shows of a typed cell, where the reader can be sure of it:
// numbers in shortest decimal form (dates and times as dd-mm-yyyy and hh:mm:ss), booleans as
// TRUE or FALSE; anything else as it is.
func shown(v string, tc typedCell, date1904 bool) string {
	switch tc.typ {
	case 'b':
		switch strings.TrimSpace(v) {
		case "1", "TRUE", "true":
			return "TRUE"
		case "0", "FALSE", "false":
			return "FALSE"
		}
		return v
	case 'n':
		if tc.format.Class == xlsxcheck.FormatDate || tc.format.Class == xlsxcheck.FormatTime {
			if s, ok := serialText(v, tc.format.Class, date1904); ok {
				return s
			}
		}
		if norm, _, ok := normalizeNumber(v); ok {
			return norm
		}
	}
	return v
}

// serialText renders a date serial as dd-mm-yyyy (with hh:mm:ss when it has a time of day),
// or a time as hh:mm:ss.
func serialText(v string, class xlsxcheck.FormatClass, date1904 bool) (string, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 || f > maxSerial || math.IsNaN(f) {
		return "", false
	}
	t, err := excelize.ExcelDateToTime(f, date1904)
	if err != nil {
		return "", false
	}
	switch {
	case class == xlsxcheck.FormatTime && f < 1:
		return t.Format("15:04:05"), true
	case f != math.Trunc(f):
		return t.Format("02-01-2006 15:04:05"), true
	}
	return t.Format("02-01-2006"), true
}

// describeCell says in words what a typed cell holds, for messages.
func describeCell(v string, tc typedCell, date1904 bool) string {
	switch tc.typ {
	case 'b':
		return "the true/false value " + shown(v, tc, date1904)
	case 'e':
		return "the error " + strings.TrimSpace(v)
	case 'd':
		return "the date " + strings.TrimSpace(v)
	case 'n':
		switch tc.format.Class {
		case xlsxcheck.FormatDate:
			if s, ok := serialText(v, xlsxcheck.FormatDate, date1904); ok {
				return "the date " + s
			}
			return "a date"
		case xlsxcheck.FormatTime:
			if s, ok := serialText(v, xlsxcheck.FormatTime, date1904); ok {
				return "the time " + s
			}
			return "a time"
		case xlsxcheck.FormatPercent:
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				return strconv.FormatFloat(f*100, 'f', -1, 64) + "%"
			}
		}
		return "the number " + shown(v, tc, date1904)
	}
	return quote(v)
}

// isoDate turns an ISO 8601 date cell (t="d", e.g. 2026-11-23T00:00:00Z) into yyyy-mm-dd
// when it is a whole day, for ParseDate.
func isoDate(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 10 && v[4] == '-' && v[7] == '-' {
		rest := strings.TrimRight(strings.TrimPrefix(strings.TrimSuffix(v[10:], "Z"), "T"), "0:.")
		if rest == "" {
			return v[:10]
		}
	}
	return v
}
