package e2e_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/enkash"
)

// TestDuplicateAnswer_TransferIsOurs loses the answer to the first batch after the sandbox
// processed it (502), and hides its transfers from the first search: the run sends them again,
// with the same references, and the sandbox answers that each already exists. The run looks
// each one up, finds the transfer our first batch created with our amount, and adopts it: no
// reference_conflict, every row successful, nothing sent a third time.
func TestDuplicateAnswer_TransferIsOurs(t *testing.T) {
	t.Parallel()
	var batches, searches atomic.Int32
	h := setup(t, setupOptions{Rows: 30, RunFlags: []string{"--concurrency", "1"}, Wrap: loseFirstAnswer(enkash.PathBatchTransfer, enkash.PathSearchPayouts, &batches, &searches, func(r *http.Request) *http.Request {
		return rewriteEncrypted(t, r, func(f map[string]any) { f["transactionIds"] = []string{"NOT-A-REFERENCE"} })
	})})
	o := h.run(nil, h.runArgs()...)
	if o.Code != 0 {
		t.Fatalf("batch run: %s; want exit 0\n%s", o, tail(o.Stderr, 20))
	}
	if searches.Load() < 2 {
		t.Fatalf("the run searched %d times; the test needs the hidden search and one after the resend", searches.Load())
	}
	calls := h.payoutCalls()
	resent := 0
	for _, r := range h.rows {
		c := calls[r.Reference]
		switch {
		case c.Creates == 2 && c.Duplicates == 1:
			resent++ // sent again, and refused by the sandbox as already existing
		case c.Creates != 1 || c.Duplicates != 0:
			t.Errorf("%s: creates %d, duplicates %d; want 1 and 0, or 2 and 1 for the first batch", r.Reference, c.Creates, c.Duplicates)
		}
	}
	if resent != 25 {
		t.Errorf("%d references got the sandbox's duplicate answer; want the 25 of the first batch", resent)
	}
	for _, e := range h.exceptions() {
		if e.Category == domain.CategoryReferenceConflict {
			t.Errorf("reference_conflict for a transfer that is ours: %+v", e)
		}
	}
	if !h.allSuccessful() {
		t.Errorf("not every item is successful: %+v", h.states())
	}
	h.assertTiesOut()

	// A second run sends nothing more.
	before := h.payoutCalls()
	if o := h.run(nil, h.runArgs()...); o.Code != 0 {
		t.Fatalf("second run: %s\n%s", o, tail(o.Stderr, 20))
	}
	for ref, c := range h.payoutCalls() {
		if c.Creates != before[ref].Creates {
			t.Errorf("%s sent again by the second run: creates %d, before %d", ref, c.Creates, before[ref].Creates)
		}
	}
}

