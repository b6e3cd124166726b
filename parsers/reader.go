package parsers

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"path"
	"strings"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
	"enkashbatch/parsers/xlsxcheck"
)

// FileError says the file as a whole is unusable: a required column is missing, it is neither
// CSV nor XLSX, it is encrypted, empty, cut short, not UTF-8... Line and Column are zero when
// they do not apply.
type FileError struct {
	File    string // the file's name as given to Open
	Line    int    // CSV physical line or XLSX sheet row number, 0 when not about a line
	Column  string // header as written (or the column's title when it is missing)
	Rule    string // stable snake_case name, e.g. "missing_column"
	Message string // plain English for a finance user
}

// Error reads like `payouts_nov.csv: line 1: column "IFSC": missing_column: the header has...`.
func (e *FileError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File + ": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, "column %q: ", e.Column)
	}
	b.WriteString(e.Rule + ": " + e.Message)
	return b.String()
}

// Row is one non-blank data row of a file.
type Row struct {
	Line int      // physical CSV line where the row starts / XLSX sheet row number
	Raw  []string // the row's cells as in the file, in file column order (for fix-and-redrop); XLSX numbers in shortest decimal form
	// Record is the kind's record (e.g. a domain.Payout) as far as the row could be read: valid
	// only when Errors is empty (Valid). A rejected row's record still gives its reference and
	// amount as read, to locate and count it.
	Record domain.Record
	Errors []domain.RowError
}

// Valid reports whether the row broke no rule: its Record may be sent.
func (r Row) Valid() bool { return len(r.Errors) == 0 && r.Record != nil }

// Reference returns the row's reference as written (even if invalid), for locating it.
func (r Row) Reference() string {
	if r.Record == nil {
		return ""
	}
	return r.Record.ItemReference()
}

// Amount returns the row's amount as read (0 when it could not be read).
func (r Row) Amount() domain.Paise {
	if r.Record == nil {
		return 0
	}
	return r.Record.ItemAmount()
}

// Reader reads one file row by row without holding the file's rows in memory. XLSX files are
// held whole in memory (the zip format needs random access) and their large sheets are
// unpacked to temporary files; Close removes them.
type Reader struct {
	name    string
	spec    *Spec
	src     source
	header  []string
	unknown []string
	cells   *Cells
	first   *rawRow // the first data row, read by Open to tell a header-only file
	used    bool
}

// source yields the non-blank rows of a file, header first.
type source interface {
	// next returns the next row with a non-blank cell, io.EOF after the last, or a *FileError.
	next() (rawRow, error)
	close() error
}

// rawRow is a row as a source read it, with what the source noticed about its cells.
type rawRow struct {
	line     int
	cells    []string
	formulas []int            // file columns holding a formula with no saved value
	typed    []typedCell      // XLSX cells that are not plain text: numbers, booleans, errors...
	hidden   bool             // an XLSX row Excel hides (by hand or by a filter)
	problem  *domain.RowError // a row the source could only partly read (e.g. a stray quote)
}

// Limits for untrusted files of any format.
const (
	// maxFileColumns is the most columns a file may use: a kind has a dozen, and every row of a
	// file ten thousand columns wide costs ten thousand cells to look at.
	maxFileColumns = xlsxcheck.MaxColumns
	// maxRowBytes is the most text one CSV row may hold: no row of payment details comes
	// near it, and a row is held whole in memory while it is read.
	maxRowBytes = 1 << 20
)

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// Open reads the header of the file name (used for its extension, its kind and messages) from
// r and returns a Reader of its rows. The format comes from the content (a zip is XLSX), else
// the extension (.csv, .txt, .tsv or none is CSV). With a nil spec the kind is detected from
// the name or the header (DetectKind). A file that cannot be used fails with a *FileError.
func Open(name string, r io.Reader, spec *Spec) (*Reader, error) {
	lim := &rowLimiter{r: r}
	br := bufio.NewReaderSize(lim, 64<<10)
	head, err := br.Peek(8)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	fail := func(rule, msg string) (*Reader, error) {
		return nil, &FileError{File: name, Rule: rule, Message: msg}
	}
	ext := strings.ToLower(path.Ext(name))
	var src source
	switch {
	case len(head) == 0:
		return fail("empty_file", "the file is empty")
	case bytes.HasPrefix(head, zipMagic):
		src, err = openXLSX(name, br, spec)
	case bytes.HasPrefix(head, oleMagic):
		return fail(oleRule(br))
	case ext == ".xlsx" || ext == ".xlsm":
		return fail("not_xlsx", "the file is named .xlsx but is not an Excel workbook; save it again as .xlsx or CSV")
	case ext == ".xls":
		return fail("old_excel_format", "old Excel 97-2003 workbooks (.xls) are not read; save it as .xlsx or CSV UTF-8")
	case ext == ".csv" || ext == ".txt" || ext == ".tsv" || ext == "":
		src, err = openCSV(name, br, lim)
	default:
		return fail("not_csv_or_xlsx", fmt.Sprintf("%s files are not read; use CSV (UTF-8) or XLSX", ext))
	}
	if err != nil {
		return nil, err
	}
	rd, err := newReader(name, src, spec)
	if err != nil {
		return nil, errors.Join(err, src.close())
	}
	return rd, nil
}

