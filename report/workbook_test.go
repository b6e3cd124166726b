package report_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
	"enkashbatch/report"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// writeWorkbook writes run to a fresh folder and opens the result.
func writeWorkbook(t *testing.T, run report.Run) (*excelize.File, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "run.xlsx")
	if err := report.WriteRunWorkbook(path, run); err != nil {
		t.Fatalf("WriteRunWorkbook: %v", err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("open written workbook: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f, path
}

// rawRows returns the raw cell values of sheet.
func rawRows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("rows of %s: %v", sheet, err)
	}
	return rows
}

// cell returns the raw value of one cell.
func cell(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("cell %s!%s: %v", sheet, ref, err)
	}
	return v
}

// number returns the value of a numeric cell, failing if the cell holds text.
func number(t *testing.T, f *excelize.File, sheet, ref string) float64 {
	t.Helper()
	typ, err := f.GetCellType(sheet, ref)
	if err != nil {
		t.Fatalf("type of %s!%s: %v", sheet, ref, err)
	}
	if typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
		t.Fatalf("%s!%s is text, want a number", sheet, ref)
	}
	v, err := strconv.ParseFloat(cell(t, f, sheet, ref), 64)
	if err != nil {
		t.Fatalf("%s!%s: %v", sheet, ref, err)
	}
	return v
}

// numFmt returns the custom number format of a cell, or "#<id>" for a built-in one.
func numFmt(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatalf("style of %s!%s: %v", sheet, ref, err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatalf("style %d: %v", id, err)
	}
	if st.CustomNumFmt != nil {
		return *st.CustomNumFmt
	}
	return "#" + strconv.Itoa(st.NumFmt)
}

// The rupee formats: up to ₹99,99,999.99 (and down to −₹99,999.99), then crores.
const (
	indianRupees = `[>=100000]##\,##\,##0.00;[>=0]##,##0.00;[Red]-##,##0.00`
	indianCrores = `##\,##\,##\,##0.00;[Red]-##\,##\,##\,##0.00`
)

