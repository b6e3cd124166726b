package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/enkash/sandbox"
)

// bundle is one end-to-end setting: a data folder, a sandbox over real HTTP, the environment.
type bundle struct {
	home    string
	baseURL string
	env     map[string]string
}

// setup starts a sandbox with the scenario file (empty: everything succeeds) on a loopback
// port and returns a data folder whose inbox holds the sample files.
func setup(t *testing.T, scenario string) *bundle {
	t.Helper()
	var sc *sandbox.Scenario
	if scenario != "" {
		var err error
		if sc, err = sandbox.LoadScenario(scenario); err != nil {
			t.Fatal(err)
		}
	}
	url, stop, err := sandbox.Start(context.Background(), "127.0.0.1:0", sandbox.New(sc, sandbox.DemoCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(context.Background()) })
	b := &bundle{home: t.TempDir(), baseURL: url, env: map[string]string{"ENKASH_BASE_URL": url, "BATCH_SETTLE": testSettle,
		// These tests are about what happens once rows may be sent: approval is off for them
		// (approve_test.go tests the approval step, under the default policy).
		"BATCH_APPROVAL": "off"}}
	b.dropSamples(t)
	return b
}

// testSettle is the inbox's settle interval in these tests: the files they drop are complete,
// and the default would add seconds to every run.
const testSettle = "100ms"

func (b *bundle) dropSamples(t *testing.T) {
	t.Helper()
	if err := os.CopyFS(filepath.Join(b.home, "inbox"), os.DirFS("../../samples/inbox")); err != nil {
		t.Fatal(err)
	}
}

// run runs the batch command and returns its exit code, stdout and stderr.
func (b *bundle) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, LookupEnv: func(k string) (string, bool) {
		v, ok := b.env[k]
		return v, ok
	}}
	code := m.Run(context.Background(), args)
	return code, stdout.String(), stderr.String()
}

func (b *bundle) calls(t *testing.T) []sandbox.Call {
	t.Helper()
	resp, err := http.Get(b.baseURL + "/_sandbox/calls")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var calls []sandbox.Call
	if err := json.NewDecoder(resp.Body).Decode(&calls); err != nil {
		t.Fatal(err)
	}
	return calls
}

type runOutput struct {
	RunID      int64                `json:"run_id"`
	Sandbox    bool                 `json:"sandbox"`
	Files      []domain.FileSummary `json:"files"`
	Total      domain.Tally         `json:"total"`
	TiesOut    bool                 `json:"ties_out"`
	Exceptions []domain.Exception   `json:"exceptions"`
	Workbook   string               `json:"workbook"`
	FixFiles   []string             `json:"fix_files"`
}

var fastPolls = []string{"--poll-interval", "100ms", "--poll-deadline", "3s", "--json"}

func (b *bundle) runJSON(t *testing.T) (int, runOutput) {
	t.Helper()
	code, stdout, stderr := b.run(t, append([]string{"run", "--home", b.home}, fastPolls...)...)
	var out runOutput
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("run output is not JSON: %v\nstdout: %s\nstderr: %s", err, stdout, stderr)
	}
	return code, out
}