// oleRule tells an encrypted workbook from an old .xls: both are OLE compound files, and
// only the first holds an "EncryptionInfo" stream.
func oleRule(r io.Reader) (string, string) {
	b, _ := io.ReadAll(io.LimitReader(r, 64<<20))
	if bytes.Contains(b, utf16le("EncryptionInfo")) {
		return "password_protected", "the workbook is password-protected; save it without a password"
	}
	return "old_excel_format", "old Excel 97-2003 workbooks (.xls) are not read; save it as .xlsx or CSV UTF-8"
}

func utf16le(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		b = append(b, s[i], 0)
	}
	return b
}

func newReader(name string, src source, spec *Spec) (*Reader, error) {
	r, err := readHeader(name, src, spec)
	if err != nil {
		if x, ok := src.(*xlsxSource); ok && x.check != nil {
			// A workbook refused for its header may be damaged further down, and its damage
			// is what must be fixed first: the sheet's check, running beside, has the last word.
			if cerr := x.check.Result(); cerr != nil {
				return nil, withFile(cerr, name)
			}
		}
		return nil, err
	}
	return r, nil
}

// readHeader reads the header and the first data row of a file.
func readHeader(name string, src source, spec *Spec) (*Reader, error) {
	first, err := src.next()
	if errors.Is(err, io.EOF) {
		return nil, &FileError{File: name, Rule: "empty_file", Message: "the file has no header row and no data"}
	}
	if err != nil {
		return nil, withFile(err, name)
	}
	if first.problem != nil {
		return nil, &FileError{File: name, Line: first.line, Rule: "csv_quote", Message: "the header line has a stray double quote (\"); fix the header"}
	}
	header := first.cells
	if n := lastNonBlank(header); n > maxFileColumns {
		return nil, &FileError{File: name, Line: first.line, Rule: "too_many_columns", Message: fmt.Sprintf(
			"the header has %d columns; at most %d are read: delete the columns you do not use", n, maxFileColumns)}
	}
	for i := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))
	}
	if spec == nil {
		k, ok := DetectKind(name, header)
		if !ok {
			return nil, &FileError{File: name, Line: first.line, Rule: "unknown_kind", Message: kindMessage(header)}
		}
		spec, _ = SpecFor(k)
	}
	cells, unknown, ferr := newCells(spec, header)
	if ferr != nil {
		ferr.File, ferr.Line = name, first.line
		return nil, ferr
	}
	if x, ok := src.(*xlsxSource); ok {
		cells.date1904 = x.date1904
		if ferr := hiddenColumn(x, cells); ferr != nil {
			ferr.File, ferr.Line = name, first.line
			return nil, ferr
		}
	}
	// A file with a header and nothing below it is refused, not taken for an empty batch: it
	// is most often the template dropped by mistake, or the rows were never pasted.
	row, err := src.next()
	if errors.Is(err, io.EOF) {
		return nil, &FileError{File: name, Line: first.line, Rule: "no_rows", Message: "the file has a header but no rows below it; fill in the rows and drop it again"}
	}
	if err != nil {
		return nil, withFile(err, name)
	}
	return &Reader{name: name, spec: spec, src: src, header: header, unknown: unknown, cells: cells, first: &row}, nil
}

