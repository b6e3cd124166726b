package report

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// colType says how a column's cells are written and formatted.
type colType int

const (
	colPlain    colType = iota // our own words: status, category, action
	colInput                   // text that came from an input file: text format, never a formula
	colNumber                  // a plain whole number, e.g. a line number
	colCount                   // a count with Indian grouping
	colAmount                  // rupees with Indian grouping
	colDate                    // a date and time
	colDay                     // a date alone
	colDuration                // a length of time, as hours, minutes and seconds
)

// column is one column of a table sheet.
type column struct {
	name   string
	width  float64
	typ    colType
	center bool // short codes and line numbers read better centred
	indent bool // text right of an amount column, kept clear of its digits
	wrap   bool // long text: wrapped within the column's width, to be read on paper
}

// tableSheet streams one sheet that holds a single table: a title row, a bold frozen header
// row with an AutoFilter, then data rows.
type tableSheet struct {
	f         *excelize.File
	st        *styles
	sw        *excelize.StreamWriter
	name      string
	cols      []column
	headerRow int
	row       int   // the last row written
	buf       []any // reused for every data row
}

// Rows 1 and 2 of every table sheet: the title, then the header.
const (
	tableTitleRow  = 1
	tableHeaderRow = 2
)

// heading is what heads every sheet of a workbook: the workbook's title, and whether it
// reports on the sandbox (the title is then shown in red).
type heading struct {
	title   string
	sandbox bool
}

// titleStyle returns the style of a title under h.
func (s *styles) titleStyle(h heading) int {
	if h.sandbox {
		return s.titleSandbox
	}
	return s.title
}

// newTableSheet starts streaming sheet name, which must exist already (sheets are created up
// front so that their order is fixed), and writes its title and header rows.
func newTableSheet(f *excelize.File, st *styles, head heading, name string, cols []column) (*tableSheet, error) {
	across, err := setupPrint(f, name, head.title, cols)
	if err != nil {
		return nil, err
	}
	if across {
		st.printAcross[name] = true
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, fmt.Errorf("stream sheet %s: %w", name, err)
	}
	t := &tableSheet{f: f, st: st, sw: sw, name: name, cols: cols, headerRow: tableHeaderRow, buf: make([]any, len(cols))}
	if err := t.setColumns(); err != nil {
		return nil, err
	}
	if err := sw.SetPanes(freezeBelow(tableHeaderRow)); err != nil {
		return nil, fmt.Errorf("freeze header of sheet %s: %w", name, err)
	}
	if err := sw.SetRow(cellName(1, tableTitleRow), []any{excelize.Cell{StyleID: st.titleStyle(head), Value: name + " — " + head.title}},
		excelize.RowOpts{Height: 24}); err != nil {
		return nil, fmt.Errorf("write title of sheet %s: %w", name, err)
	}
	if err := t.writeHeader(tableHeaderRow); err != nil {
		return nil, err
	}
	return t, nil
}

// setColumns sets the width and the default style of every column.
func (t *tableSheet) setColumns() error {
	for i, c := range t.cols {
		if err := t.sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return fmt.Errorf("set width of %s!%s: %w", t.name, c.name, err)
		}
		if style := t.st.column(c); style != 0 {
			if err := t.sw.SetColStyle(i+1, i+1, style); err != nil {
				return fmt.Errorf("set style of %s!%s: %w", t.name, c.name, err)
			}
		}
	}
	return nil
}

// column returns the default style of the cells of column c; 0 means none.
func (s *styles) column(c column) int {
	switch c.typ {
	case colInput:
		switch {
		case c.center:
			return s.textCenter
		case c.indent && c.wrap:
			return s.textIndentedWrap
		case c.indent:
			return s.textIndented
		case c.wrap:
			return s.textWrap
		}
		return s.text
	case colPlain, colNumber:
		switch {
		case c.wrap && c.indent:
			return s.indentedWrap
		case c.wrap:
			return s.wrap
		case c.center:
			return s.numberCenter
		case c.indent:
			return s.indented
		}
	case colCount:
		return s.count
	case colAmount:
		return s.amount
	case colDate:
		return s.dateTime
	case colDay:
		return s.date
	case colDuration:
		return s.duration
	}
	return 0
}

// writeHeader writes the column names on row r, aligned as their values are.
func (t *tableSheet) writeHeader(r int) error { return t.writeHeaderOf(t.cols, r) }

