package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
)

// summaryColumns are the columns of the per-file table on the Summary sheet.
var summaryColumns = []column{
	{name: "File", width: 30, typ: colInput},
	{name: "Kind", width: 10, typ: colPlain, center: true},
	{name: "Status", width: 10, typ: colPlain, center: true},
	{name: "Rows in", width: 9, typ: colCount},
	{name: "Rejected", width: 9, typ: colCount},
	{name: "Success", width: 9, typ: colCount},
	{name: "Failed", width: 9, typ: colCount},
	{name: "Reversed", width: 9, typ: colCount},
	{name: "Open", width: 9, typ: colCount},
	{name: "In ₹ (files' amounts)", width: 14, typ: colAmount},
	{name: "Rejected ₹ (files' amounts)", width: 14, typ: colAmount},
	{name: "Success ₹ (files' amounts)", width: 14, typ: colAmount},
	{name: "Failed ₹ (files' amounts)", width: 14, typ: colAmount},
	{name: "Reversed ₹ (files' amounts)", width: 14, typ: colAmount},
	{name: "Open ₹ (files' amounts)", width: 14, typ: colAmount},
	{name: "Ties out", width: 9, typ: colPlain, center: true},
}

// summaryHeaderRow is the row of the per-file table's header; above it are the title and the
// run's details.
const summaryHeaderRow = 8

// writeSummary writes the Summary sheet: the run's details, one conservation line per file,
// the total, and the run's conservation line in words.
func (w *workbook) writeSummary() error {
	f, st, info := w.f, w.st, w.run.Info
	t, err := openSummary(f, st, info.title(), summaryHeaderRow)
	if err != nil {
		return err
	}
	sw := t.sw
	if err := w.writeRunDetails(t); err != nil {
		return err
	}
	if err := t.writeHeader(summaryHeaderRow); err != nil {
		return err
	}

	// One line per file, grouped by kind, under the filter; then, outside the filter's range
	// so that sorting never moves them among the files, one Total row per kind: rupees of
	// different kinds (money paid out, money invoiced) are never added together.
	type kindLines struct {
		kind              domain.Kind
		files             int
		tally             domain.Tally
		countOff, paidOff []string // files whose line does not tie out
	}
	var kinds []kindLines
	firstFileRow := summaryHeaderRow + 1
	for _, kt := range domain.TallyByKind(w.run.Files) {
		if kt.Kind == "" {
			continue
		}
		kl := kindLines{kind: kt.Kind, files: kt.Files, tally: kt.Tally}
		for _, fs := range w.run.Files {
			if fs.Kind != kt.Kind {
				continue
			}
			if !fs.Tally.CountsTieOut() {
				kl.countOff = append(kl.countOff, fs.Name)
			}
			if !fs.Tally.PaiseTieOut() {
				kl.paidOff = append(kl.paidOff, fs.Name)
			}
			if err := t.writeRow(tallyRow(st, t.buf, fs.Name, string(fs.Kind), fs.Status, fs.Tally, false, nil)); err != nil {
				return err
			}
		}
		kinds = append(kinds, kl)
	}
	lastFileRow := max(t.row, summaryHeaderRow)
	t.row++ // a blank row between the files and their totals
	var lines []verdictLine
	for _, kl := range kinds {
		sum := sumIfFormula(string(kl.kind), firstFileRow, lastFileRow)
		if err := t.writeRow(tallyRow(st, t.buf, "Total "+string(kl.kind), string(kl.kind), plural(kl.files, "file", "files"), kl.tally, true, sum),
			excelize.RowOpts{StyleID: st.total, Height: 18}); err != nil {
			return err
		}
	}
	if len(kinds) == 0 {
		var none domain.Tally
		if err := t.writeRow(tallyRow(st, t.buf, "Total", "", "no files", none, true, nil),
			excelize.RowOpts{StyleID: st.total, Height: 18}); err != nil {
			return err
		}
		lines = append(lines, countLine(none, nil), paiseLine(none, nil))
	}
	t.row++ // a blank row under the table

	for _, kl := range kinds {
		kindLines := []verdictLine{countLine(kl.tally, kl.countOff)}
		if domain.HasAmounts(kl.kind) || !kl.tally.PaiseTieOut() || len(kl.paidOff) > 0 {
			kindLines = append(kindLines, paiseLine(kl.tally, kl.paidOff))
		}
		for _, l := range kindLines {
			l.text = kindSheetName(kl.kind) + ": " + l.text
			lines = append(lines, l)
		}
	}
	tallies := map[domain.Kind]domain.Tally{}
	for _, kl := range kinds {
		tallies[kl.kind] = kl.tally
	}
	lines = append(lines, w.listedLine(tallies))
	lines = append(lines, w.gaps.lines()...)
	lines = append(lines, verdictLine{ok: true, text: "The statement of the payout account is bridged to Enkash's amounts in the daily workbook (batch reconcile)"})
	if err := writeVerdicts(t, lines); err != nil {
		return err
	}
	t.row++ // a blank row before the bridge
	if _, err := writeBridge(t, w.gaps, nil, statementDebits{}); err != nil {
		return err
	}
	return closeTable(f, sw, sheetSummary, summaryHeaderRow, lastFileRow, len(summaryColumns))
}