// hiddenColumn refuses a sheet where Excel hides a column the kind reads: its values would be
// paid without anyone seeing them. Hidden columns the kind does not read are left alone.
func hiddenColumn(x *xlsxSource, cells *Cells) *FileError {
	hidden := x.hiddenColumns(len(cells.header))
	for i, fi := range cells.file {
		if fi >= 0 && hidden[fi] {
			letter, _ := excelize.ColumnNumberToName(fi + 1)
			return &FileError{Column: cells.header[fi], Rule: "hidden_column", Message: fmt.Sprintf(
				"column %s (%s) is hidden in Excel, and its values would be used without anyone seeing them; unhide it and check it (or delete it), then drop the file again",
				letter, titleOf(cells.spec.Columns[i]))}
		}
	}
	return nil
}

func withFile(err error, name string) error {
	err = fileError(err)
	var fe *FileError
	if errors.As(err, &fe) && fe.File == "" {
		fe.File = name
	}
	return err
}

// Kind returns the file's kind.
func (r *Reader) Kind() domain.Kind { return r.spec.Kind }

// Spec returns the spec the file is read with.
func (r *Reader) Spec() *Spec { return r.spec }

// Header returns the header cells as written in the file (trimmed).
func (r *Reader) Header() []string { return r.header }

// Column returns the header of the canonical column as written in the file (its title when
// the file has no such column), for messages about the file's rows.
func (r *Reader) Column(canonical string) string { return r.cells.Column(canonical) }

// ReferenceColumn returns the header of the file's reference column as written: the column
// duplicate-reference errors name.
func (r *Reader) ReferenceColumn() string {
	if r.spec.Reference != "" {
		return r.Column(r.spec.Reference)
	}
	return r.Column("reference")
}

// Unknown returns the header cells that match no column of the kind; they are reported, not
// fatal, and their cells are kept in Row.Raw.
func (r *Reader) Unknown() []string { return r.unknown }

// Rows iterates over the data rows once, skipping blank ones. A row breaking rules comes with
// its Errors; a non-nil error is a *FileError that ends the file (e.g. a truncated XLSX).
func (r *Reader) Rows() iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		if r.used {
			yield(Row{}, &FileError{File: r.name, Rule: "read_twice", Message: "the rows of a file can be read once"})
			return
		}
		r.used = true
		if first := r.first; first != nil {
			r.first = nil
			if !yield(r.build(*first), nil) {
				return
			}
		}
		for {
			raw, err := r.src.next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				yield(Row{}, withFile(err, r.name))
				return
			}
			if !yield(r.build(raw), nil) {
				return
			}
		}
	}
}

// build validates one row.
func (r *Reader) build(raw rawRow) Row {
	c := r.cells
	c.Reset(raw.line, raw.cells)
	var pre []domain.RowError
	if raw.problem != nil {
		pre = append(pre, *raw.problem)
	}
	if raw.hidden {
		pre = append(pre, domain.RowError{Line: raw.line, Rule: "hidden_row", Message: fmt.Sprintf(
			"row %d is hidden in Excel (hidden, or filtered out by a filter), so it is not paid; to pay it, unhide it (or clear the filter) and drop the file again; if it should not be paid, delete it", raw.line)})
	}
	for _, fi := range raw.formulas {
		if e, ok := c.markFormula(fi); ok {
			pre = append(pre, e)
		}
	}
	if len(raw.typed) > 0 {
		pre = append(pre, c.typeCells(raw.typed)...)
	}
	if len(raw.cells) > len(r.header) {
		for _, v := range raw.cells[len(r.header):] {
			if strings.TrimSpace(v) != "" {
				pre = append(pre, domain.RowError{Line: raw.line, Rule: "extra_cells", Message: fmt.Sprintf(
					"the row has %d cells but the header has %d columns; remove the extra cells or give them a header",
					lastNonBlank(raw.cells), len(r.header))})
				break
			}
		}
	}
	rec, errs := r.spec.Build(c)
	if raw.problem != nil {
		// The cells after the problem are lost: what the rules say of them is noise.
		errs = nil
	}
	if len(pre) > 0 {
		errs = append(pre, errs...)
	}
	return Row{Line: raw.line, Raw: raw.cells, Record: rec, Errors: errs}
}

func lastNonBlank(cells []string) int {
	n := len(cells)
	for n > 0 && strings.TrimSpace(cells[n-1]) == "" {
		n--
	}
	return n
}

// Close releases the file's resources (an XLSX's temporary files).
func (r *Reader) Close() error { return r.src.close() }

// blank reports whether every cell is empty or spaces.
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