// writeHeaderOf writes the names of cols on row r, for a second table on the sheet whose
// columns are laid out as t's but named otherwise.
func (t *tableSheet) writeHeaderOf(cols []column, r int) error {
	for i, c := range cols {
		style := t.st.header
		switch {
		case c.center:
			style = t.st.headerCenter
		case c.indent:
			style = t.st.headerIndent
		case c.typ == colCount || c.typ == colAmount || c.typ == colDate || c.typ == colDay || c.typ == colDuration:
			style = t.st.headerRight
		}
		t.buf[i] = excelize.Cell{StyleID: style, Value: c.name}
	}
	if err := t.sw.SetRow(cellName(1, r), t.buf, excelize.RowOpts{Height: 20}); err != nil {
		return fmt.Errorf("write header of sheet %s: %w", t.name, err)
	}
	t.row = r
	return nil
}

// writeRow writes vals as the next row. A nil value leaves its cell empty. A row whose text
// wraps in a column (column.wrap) is made tall enough for it, as spreadsheets do not grow
// the rows of a file on opening it.
func (t *tableSheet) writeRow(vals []any, opts ...excelize.RowOpts) error {
	if t.row >= excelize.TotalRows {
		return fmt.Errorf("sheet %s is full: a sheet holds at most %d rows", t.name, excelize.TotalRows)
	}
	if len(opts) == 0 && len(vals) == len(t.cols) {
		if lines := t.wrappedLines(vals); lines > 1 {
			opts = []excelize.RowOpts{{Height: 15 * float64(lines)}}
		}
	}
	t.row++
	if err := t.sw.SetRow(cellName(1, t.row), vals, opts...); err != nil {
		return fmt.Errorf("write row %d of sheet %s: %w", t.row, t.name, err)
	}
	return nil
}

// wrappedLines returns how many lines the tallest wrapped cell of vals takes.
func (t *tableSheet) wrappedLines(vals []any) int {
	lines := 1
	for i, c := range t.cols {
		if !c.wrap {
			continue
		}
		var text string
		switch v := vals[i].(type) {
		case string:
			text = v
		case excelize.Cell:
			text, _ = v.Value.(string)
		}
		if text == "" {
			continue
		}
		// About one character per unit of width, less the cell's padding.
		perLine := max(1, int(c.width)-1)
		lines = max(lines, (utf8.RuneCountInString(text)+perLine-1)/perLine)
	}
	return lines
}

// close puts an AutoFilter over the table (before Flush: after it, no filter buttons appear)
// and ends the stream.
func (t *tableSheet) close() error {
	return closeTable(t.f, t.sw, t.name, t.headerRow, max(t.row, t.headerRow), len(t.cols))
}

// closeTable adds the AutoFilter over rows first to last of the first n columns and flushes sw.
func closeTable(f *excelize.File, sw *excelize.StreamWriter, name string, first, last, n int) error {
	ref := cellName(1, first) + ":" + cellName(n, last)
	if err := f.AutoFilter(name, ref, nil); err != nil {
		return fmt.Errorf("filter sheet %s: %w", name, err)
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("flush sheet %s: %w", name, err)
	}
	return nil
}

// Printing: A4 landscape with narrow margins leaves about 277 mm of width. A sheet whose
// columns fit in that width at minFitScale or more is fitted to the page width; a wider one
// is printed at printScale, its columns running onto further pages (left to right, then
// down), with its title and header rows and its first column repeated on each page, so that
// no text ever shrinks to an unreadable size.
const (
	printableWidthMM = 297 - 2*0.4*25.4
	minFitScale      = 0.70
	printScale       = 80 // percent
)

// columnsWidthMM is how wide cols print at 100%: a column of width w is w*7+5 pixels wide
// at 96 pixels to the inch.
func columnsWidthMM(cols []column) float64 {
	var px float64
	for _, c := range cols {
		px += c.width*7 + 5
	}
	return px / 96 * 25.4
}

// fitsWidth reports whether cols fit the page width at minFitScale or more.
func fitsWidth(cols []column) bool {
	return printableWidthMM/columnsWidthMM(cols) >= minFitScale
}

// setupPage sets what printing a sheet needs: A4 landscape, fitted to the page width,
// narrow margins, title and sheet name in the header, page numbers in the footer. It must run
// before the sheet's StreamWriter exists.
func setupPage(f *excelize.File, name, title string) error {
	_, err := setupPrint(f, name, title, nil)
	return err
}

