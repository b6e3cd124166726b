package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
)

// kindColumns name the columns of the per-kind table of the daily Summary. It is laid out as
// the per-file table (summaryColumns) below it, whose widths the sheet takes.
var kindColumns = append([]column{
	{name: "Kind", width: 30, typ: colPlain},
	{name: "Files", width: 10, typ: colCount},
	{name: "Sheet", width: 10, typ: colPlain, center: true},
}, summaryColumns[3:]...)

// The daily Summary's layout: the per-kind table's header under the details block, and the
// rows kept for the statement check and the chart beside it.
const (
	dailyKindHeaderRow = 8
	statementRows      = 17 // the chart's height in rows, from the statement's first row
	chartColumn        = 7  // G: right of the statement's words
	chartWidth         = 720
	chartHeight        = 310
)

// chartSeries are the outcomes the chart shows per kind: the header of their count column on
// the Summary, and their colour.
var chartSeries = []struct {
	col   int // 1-based column of the count in the per-kind table
	color string
}{
	{6, "4E9A06"}, // Success
	{7, "C00000"}, // Failed
	{8, "ED7D31"}, // Reversed
	{9, "5B9BD5"}, // Open
	{5, "7F7F7F"}, // Rejected
}

// writeSummary writes the daily Summary sheet: the details, the per-kind table and its
// checks in words, the statement check with the chart beside it, then the per-file table.
func (b *dailyBook) writeSummary() error {
	f, st := b.f, b.st
	t, err := openSummary(f, st, b.head.title, dailyKindHeaderRow)
	if err != nil {
		return err
	}
	sw := t.sw
	date := excelize.Cell{StyleID: st.dateLeft, Value: dateOnly(b.d.Date, b.loc)}
	if err := writeDetails(t, b.head, b.d.Endpoint, []detail{
		{"Day", date},
		{"Generated at", excelize.Cell{StyleID: st.dateTimeLeft, Value: b.now.In(b.loc)}},
		{"Times shown in", excelize.Cell{StyleID: st.left, Value: zoneName(b.now.In(b.loc))}},
	}); err != nil {
		return err
	}

	// Per kind.
	if err := t.writeHeaderOf(kindColumns, dailyKindHeaderRow); err != nil {
		return err
	}
	var total domain.Tally
	var files int
	var countOff, paiseOff []string
	for _, k := range b.d.Kinds {
		total.Merge(k.Tally)
		files += k.Files
		if !k.Tally.CountsTieOut() {
			countOff = append(countOff, string(k.Kind))
		}
		if !k.Tally.PaiseTieOut() {
			paiseOff = append(paiseOff, string(k.Kind))
		}
		row := tallyRow(st, t.buf, string(k.Kind), "", kindSheetName(k.Kind), k.Tally, false, nil)
		row[1] = excelize.Cell{StyleID: st.numberCenter, Value: k.Files} // centred, clear of the sheet's name
		if err := t.writeRow(row); err != nil {
			return err
		}
	}
	firstKindRow, lastKindRow := dailyKindHeaderRow+1, t.row
	var kindSum func(int) string
	if len(b.d.Kinds) > 0 {
		kindSum = sumFormula(firstKindRow, lastKindRow)
	}
	row := countsOnly(st, tallyRow(st, t.buf, "Total", "", "", total, true, kindSum))
	filesCell := excelize.Cell{StyleID: st.totalCenter, Value: files}
	if kindSum != nil {
		filesCell.Formula = kindSum(2)
	}
	row[1] = filesCell
	if err := t.writeRow(row, excelize.RowOpts{StyleID: st.total, Height: 18}); err != nil {
		return err
	}
	for _, fs := range b.d.Files {
		if !fs.Tally.CountsTieOut() {
			countOff = append(countOff, fs.Name)
		}
		if !fs.Tally.PaiseTieOut() {
			paiseOff = append(paiseOff, fs.Name)
		}
	}
	t.row++
	b.checks = map[string]verdictLine{
		"rows": countLine(total, countOff), "listed": b.listedLine(),
	}
	if b.d.Statement.Checked {
		b.checks["statement"] = statementLine(b.d.Statement)
	}
	// Rupees are checked kind by kind: money paid out and money invoiced are never added.
	lines := []verdictLine{b.checks["rows"]}
	amount := verdictLine{ok: true}
	for _, k := range b.d.Kinds {
		var off []string
		for _, name := range paiseOff {
			if name == string(k.Kind) {
				off = append(off, name)
			}
		}
		l := paiseLine(k.Tally, off)
		l.text = kindSheetName(k.Kind) + ": " + l.text
		if domain.HasAmounts(k.Kind) || !l.ok {
			lines = append(lines, l) // a kind without amounts has no sentence in rupees
		}
		amount.ok = amount.ok && l.ok
		amount.text = strings.TrimPrefix(amount.text+"; "+l.text, "; ")
	}
	b.checks["amount"] = amount
	if corrected := b.corrected.lines(); len(corrected) > 0 {
		lines = append(lines, corrected...)
		b.checks["corrected"] = joinVerdicts(corrected)
	}
	gaps := b.gaps.lines()
	b.checks["enkash_amounts"] = joinVerdicts(gaps)
	lines = append(lines, b.checks["listed"], b.exceptionsLine(), b.matchedLine())
	if err := writeVerdicts(t, append(lines, gaps...)); err != nil {
		return err
	}
	t.row++
	statement := b.d.Statement
	bridged, err := writeBridge(t, b.gaps, &statement, b.debits)
	if err != nil {
		return err
	}
	if len(bridged) > 0 {
		b.checks["statement_debits"] = joinVerdicts(bridged)
		if err := writeVerdicts(t, bridged); err != nil {
			return err
		}
	}
	t.row++

	// The statement, with the chart beside it.
	statementRow := t.row + 1
	if err := b.writeStatement(t); err != nil {
		return err
	}
	t.row = max(t.row, statementRow+statementRows)

	// Per file.
	if err := t.writeRow([]any{excelize.Cell{StyleID: st.section, Value: "Files"}}, excelize.RowOpts{Height: 20}); err != nil {
		return err
	}
	fileHeader := t.row + 1
	if err := t.writeHeader(fileHeader); err != nil {
		return err
	}
	var fileTotal domain.Tally
	for _, fs := range b.d.Files {
		fileTotal.Merge(fs.Tally)
		if err := t.writeRow(tallyRow(st, t.buf, fs.Name, string(fs.Kind), fs.Status, fs.Tally, false, nil)); err != nil {
			return err
		}
	}
	lastFileRow := t.row
	t.row++ // a blank row: the Total row stays outside the filter's range
	var fileSum func(int) string
	if len(b.d.Files) > 0 {
		fileSum = sumFormula(fileHeader+1, lastFileRow)
	}
	if err := t.writeRow(countsOnly(st, tallyRow(st, t.buf, "Total", "", plural(len(b.d.Files), "file", "files"), fileTotal, true, fileSum)),
		excelize.RowOpts{StyleID: st.total, Height: 18}); err != nil {
		return err
	}
	// The chart goes in before Flush, like the filter: the stream writes the sheet's drawing
	// with its data, and ignores whatever is added to the sheet after.
	if len(b.d.Kinds) > 0 {
		if err := b.addChart(firstKindRow, lastKindRow, statementRow); err != nil {
			return err
		}
	}
	return closeTable(f, sw, sheetSummary, fileHeader, max(lastFileRow, fileHeader), len(summaryColumns))
}