// writeVerdicts writes lines in words under a table, those that do not tie out in red, each
// across the table's width and wrapped within it, so that it prints whole.
func writeVerdicts(t *tableSheet, lines []verdictLine) error {
	// About as many characters of bold text as the columns' widths add up to fit on a line.
	perLine := 0.0
	for _, c := range t.cols {
		perLine += c.width
	}
	for _, l := range lines {
		style := t.st.verdictOK
		if !l.ok {
			style = t.st.verdictBad
		}
		n := math.Ceil(float64(utf8.RuneCountInString(l.text)) / perLine)
		if err := t.writeRow([]any{excelize.Cell{StyleID: style, Value: l.text}}, excelize.RowOpts{Height: 3 + 15*max(1, n)}); err != nil {
			return err
		}
		if err := t.sw.MergeCell(cellName(1, t.row), cellName(len(t.cols), t.row)); err != nil {
			return fmt.Errorf("merge cells of sheet %s: %w", t.name, err)
		}
	}
	return nil
}

// plural says "1 file" or "n files".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// sumIfFormula returns the formula of column col's total over the rows first to last whose
// Kind (column B) is kind.
func sumIfFormula(kind string, first, last int) func(col int) string {
	kind = strings.ReplaceAll(kind, `"`, `""`)
	return func(col int) string {
		c := colName(col)
		return fmt.Sprintf(`SUMIF($B$%d:$B$%d,"%s",%s$%d:%s$%d)`, first, last, kind, c, first, c, last)
	}
}

// sumFormula returns the formula of column col's total over rows first to last.
func sumFormula(first, last int) func(col int) string {
	return func(col int) string {
		c := colName(col)
		return fmt.Sprintf("SUM(%s%d:%s%d)", c, first, c, last)
	}
}

// writeRunDetails writes the title and the run's details above the table.
func (w *workbook) writeRunDetails(t *tableSheet) error {
	st, info, loc := w.st, w.run.Info, w.run.Info.location()
	finished := any(excelize.Cell{StyleID: st.left, Value: "not finished"})
	if !info.FinishedAt.IsZero() {
		finished = excelize.Cell{StyleID: st.dateTimeLeft, Value: info.FinishedAt.In(loc)}
	}
	started := any(nil)
	if !info.StartedAt.IsZero() {
		started = excelize.Cell{StyleID: st.dateTimeLeft, Value: info.StartedAt.In(loc)}
	}
	return writeDetails(t, info.heading(), info.Endpoint, []detail{
		{"Run started", started},
		{"Run finished", finished},
		{"Times shown in", excelize.Cell{StyleID: st.left, Value: zoneName(info.StartedAt.In(loc))}},
	})
}

// detail is one labelled value in the block under a summary's title.
type detail struct {
	label string
	value any
}

