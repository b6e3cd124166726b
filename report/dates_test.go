package report_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
	"enkashbatch/report"
)

// TestWriteRunWorkbook_DueDatesAreDates checks that the due dates of invoices and bills are
// date cells in the dd-mm-yyyy format, whatever form the payload holds them in (an RFC 3339
// time, a yyyy-mm-dd date), and that an invoice's base amount is a number.
func TestWriteRunWorkbook_DueDatesAreDates(t *testing.T) {
	items := []domain.Item{
		{FileID: 1, File: "invoices.csv", Kind: domain.KindInvoices, Line: 2, Reference: "INV-1", Amount: 118000,
			Status: domain.StatusSuccess, Payload: []byte(`{"customer_reference":"C-1","due_date":"2026-05-31T00:00:00Z","base_amount":100000}`)},
		{FileID: 2, File: "bills.csv", Kind: domain.KindBills, Line: 2, Reference: "BILL-1", Amount: 0,
			Status: domain.StatusSuccess, Provider: domain.ProviderState{Status: "SUCCESS", Amount: 123450},
			Payload: []byte(`{"reference":"BILL-1","biller_id":"101","consumer_number":"88","due_date":"2026-06-05"}`)},
	}
	files := []domain.FileSummary{
		{ID: 1, Name: "invoices.csv", Kind: domain.KindInvoices, Status: "accepted"},
		{ID: 2, Name: "bills.csv", Kind: domain.KindBills, Status: "accepted"},
	}
	f, _ := writeWorkbook(t, report.Run{Info: report.RunInfo{ID: 3, Location: ist}, Files: files, Items: seq(items, nil)})
	for _, c := range []struct {
		sheet, header string
		want          time.Time
	}{
		{"Invoices", "Due date", time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC)},
		{"Bills", "Due date", time.Date(2026, 6, 5, 0, 0, 0, 0, time.UTC)},
	} {
		col := slicesIndex(rawRows(t, f, c.sheet)[1], c.header)
		if col < 0 {
			t.Fatalf("%s has no column %q", c.sheet, c.header)
		}
		ref, _ := excelize.CoordinatesToCellName(col+1, 3)
		got, err := excelize.ExcelDateToTime(number(t, f, c.sheet, ref), false)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(c.want) {
			t.Errorf("%s!%s = %s, want %s", c.sheet, ref, got, c.want)
		}
		if format := numFmt(t, f, c.sheet, ref); format != "dd-mm-yyyy" {
			t.Errorf("%s!%s format = %q, want dd-mm-yyyy", c.sheet, ref, format)
		}
	}
	// Base ₹ of the invoice is an amount too.
	col := slicesIndex(rawRows(t, f, "Invoices")[1], "Base ₹")
	ref, _ := excelize.CoordinatesToCellName(col+1, 3)
	if got := number(t, f, "Invoices", ref); got != 1000 {
		t.Errorf("base amount = %v, want 1000", got)
	}
}

// TestWriteDailyWorkbook_OneTimeZone checks that times the ledger holds in UTC are written in
// the workbook's zone in the JSON twin and the exceptions CSV too.
func TestWriteDailyWorkbook_OneTimeZone(t *testing.T) {
	raised := time.Date(2026, 5, 1, 4, 30, 0, 0, time.UTC) // 10:00 IST
	exc := report.ExceptionRow{Exception: domain.Exception{ID: 5, Category: domain.CategoryStuckPending,
		Kind: domain.KindPayouts, Reference: "PAY-1", CreatedAt: raised, LastSeenAt: raised}}
	d := report.Daily{Date: raised, Location: ist, GeneratedAt: raised.Add(time.Hour),
		Exceptions: seq([]report.ExceptionRow{exc}, nil)}
	_, paths := writeDaily(t, d)
	b, err := os.ReadFile(paths.Summary)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"created_at":"2026-05-01T10:00:00+05:30"`, `"last_seen_at":"2026-05-01T10:00:00+05:30"`,
		`"generated_at":"2026-05-01T11:00:00+05:30"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("summary json lacks %s:\n%s", want, b)
		}
	}
	if recs := readCSV(t, paths.Exceptions); recs[1][13] != "2026-05-01T10:00:00+05:30" {
		t.Errorf("exceptions csv raised_at = %q", recs[1][13])
	}
}
