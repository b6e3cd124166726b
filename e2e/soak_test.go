package e2e_test

import (
	"testing"
	"time"
)

// soakRows is how many payouts go through the fault soak (issue 3 asks for at least 10,000).
const soakRows = 10_000

// TestFaultSoak pushes 10,000 payouts through a sandbox that answers 5% of the payout calls
// with a 500 before processing, 5% with a 500 after recording them, holds 2% past the client's
// timeout and rate-limits with 429; the run is repeated until every item is final. Nothing may
// be sent twice, every row must tie out, and the wall time is compared with the same run on a
// fault-free sandbox.
func TestFaultSoak(t *testing.T) {
	// Batches of 100, so that there are enough calls for the faults to show, at a client rate
	// above the sandbox's limit (whether four workers actually exceed it depends on the
	// machine's speed; TestRateLimit429 makes sure of 429s). The poll deadline leaves room for
	// polls that meet faults, so that a run ends with its items final, not stuck.
	flags := []string{"--batch-size", "100", "--concurrency", "4", "--timeout", "1s", "--rate", "100", "--poll-deadline", "60s"}
	soak := func(t *testing.T, scenario string) (time.Duration, *harness) {
		h := setup(t, setupOptions{Scenario: scenario, Rows: soakRows, RunFlags: flags})
		start := time.Now()
		runs := h.finishAll(6)
		took := time.Since(start)
		t.Logf("%s: %d payouts final in %d runs, %s; sandbox %+v", scenario, soakRows, runs, took.Round(time.Millisecond), h.srv.Stats())
		h.assertProperties()
		return took, h
	}
	clean, _ := soak(t, "soak_clean.yaml")
	faulty, h := soak(t, "soak_faults.yaml")

	// About 150 calls: 500s of both kinds are all but certain; a timeout (2%) may by chance not
	// come up, and TestTimeoutsResolvedBySearch covers those for sure.
	st := h.srv.Stats()
	if st.HTTP500 == 0 || st.HTTP500AfterCommit == 0 {
		t.Errorf("the soak injected too few faults to prove anything: %+v", st)
	}
	ratio := float64(faulty) / float64(clean)
	t.Logf("fault soak: %s with faults vs %s without: %.1fx", faulty.Round(time.Millisecond), clean.Round(time.Millisecond), ratio)
	// The faults cost call timeouts (1s), back-offs (0.5s and up) and the lookups of the items
	// left in doubt. Measured on a shared 2-core machine: 1.4x to 2.0x (e.g. 15.4s vs 10.8s,
	// 16.6s vs 8.4s). The bound is loose because other tests share the machine: it catches a
	// pathological regression (a retry storm, a stalled resolve); it is not a benchmark.
	if maxRatio := 10.0; ratio > maxRatio {
		t.Errorf("the faulty run took %.1fx the fault-free one; want at most %.0fx", ratio, maxRatio)
	}
}
