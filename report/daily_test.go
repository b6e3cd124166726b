package report_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
	"enkashbatch/report"
)

// writeDaily writes d to a fresh folder and opens the workbook.
func writeDaily(t *testing.T, d report.Daily) (*excelize.File, report.DailyFiles) {
	t.Helper()
	paths := report.DailyPaths(filepath.Join(t.TempDir(), "daily-2026-05-01.xlsx"))
	if err := report.WriteDailyWorkbook(paths.Workbook, d); err != nil {
		t.Fatalf("WriteDailyWorkbook: %v", err)
	}
	f, err := excelize.OpenFile(paths.Workbook)
	if err != nil {
		t.Fatalf("open written workbook: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f, paths
}

// findRow returns the 1-based number of the first row of sheet whose column A is a, or fails.
func findRow(t *testing.T, f *excelize.File, sheet, a string) int {
	t.Helper()
	for i, r := range rawRows(t, f, sheet) {
		if len(r) > 0 && r[0] == a {
			return i + 1
		}
	}
	t.Fatalf("%s has no row starting %q", sheet, a)
	return 0
}

// zipEntry returns the content of name in the zip at path, and whether it is there.
func zipEntry(t *testing.T, path, name string) (string, bool) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, zf := range zr.File {
		if zf.Name != name {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		var b bytes.Buffer
		if _, err := b.ReadFrom(rc); err != nil {
			t.Fatal(err)
		}
		return b.String(), true
	}
	return "", false
}

// readCSV returns the records of the CSV file at path.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

func TestWriteDailyWorkbook(t *testing.T) {
	fx := newDailyFixture(t)
	f, paths := writeDaily(t, fx.daily)
	const sum = "Summary"

	t.Run("sheets in order, summary active, SANDBOX everywhere", func(t *testing.T) {
		want := []string{"Summary", "Exceptions", "Matched", "Invoices", "Payouts", "Audit"}
		if got := f.GetSheetList(); !slices.Equal(got, want) {
			t.Fatalf("sheets = %q, want %q", got, want)
		}
		if got := f.GetActiveSheetIndex(); got != 0 {
			t.Errorf("active sheet = %d", got)
		}
		for _, s := range want {
			if v := cell(t, f, s, "A1"); !strings.Contains(v, "Enkash daily reconciliation 01-05-2026") || !strings.Contains(v, "SANDBOX") {
				t.Errorf("%s!A1 = %q", s, v)
			}
		}
		if v := cell(t, f, sum, "B3"); v != "http://127.0.0.1:8089/" {
			t.Errorf("endpoint = %q, want it without credentials", v)
		}
		day, err := excelize.ExcelDateToTime(number(t, f, sum, "B4"), false)
		if err != nil {
			t.Fatal(err)
		}
		if day.Format("02-01-2006 15:04") != "01-05-2026 00:00" || numFmt(t, f, sum, "B4") != "dd-mm-yyyy" {
			t.Errorf("day = %v in %q, want the date 01-05-2026", day, numFmt(t, f, sum, "B4"))
		}
	})

	t.Run("per kind lines", func(t *testing.T) {
		want := map[string][]float64{ // files, then rows in, rejected, success, failed, reversed, open; then rupees
			"9":  {3, 12, 2, 5, 1, 1, 3, 25174656.28, 1200, 146956.78, 2500.5, 999, 25023000},
			"10": {1, 4, 1, 1, 1, 0, 1, 14890, 0, 11800, 590, 0, 2500},
			"11": {4, 16, 3, 6, 2, 1, 4}, // the total of kinds: counts only, rupees of kinds are not added
		}
		for row, vals := range want {
			refs := append([]string{"B" + row}, func() (r []string) {
				for c := 'D'; c <= 'O'; c++ {
					r = append(r, string(c)+row)
				}
				return r
			}()...)
			for i, w := range vals {
				if got := number(t, f, sum, refs[i]); got != w {
					t.Errorf("%s = %v, want %v", refs[i], got, w)
				}
			}
		}
		for ref, want := range map[string]string{"A9": "payouts", "C9": "Payouts", "A10": "invoices", "A11": "Total", "P9": "Yes", "P11": "Yes"} {
			if got := cell(t, f, sum, ref); got != want {
				t.Errorf("%s = %q, want %q", ref, got, want)
			}
		}
		if got := numFmt(t, f, sum, "J9"); got != indianCrores {
			t.Errorf("rupee format = %q", got)
		}
	})

	t.Run("checks in words", func(t *testing.T) {
		for _, want := range []string{
			"Rows in 16 = rejected 3 + success 6 + failed 2 + reversed 1 + open 4 — ties out",
			"Payouts: Amount in the files' amounts: in ₹2,51,74,656.28 = rejected ₹1,200.00 + success ₹1,46,956.78 + failed ₹2,500.50 + reversed ₹999.00 + open ₹2,50,23,000.00 — ties out",
			"Invoices: Amount in the files' amounts: in ₹14,890.00 = rejected ₹0.00 + success ₹11,800.00 + failed ₹590.00 + reversed ₹0.00 + open ₹2,500.00 — ties out",
			"Rows listed on the kind sheets: 16 (invoices 4, ₹14,890.00; payouts 12, ₹2,51,74,656.28), as in the buckets above, kind by kind and status by status — ties out",
			"Open exceptions: 4 (high 2, medium 1, low 1); resolved: 1 — see Exceptions",
			"Matched with Enkash: 5 (by reference 4, by amount+date within 1 day 1) — see Matched",
			"Opening − debits + credits = closing: ties with Enkash's balance",
			"Lines: 9; matched or accounted for 8; unmatched 1 (see Exceptions)",
		} {
			findRow(t, f, sum, want)
		}
	})

	t.Run("statement check", func(t *testing.T) {
		s := fx.daily.Statement
		want := map[string]domain.Paise{
			"Opening balance": s.Opening, "− Debits (8 lines)": s.Debits, "+ Credits (1 line)": s.Credits,
			"= Closing balance, computed": s.Closing(), "Enkash's balance": s.Balance, "Difference (Enkash − computed)": 0,
		}
		for label, p := range want {
			r := findRow(t, f, sum, label)
			if got := number(t, f, sum, "B"+strconv.Itoa(r)); got != p.Float() {
				t.Errorf("%s = %v, want %v", label, got, p.Float())
			}
		}
	})

	t.Run("chart of outcomes by kind", func(t *testing.T) {
		xml, ok := zipEntry(t, paths.Workbook, "xl/charts/chart1.xml")
		if !ok {
			t.Fatal("no xl/charts/chart1.xml in the workbook")
		}
		for _, want := range []string{"<barChart>", "Summary!$F$8", "Summary!$A$9:$A$10", "Summary!$F$9:$F$10",
			"Summary!$G$9:$G$10", "Summary!$H$9:$H$10", "Summary!$I$9:$I$10", "Summary!$E$9:$E$10", "Outcomes by kind"} {
			if !strings.Contains(xml, want) {
				t.Errorf("chart1.xml lacks %q", want)
			}
		}
		sheet, _ := zipEntry(t, paths.Workbook, "xl/worksheets/sheet1.xml")
		if !strings.Contains(sheet, "<drawing ") {
			t.Error("the Summary sheet does not place its drawing")
		}
	})

	t.Run("exceptions open first with severity, age and action", func(t *testing.T) {
		rows := rawRows(t, f, "Exceptions")
		if len(rows) != 2+len(fx.exceptions) {
			t.Fatalf("Exceptions has %d rows, want %d", len(rows), 2+len(fx.exceptions))
		}
		wantHeader := []string{"ID", "Status", "Severity", "Age (days)", "Category", "Kind", "File", "Line", "Reference",
			"Expected", "Actual", "Detail", "Action", "Raised at", "Resolved at", "Note"}
		if !slices.Equal(rows[1], wantHeader) {
			t.Errorf("header = %q", rows[1])
		}
		for i, e := range fx.exceptions {
			r := rows[2+i]
			if r[0] != strconv.FormatInt(e.ID, 10) || r[4] != string(e.Category) || r[8] != e.Reference {
				t.Errorf("row %d = %q, want exception %d", 3+i, r, e.ID)
			}
		}
		first := rows[2]
		if first[1] != "Open" || first[2] != "high" || first[3] != "3" ||
			first[12] != "Stop and compare with Enkash's statement: Enkash paid ₹100.00 more than the file" {
			t.Errorf("first exception = %q", first)
		}
		// Expected and Actual amounts are numbers, in the rupee format; words stay words.
		if got := number(t, f, "Exceptions", "J3"); got != 7000 {
			t.Errorf("expected amount = %v, want 7000", got)
		}
		if got := number(t, f, "Exceptions", "K3"); got != 7100 {
			t.Errorf("actual amount = %v, want 7100", got)
		}
		if got := numFmt(t, f, "Exceptions", "K3"); got != indianRupees {
			t.Errorf("actual amount format = %q", got)
		}
		if got := rows[4][9]; got != "SUCCESS" {
			t.Errorf("expected status = %q", got)
		}
		if got := rows[3][12]; got != domain.CategoryUnknownAtProvider.Action() || got == "" {
			t.Errorf("default action = %q", got)
		}
		if got := rows[4][15]; got != "asked Meera for a new account" {
			t.Errorf("owner note = %q", got)
		}
		if got := rows[4][1]; got != "Reopened (2x)" {
			t.Errorf("status of a reopened exception = %q", got)
		}
		if last := rows[6]; last[1] != "Resolved" || last[3] != "0" {
			t.Errorf("resolved exception = %q", last)
		}
		if got := numFmt(t, f, "Exceptions", "N3"); got != "dd-mm-yyyy hh:mm" {
			t.Errorf("raised at format = %q", got)
		}
	})

	t.Run("matched with basis", func(t *testing.T) {
		rows := rawRows(t, f, "Matched")
		if len(rows) != 2+len(fx.matched) {
			t.Fatalf("Matched has %d rows", len(rows))
		}
		want := []string{"payouts", "JUN-01", "payouts_june.csv", "10000", "N123", "46144", "DEBIT", "10000", "NEFT", "amount+date within 1 day"}
		if !slices.Equal(rows[5], want) {
			t.Errorf("JUN-01 = %q, want %q", rows[5], want)
		}
		if got := numFmt(t, f, "Matched", "F3"); got != "dd-mm-yyyy" {
			t.Errorf("line date format = %q", got)
		}
	})

	t.Run("a sheet per kind with every item, rejected ones too", func(t *testing.T) {
		for kind, sheet := range map[domain.Kind]string{domain.KindPayouts: "Payouts", kindInvoices: "Invoices"} {
			var refs []string
			for _, it := range fx.items {
				if it.Kind == kind {
					refs = append(refs, it.Reference)
				}
			}
			rows := rawRows(t, f, sheet)
			var got []string
			for _, r := range rows[2:] {
				got = append(got, r[2])
			}
			if !slices.Equal(got, refs) {
				t.Errorf("%s lists %q, want %q", sheet, got, refs)
			}
		}
	})

	t.Run("audit", func(t *testing.T) {
		rows := rawRows(t, f, "Audit")
		if len(rows) != 5 {
			t.Fatalf("Audit has %d rows", len(rows))
		}
		// 42 minutes 17 seconds, as a fraction of a day.
		if got := number(t, f, "Audit", "E3"); math.Abs(got-(42*60+17)/86400.0) > 1e-9 {
			t.Errorf("duration = %v", got)
		}
		if got := numFmt(t, f, "Audit", "E3"); got != "[h]:mm:ss" {
			t.Errorf("duration format = %q", got)
		}
		if got := rows[4][3]; got != "not finished" {
			t.Errorf("unfinished run = %q", got)
		}
	})

	t.Run("frozen headers, filters, print titles", func(t *testing.T) {
		headerRows := map[string]int{sum: 8, "Exceptions": 2, "Matched": 2, "Payouts": 2, "Invoices": 2, "Audit": 2}
		for s, hr := range headerRows {
			p, err := f.GetPanes(s)
			if err != nil {
				t.Fatal(err)
			}
			if !p.Freeze || p.YSplit != hr {
				t.Errorf("%s panes = %+v, want frozen below row %d", s, p, hr)
			}
		}
		filters := filterRefs(t, f)
		fileHeader := findRow(t, f, sum, "File")
		// The files' Total row is outside the filter, a blank row below it, and adds up.
		total := strconv.Itoa(fileHeader + 6)
		if got := cell(t, f, sum, "C"+total); got != "4 files" {
			t.Errorf("C%s = %q, want the files' Total row", total, got)
		}
		if got, _ := f.GetCellFormula(sum, "D"+total); got != fmt.Sprintf("SUM(D%d:D%d)", fileHeader+1, fileHeader+4) {
			t.Errorf("formula of D%s = %q", total, got)
		}
		findRow(t, f, sum, "Payouts: 1 success recorded by Enkash at another amount: ₹7,000.00 in the files, ₹7,100.00 at Enkash, difference ₹100.00 (Enkash − files); "+
			"success ₹1,46,956.78 in the files' amounts is ₹1,47,056.78 in Enkash's — see Enkash amount ₹ on the Payouts sheet")
		want := map[string]string{
			sum:          fmt.Sprintf("$A$%d:$P$%d", fileHeader, fileHeader+4),
			"Exceptions": "$A$2:$P$7", "Matched": "$A$2:$J$7", "Payouts": "$A$2:$N$14", "Invoices": "$A$2:$N$6", "Audit": "$A$2:$J$5",
		}
		for s, ref := range want {
			if got := filters[s]; got != "'"+s+"'!"+ref {
				t.Errorf("filter of %s = %q, want %s", s, got, ref)
			}
		}
		titles := map[string]string{}
		for _, dn := range f.GetDefinedName() {
			if dn.Name == "_xlnm.Print_Titles" {
				titles[dn.Scope] = dn.RefersTo
			}
		}
		for _, s := range []string{"Matched", "Audit"} {
			if titles[s] != "'"+s+"'!$1:$2" {
				t.Errorf("print titles of %s = %q", s, titles[s])
			}
		}
		// Sheets too wide to fit the page at a readable size print across pages, at 80%, with
		// their title rows and first column on every page.
		for _, s := range []string{"Exceptions", "Payouts", "Invoices"} {
			if want := "'" + s + "'!$A:$A,'" + s + "'!$1:$2"; titles[s] != want {
				t.Errorf("print titles of %s = %q, want %q", s, titles[s], want)
			}
			layout, err := f.GetPageLayout(s)
			if err != nil {
				t.Fatal(err)
			}
			if layout.AdjustTo == nil || *layout.AdjustTo != 80 || *layout.Orientation != "landscape" || *layout.Size != 9 {
				t.Errorf("page layout of %s = %+v, want A4 landscape at 80%%", s, layout)
			}
			props, err := f.GetSheetProps(s)
			if err != nil {
				t.Fatal(err)
			}
			if props.FitToPage == nil || *props.FitToPage {
				t.Errorf("%s is fitted to the page: its text would shrink below 70%%", s)
			}
		}
		layout, err := f.GetPageLayout("Audit")
		if err != nil {
			t.Fatal(err)
		}
		if layout.Orientation == nil || *layout.Orientation != "landscape" || layout.FitToWidth == nil || *layout.FitToWidth != 1 {
			t.Errorf("page layout = %+v", layout)
		}
	})

	t.Run("twins", func(t *testing.T) {
		var sj struct {
			Date      string `json:"date"`
			Sandbox   bool   `json:"sandbox"`
			Endpoint  string `json:"endpoint"`
			Statement struct {
				Ties    bool         `json:"ties"`
				Closing domain.Paise `json:"closing"`
			} `json:"statement"`
			Kinds []struct {
				Kind  domain.Kind  `json:"kind"`
				Tally domain.Tally `json:"tally"`
			} `json:"kinds"`
			Exceptions []struct {
				ID       int64  `json:"id"`
				Status   string `json:"status"`
				Severity string `json:"severity"`
				AgeDays  *int   `json:"age_days"`
				Action   string `json:"action"`
			} `json:"exceptions"`
			Open   int                          `json:"open_exceptions"`
			Checks map[string]struct{ OK bool } `json:"checks"`
			Runs   []struct {
				ID int64 `json:"id"`
			} `json:"runs"`
		}
		b, err := os.ReadFile(paths.Summary)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &sj); err != nil {
			t.Fatalf("summary json: %v\n%s", err, b)
		}
		if sj.Date != "2026-05-01" || !sj.Sandbox || sj.Endpoint != "http://127.0.0.1:8089/" || !sj.Statement.Ties ||
			sj.Statement.Closing != fx.daily.Statement.Closing() || len(sj.Kinds) != 2 || sj.Kinds[0].Tally != fx.daily.Kinds[0].Tally ||
			sj.Open != 4 || len(sj.Runs) != 3 {
			t.Errorf("summary json = %+v", sj)
		}
		if len(sj.Exceptions) != 5 || sj.Exceptions[0].ID != 2 || sj.Exceptions[0].Severity != "high" ||
			*sj.Exceptions[0].AgeDays != 3 || sj.Exceptions[4].Status != "resolved" || sj.Exceptions[1].Action == "" {
			t.Errorf("summary json exceptions = %+v", sj.Exceptions)
		}
		for _, c := range []string{"rows", "amount", "listed", "statement"} {
			if !sj.Checks[c].OK {
				t.Errorf("check %s = %+v", c, sj.Checks[c])
			}
		}
		if recs := readCSV(t, paths.Items); len(recs) != 1+len(fx.items) || recs[3][3] != "PAY-0003" || recs[3][4] != "2500.50" {
			t.Errorf("items csv: %d records, %q", len(recs), recs[3])
		}
		if recs := readCSV(t, paths.Exceptions); len(recs) != 1+len(fx.exceptions) || recs[1][0] != "2" {
			t.Errorf("exceptions csv: %q", recs)
		}
		if recs := readCSV(t, paths.Matched); len(recs) != 1+len(fx.matched) || recs[4][9] != "amount+date within 1 day" {
			t.Errorf("matched csv: %q", recs)
		}
	})
}

func TestWriteDailyWorkbook_StatementDoesNotTie(t *testing.T) {
	fx := newDailyFixture(t)
	fx.daily.Statement.Balance -= 25000 // ₹250 short: a fee nobody booked
	f, paths := writeDaily(t, fx.daily)
	r := findRow(t, f, "Summary", "Opening − debits + credits = closing: DOES NOT TIE (difference −₹250.00)")
	if got := number(t, f, "Summary", "B"+strconv.Itoa(r-1)); got != -250 {
		t.Errorf("difference = %v, want -250", got)
	}
	b, err := os.ReadFile(paths.Summary)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"difference":-25000,"ties":false`)) || !bytes.Contains(b, []byte(`"statement":{"ok":false`)) {
		t.Errorf("summary json does not say the statement does not tie:\n%s", b)
	}

	fx = newDailyFixture(t)
	fx.daily.Statement = report.StatementCheck{}
	f, _ = writeDaily(t, fx.daily)
	findRow(t, f, "Summary", "Not checked: no statement of the payout account was read for this day")
}

func TestWriteDailyWorkbook_DoesNotTieOut(t *testing.T) {
	fx := newDailyFixture(t)
	fx.daily.Kinds[1].Tally.In.Add(10000)      // invoices: a row in that no bucket holds
	fx.daily.Kinds[0].Tally.Success.Paise += 1 // payouts: one paisa more than the sheet lists
	fx.daily.Kinds[0].Tally.In.Paise += 1      // (and still conserved)
	f, _ := writeDaily(t, fx.daily)
	findRow(t, f, "Summary", "Rows in 17 = rejected 3 + success 6 + failed 2 + reversed 1 + open 4 — DOES NOT TIE OUT (invoices)")
	r := rawRows(t, f, "Summary")
	var listed string
	for _, row := range r {
		if len(row) > 0 && strings.HasPrefix(row[0], "Rows listed on the kind sheets") {
			listed = row[0]
		}
	}
	if want := "Rows listed on the kind sheets: 16 (invoices 4, ₹14,890.00; payouts 12, ₹2,51,74,656.28) — DOES NOT TIE OUT (payouts: the buckets hold 12, ₹2,51,74,656.29)"; listed != want {
		t.Errorf("listed line = %q, want %q", listed, want)
	}
	if got := cell(t, f, "Summary", "P10"); got != "NO" {
		t.Errorf("invoices ties out = %q", got)
	}
}

// TestWriteDailyWorkbook_DetailSheetsAddUp writes a day of many items of three kinds in every
// status and checks, to the paisa, that the kind sheets add up to the Summary's lines.
func TestWriteDailyWorkbook_DetailSheetsAddUp(t *testing.T) {
	kinds := []domain.Kind{domain.KindPayouts, kindInvoices, "bills"}
	statuses := []domain.Status{domain.StatusSuccess, domain.StatusFailed, domain.StatusReversed, domain.StatusRejected,
		domain.StatusPending, domain.StatusUnknown, domain.StatusSubmitted}
	var items []domain.Item
	sums := make([]report.KindSummary, len(kinds))
	for i := range 3000 {
		k := i % len(kinds)
		// Amounts with every paisa digit, some in crores.
		amount := domain.Paise(int64(i)*7919%100_000_00 + int64(i%97) + 1)
		if i%500 == 0 {
			amount += 3_00_00_000_00
		}
		it := domain.Item{FileID: int64(k + 1), File: string(kinds[k]) + ".csv", Kind: kinds[k], Line: i + 2,
			Reference: fmt.Sprintf("R-%05d", i), Amount: amount, Status: statuses[(i/3)%len(statuses)]}
		if kinds[k] == domain.KindPayouts {
			it.Payload = payload(t, it.Reference, "Payee", "NEFT", amount)
		}
		items = append(items, it)
		sums[k].Kind = kinds[k]
		sums[k].Tally.In.Add(amount)
		sums[k].Tally.Add(it.Status.Bucket(), amount)
	}
	f, paths := writeDaily(t, report.Daily{Date: at(0, 0), Location: ist, GeneratedAt: at(23, 0), Kinds: sums, Items: seq(items, nil)})

	toPaise := func(s string) domain.Paise {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("amount %q: %v", s, err)
		}
		return domain.Paise(math.Round(v * 100))
	}
	buckets := []domain.Bucket{domain.BucketRejected, domain.BucketSuccess, domain.BucketFailed, domain.BucketReversed, domain.BucketOpen}
	for i, k := range kinds {
		sheet := rawRows(t, f, strings.ToUpper(string(k[:1]))+string(k[1:]))
		amountCol := slices.Index(sheet[1], "Amount ₹")
		statusCol := slices.Index(sheet[1], "Status")
		var listed domain.Tally
		for _, r := range sheet[2:] {
			p := toPaise(r[amountCol])
			listed.In.Add(p)
			listed.Add(domain.Status(r[statusCol]).Bucket(), p)
		}
		row := strconv.Itoa(9 + i)
		summary := func(col rune) string { return cell(t, f, "Summary", string(col)+row) }
		if got := summary('A'); got != string(k) {
			t.Fatalf("Summary!A%s = %q, want %s", row, got, k)
		}
		if n, _ := strconv.Atoi(summary('D')); n != listed.In.Count || toPaise(summary('J')) != listed.In.Paise {
			t.Errorf("%s: Summary says %s rows, ₹%s; the sheet lists %d, %d paise", k, summary('D'), summary('J'), listed.In.Count, listed.In.Paise)
		}
		for j, b := range buckets {
			want := *listed.Bucket(b)
			n, _ := strconv.Atoi(summary(rune('E' + j)))
			if n != want.Count || toPaise(summary(rune('K'+j))) != want.Paise {
				t.Errorf("%s %s: Summary says %s rows, %s; the sheet lists %d rows, %d paise",
					k, b, summary(rune('E'+j)), summary(rune('K'+j)), want.Count, want.Paise)
			}
		}
	}
	// The items CSV adds up too, from its exact decimal amounts.
	var csvTotal domain.Paise
	for _, r := range readCSV(t, paths.Items)[1:] {
		csvTotal += toPaise(r[4])
	}
	var want domain.Paise
	for _, s := range sums {
		want += s.Tally.In.Paise
	}
	if csvTotal != want {
		t.Errorf("items csv totals %d paise, want %d", csvTotal, want)
	}
	// The listed line gives each kind's rupees, in processing order, never their sum.
	var each []string
	for _, k := range domain.Kinds {
		if i := slices.Index(kinds, k); i >= 0 {
			each = append(each, fmt.Sprintf("%s %d, ₹%s", k, sums[i].Tally.In.Count, sums[i].Tally.In.Paise.Rupees()))
		}
	}
	findRow(t, f, "Summary", "Rows listed on the kind sheets: 3000 ("+strings.Join(each, "; ")+"), as in the buckets above, kind by kind and status by status — ties out")
}

func TestWriteDailyWorkbook_FormulaInjection(t *testing.T) {
	evil := []string{`=HYPERLINK("http://evil.example/x","Click")`, "+919876543210", "-5", "@SUM(A1:A9)", "=1+1"}
	item := domain.Item{FileID: 1, File: evil[4], Kind: domain.KindPayouts, Line: 2, Reference: evil[0], Amount: 100,
		Status: domain.StatusSuccess, Payload: payload(t, evil[0], evil[3], evil[2], 100),
		Provider: domain.ProviderState{Status: evil[1], UTR: evil[3], Reason: evil[2]}, Reason: evil[1]}
	exc := report.ExceptionRow{Action: evil[3], Exception: domain.Exception{Category: domain.CategoryRejectedRow,
		File: evil[4], Reference: evil[2], Expected: evil[0], Actual: evil[1], Detail: evil[3], Note: evil[0], CreatedAt: at(9, 0)}}
	match := report.MatchRow{Kind: domain.KindPayouts, Reference: evil[0], File: evil[1], LineID: evil[2], LineType: evil[3],
		Remarks: evil[4], Basis: evil[0]}
	run := report.AuditRun{ID: 1, Command: evil[0], Outcome: evil[3], Detail: evil[4], StartedAt: at(9, 0)}
	d := report.Daily{Date: at(0, 0), Location: ist, Endpoint: "=cmd", GeneratedAt: at(12, 0),
		Kinds: []report.KindSummary{{Kind: domain.KindPayouts}}, Files: []domain.FileSummary{{ID: 1, Name: evil[0], Kind: domain.KindPayouts, Status: evil[3]}},
		Items: seq([]domain.Item{item}, nil), Exceptions: seq([]report.ExceptionRow{exc}, nil),
		Matched: seq([]report.MatchRow{match}, nil), Runs: []report.AuditRun{run}}
	f, paths := writeDaily(t, d)

	seen := map[string]bool{}
	for _, s := range f.GetSheetList() {
		for r, row := range rawRows(t, f, s) {
			for c, v := range row {
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if formula, err := f.GetCellFormula(s, ref); err != nil || formula != "" && (!ourFormula.MatchString(formula) || slices.Contains(evil, v)) {
					t.Errorf("%s!%s has formula %q (%v)", s, ref, formula, err)
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
	onlyOurFormulas(t, sheetXML(t, paths.Workbook))
}

func TestWriteDailyWorkbook_EmptyDay(t *testing.T) {
	f, paths := writeDaily(t, report.Daily{Date: at(0, 0), Location: ist, GeneratedAt: at(23, 0)})
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Summary", "Exceptions", "Matched", "Audit"}) {
		t.Errorf("sheets = %q", got)
	}
	if _, ok := zipEntry(t, paths.Workbook, "xl/charts/chart1.xml"); ok {
		t.Error("a day with no kinds has a chart")
	}
	findRow(t, f, "Summary", "Rows in 0 = rejected 0 + success 0 + failed 0 + reversed 0 + open 0 — ties out")
	b, err := os.ReadFile(paths.Summary)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("summary json: %v\n%s", err, b)
	}
	if ex, ok := v["exceptions"].([]any); !ok || len(ex) != 0 {
		t.Errorf("exceptions = %#v, want an empty list", v["exceptions"])
	}
}

func TestWriteDailyWorkbook_Errors(t *testing.T) {
	cases := map[string]func(*report.Daily){
		"items": func(d *report.Daily) {
			d.Items = seq([]domain.Item{{Kind: domain.KindPayouts, Reference: "X"}}, errBroken)
		},
		"exceptions": func(d *report.Daily) { d.Exceptions = seq[report.ExceptionRow](nil, errBroken) },
		"matched":    func(d *report.Daily) { d.Matched = seq[report.MatchRow](nil, errBroken) },
	}
	for name, breakIt := range cases {
		t.Run(name+" error leaves nothing behind", func(t *testing.T) {
			dir := t.TempDir()
			paths := report.DailyPaths(filepath.Join(dir, "daily.xlsx"))
			if err := os.WriteFile(paths.Workbook, []byte("previous report"), 0o644); err != nil {
				t.Fatal(err)
			}
			fx := newDailyFixture(t)
			breakIt(&fx.daily)
			if err := report.WriteDailyWorkbook(paths.Workbook, fx.daily); !errors.Is(err, errBroken) {
				t.Fatalf("err = %v, want the iterator's error", err)
			}
			if b, _ := os.ReadFile(paths.Workbook); string(b) != "previous report" {
				t.Errorf("the previous workbook was replaced by %d bytes", len(b))
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("folder holds %d entries, want only the previous report", len(entries))
			}
		})
	}
	t.Run("not xlsx", func(t *testing.T) {
		if err := report.WriteDailyWorkbook(filepath.Join(t.TempDir(), "daily.csv"), report.Daily{}); err == nil {
			t.Fatal("want an error")
		}
	})
}

// TestWriteDailyWorkbook_StreamsItems checks that the memory a daily workbook needs stops
// growing with its items. excelize's StreamWriter keeps the first 16 MB of a sheet in memory
// before it spills to a temporary file (about 25,000 payout rows), so both sizes are beyond
// that: three times the items may not need more than 1.25 times the peak heap, and no size
// more than 64 MB.
func TestWriteDailyWorkbook_StreamsItems(t *testing.T) {
	if raceEnabled {
		t.Skip("memory is measured without the race detector (make test runs this test again without it): under it, 100k rows take minutes and its shadow memory skews the heap")
	}
	// Collect garbage eagerly, so that the heap measured is what is live, not what is not
	// collected yet.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	small, large := 24_000, 72_000
	peakHeap(t, 500) // warm up: styles, templates, first allocations of the packages
	peakSmall := peakHeap(t, small)
	peakLarge := peakHeap(t, large)
	t.Logf("peak heap: %d items %.1f MB, %d items %.1f MB", small, float64(peakSmall)/1e6, large, float64(peakLarge)/1e6)
	if float64(peakLarge) > 1.25*float64(peakSmall) {
		t.Errorf("peak heap grew from %.1f MB to %.1f MB for three times the items: the items are not streamed",
			float64(peakSmall)/1e6, float64(peakLarge)/1e6)
	}
	if max(peakSmall, peakLarge) > 64<<20 {
		t.Errorf("peak heap %.1f MB, want at most 64 MB", float64(max(peakSmall, peakLarge))/1e6)
	}
}

// peakHeap writes a daily workbook of n payouts made on the fly and returns the peak heap in
// use while it was written.
func peakHeap(t *testing.T, n int) uint64 {
	t.Helper()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	var tally domain.Tally
	for i := range n {
		tally.In.Add(domain.Paise(10000 + i))
		tally.Add(domain.BucketSuccess, domain.Paise(10000+i))
	}
	items := iter.Seq2[domain.Item, error](func(yield func(domain.Item, error) bool) {
		for i := range n {
			ref := fmt.Sprintf("PAY-%07d", i)
			it := domain.Item{File: "big.csv", Kind: domain.KindPayouts, Line: i + 2, Reference: ref, Amount: domain.Paise(10000 + i),
				Status: domain.StatusSuccess, Payload: payload(t, ref, "Beneficiary "+ref, "IMPS", domain.Paise(10000+i)),
				Provider: domain.ProviderState{ProviderID: "EKT" + ref, Status: "SUCCESS", UTR: "UTR" + ref, Amount: domain.Paise(10000 + i)}}
			if !yield(it, nil) {
				return
			}
		}
	})
	path := filepath.Join(t.TempDir(), "big.xlsx")
	err := report.WriteDailyWorkbook(path, report.Daily{Date: at(0, 0), Location: ist, GeneratedAt: at(23, 0),
		Kinds: []report.KindSummary{{Kind: domain.KindPayouts, Files: 1, Tally: tally}}, Items: items})
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return peak.Load() - min(peak.Load(), base.HeapAlloc)
}

func TestWriteDailyWorkbook_Golden(t *testing.T) {
	fx := newDailyFixture(t)
	f, paths := writeDaily(t, fx.daily)
	// Cell values sheet by sheet, one JSON array per row, then the twins as written.
	var buf bytes.Buffer
	buf.WriteString(allText(t, f))
	for _, p := range []string{paths.Summary, paths.Exceptions, paths.Matched, paths.Items} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if p == paths.Summary {
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, b, "", " "); err != nil {
				t.Fatalf("summary json: %v", err)
			}
			b = pretty.Bytes()
		}
		buf.WriteString("file " + strings.TrimPrefix(filepath.Base(p), "daily-2026-05-01") + "\n")
		buf.Write(b)
		if !bytes.HasSuffix(b, []byte("\n")) {
			buf.WriteByte('\n')
		}
	}
	b := buf.Bytes()
	checkGolden(t, "daily.golden.txt", b)
}

// TestWriteDailyWorkbook_CSVTwinsNeutraliseFormulas checks that no value from an input file
// opens as a formula from a CSV twin, while amounts, negative ones too, stay numbers.
func TestWriteDailyWorkbook_CSVTwinsNeutraliseFormulas(t *testing.T) {
	evil := []string{`=cmd|' /C calc'!A0`, `=HYPERLINK("http://evil.example/x","Click")`, "@SUM(A1:A9)",
		"-2+3+cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "\tTAB", "\rCR"}
	item := domain.Item{FileID: 1, File: evil[1], Kind: domain.KindPayouts, Line: 2, Reference: evil[0], Amount: 99900,
		Status: domain.StatusReversed, Provider: domain.ProviderState{Status: evil[2], ProviderID: evil[3], BatchID: evil[4],
			UTR: evil[5], Amount: -99900}, Reason: evil[6]}
	exc := report.ExceptionRow{Action: evil[2], Exception: domain.Exception{ID: 9, Category: domain.CategoryAmountMismatch,
		File: evil[1], Reference: evil[0], Expected: "-250.00", Actual: evil[3], Detail: evil[4], Note: evil[5], CreatedAt: at(9, 0)}}
	match := report.MatchRow{Kind: domain.KindPayouts, Reference: evil[0], File: evil[1], Amount: -99900, LineID: evil[2],
		LineType: evil[3], LineAmount: -99900, Remarks: evil[4], Basis: evil[5]}
	d := report.Daily{Date: at(0, 0), Location: ist, GeneratedAt: at(12, 0),
		Kinds: []report.KindSummary{{Kind: domain.KindPayouts}}, Files: []domain.FileSummary{{ID: 1, Name: evil[1], Kind: domain.KindPayouts}},
		Items: seq([]domain.Item{item}, nil), Exceptions: seq([]report.ExceptionRow{exc}, nil),
		Matched: seq([]report.MatchRow{match}, nil)}
	_, paths := writeDaily(t, d)

	for _, path := range []string{paths.Items, paths.Exceptions, paths.Matched} {
		recs := readCSV(t, path)
		if len(recs) != 2 {
			t.Fatalf("%s: %d records, want a header and one row", path, len(recs))
		}
		for i, v := range recs[1] {
			if v == "" {
				continue
			}
			switch v[0] {
			case '=', '+', '@', '\t', '\r':
				t.Errorf("%s, %s = %q: opens as a formula", filepath.Base(path), recs[0][i], v)
			case '-':
				if _, err := strconv.ParseFloat(v, 64); err != nil {
					t.Errorf("%s, %s = %q: opens as a formula", filepath.Base(path), recs[0][i], v)
				}
			}
		}
	}
	items := readCSV(t, paths.Items)[1]
	want := map[int]string{1: `'=HYPERLINK("http://evil.example/x","Click")`, 3: `'=cmd|' /C calc'!A0`, 4: "999.00",
		7: "'@SUM(A1:A9)", 8: "'-2+3+cmd|' /C calc'!A0", 9: "'+1+cmd|' /C calc'!A0", 10: "'\tTAB", 11: "-999.00", 12: "'\rCR"}
	for i, w := range want {
		if items[i] != w {
			t.Errorf("items csv %s = %q, want %q", itemsHeader(t, paths.Items)[i], items[i], w)
		}
	}
	excs := readCSV(t, paths.Exceptions)[1]
	if excs[0] != "9" || excs[9] != "-250.00" || excs[10] != "'-2+3+cmd|' /C calc'!A0" {
		t.Errorf("exceptions csv id, expected, actual = %q, %q, %q", excs[0], excs[9], excs[10])
	}
	matched := readCSV(t, paths.Matched)[1]
	if matched[3] != "-999.00" || matched[7] != "-999.00" || matched[1] != `'=cmd|' /C calc'!A0` {
		t.Errorf("matched csv amount, line amount, reference = %q, %q, %q", matched[3], matched[7], matched[1])
	}
}

// itemsHeader returns the header of the CSV at path.
func itemsHeader(t *testing.T, path string) []string { return readCSV(t, path)[0] }
