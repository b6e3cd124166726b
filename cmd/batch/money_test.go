package main

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
	"enkashbatch/enkash/sandbox"
)

// sheetRows reads every row of a sheet of the workbook at path as text.
func sheetRows(t *testing.T, path, sheet string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("%s of %s: %v", sheet, path, err)
	}
	return rows
}

// rowStarting returns the first row whose first cell starts with prefix.
func rowStarting(t *testing.T, rows [][]string, prefix string) []string {
	t.Helper()
	for _, r := range rows {
		if len(r) > 0 && strings.HasPrefix(r[0], prefix) {
			return r
		}
	}
	t.Fatalf("no row starts with %q", prefix)
	return nil
}

// paiseOf reads a rupee cell (a number) or a sandbox amount ("1250.50") as paise.
func paiseOf(t *testing.T, s string) domain.Paise {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("amount %q: %v", s, err)
	}
	if v < 0 {
		return domain.Paise(v*100 - 0.5)
	}
	return domain.Paise(v*100 + 0.5)
}

// TestRun_FetchedBillsInEnkashAmounts: a bill with no amount in the file is fetched from the
// biller and paid at the biller's amount. The amount Enkash debited is recorded (the Enkash
// amount ₹ of the Bills sheet is what reached the sandbox), no amount_mismatch is raised for
// it, the conservation line still ties in the files' amounts, and the Summary's bridge carries
// the fetched bills from the files' success (₹0.00 for them) to Enkash's amounts.
func TestRun_FetchedBillsInEnkashAmounts(t *testing.T) {
	b := setup(t, "")
	_, out := b.billsRun(t)
	if !out.TiesOut {
		t.Fatalf("conservation line does not tie out: %+v", out.Total)
	}
	for _, e := range out.Exceptions {
		if e.Kind == domain.KindBills && e.Category == domain.CategoryAmountMismatch {
			t.Errorf("amount_mismatch on %s: %s", e.Reference, e.Detail)
		}
	}
	sent := map[string]domain.Paise{}
	for _, c := range b.calls(t) {
		if c.Kind == sandbox.KindBill {
			sent[c.Reference] = paiseOf(t, c.Amount)
		}
	}

	bills := sheetRows(t, out.Workbook, "Bills")
	header := bills[1]
	col := func(name string) int {
		i := slices.Index(header, name)
		if i < 0 {
			t.Fatalf("Bills sheet has no column %q: %q", name, header)
		}
		return i
	}
	ref, from, status, enkashAmt := col("Reference"), col("Amount from"), col("Status"), col("Enkash amount ₹")
	var fetched domain.Money
	for _, r := range bills[2:] {
		if len(r) <= enkashAmt || r[from] != "biller" || r[status] != string(domain.StatusSuccess) {
			continue
		}
		got := paiseOf(t, r[enkashAmt])
		if want, ok := sent[r[ref]]; !ok || got != want || got <= 0 {
			t.Errorf("%s: Enkash amount ₹ %s, the sandbox recorded %v (sent %v)", r[ref], r[enkashAmt], want, ok)
		}
		fetched.Add(got)
	}
	if fetched.Count == 0 {
		t.Fatal("no bill fetched from the biller succeeded: the samples should hold some")
	}

	sum := sheetRows(t, out.Workbook, "Summary")
	// The bills' bridge: the rows after its heading.
	var bridge [][]string
	for i, r := range sum {
		if len(r) > 0 && strings.HasPrefix(r[0], "Bills: from the files' amounts to Enkash's") {
			bridge = sum[i+1 : min(i+5, len(sum))]
		}
	}
	set := rowStarting(t, bridge, "+ amounts Enkash set where the file gave none")
	if len(set) < 10 || set[8] != strconv.Itoa(fetched.Count) || paiseOf(t, set[9]) != fetched.Paise {
		t.Errorf("bridge row %q; want %d bills, ₹%s", set, fetched.Count, fetched.Paise.Rupees())
	}
	var tally domain.Tally
	for _, f := range out.Files {
		if f.Kind == domain.KindBills {
			tally.Merge(f.Tally)
		}
	}
	// The "=" row: the files' success plus what Enkash set.
	enkashRow := rowStarting(t, bridge, "= Success ₹ in Enkash's amounts")
	if len(enkashRow) < 10 || paiseOf(t, enkashRow[9]) != tally.Success.Paise+fetched.Paise {
		t.Errorf("bills in Enkash's amounts %q; want ₹%s (files' ₹%s + set by Enkash ₹%s)", enkashRow,
			(tally.Success.Paise + fetched.Paise).Rupees(), tally.Success.Paise.Rupees(), fetched.Paise.Rupees())
	}
	line := rowStarting(t, sum, "Bills: "+strconv.Itoa(fetched.Count)+" successes at the amount Enkash set")
	if !strings.Contains(line[0], "₹"+fetched.Paise.Rupees()) {
		t.Errorf("which-amounts line %q does not give ₹%s", line[0], fetched.Paise.Rupees())
	}

	// The daily workbook bridges the same bills, and the statement for payouts.
	_, stdout, stderr := b.run(t, "reconcile", "--home", b.home, "--json")
	var rec struct {
		Workbook string `json:"workbook"`
	}
	if err := json.Unmarshal([]byte(stdout), &rec); err != nil || rec.Workbook == "" {
		t.Fatalf("reconcile output: %v\n%s\n%s", err, stdout, stderr)
	}
	daily := sheetRows(t, rec.Workbook, "Summary")
	for i, r := range daily {
		if len(r) > 0 && strings.HasPrefix(r[0], "Bills: from the files' amounts to Enkash's") {
			bridge = daily[i+1 : min(i+5, len(daily))]
		}
	}
	if set := rowStarting(t, bridge, "+ amounts Enkash set where the file gave none"); len(set) < 10 || paiseOf(t, set[9]) != fetched.Paise {
		t.Errorf("daily bridge row %q; want ₹%s", set, fetched.Paise.Rupees())
	}
	rowStarting(t, daily, "= the statement's debits")
	// A clean sandbox debits every payout at its amount: the bridge ties.
	if l := rowStarting(t, daily, "Payouts: statement debits matched ₹"); !strings.HasSuffix(l[0], "— ties out") {
		t.Errorf("statement side of the bridge: %q", l[0])
	}
}
