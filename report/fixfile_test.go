package report_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
	"enkashbatch/report"
)

// fixInput is a payouts file's header and rejected rows: one with a value that looks like a
// formula, one with a quote and a comma, one shorter and one longer than the header, and two
// whose reference was already sent or queued, which no fix file may hold.
func fixInput() report.FixFile {
	return report.FixFile{
		SourceName: "payouts_may.csv",
		Header:     []string{"Reference", "Beneficiary Name", "A/c No", "IFSC Code", "Amount (₹)", "Mode"},
		Rows: seq([]report.FixRow{
			{Line: 5, Raw: []string{"PAY-0004", "Ravi Kumar", "123456789012", "HDFC0001234", "-5", "IMPS"}, Reason: "Amount: must be more than zero"},
			{Line: 9, Raw: []string{"=HYPERLINK(\"http://x\",\"y\")", "Rao, \"Asha\"", "12", "HDFC0001234", "1,500.00", "IMPS"}, Reason: "A/c No: 9 to 18 digits"},
			{Line: 10, Raw: []string{"PAY-0001", "Asha Rao", "123456789012", "HDFC0001234", "1500", "IMPS"}, Rule: domain.RuleAlreadySent,
				Reason: "Reference (already_sent): already sent on 01-05-2026 09:00 UTC: Enkash id EKT1001, UTR 412345678901, status SUCCESS — do not send again"},
			{Line: 12, Raw: []string{"PAY-0012", "Short Row"}, Reason: "IFSC Code: missing"},
			{Line: 13, Raw: []string{"PAY-0013", "Queued Row"}, Rule: domain.RuleAlreadyQueued, Reason: "already queued"},
			{Line: 14, Raw: []string{"PAY-0014", "Long Row", "123456789", "SBIN0000001", "10", "UPI", "stray"}, Reason: "too many values"},
		}, nil),
	}
}

// wantFixRecords is what fixInput's fix file must hold, as a spreadsheet reads it.
var wantFixRecords = [][]string{
	{"Reference", "Beneficiary Name", "A/c No", "IFSC Code", "Amount (₹)", "Mode", "Error"},
	{"PAY-0004", "Ravi Kumar", "123456789012", "HDFC0001234", "-5", "IMPS", "line 5: Amount: must be more than zero"},
	{"=HYPERLINK(\"http://x\",\"y\")", "Rao, \"Asha\"", "12", "HDFC0001234", "1,500.00", "IMPS", "line 9: A/c No: 9 to 18 digits"},
	{"PAY-0012", "Short Row", "", "", "", "", "line 12: IFSC Code: missing"},
	{"PAY-0014", "Long Row", "123456789", "SBIN0000001", "10", "UPI", "line 14: too many values", "stray"},
}

func TestWriteFixFile(t *testing.T) {
	t.Run("csv round trip", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "payouts_may.fix.csv")
		if err := report.WriteFixFile(path, fixInput()); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
			t.Fatalf("no UTF-8 byte order mark: % x", b[:min(len(b), 3)])
		}
		r := csv.NewReader(bytes.NewReader(b[3:]))
		r.FieldsPerRecord = -1
		got, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(got, wantFixRecords, slices.Equal) {
			t.Errorf("records =\n%q\nwant\n%q", got, wantFixRecords)
		}
	})

	t.Run("xlsx round trip", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "payouts_may.fix.xlsx")
		if err := report.WriteFixFile(path, fixInput()); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sheet := f.GetSheetName(0)
		got, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		// A spreadsheet has no trailing empty cells to read back.
		want := slices.Clone(wantFixRecords)
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("rows =\n%q\nwant\n%q", got, want)
		}
		for _, ref := range []string{"A3", "E2"} { // "=HYPERLINK(...)", "-5"
			if formula, _ := f.GetCellFormula(sheet, ref); formula != "" {
				t.Errorf("%s holds formula %q", ref, formula)
			}
			if typ, _ := f.GetCellType(sheet, ref); typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
				t.Errorf("%s is not a text cell (type %v)", ref, typ)
			}
		}
		if p, _ := f.GetPanes(sheet); !p.Freeze || p.YSplit != 1 {
			t.Errorf("panes = %+v, want the header frozen", p)
		}
	})

	t.Run("no rejected rows: header only", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "empty.csv")
		if err := report.WriteFixFile(path, report.FixFile{Header: []string{"a", "b"}}); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		if got := string(b); got != "\uFEFFa,b,Error\r\n" {
			t.Errorf("file = %q", got)
		}
	})

	t.Run("unsupported extension", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.txt")
		if err := report.WriteFixFile(path, fixInput()); err == nil {
			t.Fatal("want an error")
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a file was written: %v", err)
		}
	})

	t.Run("rows error leaves nothing behind", func(t *testing.T) {
		dir := t.TempDir()
		for _, name := range []string{"a.csv", "a.xlsx"} {
			in := fixInput()
			in.Rows = seq([]report.FixRow{{Line: 2, Raw: []string{"x"}}}, errBroken)
			if err := report.WriteFixFile(filepath.Join(dir, name), in); !errors.Is(err, errBroken) {
				t.Errorf("%s: err = %v, want the iterator's error", name, err)
			}
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("folder holds %d entries, want none", len(entries))
		}
	})
}
