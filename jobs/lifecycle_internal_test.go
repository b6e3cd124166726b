package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"enkashbatch/enkash"
	"enkashbatch/enkash/sandbox"
	"enkashbatch/ledger"
)

// entryPoint runs one entry point of the pipeline and reports what it returned.
type entryPoint struct {
	name string
	// step is where the fault is injected: the entry point's first step of work.
	step Step
	run  func(ctx context.Context, p *Pipeline) (outcome Outcome, runID int64, workbook string, err error)
	// reports is set when the entry point writes a report after a stop.
	reports bool
	// prepare, when set, runs before the fault is armed (the day's reconciliation needs the
	// inbox's file ingested to have something to look at).
	prepare func(p *Pipeline) error
}

var entryPoints = []entryPoint{
	{name: "Run", step: StepIngest, reports: true, run: func(ctx context.Context, p *Pipeline) (Outcome, int64, string, error) {
		res, err := p.Run(ctx)
		return res.Outcome, res.RunID, res.Workbook, err
	}},
	{name: "RunSteps", step: StepIngest, reports: true, run: func(ctx context.Context, p *Pipeline) (Outcome, int64, string, error) {
		res, err := p.RunSteps(ctx, StepsSpec{Command: "schedule:test", Steps: []Step{StepIngest, StepReport}})
		return res.Outcome, res.RunID, res.Workbook, err
	}},
	{name: "IngestOnly", step: StepIngest, run: func(ctx context.Context, p *Pipeline) (Outcome, int64, string, error) {
		res, err := p.IngestOnly(ctx)
		return res.Outcome, res.RunID, "", err
	}},
	{name: "IngestArrivals", step: StepIngest, run: func(ctx context.Context, p *Pipeline) (Outcome, int64, string, error) {
		w := NewWatcher(p.cfg.Home, 0, p.cfg.Inbox, nil) // no settle time: a file is taken at once
		a, err := w.Scan()
		if err != nil {
			return OutcomeNone, 0, "", err
		}
		res, err := p.IngestArrivals(ctx, w, a)
		return res.Outcome, res.RunID, "", err
	}},
	{name: "ReconcileDay", step: StepReconcile,
		prepare: func(p *Pipeline) error { _, err := p.IngestOnly(context.Background()); return err },
		run: func(ctx context.Context, p *Pipeline) (Outcome, int64, string, error) {
			res, err := p.ReconcileDay(ctx, time.Now(), time.UTC)
			return res.Outcome, res.RunID, "", err
		}},
}

