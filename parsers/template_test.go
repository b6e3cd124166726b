package parsers_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"enkashbatch/parsers"
)

var update = flag.Bool("update", false, "rewrite the committed templates in ../templates")

func TestWriteTemplateCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := parsers.WriteTemplateCSV(&buf, parsers.Payouts); err != nil {
		t.Fatal(err)
	}
	want := "Reference,Beneficiary Name,Account Number,IFSC,VPA,Amount,Mode,Remark,Email,Phone,Beneficiary ID\n"
	if buf.String() != want {
		t.Errorf("template = %q; want %q", buf.String(), want)
	}
	// A blank template has a complete header and no rows: it is refused for the rows alone.
	_, err := read(t, "template.csv", buf.Bytes(), nil)
	wantNoRows(t, err)
	filled := append(bytes.Clone(buf.Bytes()), "P1,Ramesh,,,ramesh@ybl,100,UPI,,,,\n"...)
	res, err := read(t, "template.csv", filled, nil)
	if err != nil || res.fatal != nil || len(res.rows) != 1 || !res.rows[0].Valid() || len(res.reader.Unknown()) != 0 {
		t.Errorf("reading the filled template back: %v %v %+v", err, res.fatal, res.rows)
	}
	golden(t, "../templates/payouts.csv", buf.Bytes(), func(got []byte) bool { return bytes.Equal(got, buf.Bytes()) })
}

func TestWriteTemplateXLSX(t *testing.T) {
	var buf bytes.Buffer
	if err := parsers.WriteTemplateXLSX(&buf, parsers.Payouts); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Payouts", "How to fill"}) {
		t.Errorf("sheets = %q", got)
	}
	rows, err := f.GetRows("Payouts")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || len(rows[0]) != len(parsers.Payouts.Columns) || rows[0][2] != "Account Number" {
		t.Errorf("data sheet rows = %q", rows)
	}
	panes, err := f.GetPanes("Payouts")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header not frozen: %+v %v", panes, err)
	}
	for col, wantText := range map[string]bool{"A": true, "B": false, "C": true, "D": true, "F": false} {
		style, err := f.GetCellStyle("Payouts", col+"500")
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.GetStyle(style)
		if err != nil {
			t.Fatal(err)
		}
		if (s.NumFmt == 49) != wantText {
			t.Errorf("column %s: number format %d, text wanted: %v", col, s.NumFmt, wantText)
		}
	}
	head, err := f.GetCellStyle("Payouts", "A1")
	must(t, err)
	if s, err := f.GetStyle(head); err != nil || s.Font == nil || !s.Font.Bold {
		t.Errorf("header not bold: %+v %v", s, err)
	}
	dvs, err := f.GetDataValidations("Payouts")
	if err != nil || len(dvs) != 1 || !strings.Contains(dvs[0].Formula1, "IMPS,NEFT,RTGS,UPI") {
		t.Errorf("mode drop-down: %+v %v", dvs, err)
	}
	help, err := f.GetRows("How to fill")
	must(t, err)
	text := ""
	for _, r := range help {
		text += strings.Join(r, "|") + "\n"
	}
	for _, want := range []string{"Account Number|optional|", "Mode|required|IMPS, NEFT, RTGS or UPI", "IMPS allows at most ₹2,00,000.00"} {
		if !strings.Contains(text, want) {
			t.Errorf("How to fill lacks %q:\n%s", want, text)
		}
	}

	_, err = read(t, "payouts_template.xlsx", buf.Bytes(), nil)
	wantNoRows(t, err)

	// The committed template holds the same cells (XLSX files are compared by value).
	golden(t, "../templates/payouts.xlsx", buf.Bytes(), func(got []byte) bool {
		return slices.Equal(sheetText(t, got), sheetText(t, buf.Bytes()))
	})
}

func sheetText(t *testing.T, b []byte) []string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		must(t, err)
		for _, r := range rows {
			out = append(out, sh+": "+strings.Join(r, "|"))
		}
	}
	return out
}

// golden compares the committed file at path with fresh content, or rewrites it with -update.
func golden(t *testing.T, path string, fresh []byte, same func(committed []byte) bool) {
	t.Helper()
	if *update {
		must(t, os.WriteFile(path, fresh, 0o644))
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./parsers -run Template -update)", err)
	}
	if !same(got) {
		t.Errorf("%s is out of date; run go test ./parsers -run Template -update", path)
	}
}

// wantNoRows checks that err refuses a file with a good header for having no rows.
func wantNoRows(t *testing.T, err error) {
	t.Helper()
	var fe *parsers.FileError
	if !errors.As(err, &fe) || fe.Rule != "no_rows" || fe.Line != 1 {
		t.Errorf("reading the blank template back: %v; want no_rows on line 1", err)
	}
}