// writeStatement writes the statement and balance check, from the row after t's last.
func (b *dailyBook) writeStatement(t *tableSheet) error {
	st, s := b.st, b.d.Statement
	if err := t.writeRow([]any{excelize.Cell{StyleID: st.section, Value: "Statement of the payout account"}}, excelize.RowOpts{Height: 20}); err != nil {
		return err
	}
	if !s.Checked {
		return t.writeRow([]any{excelize.Cell{StyleID: st.conservation, Value: "Not checked: no statement of the payout account was read for this day"}})
	}
	// The computed closing balance and the difference are formulas over the rows above them
	// (opening, debits, credits, closing, balance, difference: rows r to r+5).
	r := t.row + 1
	closing, difference := st.totalAmountCell(s.Closing()), st.amountCell(s.Difference())
	closing.Formula = fmt.Sprintf("B%d-B%d+B%d", r, r+1, r+2)
	difference.Formula = fmt.Sprintf("B%d-B%d", r+4, r+3)
	amounts := []struct {
		label string
		cell  excelize.Cell
	}{
		{"Opening balance", st.amountCell(s.Opening)},
		{"− Debits (" + lines(s.DebitLines) + ")", st.amountCell(s.Debits)},
		{"+ Credits (" + lines(s.CreditLines) + ")", st.amountCell(s.Credits)},
		{"= Closing balance, computed", closing},
		{"Enkash's balance", st.amountCell(s.Balance)},
		{"Difference (Enkash − computed)", difference},
	}
	for _, a := range amounts {
		label := excelize.Cell{StyleID: st.label, Value: a.label}
		if err := t.writeRow([]any{label, a.cell}); err != nil {
			return err
		}
		if err := t.sw.MergeCell(cellName(2, t.row), cellName(4, t.row)); err != nil {
			return fmt.Errorf("merge cells of sheet %s: %w", sheetSummary, err)
		}
	}
	l := statementLine(s)
	style := st.conservation
	if !l.ok {
		style = st.badVerdict
	}
	if err := t.writeRow([]any{excelize.Cell{StyleID: style, Value: l.text}}, excelize.RowOpts{Height: 18}); err != nil {
		return err
	}
	all := s.MatchedLines + s.UnmatchedLines
	text := fmt.Sprintf("Lines: %d; matched or accounted for %d; unmatched %d", all, s.MatchedLines, s.UnmatchedLines)
	style = st.conservation
	if s.UnmatchedLines > 0 {
		text += " (see Exceptions)"
		style = st.badVerdict
	}
	return t.writeRow([]any{excelize.Cell{StyleID: style, Value: text}})
}