// setupPrint is setupPage for a sheet of columns cols: fitted to the page width when that
// keeps the text readable (see fitsWidth), else at printScale across pages. It reports
// whether the sheet prints across pages.
func setupPrint(f *excelize.File, name, title string, cols []column) (across bool, err error) {
	a4, landscape := 9, "landscape"
	layout := &excelize.PageLayoutOptions{Size: &a4, Orientation: &landscape}
	fit := fitsWidth(cols)
	if fit {
		wide, tall := 1, 0
		layout.FitToWidth, layout.FitToHeight = &wide, &tall
	} else {
		scale, order := uint(printScale), "overThenDown"
		layout.AdjustTo, layout.PageOrder = &scale, &order
	}
	if err := f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return false, fmt.Errorf("set properties of sheet %s: %w", name, err)
	}
	if err := f.SetPageLayout(name, layout); err != nil {
		return false, fmt.Errorf("set page layout of sheet %s: %w", name, err)
	}
	side, topBottom, hf := 0.4, 0.6, 0.3
	if err := f.SetPageMargins(name, &excelize.PageLayoutMarginsOptions{
		Left: &side, Right: &side, Top: &topBottom, Bottom: &topBottom, Header: &hf, Footer: &hf,
	}); err != nil {
		return false, fmt.Errorf("set margins of sheet %s: %w", name, err)
	}
	if err := f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{
		OddHeader: "&L&B" + headerFooterText(title) + "&B&R&A",
		OddFooter: "&RPage &P of &N",
	}); err != nil {
		return false, fmt.Errorf("set header of sheet %s: %w", name, err)
	}
	return !fit, nil
}

// startBook gives a new workbook its document properties and styles, and names its first
// sheet Summary.
func startBook(f *excelize.File, title, subject string) (*styles, error) {
	if err := f.SetDocProps(&excelize.DocProperties{Title: title, Subject: subject, Creator: "enkashbatch"}); err != nil {
		return nil, fmt.Errorf("set document properties: %w", err)
	}
	st, err := newStyles(f)
	if err != nil {
		return nil, err
	}
	if err := f.SetSheetName("Sheet1", sheetSummary); err != nil {
		return nil, fmt.Errorf("name summary sheet: %w", err)
	}
	return st, nil
}

// openSummary starts the Summary sheet of a workbook: page setup, its stream, the columns of
// its file table, and panes frozen below that table's header at headerRow.
func openSummary(f *excelize.File, st *styles, title string, headerRow int) (*tableSheet, error) {
	across, err := setupPrint(f, sheetSummary, title, summaryColumns)
	if err != nil {
		return nil, err
	}
	st.printAcross[sheetSummary] = across
	sw, err := f.NewStreamWriter(sheetSummary)
	if err != nil {
		return nil, fmt.Errorf("stream sheet %s: %w", sheetSummary, err)
	}
	t := &tableSheet{f: f, st: st, sw: sw, name: sheetSummary, cols: summaryColumns,
		headerRow: headerRow, buf: make([]any, len(summaryColumns))}
	if err := t.setColumns(); err != nil {
		return nil, err
	}
	if err := sw.SetPanes(freezeBelow(headerRow)); err != nil {
		return nil, fmt.Errorf("freeze header of sheet %s: %w", sheetSummary, err)
	}
	return t, nil
}

// printTableTitles repeats the header rows of every table sheet (all but Summary) on each
// printed page, and the first column of those printed across pages (st.printAcross).
func printTableTitles(f *excelize.File, st *styles) error {
	for _, name := range f.GetSheetList() {
		if name == sheetSummary {
			continue
		}
		if err := printTitles(f, name, tableHeaderRow, st.printAcross[name]); err != nil {
			return err
		}
	}
	return nil
}

// printTitles repeats rows 1 to rows of sheet name at the top of every printed page, and,
// when firstColumn, its first column at the left of every page. Defined names are bound to a
// sheet's position, so this runs once every sheet is in place.
func printTitles(f *excelize.File, name string, rows int, firstColumn bool) error {
	quoted := "'" + strings.ReplaceAll(name, "'", "''") + "'"
	refers := fmt.Sprintf("%s!$1:$%d", quoted, rows)
	if firstColumn {
		refers = fmt.Sprintf("%s!$A:$A,%s", quoted, refers)
	}
	if err := f.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Titles",
		RefersTo: refers,
		Scope:    name,
	}); err != nil {
		return fmt.Errorf("set print titles of sheet %s: %w", name, err)
	}
	return nil
}

// headerFooterText escapes the "&" that starts a header or footer code.
func headerFooterText(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '&' {
			out = append(out, '&')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// freezeBelow freezes rows 1 to row.
func freezeBelow(row int) *excelize.Panes {
	top := cellName(1, row+1)
	return &excelize.Panes{
		Freeze: true, YSplit: row, TopLeftCell: top, ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: top, ActiveCell: top, Pane: "bottomLeft"}},
	}
}

// cellName returns the A1 name of column col, row row (both from 1). Callers only pass
// coordinates inside the sheet's limits (writeRow checks the row); outside them it returns
// "A1", which the StreamWriter then refuses as a row already written.
func cellName(col, row int) string {
	name, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		return "A1"
	}
	return name
}

// orNil returns s, or nil for an empty string so that no empty cell is written.
func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}
