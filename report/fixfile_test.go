package report_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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
			{Line: 5, Raw: []string{"PAY-0004", "Ravi Kumar", "123456789012", "HDFC0001234", "-5", "IMPS"}, Reason: "Amount (₹) (amount_positive): must be more than zero"},
			{Line: 9, Raw: []string{"=HYPERLINK(\"http://x\",\"y\")", "Rao, \"Asha\"", "12", "HDFC0001234", "1,500.00", "IMPS"}, Reason: "A/c No (account_number): 9 to 18 digits; Amount (₹) (amount_format): not a number; A/c No (x): again"},
			{Line: 10, Raw: []string{"PAY-0001", "Asha Rao", "123456789012", "HDFC0001234", "1500", "IMPS"}, Rule: domain.RuleAlreadySent,
				Reason: "Reference (already_sent): already sent on 01-05-2026 09:00 UTC: Enkash id EKT1001, UTR 412345678901, status SUCCESS — do not send again"},
			{Line: 12, Raw: []string{"PAY-0012", "Short Row"}, Reason: "IFSC Code (ifsc_required): missing"},
			{Line: 13, Raw: []string{"PAY-0013", "Queued Row"}, Rule: domain.RuleAlreadyQueued, Reason: "already queued"},
			{Line: 14, Raw: []string{"PAY-0014", "Long Row", "123456789", "SBIN0000001", "10", "UPI", "stray"}, Reason: "too many values"},
		}, nil),
	}
}

