package parsers

import (
	"fmt"
	"strings"

	"enkashbatch/domain"
)

// Cells is one row of a file seen through its kind's columns: a Spec's Build reads values by
// canonical column name and records broken rules with Add. A Cells is reused row after row
// (Reset); what Build returns stays valid after the next Reset.
type Cells struct {
	spec     *Spec
	header   []string
	file     []int // per spec column: its index in the file's header, -1 when absent
	line     int
	row      []string
	broken   uint64 // spec columns whose cell could not be read (already reported)
	sci      uint64 // spec columns whose cell held a number in scientific notation
	date1904 bool
	errs     []domain.RowError
}

// maxColumns bounds a spec's columns so that per-row flags fit one word.
const maxColumns = 64

// NewCells maps a file's header (cells as written) onto spec's columns. It fails with a
// *FileError when a required column is missing, when no group of spec.AnyOf is complete, or
// when two header cells name the same column; the error's File is left for the caller.
func NewCells(spec *Spec, header []string) (*Cells, error) {
	c, _, err := newCells(spec, header)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func newCells(spec *Spec, header []string) (*Cells, []string, *FileError) {
	spec.prepare()
	c := &Cells{spec: spec, header: header, file: make([]int, len(spec.Columns))}
	for i := range c.file {
		c.file[i] = -1
	}
	var unknown []string
	for fi, h := range header {
		if strings.TrimSpace(h) == "" {
			continue
		}
		i, ok := spec.Match(h)
		if !ok {
			unknown = append(unknown, h)
			continue
		}
		if prev := c.file[i]; prev >= 0 {
			return nil, nil, &FileError{Column: h, Rule: "duplicate_column", Message: fmt.Sprintf(
				"columns %q and %q both hold %s; keep one of them", header[prev], h, titleOf(spec.Columns[i]))}
		}
		c.file[i] = fi
	}
	var missing []string
	first := ""
	for i, col := range spec.Columns {
		if col.Required && c.file[i] < 0 {
			if first == "" {
				first = titleOf(col)
			}
			missing = append(missing, fmt.Sprintf("%q (accepted headers: %s)", titleOf(col), acceptedHeaders(col)))
		}
	}
	if len(missing) > 0 {
		return nil, nil, &FileError{Column: first, Rule: "missing_column", Message: "the header has no " +
			strings.Join(missing, ", no ") + " column"}
	}
	if len(spec.AnyOf) > 0 {
		complete := false
		var groups []string
		for _, g := range spec.AnyOf {
			ok := true
			var titles []string
			for _, name := range g {
				i := spec.byName[name]
				ok = ok && c.file[i] >= 0
				titles = append(titles, fmt.Sprintf("%q", titleOf(spec.Columns[i])))
			}
			complete = complete || ok
			groups = append(groups, strings.Join(titles, " and "))
		}
		if !complete {
			col, _ := spec.Column(spec.AnyOf[0][0])
			for _, name := range spec.AnyOf[0] {
				if i := spec.byName[name]; c.file[i] < 0 {
					col = spec.Columns[i]
					break
				}
			}
			return nil, nil, &FileError{Column: titleOf(col), Rule: "missing_column", Message: "the header needs " +
				strings.Join(groups, ", or ") + " columns"}
		}
	}
	return c, unknown, nil
}

func titleOf(c Column) string {
	if c.Title != "" {
		return c.Title
	}
	return c.Name
}

func acceptedHeaders(c Column) string {
	all := append([]string{titleOf(c)}, c.Aliases...)
	return strings.Join(all, ", ")
}

// Reset points c at the next row: its line (CSV physical line, XLSX sheet row number) and its
// cells in file column order. Errors recorded for the previous row are kept by whoever took
// them; c starts the new row with none.
func (c *Cells) Reset(line int, row []string) {
	c.line, c.row, c.broken, c.sci, c.errs = line, row, 0, 0, nil
}

// Line returns the row's line: the CSV physical line, or the XLSX sheet row number.
func (c *Cells) Line() int { return c.line }

// Date1904 reports whether the workbook counts date serial numbers from 1904 (see ParseDate).
func (c *Cells) Date1904() bool { return c.date1904 }

// Get returns the cell of the canonical column, trimmed of surrounding spaces, with the
// column's header as written in the file; present is false when the file has no such column
// (column is then the column's title).
func (c *Cells) Get(canonical string) (value string, column string, present bool) {
	i := c.spec.col(canonical)
	if i < 0 {
		return "", canonical, false
	}
	return c.At(i)
}

// At is Get by the column's index in Spec.Columns, for Build functions on the hot path.
func (c *Cells) At(i int) (value string, column string, present bool) {
	fi := c.file[i]
	if fi < 0 {
		return "", titleOf(c.spec.Columns[i]), false
	}
	if fi < len(c.row) {
		value = strings.TrimSpace(c.row[fi])
	}
	return value, c.header[fi], true
}

// Column returns the header of the canonical column as written in the file, or its title
// when the file has no such column: what a RowError names.
func (c *Cells) Column(canonical string) string {
	i := c.spec.col(canonical)
	if i < 0 {
		return canonical
	}
	if fi := c.file[i]; fi >= 0 {
		return c.header[fi]
	}
	return titleOf(c.spec.Columns[i])
}

// Scientific reports whether the canonical column's cell was a spreadsheet number written in
// scientific notation (e.g. 1.23456789012346E+17): spreadsheets keep 15 significant digits,
// so a long digit string stored that way has lost digits.
func (c *Cells) Scientific(canonical string) bool {
	i := c.spec.col(canonical)
	return i >= 0 && c.sci&(1<<i) != 0
}

// Add records that the row breaks rule in the canonical column (canonical "" for the row as
// a whole). A cell the reader already reported as unreadable gets no further errors.
func (c *Cells) Add(canonical, rule, message string) {
	col := ""
	if canonical != "" {
		if i := c.spec.col(canonical); i >= 0 && c.broken&(1<<i) != 0 {
			return
		}
		col = c.Column(canonical)
	}
	c.errs = append(c.errs, domain.RowError{Line: c.line, Column: col, Rule: rule, Message: message})
}

// checkReference records the rules of a reference column, the same for every kind: present,
// at most 40 characters, letters, digits, - and _ only. what names the thing referred to in
// messages.
func checkReference(c *Cells, column, ref, what string) {
	switch {
	case ref == "":
		c.Add(column, column+"_required", "the reference is empty; every "+what+" needs its own reference")
	case len(ref) > maxReferenceLen:
		c.Add(column, column+"_length", fmt.Sprintf("reference %s is %d characters long; at most %d are allowed", quote(ref), len(ref), maxReferenceLen))
	default:
		if i := firstBad(ref, refChar); i >= 0 {
			c.Add(column, column+"_format", fmt.Sprintf("reference %s contains %s; use only letters, digits, - and _", quote(ref), describeChar(ref, i)))
		}
	}
}

// checkName records the rules of a required name column: present and at most 100 characters;
// what names the column in messages. It reports whether the name kept both rules.
func checkName(c *Cells, canonical, what, name string) bool {
	switch {
	case name == "":
		c.Add(canonical, canonical+"_required", "the "+what+" is empty")
	case len(name) > maxNameLen:
		c.Add(canonical, canonical+"_length", fmt.Sprintf("the %s is %d characters long; at most %d are allowed", what, len(name), maxNameLen))
	default:
		return true
	}
	return false
}

// checkEmail reads the optional e-mail column col, recording email_format when the cell is
// not an address, and returns the cell.
func checkEmail(c *Cells, col int) string {
	email, _, _ := c.At(col)
	if email != "" && !ValidEmail(email) {
		c.Add("email", "email_format", fmt.Sprintf("e-mail %s is not a valid address", quote(email)))
	}
	return email
}

// checkIFSC records ifsc_format when ifsc is given and is not an IFSC.
func checkIFSC(c *Cells, ifsc string) {
	if ifsc != "" && !ValidIFSC(ifsc) {
		c.Add("ifsc", "ifsc_format", fmt.Sprintf("IFSC %s is not valid; it has 11 characters: 4 letters, a zero, then 6 letters or digits (e.g. HDFC0001234)", quote(ifsc)))
	}
}

// Errors returns the broken rules recorded for the row so far.
func (c *Cells) Errors() []domain.RowError { return c.errs }

// specColumn returns the spec column held by file column fi, or -1.
func (c *Cells) specColumn(fi int) int {
	for i, f := range c.file {
		if f == fi {
			return i
		}
	}
	return -1
}

// markFormula marks file column fi as holding a formula with no saved value and returns the
// row error for it; ok is false for a column the kind does not read.
func (c *Cells) markFormula(fi int) (e domain.RowError, ok bool) {
	i := c.specColumn(fi)
	if i < 0 {
		return e, false
	}
	c.broken |= 1 << i
	return domain.RowError{Line: c.line, Column: c.header[fi], Rule: "formula_without_value",
		Message: "the cell holds a formula whose result was not saved; open the file in Excel or LibreOffice, save it and drop it again, or paste values instead"}, true
}