// TestDuplicateAnswer_TransferIsNotOurs gives the sandbox a transfer under one of our
// references (of another amount, created before any run): its "already exists" answer raises a
// high-severity reference_conflict, the row is held, never counted as a success, and never sent
// again by later runs; once a person resolves the conflict the row counts as not paid.
func TestDuplicateAnswer_TransferIsNotOurs(t *testing.T) {
	t.Parallel()
	const ref = "E2E-000003"
	h := setup(t, setupOptions{Scenario: "conflict.yaml", Rows: 30})
	o := h.run(nil, h.runArgs()...)
	if o.Code != 1 {
		t.Fatalf("batch run: %s; want exit 1 (an exception to look at)\n%s", o, tail(o.Stderr, 20))
	}
	var conflict domain.Exception
	for _, e := range h.exceptions() {
		if e.Category == domain.CategoryReferenceConflict {
			if conflict.ID != 0 {
				t.Errorf("a second reference_conflict: %+v", e)
			}
			conflict = e
		}
	}
	if conflict.Reference != ref || conflict.Severity != domain.SeverityHigh || conflict.ResolvedAt != nil {
		t.Fatalf("want one open, high-severity reference_conflict for %s; got %+v", ref, conflict)
	}
	if !strings.Contains(conflict.Detail, "1.50") && !strings.Contains(conflict.Actual, "1.50") {
		t.Errorf("the conflict does not show Enkash's amount (₹1.50): %+v", conflict)
	}
	st := h.states()
	if st[domain.StatusHeld] != 1 || st[domain.StatusSuccess] != len(h.rows)-1 || st[domain.StatusFailed] != 0 {
		t.Errorf("states %+v; want 1 held and %d successful", st, len(h.rows)-1)
	}
	h.assertTiesOut()
	calls := h.payoutCalls()
	if c := calls[ref]; c.Creates != 1 || c.Duplicates != 1 {
		t.Errorf("%s: creates %d, duplicates %d; want one create, refused as a duplicate", ref, c.Creates, c.Duplicates)
	}

	// Later runs never send the reference again, and the row stays held.
	// The open conflict is listed by `batch exceptions --open`; the run itself raised nothing
	// new, so either finishing code is right.
	if o := h.run(nil, h.runArgs()...); o.Signal != 0 || (o.Code != 0 && o.Code != 1) {
		t.Errorf("second run: %s; want it to finish\n%s", o, tail(o.Stderr, 20))
	}
	if c := h.payoutCalls()[ref]; c.Creates != 1 {
		t.Errorf("%s sent again by the second run: creates %d", ref, c.Creates)
	}
	if st := h.states(); st[domain.StatusHeld] != 1 {
		t.Errorf("after the second run: %+v; want the row still held", st)
	}

	// A person resolves it: the row counts as not paid, and its reference stays blocked.
	if o := h.run(nil, "exceptions", "resolve", strconv.FormatInt(conflict.ID, 10), "--note", "paid by the other system", "--home", h.home); o.Code != 0 {
		t.Fatalf("resolve: %s\n%s", o, o.Stderr)
	}
	if st := h.states(); st[domain.StatusHeld] != 0 || st[domain.StatusFailed] != 1 {
		t.Errorf("after resolving: %+v; want the row failed (not paid), none held", st)
	}
	h.run(nil, h.runArgs()...)
	if c := h.payoutCalls()[ref]; c.Creates != 1 {
		t.Errorf("%s sent again after the conflict was resolved: creates %d", ref, c.Creates)
	}
}

// TestConfigurationRefusalMidRun makes Enkash refuse the second batch call with 412 "Invalid
// checksum": the run stops with exit 2 naming the setting, no row is marked failed, the rows
// not processed are valid again with their references, and the next run sends each of them
// once.
func TestConfigurationRefusalMidRun(t *testing.T) {
	t.Parallel()
	var batches atomic.Int32
	var refuse atomic.Bool
	refuse.Store(true)
	h := setup(t, setupOptions{Rows: 60, RunFlags: []string{"--concurrency", "1"}, Wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == enkash.PathBatchTransfer && batches.Add(1) == 2 && refuse.Load() {
				answerEnvelope(w, http.StatusPreconditionFailed, "Invalid checksum")
				return
			}
			next.ServeHTTP(w, r)
		})
	}})
	o := h.run(nil, h.runArgs()...)
	if o.Code != 2 {
		t.Fatalf("batch run: %s; want exit 2 (configuration)\n%s", o, tail(o.Stderr, 20))
	}
	if !strings.Contains(o.Stderr, "checksum") {
		t.Errorf("the message does not name the checksum setting:\n%s", tail(o.Stderr, 5))
	}
	st := h.states()
	sentFirst := len(h.payoutCalls())
	if sentFirst != 25 {
		t.Errorf("the sandbox received %d payouts; want the 25 of the first batch", sentFirst)
	}
	if st[domain.StatusValid] != len(h.rows)-25 || st[domain.StatusFailed] != 0 || st[domain.StatusUnknown] != 0 {
		t.Errorf("states %+v; want %d valid, none failed or unknown", st, len(h.rows)-25)
	}
	for _, e := range h.exceptions() {
		if e.Category == domain.CategoryProviderRejected {
			t.Errorf("a configuration refusal marked a row refused: %+v", e)
		}
	}

	refuse.Store(false)
	if o := h.run(nil, h.runArgs()...); o.Code != 0 {
		t.Fatalf("the run after the fix: %s; want exit 0\n%s", o, tail(o.Stderr, 20))
	}
	h.assertProperties() // every reference sent exactly once, with the same references
	if !h.allSuccessful() {
		t.Errorf("not every item is successful: %+v", h.states())
	}
}