// wantFixRecords is what fixInput's fix file must hold, as a spreadsheet reads it.
var wantFixRecords = [][]string{
	{"Reference", "Beneficiary Name", "A/c No", "IFSC Code", "Amount (₹)", "Mode", "Error"},
	{"PAY-0004", "Ravi Kumar", "123456789012", "HDFC0001234", "-5", "IMPS", "row 2 of this file (line 5 of payouts_may.csv): Amount (₹) (amount_positive): must be more than zero"},
	{"=HYPERLINK(\"http://x\",\"y\")", "Rao, \"Asha\"", "12", "HDFC0001234", "1,500.00", "IMPS", "row 3 of this file (line 9 of payouts_may.csv): A/c No (account_number): 9 to 18 digits; Amount (₹) (amount_format): not a number; A/c No (x): again"},
	{"PAY-0012", "Short Row", "", "", "", "", "row 4 of this file (line 12 of payouts_may.csv): IFSC Code (ifsc_required): missing"},
	{"PAY-0014", "Long Row", "123456789", "SBIN0000001", "10", "UPI", "row 5 of this file (line 14 of payouts_may.csv): too many values", "stray"},
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

// TestWriteFixFile_Template: a fix workbook keeps its kind's template help: the template's
// sheet name, identifier columns formatted as text, dates as dates, the Mode drop-down and a
// "How to fill" sheet; each cell to correct is shaded and carries a note with its error.
func TestWriteFixFile_Template(t *testing.T) {
	in := fixInput()
	in.Header = append(in.Header, "Due Date")
	in.Rows = seq([]report.FixRow{
		{Line: 5, Raw: []string{"PAY-0004", "Ravi Kumar", "0012345678", "HDFC0001234", "1500", "imps", "23-11-2026"},
			Reason: "Mode (mode_choice): must be one of IMPS, NEFT, RTGS, UPI"},
		{Line: 9, Raw: []string{"PAY-0005", "Asha Rao", "12", "HDFC0001234", "1,500.00", "IMPS", "2026-11-24"},
			Reason: "A/c No (account_number): 9 to 18 digits; Amount (₹) (amount_format): not a number"},
	}, nil)
	in.Template = report.FixTemplate{
		Sheet:     "Payouts",
		Columns:   []report.FixColumn{{Text: true}, {}, {Text: true, Width: 22}, {Text: true}, {}, {Choices: []string{"IMPS", "NEFT", "RTGS", "UPI"}}, {Date: true}},
		HelpSheet: "How to fill",
		Help:      []report.FixHelp{{Column: "Reference", Required: "required", Help: "your unique reference"}},
		Rules:     []string{"A rule."},
		ParseDate: func(s string) (time.Time, bool) {
			for _, layout := range []string{"02-01-2006", "2006-01-02"} {
				if d, err := time.Parse(layout, s); err == nil {
					return d, true
				}
			}
			return time.Time{}, false
		},
	}
	path := filepath.Join(t.TempDir(), "payouts_may.fix.xlsx")
	if err := report.WriteFixFile(path, in); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Payouts", "How to fill"}) {
		t.Fatalf("sheets = %q, want Payouts then How to fill", got)
	}
	const sheet = "Payouts"
	style := func(cell string) *excelize.Style {
		t.Helper()
		id, err := f.GetCellStyle(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, cell := range []string{"A2", "C2", "D3", "C3"} {
		if s := style(cell); s.NumFmt != 49 {
			t.Errorf("%s: number format %d, want 49 (text)", cell, s.NumFmt)
		}
	}
	if v, _ := f.GetCellValue(sheet, "C2"); v != "0012345678" {
		t.Errorf("C2 = %q, want the leading zeros kept", v)
	}
	// Dates are real dates, shown as dd-mm-yyyy, whatever form they were read in.
	for cell, want := range map[string]string{"G2": "23-11-2026", "G3": "24-11-2026"} {
		if typ, _ := f.GetCellType(sheet, cell); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Errorf("%s: cell type %v, want a number (a date)", cell, typ)
		}
		if v, _ := f.GetCellValue(sheet, cell); v != want {
			t.Errorf("%s shows %q, want %q", cell, v, want)
		}
	}
	// The cells to correct: F2 (Mode), C3 (A/c No) and E3 (Amount (₹)); no other.
	bad := map[string]string{"F2": "Mode (mode_choice)", "C3": "A/c No (account_number)", "E3": "Amount (₹) (amount_format)"}
	for _, cell := range []string{"A2", "B2", "C2", "D2", "E2", "F2", "G2", "A3", "B3", "C3", "D3", "E3", "F3", "G3"} {
		s := style(cell)
		shaded := s.Fill.Pattern == 1 && len(s.Fill.Color) > 0 && strings.EqualFold(s.Fill.Color[0], "FCE4D6")
		if _, want := bad[cell]; shaded != want {
			t.Errorf("%s shaded = %v, want %v", cell, shaded, want)
		}
	}
	notes, err := f.GetComments(sheet)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range notes {
		var text string
		for _, p := range c.Paragraph {
			text += p.Text
		}
		got[c.Cell] = text
	}
	if len(got) != len(bad) {
		t.Errorf("notes on %v, want on %v", got, bad)
	}
	for cell, prefix := range bad {
		if !strings.HasPrefix(got[cell], prefix) {
			t.Errorf("note on %s = %q, want it to start %q", cell, got[cell], prefix)
		}
	}
	if v, _ := f.GetCellValue(sheet, "H3"); !strings.HasPrefix(v, "row 3 of this file (line 9 of payouts_may.csv): A/c No") {
		t.Errorf("Error of row 3 = %q", v)
	}
	dvs, err := f.GetDataValidations(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(dvs) != 1 || !strings.HasPrefix(dvs[0].Sqref, "F2:F") || !strings.Contains(dvs[0].Formula1, "IMPS,NEFT,RTGS,UPI") {
		t.Errorf("data validations = %+v, want the Mode drop-down on column F", dvs)
	}
	help, err := f.GetRows("How to fill")
	if err != nil {
		t.Fatal(err)
	}
	var text string
	for _, r := range help {
		text += strings.Join(r, "|") + "\n"
	}
	for _, want := range []string{"Rows of payouts_may.csv that were not sent", "Reference|required|your unique reference", "A rule."} {
		if !strings.Contains(text, want) {
			t.Errorf("How to fill lacks %q:\n%s", want, text)
		}
	}
}