func TestWriteRunWorkbook(t *testing.T) {
	fx := newFixture(t, true)
	f, _ := writeWorkbook(t, fx.run)
	const sum = "Summary"

	t.Run("sheets in order, summary active", func(t *testing.T) {
		want := []string{"Summary", "Payouts", "Exceptions", "Rejected rows"}
		if got := f.GetSheetList(); !slices.Equal(got, want) {
			t.Fatalf("sheets = %q, want %q", got, want)
		}
		if got := f.GetActiveSheetIndex(); got != 0 {
			t.Errorf("active sheet = %d, want 0 (Summary)", got)
		}
	})

	t.Run("sandbox marked on every sheet and the title", func(t *testing.T) {
		props, err := f.GetDocProps()
		if err != nil {
			t.Fatal(err)
		}
		if props.Title != "Enkash batch run #12 — SANDBOX" {
			t.Errorf("workbook title = %q", props.Title)
		}
		for _, s := range f.GetSheetList() {
			if v := cell(t, f, s, "A1"); !strings.Contains(v, "SANDBOX") || !strings.Contains(v, "#12") {
				t.Errorf("%s!A1 = %q, want the run and SANDBOX", s, v)
			}
		}
		if v := cell(t, f, sum, "B2"); !strings.HasPrefix(v, "SANDBOX") {
			t.Errorf("environment = %q", v)
		}
	})

	t.Run("run details without credentials", func(t *testing.T) {
		if v := cell(t, f, sum, "B3"); v != "http://127.0.0.1:8089/" {
			t.Errorf("endpoint = %q, want it without user, password or query", v)
		}
		started, err := excelize.ExcelDateToTime(number(t, f, sum, "B4"), false)
		if err != nil {
			t.Fatal(err)
		}
		if got := started.Format("02-01-2006 15:04"); got != "01-05-2026 10:00" {
			t.Errorf("started = %s, want the IST wall clock 01-05-2026 10:00", got)
		}
		if got := numFmt(t, f, sum, "B4"); got != "dd-mm-yyyy hh:mm" {
			t.Errorf("started format = %q", got)
		}
	})

	t.Run("per file lines as numbers", func(t *testing.T) {
		want := map[string][]float64{ // rows in, rejected, success, failed, reversed, open; then rupees
			"9":  {6, 1, 2, 1, 1, 1, 25128456.28, 0, 124956.78, 2500.50, 999, 25000000},
			"10": {3, 1, 2, 0, 0, 0, 13200, 1200, 12000, 0, 0, 0},
			"11": {4, 0, 1, 0, 0, 2, 37500, 0, 10000, 0, 0, 23000},
			"13": {13, 2, 5, 1, 1, 3, 25179156.28, 1200, 146956.78, 2500.50, 999, 25023000},
		}
		for row, vals := range want {
			for i, w := range vals {
				ref := string(rune('D'+i)) + row
				if got := number(t, f, sum, ref); got != w {
					t.Errorf("%s = %v, want %v", ref, got, w)
				}
			}
		}
		if v := cell(t, f, sum, "A13"); v != "Total payouts" {
			t.Errorf("A13 = %q, want Total payouts", v)
		}
		if v := cell(t, f, sum, "C13"); v != "3 files" {
			t.Errorf("C13 = %q, want 3 files", v)
		}
		// The Total row is outside the filter's range (a blank row between), and adds up the
		// rows of its kind with formulas.
		if v := cell(t, f, sum, "A12"); v != "" {
			t.Errorf("A12 = %q, want the blank row between the files and their totals", v)
		}
		for _, c := range []struct{ ref, want string }{
			{"D13", `SUMIF($B$9:$B$11,"payouts",D$9:D$11)`},
			{"L13", `SUMIF($B$9:$B$11,"payouts",L$9:L$11)`},
		} {
			if got, err := f.GetCellFormula(sum, c.ref); err != nil || got != c.want {
				t.Errorf("formula of %s = %q (%v), want %q", c.ref, got, err, c.want)
			}
		}
		if got := cell(t, f, sum, "A11"); got != "payouts_june.csv" {
			t.Errorf("A11 = %q", got)
		}
	})

	t.Run("ties out per file and in words", func(t *testing.T) {
		for ref, want := range map[string]string{"P9": "Yes", "P10": "Yes", "P11": "NO", "P13": "NO"} {
			if got := cell(t, f, sum, ref); got != want {
				t.Errorf("%s = %q, want %q", ref, got, want)
			}
		}
		if got, want := cell(t, f, sum, "A15"), "Payouts: Rows in 13 = rejected 2 + success 5 + failed 1 + reversed 1 + open 3 — DOES NOT TIE OUT (payouts_june.csv)"; got != want {
			t.Errorf("count line = %q, want %q", got, want)
		}
		if got := cell(t, f, sum, "A16"); !strings.HasPrefix(got, "Payouts: Amount in the files' amounts: in ₹2,51,79,156.28 = rejected ₹1,200.00 + success ₹1,46,956.78") ||
			!strings.HasSuffix(got, "DOES NOT TIE OUT (payouts_june.csv)") {
			t.Errorf("amount line = %q", got)
		}
		if got := cell(t, f, sum, "A18"); !strings.HasPrefix(got, "Which amounts: the ₹ columns above and the conservation lines are in the files' amounts") {
			t.Errorf("which amounts = %q", got)
		}
		gap := "Payouts: 1 success recorded by Enkash at another amount: ₹7,000.00 in the files, ₹7,100.00 at Enkash, difference ₹100.00 (Enkash − files); " +
			"success ₹1,46,956.78 in the files' amounts is ₹1,47,056.78 in Enkash's — see Enkash amount ₹ on the Payouts sheet"
		if got := cell(t, f, sum, "A19"); got != gap {
			t.Errorf("difference line = %q, want %q", got, gap)
		}
		if got := cell(t, f, sum, "A17"); got != "Rows listed on the other sheets: 12 (payouts 12, ₹2,51,74,656.28), as in the buckets above, kind by kind — ties out" {
			t.Errorf("listed line = %q", got)
		}
	})

	t.Run("every item on its sheet", func(t *testing.T) {
		rows := rawRows(t, f, "Payouts")
		want := nonRejected(fx.items)
		if len(rows) != 2+len(want) {
			t.Fatalf("Payouts has %d rows, want 2 + %d items", len(rows), len(want))
		}
		wantHeader := []string{"File", "Line", "Reference", "Beneficiary", "Name sent to Enkash", "Mode", "Amount ₹", "Status", "Enkash status",
			"Enkash txn id", "Batch id", "UTR", "Enkash amount ₹", "Reason"}
		if !slices.Equal(rows[1], wantHeader) {
			t.Errorf("header = %q, want %q", rows[1], wantHeader)
		}
		for i, it := range want {
			if got := rows[2+i][2]; got != it.Reference {
				t.Errorf("row %d reference = %q, want %q", 3+i, got, it.Reference)
			}
		}
		got := rows[4] // PAY-0003
		wantRow := []string{"payouts_may.csv", "4", "PAY-0003", "Meera Iyer", "Meera Iyer", "IMPS", "2500.5", "failed", "FAILED",
			"EKT1003", "B-0001", "", "", "The bank refused the beneficiary account (REJECT_BENEF_ACC)"}
		if !slices.Equal(got, wantRow) {
			t.Errorf("PAY-0003 row = %q, want %q", got, wantRow)
		}
		if v := number(t, f, "Payouts", "M4"); v != 123456.78 {
			t.Errorf("Enkash amount of PAY-0002 = %v", v)
		}
		// The name as written beside the name Enkash received.
		if got := rows[3][3:5]; !slices.Equal(got, []string{"Kiran & Sons Pvt. Ltd.", "Kiran and Sons Pvt Ltd"}) {
			t.Errorf("PAY-0002 names = %q, want as written then as sent", got)
		}
	})

	t.Run("exceptions with actions", func(t *testing.T) {
		rows := rawRows(t, f, "Exceptions")
		if len(rows) != 2+len(fx.exceptions) {
			t.Fatalf("Exceptions has %d rows, want %d", len(rows), 2+len(fx.exceptions))
		}
		wantHeader := []string{"ID", "Status", "Severity", "Age (days)", "Category", "Kind", "File", "Line", "Reference",
			"Expected", "Actual", "Detail", "Action", "Raised at", "Resolved at", "Note"}
		if !slices.Equal(rows[1], wantHeader) {
			t.Errorf("header = %q, want %q", rows[1], wantHeader)
		}
		for i, e := range fx.exceptions {
			r := rows[2+i]
			if r[0] != strconv.FormatInt(e.ID, 10) || r[4] != string(e.Category) || r[8] != e.Reference || r[11] != e.Detail {
				t.Errorf("row %d = %q, want exception %d", 3+i, r, e.ID)
			}
		}
		if got := rows[2][12]; got != domain.CategoryProviderFailed.Action() {
			t.Errorf("provider_failed action = %q", got)
		}
		if got := rows[3][12]; got != domain.CategoryAmountMismatch.Action() {
			t.Errorf("amount_mismatch action = %q", got)
		}
		if got := rows[5][12]; got != domain.CategoryDuplicateFile.Action() || got == "" {
			t.Errorf("duplicate_file action = %q", got)
		}
		if r := rows[3]; r[1] != "Open" || r[2] != "high" || r[3] != "0" {
			t.Errorf("amount_mismatch status, severity, age = %q", r[1:4])
		}
		if r := rows[5]; r[1] != "Resolved" || r[2] != "low" {
			t.Errorf("duplicate_file status, severity = %q", r[1:3])
		}
		if got := number(t, f, "Exceptions", "K4"); got != 7100 {
			t.Errorf("actual amount of BON-02 = %v, want the number 7100", got)
		}
		resolved, err := excelize.ExcelDateToTime(number(t, f, "Exceptions", "O6"), false)
		if err != nil {
			t.Fatal(err)
		}
		if got := resolved.Format("15:04"); got != "11:30" {
			t.Errorf("resolved at = %s, want 11:30", got)
		}
		if got := cell(t, f, "Exceptions", "N3"); got == "" {
			t.Error("raised at is empty")
		}
		if got := numFmt(t, f, "Exceptions", "N3"); got != "dd-mm-yyyy hh:mm" {
			t.Errorf("raised at format = %q", got)
		}
	})

	t.Run("rejected rows with the original row", func(t *testing.T) {
		rows := rawRows(t, f, "Rejected rows")
		want := [][]string{
			{"payouts_may.csv", "5", "PAY-0004", "", "Amount: must be more than zero", "PAY-0004 | Ravi Kumar | 123456789012 | HDFC0001234 | -5 | IMPS"},
			{"payouts_bonus.xlsx", "4", "BON-03", "1200", "Phone: not an Indian mobile number", "BON-03 | Sunil | +9112345 | 1200.00 | UPI"},
		}
		if len(rows) != 2+len(want) {
			t.Fatalf("Rejected rows has %d rows, want %d", len(rows), 2+len(want))
		}
		for i, w := range want {
			if !slices.Equal(rows[2+i], w) {
				t.Errorf("row %d = %q, want %q", 3+i, rows[2+i], w)
			}
		}
	})

	t.Run("number formats", func(t *testing.T) {
		for _, c := range []struct{ sheet, ref, want string }{
			{sum, "J9", indianCrores}, // ₹2,51,28,456.28
			{sum, "J13", indianCrores},
			{sum, "L9", indianRupees}, // ₹1,24,956.78
			{sum, "D9", `[>=10000000]##\,##\,##\,##0;[>=100000]##\,##\,##0;##,##0`},
			{"Payouts", "G3", indianRupees},
			{"Payouts", "M3", indianRupees},
			{"Payouts", "M6", indianRupees}, // PAY-0005, -999.00: its own section, with its minus sign
			{"Rejected rows", "D4", indianRupees},
		} {
			if got := numFmt(t, f, c.sheet, c.ref); got != c.want {
				t.Errorf("format of %s!%s = %q, want %q", c.sheet, c.ref, got, c.want)
			}
		}
		if v := number(t, f, "Payouts", "M6"); v != -999 {
			t.Errorf("negative Enkash amount = %v, want -999", v)
		}
	})

	t.Run("frozen bold header and filter on every table", func(t *testing.T) {
		headerRows := map[string]int{sum: 8, "Payouts": 2, "Exceptions": 2, "Rejected rows": 2}
		for s, hr := range headerRows {
			p, err := f.GetPanes(s)
			if err != nil {
				t.Fatal(err)
			}
			if !p.Freeze || p.YSplit != hr || p.TopLeftCell != "A"+strconv.Itoa(hr+1) {
				t.Errorf("%s panes = %+v, want frozen below row %d", s, p, hr)
			}
			id, err := f.GetCellStyle(s, "A"+strconv.Itoa(hr))
			if err != nil {
				t.Fatal(err)
			}
			st, err := f.GetStyle(id)
			if err != nil {
				t.Fatal(err)
			}
			if st.Font == nil || !st.Font.Bold || len(st.Fill.Color) == 0 {
				t.Errorf("%s header style = %+v, want bold and filled", s, st)
			}
		}
		filters := filterRefs(t, f)
		want := map[string]string{sum: "$A$8:$P$11", "Payouts": "$A$2:$N$12", "Exceptions": "$A$2:$P$6", "Rejected rows": "$A$2:$F$4"}
		for s, ref := range want {
			if got := filters[s]; got != "'"+s+"'!"+ref {
				t.Errorf("filter of %s = %q, want %s", s, got, ref)
			}
		}
	})
}

