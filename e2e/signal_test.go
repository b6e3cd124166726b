package e2e_test

import (
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"enkashbatch/domain"
)

// signalRows and signalBatch make a run of 40 batch calls of 200ms each, four at a time: about
// two seconds of submitting in which to signal it.
const (
	signalRows  = 2000
	signalBatch = 50
)

// TestSIGTERM_MidSubmit signals a run while it submits. One SIGTERM: the run claims no new
// batch, lets the calls in flight finish and records their answers, writes its report and
// exits cleanly; the next run finishes the work. Two SIGTERMs: the run exits at once with 130,
// and the next run still resolves what was in flight before sending anything again.
func TestSIGTERM_MidSubmit(t *testing.T) {
	t.Parallel()
	t.Run("once", func(t *testing.T) {
		t.Parallel()
		h := setup(t, setupOptions{Scenario: "slow.yaml", Rows: signalRows, RunFlags: []string{"--batch-size", strconv.Itoa(signalBatch)}})
		p := h.start(nil, h.runArgs()...)
		waitFor(t, 30*time.Second, "the first batches to reach the sandbox", func() bool { return batchesReceived(h.srv) >= 4 })
		p.signal(syscall.SIGTERM)
		o := p.wait()
		if o.Signal != 0 || (o.Code != 0 && o.Code != 1 && o.Code != 3) {
			t.Fatalf("after one SIGTERM: %s; want a clean exit (0, 1 or 3)\n%s", o, tail(o.Stderr, 20))
		}
		if !strings.Contains(o.Stderr, "stopping after the calls in flight") {
			t.Errorf("stderr does not say the run is stopping:\n%s", tail(o.Stderr, 20))
		}
		sent := batchesReceived(h.srv)
		if want := signalRows / signalBatch; sent >= want {
			t.Errorf("the run sent all %d batches despite the SIGTERM; want it to stop claiming new ones", sent)
		}
		// Every call in flight was let finish and recorded: nothing is left in doubt.
		for _, c := range h.status().States {
			if c.Status == domain.StatusSubmitting || c.Status == domain.StatusUnknown {
				t.Errorf("after a clean stop, %d items are %s; want their answers recorded", c.Count, c.Status)
			}
		}
		h.assertTiesOut()
		t.Logf("stopped after %d of %d batches: %s", sent, signalRows/signalBatch, o)

		h.finishAll(3)
		h.assertProperties()
	})
	t.Run("twice", func(t *testing.T) {
		t.Parallel()
		h := setup(t, setupOptions{Scenario: "slow.yaml", Rows: signalRows, RunFlags: []string{"--batch-size", strconv.Itoa(signalBatch)}})
		p := h.start(nil, h.runArgs()...)
		waitFor(t, 30*time.Second, "the first batches to reach the sandbox", func() bool { return batchesReceived(h.srv) >= 4 })
		p.signal(syscall.SIGTERM)
		waitFor(t, 10*time.Second, "the run to acknowledge the first SIGTERM", func() bool {
			return strings.Contains(p.stderr.String(), "stopping after the calls in flight")
		})
		second := time.Now()
		p.signal(syscall.SIGTERM)
		o := p.wait()
		if o.Signal != 0 || o.Code != 130 {
			t.Fatalf("after two SIGTERMs: %s; want exit 130\n%s", o, tail(o.Stderr, 20))
		}
		if took := time.Since(second); took > 5*time.Second {
			t.Errorf("the second SIGTERM took %s to end the run; want it at once", took)
		}
		h.finishAll(3)
		h.assertProperties()
	})
}