// writeDetails writes the block that opens a summary sheet: the title, the environment (live
// Enkash or the SANDBOX banner), the endpoint without credentials, then details, each value
// running across the narrow columns next to its label, and a blank row.
func writeDetails(t *tableSheet, head heading, endpoint string, details []detail) error {
	st := t.st
	env, envStyle := "Live Enkash", st.label
	if head.sandbox {
		env, envStyle = "SANDBOX: the built-in Enkash simulator. No real money moved.", st.banner
	}
	if err := t.writeRow([]any{excelize.Cell{StyleID: st.titleStyle(head), Value: head.title}}, excelize.RowOpts{Height: 26}); err != nil {
		return err
	}
	details = append([]detail{
		{"Environment", excelize.Cell{StyleID: envStyle, Value: env}},
		{"Enkash endpoint", excelize.Cell{StyleID: st.left, Value: safeEndpoint(endpoint)}},
	}, details...)
	for _, d := range details {
		if err := t.writeRow([]any{excelize.Cell{StyleID: st.label, Value: d.label}, d.value}); err != nil {
			return err
		}
		if err := t.sw.MergeCell(cellName(2, t.row), cellName(9, t.row)); err != nil {
			return fmt.Errorf("merge cells of sheet %s: %w", t.name, err)
		}
	}
	t.row++ // a blank row before what follows
	return nil
}

// zoneName describes the time zone of t, e.g. "Asia/Kolkata (IST, UTC+05:30)".
func zoneName(t time.Time) string {
	abbr, offset := t.Zone()
	sign := "+"
	if offset < 0 {
		sign, offset = "-", -offset
	}
	utc := fmt.Sprintf("UTC%s%02d:%02d", sign, offset/3600, offset%3600/60)
	name := t.Location().String()
	switch {
	case name == abbr || name == "UTC":
		return fmt.Sprintf("%s (%s)", name, utc)
	case strings.HasPrefix(abbr, "+") || strings.HasPrefix(abbr, "-"):
		return fmt.Sprintf("%s (%s)", name, utc)
	}
	return fmt.Sprintf("%s (%s, %s)", name, abbr, utc)
}

// tallyRow fills row with one conservation line: three cells of words, then the counts and
// the rupees of rows in and of each bucket, then whether it ties out. A total row is styled
// across its whole width; formula, when not nil, gives the formula of each of its numbers by
// column (from 1), the values being what the formulas add up to.
func tallyRow(st *styles, row []any, name, kind, status string, t domain.Tally, total bool, formula func(col int) string) []any {
	clear(row)
	row[0], row[1], row[2] = orNil(name), orNil(kind), orNil(status)
	moneys := []domain.Money{t.In, t.Rejected, t.Success, t.Failed, t.Reversed, t.Open}
	for i, m := range moneys {
		if total {
			count, amount := excelize.Cell{StyleID: st.totalCount, Value: m.Count}, st.totalAmountCell(m.Paise)
			if formula != nil {
				count.Formula, amount.Formula = formula(4+i), formula(10+i)
			}
			row[3+i], row[9+i] = count, amount
		} else {
			row[3+i] = m.Count
			row[9+i] = st.amountValue(m.Paise)
		}
	}
	switch {
	case !t.TiesOut():
		row[15] = excelize.Cell{StyleID: st.bad, Value: "NO"}
	case total:
		row[15] = excelize.Cell{StyleID: st.totalCenter, Value: "Yes"} // centred, clear of Open ₹
	default:
		row[15] = excelize.Cell{StyleID: st.good, Value: "Yes"}
	}
	if total {
		// Keep the Total row's fill and rule across the whole row.
		for i := range row {
			if row[i] == nil {
				row[i] = excelize.Cell{StyleID: st.total}
			} else if s, ok := row[i].(string); ok {
				row[i] = excelize.Cell{StyleID: st.total, Value: s}
			}
		}
	}
	return row
}