// filterRefs returns the AutoFilter range of each sheet, from the workbook's defined names,
// after checking that each sheet's XML carries an autoFilter element.
func filterRefs(t *testing.T, f *excelize.File) map[string]string {
	t.Helper()
	refs := map[string]string{}
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm._FilterDatabase" {
			refs[dn.Scope] = dn.RefersTo
		}
	}
	for _, xml := range sheetXML(t, f.Path) {
		if !strings.Contains(xml, "<autoFilter ref=") {
			t.Errorf("a worksheet has no autoFilter element")
		}
	}
	return refs
}

// sheetXML returns the XML of every worksheet in the file at path.
func sheetXML(t *testing.T, path string) []string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var out []string
	for _, zf := range zr.File {
		if !strings.HasPrefix(zf.Name, "xl/worksheets/sheet") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	if len(out) == 0 {
		t.Fatal("no worksheets in the file")
	}
	return out
}

func TestWriteRunWorkbook_FormulaInjection(t *testing.T) {
	evil := []string{`=HYPERLINK("http://evil.example/x","Click")`, "+919876543210", "-5", "@SUM(A1:A9)", "=1+1"}
	item := domain.Item{FileID: 1, File: evil[4], Kind: domain.KindPayouts, Line: 2, Reference: evil[0], Amount: 100,
		Status: domain.StatusSuccess, Payload: payload(t, evil[0], evil[3], evil[2], 100),
		Provider: domain.ProviderState{Status: evil[1], UTR: evil[3], Reason: evil[2]}, Reason: evil[1]}
	rej := domain.Item{FileID: 1, File: evil[4], Kind: domain.KindPayouts, Line: 3, Reference: evil[1],
		Status: domain.StatusRejected, Raw: evil, Reason: evil[0]}
	exc := domain.Exception{Category: domain.CategoryRejectedRow, File: evil[4], Reference: evil[2], Expected: evil[0],
		Actual: evil[1], Detail: evil[3], Note: evil[0]}
	files := []domain.FileSummary{{ID: 1, Name: evil[0], Kind: domain.KindPayouts, Status: evil[3]}}
	f, path := writeWorkbook(t, report.Run{Info: report.RunInfo{ID: 1, Endpoint: "=cmd"}, Files: files,
		Items: seq([]domain.Item{item, rej}, nil), Exceptions: seq([]domain.Exception{exc}, nil)})

	seen := map[string]bool{}
	for _, s := range f.GetSheetList() {
		for r, row := range rawRows(t, f, s) {
			for c, v := range row {
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				formula, err := f.GetCellFormula(s, ref)
				if err != nil {
					t.Fatal(err)
				}
				if formula != "" && (!ourFormula.MatchString(formula) || slices.Contains(evil, v)) {
					t.Errorf("%s!%s has formula %q", s, ref, formula)
				}
				seen[v] = true
				if slices.Contains(evil, v) {
					if typ, _ := f.GetCellType(s, ref); typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
						t.Errorf("%s!%s = %q is not a text cell (type %v)", s, ref, v, typ)
					}
				}
			}
		}
	}
	for _, v := range evil {
		if !seen[v] {
			t.Errorf("%q does not read back as the same text anywhere", v)
		}
	}
	onlyOurFormulas(t, sheetXML(t, path))
}