// TestRun_DemoScenario runs the sample files against the demo scenario over real HTTP: every
// payout exception category appears once, on the row the scenario aims it at and nowhere else,
// every valid reference reaches Enkash exactly once, no rejected row is sent, and the
// conservation line ties out.
func TestRun_DemoScenario(t *testing.T) {
	b := setup(t, "../../samples/sandbox.yaml")
	code, out := b.runJSON(t)
	if code != exitAttention {
		t.Fatalf("exit code = %d, want %d (exceptions to look at)", code, exitAttention)
	}
	var payouts domain.Tally // the samples of the other kinds have tests of their own
	for _, f := range out.Files {
		if f.Kind == domain.KindPayouts {
			payouts.Merge(f.Tally)
		}
	}
	if !out.TiesOut || !out.Total.TiesOut() || payouts.In.Count != 60 {
		t.Fatalf("conservation line: %+v (ties out %v)", out.Total, out.TiesOut)
	}
	if !out.Sandbox {
		t.Error("a run with the demo credentials is not marked SANDBOX")
	}
	want := map[domain.Category]string{
		domain.CategoryProviderFailed:    "PAY-20261123-0008",
		domain.CategoryProviderRejected:  "PAY-20261123-0012",
		domain.CategoryAmountMismatch:    "PAY-20261123-0018",
		domain.CategoryStuckPending:      "PAY-20261123-0022",
		domain.CategoryMissingAtProvider: "PAY-20261123-0025",
		domain.CategoryStatusMismatch:    "PAY-20261123-0027",
		domain.CategoryUnknownAtProvider: "PAY-20261122-9001",
	}
	got := map[domain.Category][]string{}
	rejectedRefs := map[string]bool{}
	for _, e := range out.Exceptions {
		if e.Kind != domain.KindPayouts {
			continue
		}
		got[e.Category] = append(got[e.Category], e.Reference)
		if e.Category == domain.CategoryRejectedRow {
			rejectedRefs[e.Reference] = true
		}
	}
	for c, ref := range want {
		if len(got[c]) != 1 || got[c][0] != ref {
			t.Errorf("%s exceptions on %v, want exactly one on %s", c, got[c], ref)
		}
	}
	if n := len(got[domain.CategoryRejectedRow]); n != 10 {
		t.Errorf("rejected_row exceptions = %d, want the 10 bad sample rows", n)
	}
	if n := len(got[domain.CategoryDuplicateFile]); n != 0 {
		t.Errorf("duplicate_file exceptions on a first run: %d", n)
	}

	calls := b.calls(t)
	sent := map[string]sandbox.Call{}
	for _, c := range calls {
		if c.Kind == "payout" {
			sent[c.Reference] = c
		}
		if c.Creates != 1 || c.Duplicates != 0 {
			t.Errorf("%s %s: creates %d, duplicates %d; want 1 and 0", c.Kind, c.Reference, c.Creates, c.Duplicates)
		}
	}
	// 60 rows, 10 rejected: 50 valid references, each sent once.
	if len(sent) != 50 {
		t.Errorf("sandbox received %d payout references, want 50", len(sent))
	}
	for ref := range rejectedRefs {
		if _, ok := sent[ref]; ok && ref != "PAY-20261123-0021" { // 0021's first row is valid, its duplicate is not
			t.Errorf("rejected row %s was sent to Enkash", ref)
		}
	}
	payoutFixFiles := 0
	for _, path := range append([]string{out.Workbook}, out.FixFiles...) {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("report file: %v", err)
		}
		if strings.Contains(filepath.Base(path), "-payouts_") {
			payoutFixFiles++
		}
	}
	if payoutFixFiles != 2 {
		t.Errorf("fix-and-redrop files = %v, want one per sample file", out.FixFiles)
	}

	// The same files again: recorded as duplicates, nothing sent again.
	b.dropSamples(t)
	code, out = b.runJSON(t)
	if code != exitAttention {
		t.Fatalf("second run exit code = %d", code)
	}
	dups := 0
	for _, e := range out.Exceptions {
		if e.Category == domain.CategoryDuplicateFile && e.Kind == domain.KindPayouts {
			dups++
		}
	}
	if dups != 2 {
		t.Errorf("duplicate_file exceptions on the second run = %d, want 2", dups)
	}
	for _, c := range b.calls(t) {
		if c.Creates != 1 || c.Duplicates != 0 {
			t.Errorf("after a second run: %s %s creates %d duplicates %d", c.Kind, c.Reference, c.Creates, c.Duplicates)
		}
	}
	rejected, _ := filepath.Glob(filepath.Join(b.home, "rejected", "*", "payouts_*.reason.txt"))
	if len(rejected) != 2 {
		t.Errorf("notes beside duplicate files = %v, want 2", rejected)
	}
}

// TestRun_CleanRowsRaiseNothing: against a sandbox where everything succeeds, the only
// exceptions are the bad rows of the files.
func TestRun_CleanRowsRaiseNothing(t *testing.T) {
	b := setup(t, "")
	_, out := b.runJSON(t)
	var payouts domain.Tally // the samples of the other kinds have tests of their own
	for _, f := range out.Files {
		if f.Kind == domain.KindPayouts {
			payouts.Merge(f.Tally)
		}
	}
	for _, e := range out.Exceptions {
		if e.Category != domain.CategoryRejectedRow && e.Kind == domain.KindPayouts {
			t.Errorf("clean run raised %s on %s: %s", e.Category, e.Reference, e.Detail)
		}
	}
	if payouts.Success.Count != 50 || payouts.Open.Count != 0 || !out.TiesOut {
		t.Errorf("clean run tally = %+v", out.Total)
	}
	code, stdout, _ := b.run(t, "status", "--home", b.home, "--json")
	if code != exitOK {
		t.Fatalf("status exit = %d", code)
	}
	var status struct {
		Files []domain.FileSummary `json:"files"`
	}
	if err := json.Unmarshal([]byte(stdout), &status); err != nil {
		t.Fatal(err)
	}
	for _, f := range status.Files {
		if !f.Tally.TiesOut() {
			t.Errorf("status: %s does not tie out: %+v", f.Name, f.Tally)
		}
	}
}