// verdictLine is one line in words under the table, and whether it ties out.
type verdictLine struct {
	text string
	ok   bool
}

// verdict ends a conservation line: whether it ties out, and which files do not.
func verdict(ok bool, off []string) string {
	if ok && len(off) == 0 {
		return " — ties out"
	}
	if len(off) == 0 {
		return " — DOES NOT TIE OUT"
	}
	return " — DOES NOT TIE OUT (" + strings.Join(off, ", ") + ")"
}

// countLine is the run's conservation line in rows.
func countLine(t domain.Tally, off []string) (l verdictLine) {
	ok := t.CountsTieOut()
	l.ok = ok && len(off) == 0
	l.text = fmt.Sprintf("Rows in %d = rejected %d + success %d + failed %d + reversed %d + open %d",
		t.In.Count, t.Rejected.Count, t.Success.Count, t.Failed.Count, t.Reversed.Count, t.Open.Count) + verdict(ok, off)
	return l
}

// paiseLine is the run's conservation line in rupees.
func paiseLine(t domain.Tally, off []string) (l verdictLine) {
	ok := t.PaiseTieOut()
	l.ok = ok && len(off) == 0
	l.text = fmt.Sprintf("Amount in the files' amounts: in %s = rejected %s + success %s + failed %s + reversed %s + open %s",
		t.In.Paise.Money(), t.Rejected.Paise.Money(), t.Success.Paise.Money(), t.Failed.Paise.Money(),
		t.Reversed.Paise.Money(), t.Open.Paise.Money()) + verdict(ok, off)
	return l
}

// listedLine checks the rows listed on the detail and Rejected rows sheets against the
// buckets of the table, kind by kind.
func (w *workbook) listedLine(tallies map[domain.Kind]domain.Tally) verdictLine {
	listed := map[domain.Kind]domain.Money{}
	for k, m := range w.listed {
		listed[k] = *m
	}
	buckets := map[domain.Kind]domain.Money{}
	for k, t := range tallies {
		buckets[k] = t.Accounted()
	}
	return listedVerdict("Rows listed on the other sheets", "kind by kind", listed, buckets, nil)
}

// listedVerdict words the check of the rows a workbook lists against its buckets: counts
// added up over the kinds, rupees kind by kind (money paid out and money invoiced are never
// added together). how says what was compared; misplaced names kinds whose rows agree in total with the buckets but sit
// in other buckets.
func listedVerdict(what, how string, listed, buckets map[domain.Kind]domain.Money, misplaced []domain.Kind) verdictLine {
	var kinds []domain.Kind
	for k := range listed {
		kinds = append(kinds, k)
	}
	for k := range buckets {
		if _, ok := listed[k]; !ok {
			kinds = append(kinds, k)
		}
	}
	slices.SortFunc(kinds, domain.CompareKinds)
	var count int
	var each, off []string
	for _, k := range kinds {
		l, b := listed[k], buckets[k]
		count += l.Count
		if l.Count == 0 && l.Paise == 0 && b.Count == 0 && b.Paise == 0 {
			continue
		}
		if domain.HasAmounts(k) || l.Paise != 0 {
			each = append(each, fmt.Sprintf("%s %d, %s", k, l.Count, l.Paise.Money()))
		} else {
			each = append(each, fmt.Sprintf("%s %d", k, l.Count))
		}
		switch {
		case l != b:
			off = append(off, fmt.Sprintf("%s: the buckets hold %d, %s", k, b.Count, b.Paise.Money()))
		case slices.Contains(misplaced, k):
			off = append(off, fmt.Sprintf("%s: rows listed under another status than in the buckets", k))
		}
	}
	text := fmt.Sprintf("%s: %d", what, count)
	if len(each) > 0 {
		text += " (" + strings.Join(each, "; ") + ")"
	}
	if len(off) > 0 {
		return verdictLine{text: text + " — DOES NOT TIE OUT (" + strings.Join(off, "; ") + ")"}
	}
	return verdictLine{ok: true, text: text + ", as in the buckets above, " + how + " — ties out"}
}