// ourFormula matches the formulas the workbooks write: the totals of a table's columns and the
// statement's closing balance and difference.
var ourFormula = regexp.MustCompile(`^(SUM\([A-Z]+\d+:[A-Z]+\d+\)|SUMIF\(\$B\$\d+:\$B\$\d+,"[a-z]+",[A-Z]+\$\d+:[A-Z]+\$\d+\)|[A-Z]+\d+([+-][A-Z]+\d+)*)$`)

// onlyOurFormulas checks that every formula element of the worksheets is one of ours.
func onlyOurFormulas(t *testing.T, sheets []string) {
	t.Helper()
	element := regexp.MustCompile(`<f[ >]([^<]*)</f>|<f[^>]*/>`)
	for _, xml := range sheets {
		for _, m := range element.FindAllStringSubmatch(xml, -1) {
			f := strings.ReplaceAll(m[1], "&#34;", `"`)
			f = strings.ReplaceAll(f, "&quot;", `"`)
			if !ourFormula.MatchString(f) {
				t.Errorf("a worksheet holds the formula element %q", m[0])
			}
		}
	}
}

func TestWriteRunWorkbook_Live(t *testing.T) {
	fx := newFixture(t, false)
	f, path := writeWorkbook(t, fx.run)
	if got := cell(t, f, "Summary", "A1"); got != "Enkash batch run #12" {
		t.Errorf("title = %q", got)
	}
	if got := cell(t, f, "Summary", "B2"); got != "Live Enkash" {
		t.Errorf("environment = %q", got)
	}
	for _, xml := range sheetXML(t, path) {
		if strings.Contains(xml, "SANDBOX") {
			t.Error("a live run's workbook says SANDBOX")
		}
	}
}

