package e2e_test

import (
	"strings"
	"testing"
)

// TestTwoConcurrentRuns starts two runs on one data folder at once: one works, the other
// leaves with exit 2 and a message naming the other process, and nothing is sent twice.
func TestTwoConcurrentRuns(t *testing.T) {
	t.Parallel()
	// Slow calls keep the first run busy for seconds, so the two overlap.
	h := setup(t, setupOptions{Scenario: "slow.yaml", Rows: 500, RunFlags: []string{"--batch-size", "25"}})
	a := h.start(nil, h.runArgs()...)
	b := h.start(nil, h.runArgs()...)
	oa, ob := a.wait(), b.wait()

	busy, worker := oa, ob
	if ob.Code == 2 {
		busy, worker = ob, oa
	}
	if busy.Signal != 0 || busy.Code != 2 || !strings.Contains(busy.Stderr, "another batch process") {
		t.Errorf("want one run to exit 2 saying another batch process holds the folder; got %s:\n%s\nand %s:\n%s",
			oa, tail(oa.Stderr, 5), ob, tail(ob.Stderr, 5))
	}
	if worker.Signal != 0 || worker.Code != 0 {
		t.Errorf("the run that got the folder: %s; want exit 0\n%s", worker, tail(worker.Stderr, 10))
	}
	h.assertProperties()
	if !h.allSuccessful() {
		t.Errorf("not every item is final and successful: %+v", h.status().States)
	}
}
