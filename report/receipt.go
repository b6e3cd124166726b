package report

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
)

// Receipt is what a finance user hears at once when a file they dropped is taken (under
// `batch serve`): what was received, what was refused and why, what will be sent and when.
type Receipt struct {
	// File is the file as it was received, with its conservation line so far.
	File domain.FileSummary
	// RunID is the ingest run that read it.
	RunID int64
	// Sandbox and Location as for a run workbook.
	Sandbox  bool
	Location *time.Location
	// Valid is the rows ready to be sent, and their amount; Waiting lists the other rows not
	// yet sent or final, by state (e.g. awaiting approval), each with its count and amount.
	Valid   domain.Money
	Waiting map[domain.Status]domain.Money
	// When says, in words, when the valid rows will be sent.
	When string
	// FixFile is the fix-and-redrop file written for the rejected rows ("" when none).
	FixFile string
	// Rejected are the rejected rows, with their reasons.
	Rejected []domain.Item
}

// The receipt's sheets.
const sheetReceiptRejected = "Rejected rows"

// receiptColumns are the columns of the receipt's Rejected rows sheet.
var receiptColumns = []column{
	{name: "Line", width: 7, typ: colNumber, center: true},
	{name: "Reference", width: 22, typ: colInput},
	{name: "Reason", width: 70, typ: colInput, wrap: true},
	{name: "Original row", width: 60, typ: colInput, wrap: true},
}

// WriteReceipt writes the receipt r to path (an .xlsx), atomically: a Summary sheet of what was
// received and when it will be sent, and the rejected rows with their reasons.
func WriteReceipt(path string, r Receipt) error {
	loc := r.Location
	if loc == nil {
		loc = time.Local
	}
	title := "Receipt of " + r.File.Name
	if r.Sandbox {
		title += " — SANDBOX"
	}
	head := heading{title: title, sandbox: r.Sandbox}
	f := excelize.NewFile()
	defer f.Close()
	st, err := startBook(f, title, "Receipt of an inbox file")
	if err != nil {
		return err
	}
	if _, err := f.NewSheet(sheetReceiptRejected); err != nil {
		return fmt.Errorf("add sheet: %w", err)
	}
	t := r.File.Tally
	env, envStyle := "Live Enkash", st.left
	if r.Sandbox {
		env, envStyle = "SANDBOX: the built-in Enkash simulator. No real money moved.", st.banner
	}
	fix := "none: no row to correct"
	if r.FixFile != "" {
		fix = filepath.Base(r.FixFile) + " (in reports/): correct the rows and drop it in the inbox again"
	}
	rows := [][2]any{
		{"Environment", excelize.Cell{StyleID: envStyle, Value: env}},
		{"File", excelize.Cell{StyleID: st.left, Value: r.File.Name}},
		{"Kind", excelize.Cell{StyleID: st.left, Value: string(r.File.Kind)}},
		{"Received at", excelize.Cell{StyleID: st.dateTimeLeft, Value: r.File.ReceivedAt.In(loc)}},
		{"Times shown in", excelize.Cell{StyleID: st.left, Value: zoneName(r.File.ReceivedAt.In(loc))}},
		{"Rows received", excelize.Cell{StyleID: st.left, Value: t.In.Count}},
		{"Rows rejected", excelize.Cell{StyleID: st.left, Value: fmt.Sprintf("%d (%s in the file's amounts): see the Rejected rows sheet", t.Rejected.Count, t.Rejected.Paise.Money())}},
		{"Rows valid, to be sent", excelize.Cell{StyleID: st.left, Value: r.Valid.Count}},
		{"Valid total ₹", st.amountCell(r.Valid.Paise)},
	}
	for _, s := range sortedStatuses(r.Waiting) {
		m := r.Waiting[s]
		rows = append(rows, [2]any{"Rows " + strings.ReplaceAll(string(s), "_", " "),
			excelize.Cell{StyleID: st.left, Value: fmt.Sprintf("%d (%s): not sent until that changes; batch status shows them", m.Count, m.Paise.Money())}})
	}
	rows = append(rows, [2]any{"When it will be sent", excelize.Cell{StyleID: st.left, Value: r.When}},
		[2]any{"Fix-and-redrop file", excelize.Cell{StyleID: st.left, Value: fix}},
		[2]any{"Ingest run", excelize.Cell{StyleID: st.left, Value: r.RunID}})
	if err := f.SetColWidth(sheetSummary, "A", "A", 26); err != nil {
		return err
	}
	if err := f.SetColWidth(sheetSummary, "B", "B", 90); err != nil {
		return err
	}
	if err := f.SetCellValue(sheetSummary, "A1", title); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheetSummary, "A1", "A1", st.titleStyle(head)); err != nil {
		return err
	}
	for i, row := range rows {
		label, value := cellName(1, i+3), cellName(2, i+3)
		if err := f.SetCellValue(sheetSummary, label, row[0]); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheetSummary, label, label, st.label); err != nil {
			return err
		}
		c := row[1].(excelize.Cell)
		if err := f.SetCellValue(sheetSummary, value, c.Value); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheetSummary, value, value, c.StyleID); err != nil {
			return err
		}
	}
	if err := setupPage(f, sheetSummary, title); err != nil {
		return err
	}

	ts, err := newTableSheet(f, st, head, sheetReceiptRejected, receiptColumns)
	if err != nil {
		return err
	}
	for _, it := range r.Rejected {
		row := ts.buf
		clear(row)
		row[0], row[1], row[2] = lineValue(it.Line), orNil(it.Reference), orNil(it.Reason)
		row[3] = orNil(strings.Join(it.Raw, " | "))
		if err := ts.writeRow(row); err != nil {
			return err
		}
	}
	if err := ts.close(); err != nil {
		return err
	}
	if err := printTableTitles(f, st); err != nil {
		return err
	}
	return writeAtomic(path, func(out *os.File) error {
		if err := f.Write(out); err != nil {
			return fmt.Errorf("write receipt %s: %w", path, err)
		}
		return nil
	})
}

// sortedStatuses returns the states of m in a stable order.
func sortedStatuses(m map[domain.Status]domain.Money) []domain.Status {
	out := make([]domain.Status, 0, len(m))
	for s := range m {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
