package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/enkash/sandbox"
)

// billsRun runs the samples with no resend grace: the sandbox is at hand, so an item Enkash
// provably does not have may be sent again at once (the in-process sandbox gets the same).
func (b *bundle) billsRun(t *testing.T) (int, runOutput) {
	t.Helper()
	return b.billsRunGrace(t, "0s")
}

// billsRunGrace runs the samples with the given resend grace.
func (b *bundle) billsRunGrace(t *testing.T, grace string) (int, runOutput) {
	t.Helper()
	args := append([]string{"run", "--home", b.home, "--resend-grace", grace}, fastPolls...)
	code, stdout, stderr := b.run(t, args...)
	var out runOutput
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("run output is not JSON: %v\nstdout: %s\nstderr: %s", err, stdout, stderr)
	}
	return code, out
}

// TestRun_BillsScenario runs the samples against a scenario that gives bills every exception
// category that applies to them, each on the row meant and never on a clean one; a bill whose
// creation was answered 500 after Enkash recorded it is found by reference and never added
// again, one answered 500 before is added again exactly once; every bill reference reaches
// Enkash exactly once, and no rejected row is sent.
func TestRun_BillsScenario(t *testing.T) {
	b := setup(t, "testdata/bills.yaml")
	_, out := b.billsRun(t)
	if !out.TiesOut {
		t.Fatalf("conservation line does not tie out: %+v", out.Total)
	}
	got := map[domain.Category][]string{}
	details := map[string][]string{}
	rejectedRefs := map[string]bool{}
	for _, e := range out.Exceptions {
		if e.Kind != domain.KindBills {
			continue
		}
		got[e.Category] = append(got[e.Category], e.Reference)
		details[e.Reference] = append(details[e.Reference], e.Detail)
		if e.Category == domain.CategoryRejectedRow {
			rejectedRefs[e.Reference] = true
		}
	}
	for _, refs := range got {
		slices.Sort(refs)
	}
	want := map[domain.Category][]string{
		// 0022 was paid, then refunded: one exception, its status contradicted (not also a failure).
		domain.CategoryProviderFailed:    {"BILL-20261123-0006", "BILL-20261123-0009"},
		domain.CategoryProviderRejected:  {"BILL-20261123-0012"},
		domain.CategoryAmountMismatch:    {"BILL-20261123-0015"},
		domain.CategoryStuckPending:      {"BILL-20261123-0018"},
		domain.CategoryMissingAtProvider: {"BILL-20261123-0020"},
		domain.CategoryStatusMismatch:    {"BILL-20261123-0022"},
		domain.CategoryUnknownAtProvider: {"BILL-20261122-9001"},
	}
	for c, refs := range want {
		if !slices.Equal(got[c], refs) {
			t.Errorf("%s on %v, want %v", c, got[c], refs)
		}
	}
	if n := len(got[domain.CategoryRejectedRow]); n != 6 {
		t.Errorf("bill rejected_row exceptions = %d (%v), want the 6 bad sample rows", n, got[domain.CategoryRejectedRow])
	}
	// FAILED is told apart from REFUNDED in words.
	if d := strings.Join(details["BILL-20261123-0006"], " "); !strings.Contains(d, "debit failed") || !strings.Contains(d, "INSUFFICIENT_BALANCE") {
		t.Errorf("0006 (paymentStatus FAILED) detail: %s", d)
	}
	if d := strings.Join(details["BILL-20261123-0009"], " "); !strings.Contains(d, "refunded") || strings.Contains(d, "debit failed") {
		t.Errorf("0009 (paymentStatus REFUNDED) detail: %s", d)
	}
	if d := details["BILL-20261123-0022"]; len(d) != 1 || !strings.Contains(d[0], "now says") || !strings.Contains(d[0], "refunded") {
		t.Errorf("0022 (paid, then refunded) exceptions: %q, want one saying both", d)
	}

	// Per kind: 30 rows, 6 rejected; the clean rows succeed (fetched bills included).
	var tally domain.Tally
	for _, f := range out.Files {
		if f.Kind == domain.KindBills {
			tally.Merge(f.Tally)
		}
	}
	if tally.In.Count != 30 || tally.Rejected.Count != 6 || tally.Failed.Count != 4 || tally.Open.Count != 2 || tally.Success.Count != 18 || !tally.TiesOut() {
		t.Errorf("bills tally = %+v", tally)
	}

	bills := map[string]sandbox.Call{}
	for _, c := range b.calls(t) {
		if c.Kind != sandbox.KindBill {
			continue
		}
		bills[c.Reference] = c
		if c.Creates != 1 || c.Duplicates != 0 {
			t.Errorf("bill %s: creates %d, duplicates %d; want 1 and 0", c.Reference, c.Creates, c.Duplicates)
		}
	}
	// 30 rows, 6 rejected: 24 references, each created once (the refused one included).
	if len(bills) != 24 {
		t.Errorf("sandbox received %d bill references, want 24", len(bills))
	}
	for ref := range rejectedRefs {
		if _, ok := bills[ref]; ok {
			t.Errorf("rejected row %s was sent to Enkash", ref)
		}
	}
	for _, ref := range []string{"BILL-20261123-0003", "BILL-20261123-0004", "BILL-20261123-0102", "BILL-20261123-0002"} {
		if st := bills[ref].Status; st != "SUCCESS" {
			t.Errorf("%s: status %q at Enkash, want SUCCESS", ref, st)
		}
	}
	resp, err := http.Get(b.baseURL + "/_sandbox/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var stats sandbox.Stats
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		t.Fatal(err)
	}
	// One 500 before recording (0004, then added once), two after (0003, 0102: found, never re-added).
	if stats.HTTP500 != 1 || stats.HTTP500AfterCommit != 2 {
		t.Errorf("faults: %d answered 500 before recording, %d after; want 1 and 2", stats.HTTP500, stats.HTTP500AfterCommit)
	}

	// A second run follows the open bills and sends nothing again.
	_, out = b.billsRun(t)
	for _, c := range b.calls(t) {
		if c.Kind == sandbox.KindBill && (c.Creates != 1 || c.Duplicates != 0) {
			t.Errorf("after a second run: bill %s creates %d duplicates %d", c.Reference, c.Creates, c.Duplicates)
		}
	}
	if !out.TiesOut {
		t.Errorf("second run does not tie out: %+v", out.Total)
	}
}

