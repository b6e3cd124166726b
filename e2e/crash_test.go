package e2e_test

import (
	"fmt"
	"syscall"
	"testing"
)

// TestCrash_AtEveryPoint kills the binary with SIGKILL at each crash point of a submission
// (after the intent is committed, after Enkash has the batch but before the ledger knows, after
// the answer is recorded), then runs it again until it finishes: nothing is sent twice and
// every row is accounted for.
func TestCrash_AtEveryPoint(t *testing.T) {
	t.Parallel()
	type crashCase struct {
		point    string
		n        int
		scenario string
	}
	var cases []crashCase
	for _, point := range []string{"after-claim", "after-send", "after-apply"} {
		for _, n := range []int{1, 2, 5} {
			cases = append(cases, crashCase{point: point, n: n})
		}
	}
	// The dangerous case twice over: batches recorded by the sandbox and answered 500, and a
	// crash between the sandbox's answer and the ledger's record.
	cases = append(cases, crashCase{point: "after-send", n: 3, scenario: "after_commit_500.yaml"},
		crashCase{point: "after-claim", n: 4, scenario: "after_commit_500.yaml"})

	for _, c := range cases {
		name := fmt.Sprintf("%s:%d", c.point, c.n)
		if c.scenario != "" {
			name += "+500-after-commit"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := setup(t, setupOptions{Scenario: c.scenario, Rows: 300})
			crash := h.run([]string{fmt.Sprintf("BATCH_TEST_CRASH_AT=%s:%d", c.point, c.n)}, h.runArgs()...)
			if crash.Signal != syscall.SIGKILL {
				t.Fatalf("run with crash point %s:%d: %s; want killed by SIGKILL", c.point, c.n, crash)
			}
			h.runToEnd(4)
			h.assertProperties()
			if st := h.srv.Stats(); c.scenario != "" && st.HTTP500AfterCommit == 0 {
				t.Errorf("the scenario injected no 500 after commit: %+v", st)
			}
			h.finishAll(3)
			h.assertProperties()
		})
	}
}