func TestWriteRunWorkbook_Errors(t *testing.T) {
	t.Run("items error leaves nothing behind", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "run.xlsx")
		if err := os.WriteFile(path, []byte("previous report"), 0o644); err != nil {
			t.Fatal(err)
		}
		fx := newFixture(t, true)
		fx.run.Items = seq(fx.items[:3], errBroken)
		err := report.WriteRunWorkbook(path, fx.run)
		if !errors.Is(err, errBroken) {
			t.Fatalf("err = %v, want the iterator's error", err)
		}
		if b, _ := os.ReadFile(path); string(b) != "previous report" {
			t.Errorf("the previous file was replaced by %d bytes", len(b))
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Errorf("folder holds %d entries, want only the previous report", len(entries))
		}
	})
	t.Run("exceptions error", func(t *testing.T) {
		fx := newFixture(t, true)
		fx.run.Exceptions = seq(fx.exceptions, errBroken)
		if err := report.WriteRunWorkbook(filepath.Join(t.TempDir(), "r.xlsx"), fx.run); !errors.Is(err, errBroken) {
			t.Fatalf("err = %v, want the iterator's error", err)
		}
	})
	t.Run("corrupt payload", func(t *testing.T) {
		fx := newFixture(t, true)
		fx.items[0].Payload = []byte(`{"beneficiary_name":`)
		fx.run.Items = seq(fx.items, nil)
		err := report.WriteRunWorkbook(filepath.Join(t.TempDir(), "r.xlsx"), fx.run)
		if err == nil || !strings.Contains(err.Error(), "PAY-0001") {
			t.Fatalf("err = %v, want one naming the item", err)
		}
	})
	t.Run("missing folder", func(t *testing.T) {
		fx := newFixture(t, true)
		if err := report.WriteRunWorkbook(filepath.Join(t.TempDir(), "nope", "r.xlsx"), fx.run); err == nil {
			t.Fatal("want an error")
		}
	})
}

