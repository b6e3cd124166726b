package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/enkash/sandbox"
)

// TestSandboxState_AcrossCommands: with no ENKASH_* variables each command runs the built-in
// sandbox in its own process, and the sandbox's state carries over through the data folder:
// a second `batch run` and a `batch reconcile` talk to the Enkash the first run filled, so
// they find every payout it sent (the only one missing is the one the scenario drops) and
// nothing is sent twice.
func TestSandboxState_AcrossCommands(t *testing.T) {
	b := &bundle{home: t.TempDir(), env: map[string]string{"BATCH_SETTLE": testSettle, "BATCH_APPROVAL": "off"}} // no ENKASH_*: in-process sandbox
	b.dropSamples(t)
	const dropped = "PAY-20261123-0025" // the scenario's drop: acknowledged, never found
	scenario := []string{"--home", b.home, "--scenario", "../../samples/sandbox.yaml", "--json"}
	runArgs := append([]string{"run", "--poll-interval", "100ms", "--poll-deadline", "2s"}, scenario...)

	type output struct {
		Sandbox     bool               `json:"sandbox"`
		Exceptions  []domain.Exception `json:"exceptions"`
		BalanceTies *bool              `json:"balance_ties"`
	}
	command := func(name string, args []string) output {
		t.Helper()
		code, stdout, stderr := b.run(t, args...)
		if code != exitOK && code != exitAttention {
			t.Fatalf("%s: exit %d\n%s\n%s", name, code, stdout, stderr)
		}
		var out output
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatalf("%s: output is not JSON: %v\n%s\n%s", name, err, stdout, stderr)
		}
		return out
	}
	noneMissing := func(name string, out output) {
		t.Helper()
		for _, e := range out.Exceptions {
			if e.Category == domain.CategoryMissingAtProvider && e.Kind == domain.KindPayouts && e.Reference != dropped {
				t.Errorf("%s: missing_at_provider on %s: %s", name, e.Reference, e.Detail)
			}
		}
	}
	sentOnce := func(name string) {
		t.Helper()
		srv := sandbox.New(nil, sandbox.DemoCredentials())
		if err := srv.LoadFile(filepath.Join(b.home, sandboxStateFile)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		payouts := 0
		for _, c := range srv.Calls() {
			if c.Kind == sandbox.KindPayout {
				payouts++
			}
			if c.Creates != 1 || c.Duplicates != 0 {
				t.Errorf("%s: %s %s: creates %d, duplicates %d; want 1 and 0", name, c.Kind, c.Reference, c.Creates, c.Duplicates)
			}
		}
		if payouts != 50 { // 60 sample rows, 10 rejected
			t.Errorf("%s: the saved sandbox received %d payout references, want 50", name, payouts)
		}
	}

	first := command("first run", runArgs)
	if !first.Sandbox {
		t.Fatal("the first run did not use the built-in sandbox")
	}
	noneMissing("first run", first)
	sentOnce("after the first run")

	second := command("second run", runArgs) // nothing new in the inbox
	noneMissing("second run", second)
	sentOnce("after the second run")

	day := command("reconcile", append([]string{"reconcile"}, scenario...))
	noneMissing("reconcile", day)
	var missing []string
	var unknown []domain.Exception
	for _, e := range day.Exceptions {
		if e.Kind != domain.KindPayouts { // the other kinds' samples have tests of their own
			continue
		}
		switch e.Category {
		case domain.CategoryMissingAtProvider:
			missing = append(missing, e.Reference)
		case domain.CategoryUnknownAtProvider:
			unknown = append(unknown, e)
		}
	}
	if len(missing) != 1 || missing[0] != dropped {
		t.Errorf("reconcile: missing_at_provider on %v, want %s alone", missing, dropped)
	}
	// The scenario's extra record is Enkash's from the first command on, once: the record, and
	// its debit on the statement (by its UTR); beside them, the scenario's unexplained debit.
	const extra, manual = "PAY-20261122-9001", "MAN-20261123-01"
	var record, debit, other int
	for _, e := range unknown {
		switch {
		case e.Reference == extra:
			record++
		case strings.Contains(e.Detail, "PAYOUT "+extra):
			debit++
		case e.Reference == manual:
			other++
		}
	}
	if len(unknown) != 3 || record != 1 || debit != 1 || other != 1 {
		t.Errorf("reconcile: unknown_at_provider %+v, want the extra %s and its statement debit", unknown, extra)
	}
	if day.BalanceTies == nil || !*day.BalanceTies {
		t.Errorf("reconcile: the statement and balance of the saved sandbox do not tie (balance_ties %v)", day.BalanceTies)
	}
	sentOnce("after reconcile")

	// A state file that is not one stops the next command with a configuration error, rather
	// than letting it talk to an empty Enkash.
	if err := os.WriteFile(filepath.Join(b.home, sandboxStateFile), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := b.run(t, runArgs...); code != exitUsage {
		t.Errorf("run with a broken sandbox state: exit %d, want %d\n%s", code, exitUsage, stderr)
	}
}