// TestRun_WrongPasswordStopsAtOnce: a refused password is tried once, never again, and the run
// exits 3 with a message that names the variables to check and not the password.
func TestRun_WrongPasswordStopsAtOnce(t *testing.T) {
	b := setup(t, "")
	b.env["ENKASH_PASSWORD"] = "not-the-password"
	code, stdout, stderr := b.run(t, append([]string{"run", "--home", b.home}, fastPolls[:4]...)...)
	if code != exitEnkashDown {
		t.Fatalf("exit = %d, want %d\n%s\n%s", code, exitEnkashDown, stdout, stderr)
	}
	if strings.Contains(stderr+stdout, "not-the-password") {
		t.Error("the password appears in the output")
	}
	if !strings.Contains(stderr, "ENKASH_PASSWORD") {
		t.Errorf("message does not say what to check: %s", stderr)
	}
	resp, err := http.Get(b.baseURL + "/_sandbox/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var stats sandbox.Stats
	json.NewDecoder(resp.Body).Decode(&stats)
	if stats.TokenCalls != 1 {
		t.Errorf("token calls = %d, want exactly 1", stats.TokenCalls)
	}
	if len(b.calls(t)) != 0 {
		t.Error("something was sent without a token")
	}
	// Nothing was lost: the valid items wait for the next run.
	_, stdout, _ = b.run(t, "status", "--home", b.home, "--json")
	if !strings.Contains(stdout, `"status": "valid"`) {
		t.Errorf("valid items not kept for the next run: %s", stdout)
	}
}

func TestValidate_JSON(t *testing.T) {
	b := &bundle{env: map[string]string{}}
	code, stdout, stderr := b.run(t, "validate", "--json", "../../samples/inbox/payouts/payouts_2026-11-23.csv")
	if code != exitAttention {
		t.Fatalf("exit = %d, want 1 (some rows rejected); %s", code, stderr)
	}
	var v struct {
		File, Kind            string
		Rows, Valid, Rejected int
		Errors                []domain.RowError
	}
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatal(err)
	}
	if v.Rows != 30 || v.Valid != 23 || v.Rejected != 7 || v.Kind != "payouts" {
		t.Errorf("validate = %+v", v)
	}
	var lines []int
	for _, e := range v.Errors {
		lines = append(lines, e.Line)
		if e.Column == "" || e.Rule == "" || e.Message == "" {
			t.Errorf("incomplete error %+v", e)
		}
	}
	sort.Ints(lines)
	if want := []int{5, 8, 11, 14, 17, 20, 24}; !equalInts(lines, want) {
		t.Errorf("error lines = %v, want %v", lines, want)
	}
	// A file that cannot be used exits 2.
	junk := filepath.Join(t.TempDir(), "payouts_junk.xlsx")
	os.WriteFile(junk, []byte("this is not a workbook"), 0o644)
	if code, _, _ := b.run(t, "validate", junk); code != exitUsage {
		t.Errorf("unusable file exit = %d, want 2", code)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestValidate_Fixtures: `batch validate --json` names the physical line, the column as written
// and the rule of every bad row, for CSVs with a BOM and CRLF, with ';', with quoted line
// breaks, and for workbooks written by LibreOffice (accounts stored as numbers, amounts as text).
func TestValidate_Fixtures(t *testing.T) {
	type loc struct {
		Line         int
		Column, Rule string
	}
	cases := map[string][]loc{
		"payouts_bom_crlf.csv": {{3, "IFSC", "ifsc_format"}, {6, "Beneficiary Name", "beneficiary_name_required"},
			{6, "Amount", "amount_decimals"}, {7, "", "extra_cells"}},
		"payouts_semicolon.csv": {{2, "Amount (INR)", "amount_format"}, {4, "Payment Mode", "mode_invalid"}, {4, "Mobile", "phone_format"}},
		"payouts_multiline.csv": {{8, "Account Number", "account_number_length"}, {9, "Beneficiary Name", "beneficiary_name_format"},
			{9, "Amount", "imps_limit"}, {11, "VPA", "vpa_required"}, {12, "Amount", "amount_format"}},
		// 15- and 14-digit accounts stored as numbers in General: Excel shows 9.17010E+14.
		"payouts_numbers.xlsx": {{2, "Account Number", "account_number_not_text"}, {4, "Account Number", "account_number_lost_digits"},
			{5, "Account Number", "account_number_not_text"}, {5, "Amount", "amount_decimals"}, {8, "Account Number", "account_number_length"}},
		"payouts_dates.xlsx": {},
	}
	b := &bundle{env: map[string]string{}}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			_, stdout, stderr := b.run(t, "validate", "--json", filepath.Join("../../parsers/testdata", name))
			var v struct{ Errors []domain.RowError }
			if err := json.Unmarshal([]byte(stdout), &v); err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			var got []loc
			for _, e := range v.Errors {
				got = append(got, loc{e.Line, e.Column, e.Rule})
			}
			if len(got) != len(want) {
				t.Fatalf("errors = %v, want %v", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("error %d = %v, want %v", i, got[i], want[i])
				}
			}
		})
	}
}