func TestWriteRunWorkbook_EmptyAndUndeclaredKind(t *testing.T) {
	t.Run("no files, no items", func(t *testing.T) {
		f, _ := writeWorkbook(t, report.Run{Info: report.RunInfo{ID: 3}})
		if got := f.GetSheetList(); !slices.Equal(got, []string{"Summary", "Exceptions", "Rejected rows"}) {
			t.Errorf("sheets = %q", got)
		}
		if got := cell(t, f, "Summary", "A13"); !strings.HasSuffix(got, "ties out") {
			t.Errorf("count line = %q", got)
		}
	})
	t.Run("a kind no file declared gets its sheet before Exceptions", func(t *testing.T) {
		fx := newFixture(t, true)
		extra := domain.Item{File: "rewards.csv", Kind: "rewards", Line: 2, Reference: "RW-1", Amount: 5000, Status: domain.StatusPending}
		fx.run.Items = seq(append(fx.items, extra), nil)
		f, _ := writeWorkbook(t, fx.run)
		want := []string{"Summary", "Payouts", "Rewards", "Exceptions", "Rejected rows"}
		if got := f.GetSheetList(); !slices.Equal(got, want) {
			t.Fatalf("sheets = %q, want %q", got, want)
		}
		if got := cell(t, f, "Rewards", "C3"); got != "RW-1" {
			t.Errorf("Rewards!C3 = %q", got)
		}
		filters := filterRefs(t, f)
		for _, s := range want {
			if !strings.HasPrefix(filters[s], "'"+s+"'!") {
				t.Errorf("filter of %s = %q", s, filters[s])
			}
		}
		if got := cell(t, f, "Summary", "A16"); !strings.Contains(got, "DOES NOT TIE OUT") {
			t.Errorf("listed line = %q, want a mismatch: an item of no file", got)
		}
	})
}

func TestWriteRunWorkbook_Golden(t *testing.T) {
	fx := newFixture(t, true)
	f, _ := writeWorkbook(t, fx.run)
	// One sheet after another, one JSON array of raw cell values per row: easy to review.
	var buf bytes.Buffer
	buf.WriteString(allText(t, f))
	b := buf.Bytes()
	checkGolden(t, "run.golden.txt", b)
}

// firstDiff shows the first line where want and got differ.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n want " + wl + "\n  got " + gl
		}
	}
	return ""
}