// statementLine is the balance check in words; the amounts are on the rows above it.
func statementLine(s StatementCheck) verdictLine {
	const text = "Opening − debits + credits = closing: "
	if s.Ties() {
		return verdictLine{text: text + "ties with Enkash's balance", ok: true}
	}
	return verdictLine{text: text + "DOES NOT TIE (difference " + s.Difference().Money() + ")"}
}

// lines says "1 line" or "n lines".
func lines(n int) string {
	if n == 1 {
		return "1 line"
	}
	return strconv.Itoa(n) + " lines"
}

// joinVerdicts is lines as one: ok when each is.
func joinVerdicts(lines []verdictLine) verdictLine {
	out := verdictLine{ok: true}
	for i, l := range lines {
		if i > 0 {
			out.text += "; "
		}
		out.text += l.text
		out.ok = out.ok && l.ok
	}
	return out
}

// listedLine checks what each kind's sheet holds against the kind's buckets, bucket by
// bucket, to the paisa.
func (b *dailyBook) listedLine() verdictLine {
	listed := map[domain.Kind]domain.Money{}
	for k, t := range b.listed {
		listed[k] = t.In
	}
	buckets := map[domain.Kind]domain.Money{}
	var misplaced []domain.Kind
	for _, k := range b.d.Kinds {
		t := k.Tally
		buckets[k.Kind] = t.Accounted()
		var l domain.Tally
		if p := b.listed[k.Kind]; p != nil {
			l = *p
		}
		l.In = t.In // rows in is checked by the conservation lines, not here
		if l != t {
			misplaced = append(misplaced, k.Kind)
		}
	}
	return listedVerdict("Rows listed on the kind sheets", "kind by kind and status by status", listed, buckets, misplaced)
}