// TestTokenEndpointUnreachable puts a token endpoint that hangs, answers an HTML page or asks
// us to back off in front of the sandbox: the run stops with exit 3 and a diagnosis naming the
// cause, every row stays valid (none unknown: no create call was made), and nothing reaches
// the sandbox.
func TestTokenEndpointUnreachable(t *testing.T) {
	t.Parallel()
	const htmlPage = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
	cases := []struct {
		name      string
		answer    func(w http.ResponseWriter, r *http.Request)
		diagnosis string // "" when only the exit code and the items are checked
	}{
		{"hangs", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, "did not answer"},
		{"HTML 502", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, htmlPage)
		}, "HTML page"},
		{"HTML 200", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<!DOCTYPE html><html><body>Welcome to our portal</body></html>")
		}, ""},
		{"429", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			answerEnvelope(w, http.StatusTooManyRequests, "Too many requests")
		}, "slow down"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t, setupOptions{Rows: 10, Wrap: func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == enkash.PathToken {
						tc.answer(w, r)
						return
					}
					next.ServeHTTP(w, r)
				})
			}})
			o := h.run(nil, h.runArgs("--timeout", "300ms")...)
			if o.Code != 3 {
				t.Fatalf("batch run: %s; want exit 3\n%s", o, tail(o.Stderr, 20))
			}
			if tc.diagnosis != "" && !strings.Contains(o.Stderr, tc.diagnosis) {
				t.Errorf("stderr does not say %q:\n%s", tc.diagnosis, tail(o.Stderr, 5))
			}
			if st := h.states(); st[domain.StatusValid] != len(h.rows) || len(st) != 1 {
				t.Errorf("states %+v; want all %d rows valid, none unknown", st, len(h.rows))
			}
			if n := len(h.payoutCalls()); n != 0 {
				t.Errorf("%d payouts reached the sandbox", n)
			}
		})
	}
}

// TestDuplicateAnswer_BillIsNotOurs: a bill whose referenceId Enkash already holds under a bill
// of another amount (BBPS code 38) is held with a reference_conflict, never counted paid, and
// never sent again.
func TestDuplicateAnswer_BillIsNotOurs(t *testing.T) {
	t.Parallel()
	const ref = "BILL-E2E-0002"
	h := setup(t, setupOptions{Scenario: "bill_conflict.yaml", Rows: 1})
	bills := "Reference,Biller ID,Consumer Number,AD1,AD2,Amount,Due Date,Bill Date,Circle,Remarks\n" +
		"BILL-E2E-0001,1042,110023456789,,,\"4,812.00\",30-11-2026,10-11-2026,,HQ\n" +
		"BILL-E2E-0002,1042,110023456790,,,\"1,250.00\",30-11-2026,10-11-2026,,Warehouse\n" +
		"BILL-E2E-0003,1042,110023456791,,,\"990.00\",30-11-2026,10-11-2026,,Store\n"
	writeInboxFile(t, h, "bills", "bills_e2e.csv", bills)
	if o := h.run(nil, h.runArgs()...); o.Code != 1 {
		t.Fatalf("batch run: %s; want exit 1\n%s", o, tail(o.Stderr, 20))
	}
	conflicts := 0
	for _, e := range h.exceptions() {
		if e.Category == domain.CategoryReferenceConflict {
			conflicts++
			if e.Reference != ref || e.Kind != domain.KindBills {
				t.Errorf("reference_conflict on %s %s; want bills %s", e.Kind, e.Reference, ref)
			}
		}
	}
	if conflicts != 1 {
		t.Errorf("%d reference_conflict exceptions; want 1", conflicts)
	}
	var held, paid int
	for _, c := range h.status().States {
		if c.Kind == domain.KindBills && c.Status == domain.StatusHeld {
			held += c.Count
		}
		if c.Kind == domain.KindBills && c.Status == domain.StatusSuccess {
			paid += c.Count
		}
	}
	if held != 1 || paid != 2 {
		t.Errorf("bills: %d held, %d successful; want 1 and 2", held, paid)
	}
	billCall := func() (creates, duplicates int) {
		for _, c := range h.calls() {
			if c.Reference == ref {
				return c.Creates, c.Duplicates
			}
		}
		return 0, 0
	}
	if c, d := billCall(); c != 1 || d != 1 {
		t.Errorf("%s: creates %d, duplicates %d; want one create, refused as a duplicate", ref, c, d)
	}
	h.run(nil, h.runArgs()...)
	if c, _ := billCall(); c != 1 {
		t.Errorf("%s sent again by the second run: creates %d", ref, c)
	}
}
