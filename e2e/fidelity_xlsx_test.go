package e2e_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// fidelityCorpus is the folder of workbooks written by LibreOffice, openpyxl and excelize
// for the spreadsheet-fidelity cases (its README says how and what each holds).
const fidelityCorpus = "../parsers/testdata/fidelity"

// fidelityHarness is a setting with an empty inbox: the generated CSV is removed.
func fidelityHarness(t *testing.T) *harness {
	t.Helper()
	h := setup(t, setupOptions{Rows: 1})
	if err := os.Remove(filepath.Join(h.home, "inbox", "payouts", "payouts_e2e.csv")); err != nil {
		t.Fatal(err)
	}
	return h
}

// drop copies workbooks of the corpus into the payouts inbox under the names given
// (corpus file -> inbox name).
func (h *harness) drop(files map[string]string) {
	h.t.Helper()
	for src, name := range files {
		b, err := os.ReadFile(filepath.Join(fidelityCorpus, src))
		if err != nil {
			h.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(h.home, "inbox", "payouts", name), b, 0o644); err != nil {
			h.t.Fatal(err)
		}
	}
}

// assertSent checks that exactly the references of want reached the sandbox, each created
// once, never as a duplicate, with the amount given.
func (h *harness) assertSent(want map[string]string) {
	h.t.Helper()
	got := h.payoutCalls()
	var refs []string
	for ref := range got {
		refs = append(refs, ref)
	}
	sort.Strings(refs)
	if len(got) != len(want) {
		h.t.Errorf("the sandbox received %d payouts %v; want %d", len(got), refs, len(want))
	}
	for ref, amount := range want {
		c, ok := got[ref]
		switch {
		case !ok:
			h.t.Errorf("payout %q never reached the sandbox (received %v)", ref, refs)
		case c.Creates != 1 || c.Duplicates != 0 || c.Amount != amount:
			h.t.Errorf("payout %q: created %d times (%d duplicates), amount %s; want once, %s", ref, c.Creates, c.Duplicates, c.Amount, amount)
		}
	}
}

// assertFilesTieOut checks the conservation line of every file in `batch status`: rows in =
// rejected + success + failed + reversed + open, in count and in paise.
func (h *harness) assertFilesTieOut() {
	h.t.Helper()
	for _, f := range h.status().Files {
		t := f.Tally
		count := t.Rejected.Count + t.Success.Count + t.Failed.Count + t.Reversed.Count + t.Open.Count
		paise := t.Rejected.Paise + t.Success.Paise + t.Failed.Paise + t.Reversed.Paise + t.Open.Paise
		if count != t.In.Count || paise != t.In.Paise {
			h.t.Errorf("file %s does not tie out: in %d (%d paise) but buckets hold %d (%d paise): %+v",
				f.Name, t.In.Count, t.In.Paise, count, paise, t)
		}
	}
}

// TestFidelityXLSX_Cells: cells whose type does not fit their column (a date, TRUE or 50% in
// Amount, text "1e5", account numbers Excel shows differently, an amount from another
// workbook) never reach Enkash; a text reference "1E3" is paid once as "1E3", and the same
// payment dropped again as CSV is not paid a second time.
func TestFidelityXLSX_Cells(t *testing.T) {
	t.Parallel()
	h := fidelityHarness(t)
	h.drop(map[string]string{"excelize_types.xlsx": "payouts_types.xlsx", "external_link.xlsx": "payouts_linked.xlsx"})
	o := h.run(nil, h.runArgs()...)
	if o.Code != 1 {
		t.Fatalf("batch run: %s; want exit 1 (rows rejected)\n%s", o, tail(o.Stderr, 20))
	}
	want := map[string]string{
		"EXL-0002": "1500.00", "1E3": "700.00", "EXL-0010": "1250.75", // excelize_types: rows 2, 7, 10
		"FID-0001": "1250.50", "FID-0003": "2500.00", "FID-0004": "15000.00", // external_link: E3 (FID-0002) is linked
	}
	h.assertSent(want)

	// The same payment as a CSV with the reference written "1E3".
	csv := "Reference,Beneficiary Name,Account Number,IFSC,Amount,Mode\n1E3,Text Reference,50100234567896,HDFC0001234,700,NEFT\n"
	if err := os.WriteFile(filepath.Join(h.home, "inbox", "payouts", "payouts_again.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	if o := h.run(nil, h.runArgs()...); o.Code != 1 {
		t.Fatalf("second batch run: %s; want exit 1 (the repeated row rejected)\n%s", o, tail(o.Stderr, 20))
	}
	h.assertSent(want)
	for ref := range h.payoutCalls() {
		if ref == "1000" || strings.HasPrefix(ref, "1.0") {
			t.Errorf("reference %q reached the sandbox: a text reference was rewritten", ref)
		}
	}
	h.assertFilesTieOut()
}

// TestFidelityXLSX_SheetsAndRows: a very hidden sheet named after the kind is never paid
// (the visible sheet is); a workbook with two visible data sheets is refused whole; hidden and
// filtered-out rows never reach Enkash; a workbook whose Amount column is hidden and a
// shared-string bomb are refused, and the run goes on with the other files.
func TestFidelityXLSX_SheetsAndRows(t *testing.T) {
	t.Parallel()
	h := fidelityHarness(t)
	h.drop(map[string]string{
		"veryhidden_kind_sheet.xlsx": "payouts_november.xlsx",
		"two_visible_sheets.xlsx":    "payouts_weeks.xlsx",
		"hidden_amount_column.xlsx":  "payouts_hidden_column.xlsx",
		"shared_strings_bomb.xlsx":   "payouts_bomb.xlsx",
	})
	o := h.run(nil, h.runArgs()...)
	if o.Code != 1 {
		t.Fatalf("batch run: %s; want exit 1 (files refused)\n%s", o, tail(o.Stderr, 20))
	}
	// The visible sheet's four rows; FID-H001 of the very hidden sheet never.
	h.assertSent(map[string]string{"FID-0001": "1250.50", "FID-0002": "4500.00", "FID-0003": "2500.00", "FID-0004": "15000.00"})
	h.assertFilesTieOut()
	rejected, err := filepath.Glob(filepath.Join(h.home, "rejected", "*", "*.reason.txt"))
	if err != nil {
		t.Fatal(err)
	}
	reasons := ""
	for _, r := range rejected {
		b, err := os.ReadFile(r)
		if err != nil {
			t.Fatal(err)
		}
		reasons += string(b) + "\n"
	}
	for _, want := range []string{`"Week 1", "Week 2"`, "column E (Amount) is hidden", "95 MiB"} {
		if !strings.Contains(reasons, want) {
			t.Errorf("no rejected file's reason says %q; reasons:\n%s", want, reasons)
		}
	}

	// Rows filtered out by an AutoFilter (3 and 4) are not paid; 2 and 5 are.
	h2 := fidelityHarness(t)
	h2.drop(map[string]string{"filtered_rows.xlsx": "payouts_filtered.xlsx"})
	if o := h2.run(nil, h2.runArgs()...); o.Code != 1 {
		t.Fatalf("batch run: %s; want exit 1 (hidden rows rejected)\n%s", o, tail(o.Stderr, 20))
	}
	h2.assertSent(map[string]string{"FID-0001": "1250.50", "FID-0004": "15000.00"})
	h2.assertFilesTieOut()
}