// listedKinds returns a summary per kind that has items listed, for ordering them.
func (b *dailyBook) listedKinds() []domain.FileSummary {
	out := make([]domain.FileSummary, 0, len(b.listed))
	for k := range b.listed {
		out = append(out, domain.FileSummary{Kind: k})
	}
	return out
}

// exceptionsLine counts the exceptions listed, open ones by severity.
func (b *dailyBook) exceptionsLine() verdictLine {
	text := fmt.Sprintf("Open exceptions: %d", b.open)
	if b.open > 0 {
		sevs := slices.SortedFunc(maps.Keys(b.bySeverity), func(x, y domain.Severity) int {
			return cmp.Or(cmp.Compare(x.Rank(), y.Rank()), cmp.Compare(x, y))
		})
		parts := make([]string, 0, len(sevs))
		for _, s := range sevs {
			parts = append(parts, fmt.Sprintf("%s %d", s, b.bySeverity[s]))
		}
		text += " (" + strings.Join(parts, ", ") + ")"
	}
	text += fmt.Sprintf("; resolved: %d — see Exceptions", b.resolved)
	return verdictLine{text: text, ok: b.open == 0}
}

// matchedLine counts what tied out, by basis.
func (b *dailyBook) matchedLine() verdictLine {
	text := fmt.Sprintf("Matched with Enkash: %d", b.matched)
	if b.matched > 0 {
		parts := make([]string, 0, len(b.bases))
		for _, s := range b.bases {
			parts = append(parts, fmt.Sprintf("by %s %d", cmp.Or(s, "unstated basis"), b.byBasis[s]))
		}
		text += " (" + strings.Join(parts, ", ") + ")"
	}
	return verdictLine{text: text + " — see Matched", ok: true}
}

// addChart adds the column chart of outcomes by kind beside the statement: for each kind,
// the rows that succeeded, failed, were reversed, are still open and were rejected.
func (b *dailyBook) addChart(firstKindRow, lastKindRow, anchorRow int) error {
	ref := func(col, from, to int) string {
		return fmt.Sprintf("%s!$%s$%d:$%s$%d", sheetSummary, colName(col), from, colName(col), to)
	}
	series := make([]excelize.ChartSeries, 0, len(chartSeries))
	for _, s := range chartSeries {
		series = append(series, excelize.ChartSeries{
			Name:       fmt.Sprintf("%s!$%s$%d", sheetSummary, colName(s.col), dailyKindHeaderRow),
			Categories: ref(1, firstKindRow, lastKindRow),
			Values:     ref(s.col, firstKindRow, lastKindRow),
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{s.color}},
		})
	}
	gap := uint(80)
	axisFont := excelize.Font{Size: 9, Color: "404040"}
	err := b.f.AddChart(sheetSummary, cellName(chartColumn, anchorRow), &excelize.Chart{
		Type:      excelize.Col,
		Series:    series,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Outcomes by kind (rows)", Font: &excelize.Font{Bold: true, Size: 12}}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		PlotArea:  excelize.ChartPlotArea{ShowVal: true},
		XAxis:     excelize.ChartAxis{Font: axisFont},
		YAxis:     excelize.ChartAxis{MajorGridLines: true, Font: axisFont},
		Dimension: excelize.ChartDimension{Width: chartWidth, Height: chartHeight},
		Format:    excelize.GraphicOptions{OffsetX: 10, OffsetY: 4},
		GapWidth:  &gap,
	})
	if err != nil {
		return fmt.Errorf("add chart to sheet %s: %w", sheetSummary, err)
	}
	return nil
}

// colName returns the letters of column col (from 1).
func colName(col int) string {
	name, err := excelize.ColumnNumberToName(col)
	if err != nil {
		return "A"
	}
	return name
}

// countsOnly blanks the rupee cells of a total row that adds up files or kinds of different
// kinds: counts add up across kinds, rupees paid out and rupees invoiced do not.
func countsOnly(st *styles, row []any) []any {
	for i := 9; i <= 14 && i < len(row); i++ {
		row[i] = excelize.Cell{StyleID: st.total}
	}
	return row
}