// TestLifecycle_EveryEntryPointEndsTheSameWay injects the same errors at the first step of
// every entry point of the pipeline and checks that each records the same outcome in the
// ledger, returns the same typed outcome, and returns its error the same way: nil when the
// run completed, a *StopError (wrapping the cause) when it stopped, the failure itself when
// it failed; and that a stopped run still writes its report where the entry point has one.
func TestLifecycle_EveryEntryPointEndsTheSameWay(t *testing.T) {
	boom := errors.New("the ledger answered nonsense")
	cases := []struct {
		name string
		// file is the inbox's payout file: "good", "bad" (every row rejected) or "".
		file     string
		fault    func(cancel context.CancelFunc) error
		want     Outcome
		recorded string
	}{
		{"completed", "", nil, OutcomeCompleted, "ok"},
		{"attention", "bad", nil, OutcomeAttention, "ok"},
		{"configuration", "good", func(context.CancelFunc) error {
			return fmt.Errorf("submit: %w", &enkash.ConfigRefusal{Endpoint: "POST /payout", Setting: "ENKASH_CLIENT_SECRET", Fix: "check it"})
		}, OutcomeStoppedConfig, "stopped"},
		{"unreachable", "good", func(context.CancelFunc) error { return fmt.Errorf("search: %w", enkash.ErrUnreachable) }, OutcomeStoppedEnkash, "stopped"},
		{"credentials", "good", func(context.CancelFunc) error { return fmt.Errorf("token: %w", enkash.ErrAuthRejected) }, OutcomeStoppedEnkash, "stopped"},
		{"disk full", "good", func(context.CancelFunc) error { return fmt.Errorf("write: %w", syscall.ENOSPC) }, OutcomeStoppedDiskFull, "stopped"},
		{"cancelled", "good", func(cancel context.CancelFunc) error { cancel(); return fmt.Errorf("ingest: %w", context.Canceled) }, OutcomeCancelled, "stopped"},
		{"failure after a cancel", "good", func(cancel context.CancelFunc) error { cancel(); return boom }, OutcomeCancelled, "stopped"},
		{"failure", "good", func(context.CancelFunc) error { return boom }, OutcomeFailed, "failed"},
	}
	client := sandboxClient(t)
	for _, ep := range entryPoints {
		for _, c := range cases {
			t.Run(ep.name+"/"+c.name, func(t *testing.T) {
				p, db := lifecyclePipeline(t, client)
				file := c.file
				if c.name == "completed" && ep.name == "IngestArrivals" {
					file = "good" // with nothing to take, it records no run
				}
				writePayouts(t, p.cfg.Home, file)
				if ep.prepare != nil {
					if err := ep.prepare(p); err != nil {
						t.Fatal(err)
					}
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				var injected error
				if c.fault != nil {
					p.fault = func(s Step) error {
						if s != ep.step {
							return nil
						}
						injected = c.fault(cancel)
						return injected
					}
				}
				outcome, runID, workbook, err := ep.run(ctx, p)
				if outcome != c.want {
					t.Errorf("outcome %v, want %v (err %v)", outcome, c.want, err)
				}
				switch {
				case c.want.Completed() && err != nil:
					t.Errorf("completed run returned %v", err)
				case c.want.Stopped() && (!IsStop(err) || !errors.Is(err, injected)):
					t.Errorf("stopped run returned %v (%T), want a *StopError wrapping %v", err, err, injected)
				case c.want == OutcomeFailed && (IsStop(err) || !errors.Is(err, boom)):
					t.Errorf("failed run returned %v, want the failure itself", err)
				}
				info, lerr := db.Run(context.Background(), runID)
				if lerr != nil {
					t.Fatalf("run %d: %v", runID, lerr)
				}
				if info.Outcome != c.recorded || info.FinishedAt.IsZero() {
					t.Errorf("ledger records outcome %q (finished %v), want %q", info.Outcome, info.FinishedAt, c.recorded)
				}
				if ep.reports && (workbook != "") != !(c.want == OutcomeFailed) {
					t.Errorf("workbook %q after a run %v", workbook, c.want)
				}
			})
		}
	}
}

func TestOutcome_Words(t *testing.T) {
	for o := OutcomeNone; o <= OutcomeFailed; o++ {
		if o.String() == "" || o.String() == fmt.Sprintf("Outcome(%d)", int(o)) {
			t.Errorf("outcome %d has no name", int(o))
		}
		if n := btoi(o.Completed()) + btoi(o.Stopped()) + btoi(o == OutcomeFailed || o == OutcomeNone); n != 1 {
			t.Errorf("%v is in %d of completed, stopped, failed", o, n)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sandboxClient is an Enkash client of a sandbox on loopback, for the whole test.
func sandboxClient(t *testing.T) *enkash.Client {
	t.Helper()
	creds := sandbox.DemoCredentials()
	url, stop, err := sandbox.Start(context.Background(), "127.0.0.1:0", sandbox.New(nil, creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	client, err := enkash.New(enkash.Config{BaseURL: url, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
		Username: creds.Username, Password: creds.Password, FundSourceID: "EKCI4XTWKC", DebitAccountNumber: "000111222333"})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

func lifecyclePipeline(t *testing.T, client *enkash.Client) (*Pipeline, *ledger.DB) {
	t.Helper()
	home := t.TempDir()
	if err := EnsureHome(home); err != nil {
		t.Fatal(err)
	}
	db, err := ledger.Open(context.Background(), filepath.Join(home, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return New(Config{Home: home, PollInterval: 10 * time.Millisecond, PollDeadline: time.Second, Location: time.UTC}, db, client), db
}

// writePayouts puts a payout file in the inbox: "good" (one valid row), "bad" (one row whose
// IFSC is wrong) or nothing.
func writePayouts(t *testing.T, home, kind string) {
	t.Helper()
	row := map[string]string{"good": "LC-1,Asha Rao,501002345600,HDFC0001234,,1000.50,IMPS\n",
		"bad": "LC-2,Asha Rao,501002345600,NOT-AN-IFSC,,1000.50,IMPS\n"}[kind]
	if row == "" {
		return
	}
	data := "Reference,Beneficiary Name,Account Number,IFSC,VPA,Amount,Mode\n" + row
	if err := os.WriteFile(filepath.Join(home, dirInbox, "payouts", "lc.csv"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
