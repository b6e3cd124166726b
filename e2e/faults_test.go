package e2e_test

import (
	"testing"
	"time"
)

// TestTimeoutsResolvedBySearch makes three in ten calls outlast the client's timeout after the
// sandbox has recorded them, and more answer 500 before or after recording: every item left
// in doubt is looked up, found or provably absent, and sent at most once.
func TestTimeoutsResolvedBySearch(t *testing.T) {
	t.Parallel()
	h := setup(t, setupOptions{Scenario: "timeouts.yaml", Rows: 300, RunFlags: []string{"--timeout", "300ms", "--batch-size", "20"}})
	runs := h.finishAll(5)
	t.Logf("final in %d runs; sandbox %+v", runs, h.srv.Stats())
	h.assertProperties()
	if st := h.srv.Stats(); st.Timeouts == 0 || st.HTTP500AfterCommit == 0 || st.HTTP500 == 0 {
		t.Errorf("the scenario injected too few faults: %+v", st)
	}
}

// TestTokenExpiresMidRun gives tokens a one-second life in a run that lasts several seconds:
// the client renews its token and the run completes, nothing sent twice.
func TestTokenExpiresMidRun(t *testing.T) {
	t.Parallel()
	h := setup(t, setupOptions{Scenario: "token_ttl.yaml", Rows: 400, RunFlags: []string{"--batch-size", "20", "--poll-deadline", "20s"}})
	o := h.run(nil, h.runArgs()...)
	if o.Code != 0 {
		t.Fatalf("batch run: %s; want exit 0\n%s", o, tail(o.Stderr, 20))
	}
	if o.Took < 3*time.Second {
		t.Errorf("the run took %s; the test needs it to outlive several one-second tokens", o.Took)
	}
	st := h.srv.Stats()
	t.Logf("run %s; sandbox %+v", o, st)
	if st.TokenCalls < 3 || st.TokenFailures != 0 {
		t.Errorf("sandbox saw %d token calls (%d failed) in a %s run with one-second tokens; want at least 3, none failed", st.TokenCalls, st.TokenFailures, o.Took)
	}
	h.assertProperties()
	if !h.allSuccessful() {
		t.Errorf("not every item is final and successful: %+v", h.status().States)
	}
}

// TestRateLimit429 lets the client call ten times faster than the sandbox allows: the sandbox
// answers 429 with Retry-After, the client waits and the run completes.
func TestRateLimit429(t *testing.T) {
	t.Parallel()
	h := setup(t, setupOptions{Scenario: "rate_limit.yaml", Rows: 300, RunFlags: []string{"--batch-size", "20", "--rate", "50", "--poll-deadline", "20s"}})
	o := h.run(nil, h.runArgs()...)
	if o.Code != 0 {
		t.Fatalf("batch run: %s; want exit 0\n%s", o, tail(o.Stderr, 20))
	}
	st := h.srv.Stats()
	t.Logf("run %s; sandbox %+v", o, st)
	if st.RateLimited == 0 {
		t.Errorf("the sandbox never answered 429: %+v", st)
	}
	h.assertProperties()
	if !h.allSuccessful() {
		t.Errorf("not every item is final and successful: %+v", h.status().States)
	}
}
