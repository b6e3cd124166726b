package e2e_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"
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

// TestCrash_AtRandomMoments kills the binary with SIGKILL at moments spread over a whole run
// (ingest, submit, poll, reconcile, report), several times in a row, then lets it finish:
// the properties hold whatever was interrupted.
func TestCrash_AtRandomMoments(t *testing.T) {
	t.Parallel()
	h := setup(t, setupOptions{Scenario: "steady.yaml", Rows: 600, RunFlags: []string{"--batch-size", "20"}})
	killed := 0
	// Fixed moments, so that a failure can be replayed; they fall in different steps.
	for _, after := range []time.Duration{30 * time.Millisecond, 120 * time.Millisecond, 350 * time.Millisecond,
		700 * time.Millisecond, 1100 * time.Millisecond, 1600 * time.Millisecond, 250 * time.Millisecond} {
		p := h.start(nil, h.runArgs()...)
		timer := time.AfterFunc(after, func() { p.cmd.Process.Signal(syscall.SIGKILL) })
		o := p.wait()
		timer.Stop()
		switch {
		case o.Signal == syscall.SIGKILL:
			killed++
		case o.Signal != 0 || (o.Code != 0 && o.Code != 1):
			t.Fatalf("run to be killed after %s: %s\n%s", after, o, tail(o.Stderr, 20))
		}
	}
	t.Logf("%d of the runs were killed before their end", killed)
	if killed < 3 {
		t.Errorf("only %d of the runs were killed; the moments no longer fall inside a run", killed)
	}
	h.runToEnd(4)
	h.assertProperties()
	h.finishAll(3)
	h.assertProperties()
}