// TestWriteRunWorkbook_KindsNeverAdded: a run with payouts and invoices totals each kind on
// its own; the check of the listed rows gives each kind's rupees and never their sum, and
// names the kind whose rows do not tie out.
func TestWriteRunWorkbook_KindsNeverAdded(t *testing.T) {
	build := func(invoiceAmount domain.Paise) report.Run {
		fx := newFixture(t, true)
		inv := domain.Item{FileID: 9, File: "invoices_nov.csv", Kind: domain.KindInvoices, Line: 2, Reference: "INV-1",
			Amount: 1180000, Status: domain.StatusSuccess, Raw: []string{"INV-1"}}
		var tally domain.Tally
		tally.In.Add(invoiceAmount)
		tally.Add(domain.BucketSuccess, invoiceAmount)
		fx.run.Files = append(fx.run.Files, domain.FileSummary{ID: 9, Name: inv.File, Kind: domain.KindInvoices, Status: "accepted", Tally: tally})
		fx.run.Items = seq(append(fx.items, inv), nil)
		return fx.run
	}
	listedLine := func(f *excelize.File) string {
		for _, r := range rawRows(t, f, "Summary") {
			if len(r) > 0 && strings.HasPrefix(r[0], "Rows listed") {
				return r[0]
			}
		}
		t.Fatal("no listed line on the Summary")
		return ""
	}

	f, _ := writeWorkbook(t, build(1180000))
	if got, want := listedLine(f), "Rows listed on the other sheets: 13 (invoices 1, ₹11,800.00; payouts 12, ₹2,51,74,656.28), as in the buckets above, kind by kind — ties out"; got != want {
		t.Errorf("listed line = %q, want %q", got, want)
	}

	// The buckets say ₹1 less for invoices than the sheet lists.
	f, _ = writeWorkbook(t, build(1179900))
	if got := listedLine(f); !strings.HasSuffix(got, "DOES NOT TIE OUT (invoices: the buckets hold 1, ₹11,799.00)") {
		t.Errorf("listed line = %q, want invoices named as not tying out", got)
	}
}

// TestWriteRunWorkbook_SummaryWords: the Summary words amounts with the minus before the
// rupee sign, says nothing in rupees of a kind without amounts (customers), and centres the
// Ties out word of a Total row, clear of the Open ₹ amount beside it.
func TestWriteRunWorkbook_SummaryWords(t *testing.T) {
	fx := newFixture(t, true)
	cust := domain.Item{FileID: 9, File: "customers_nov.csv", Kind: domain.KindCustomers, Line: 2, Reference: "C-1",
		Status: domain.StatusSuccess, Raw: []string{"C-1"}}
	var tally domain.Tally
	tally.In.Add(0)
	tally.Add(domain.BucketSuccess, 0)
	fx.run.Files = append(fx.run.Files, domain.FileSummary{ID: 9, Name: cust.File, Kind: domain.KindCustomers, Status: "accepted", Tally: tally})
	fx.run.Items = seq(append(fx.items, cust), nil)
	f, _ := writeWorkbook(t, fx.run)
	var text []string
	totalRow := 0
	for i, r := range rawRows(t, f, "Summary") {
		if len(r) > 0 {
			text = append(text, r[0])
			if r[0] == "Total customers" {
				totalRow = i + 1
			}
		}
	}
	all := strings.Join(text, "\n")
	if !strings.Contains(all, "Customers: Rows in 1 = ") {
		t.Errorf("no conservation line in rows for customers:\n%s", all)
	}
	if strings.Contains(all, "Customers: Amount in") || strings.Contains(all, "customers 1, ₹") {
		t.Errorf("a sentence in rupees about customers, who have no amounts:\n%s", all)
	}
	if strings.Contains(all, "₹-") {
		t.Errorf("a negative amount worded as ₹-:\n%s", all)
	}
	if totalRow == 0 {
		t.Fatal("no Total customers row")
	}
	ref := fmt.Sprintf("P%d", totalRow)
	if v := cell(t, f, "Summary", ref); v != "Yes" {
		t.Fatalf("%s = %q, want the Ties out word", ref, v)
	}
	id, _ := f.GetCellStyle("Summary", ref)
	if s, err := f.GetStyle(id); err != nil || s.Alignment == nil || s.Alignment.Horizontal != "center" {
		t.Errorf("%s style = %+v (%v), want centred", ref, s, err)
	}
}

// checkGolden compares b with testdata/name, or rewrites the file with -update.
func checkGolden(t *testing.T, name string, b []byte) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("cell values differ from %s (run with -update if the change is intended):\n%s", golden, firstDiff(string(want), string(b)))
	}
}