// TestRun_BillsClean: against a sandbox where everything succeeds, bills raise nothing but
// their bad rows, and the bills fetched from the biller (no amount in the file) are paid
// without an amount difference.
func TestRun_BillsClean(t *testing.T) {
	b := setup(t, "")
	_, out := b.billsRun(t)
	for _, e := range out.Exceptions {
		if e.Kind == domain.KindBills && e.Category != domain.CategoryRejectedRow {
			t.Errorf("clean run raised %s on %s: %s", e.Category, e.Reference, e.Detail)
		}
	}
	var tally domain.Tally
	for _, f := range out.Files {
		if f.Kind == domain.KindBills {
			tally.Merge(f.Tally)
		}
	}
	if tally.Success.Count != 24 || tally.Open.Count != 0 || !tally.TiesOut() {
		t.Errorf("clean bills tally = %+v", tally)
	}
}

// TestRun_BillsResendWaitsForGrace: a bill whose creation was answered 500 and that Enkash
// does not have is not added again within the resend grace (Enkash advises waiting before
// looking it up); the run says so, and the next run, past the grace, adds it once.
func TestRun_BillsResendWaitsForGrace(t *testing.T) {
	scenario := filepath.Join(t.TempDir(), "grace.yaml")
	if err := os.WriteFile(scenario, []byte(`outcomes: [{match: "BILL-20261123-0004", fault: http_500}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	b := setup(t, scenario)
	creates := func() map[string]int {
		m := map[string]int{}
		for _, c := range b.calls(t) {
			if c.Kind == sandbox.KindBill {
				m[c.Reference] = c.Creates
			}
		}
		return m
	}
	_, out := b.billsRunGrace(t, "1h")
	if n, ok := creates()["BILL-20261123-0004"]; ok {
		t.Fatalf("0004 created %d times within the grace", n)
	}
	var missing []string
	for _, e := range out.Exceptions {
		if e.Kind == domain.KindBills && e.Category != domain.CategoryRejectedRow {
			missing = append(missing, string(e.Category)+" "+e.Reference)
		}
	}
	if !slices.Equal(missing, []string{"missing_at_provider BILL-20261123-0004"}) {
		t.Errorf("first run raised %v, want missing_at_provider on 0004 only", missing)
	}
	b.billsRunGrace(t, "0s")
	got := creates()
	if got["BILL-20261123-0004"] != 1 || len(got) != 24 {
		t.Errorf("after the grace: 0004 created %d times, %d references in all (want 1 and 24)", got["BILL-20261123-0004"], len(got))
	}
	for ref, n := range got {
		if n != 1 {
			t.Errorf("%s created %d times", ref, n)
		}
	}
}