// TestReconcile_IdempotentAndReopens: reconciling a day twice raises nothing new; an exception
// resolved by a person whose cause is still there re-opens; the statement of the demo scenario
// is classified (a fee is not an exception, an unexplained debit and a payout with no debit
// are) and the balance ties.
func TestReconcile_IdempotentAndReopens(t *testing.T) {
	b := setup(t, "../../samples/sandbox.yaml")
	b.runJSON(t)
	reconcile := func() (int, map[string]any) {
		t.Helper()
		code, stdout, stderr := b.run(t, "reconcile", "--home", b.home, "--json")
		var out map[string]any
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatalf("reconcile output: %v\n%s\n%s", err, stdout, stderr)
		}
		return code, out
	}
	openExceptions := func() []domain.Exception {
		t.Helper()
		_, stdout, _ := b.run(t, "exceptions", "--home", b.home, "--open", "--json")
		var excs []domain.Exception
		if err := json.Unmarshal([]byte(stdout), &excs); err != nil {
			t.Fatal(err)
		}
		return excs
	}
	code, out := reconcile()
	if code != exitAttention {
		t.Fatalf("reconcile exit = %d, want 1", code)
	}
	if out["balance_ties"] != true {
		t.Errorf("balance does not tie: %v", out["balance"])
	}
	first := openExceptions()
	var stuck *domain.Exception
	refs := map[string]domain.Category{}
	for i, e := range first {
		refs[e.Reference] = e.Category
		if e.Category == domain.CategoryStuckPending && e.Kind == domain.KindPayouts {
			stuck = &first[i]
		}
	}
	for ref, want := range map[string]domain.Category{
		"MAN-20261123-01":   domain.CategoryUnknownAtProvider, // a debit no payout explains
		"VEN-20261123-0030": domain.CategoryStatusMismatch,    // paid, no debit on the statement
	} {
		if refs[ref] != want {
			t.Errorf("%s: category %q, want %q", ref, refs[ref], want)
		}
	}
	if _, ok := refs["FEE-20261123-01"]; ok {
		t.Error("a fee line was raised as an exception")
	}
	if _, out = reconcile(); len(openExceptions()) != len(first) {
		t.Errorf("a second reconciliation changed the open exceptions: %d, then %d", len(first), len(openExceptions()))
	}
	if stuck == nil {
		t.Fatal("no stuck_pending exception to resolve")
	}
	if code, _, stderr := b.run(t, "exceptions", "resolve", fmt.Sprint(stuck.ID), "--home", b.home, "--note", "asked Enkash", "--by", "asha"); code != exitOK {
		t.Fatalf("resolve: %d %s", code, stderr)
	}
	for _, e := range openExceptions() {
		if e.ID == stuck.ID {
			t.Fatal("resolved exception still open")
		}
	}
	reconcile() // the payout is still pending at Enkash: the exception re-opens
	reopened := false
	for _, e := range openExceptions() {
		if e.ID == stuck.ID && e.Reopened == 1 {
			reopened = true
		}
	}
	if !reopened {
		t.Error("the stuck payout's exception did not re-open")
	}
	_, stdout, _ := b.run(t, "exceptions", "history", fmt.Sprint(stuck.ID), "--home", b.home)
	if !strings.Contains(stdout, "asha") || !strings.Contains(stdout, "reopened") {
		t.Errorf("history does not show who resolved it and the re-opening:\n%s", stdout)
	}
}
