package jobs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"enkashbatch/jobs"
	"enkashbatch/ledger"
)

// stepsHome is a data folder with a real ledger.
type stepsHome struct {
	home  string
	inbox string // its payouts folder
	db    *ledger.DB
}

func setupHome(t *testing.T) stepsHome {
	t.Helper()
	home := t.TempDir()
	if err := jobs.EnsureHome(home); err != nil {
		t.Fatal(err)
	}
	db, err := ledger.Open(context.Background(), filepath.Join(home, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return stepsHome{home: home, inbox: filepath.Join(home, "inbox", "payouts"), db: db}
}

// payoutsCSV returns a payout file of n valid rows whose references start with prefix.
func payoutsCSV(prefix string, n int) []byte {
	var b strings.Builder
	b.WriteString("Reference,Beneficiary Name,Account Number,IFSC,VPA,Amount,Mode\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%s-%04d,Asha Rao,5010023456%04d,HDFC0001234,,%d.50,IMPS\n", prefix, i, i, 1000+i)
	}
	return []byte(b.String())
}

// TestPipeline_RunSteps runs a sequence without Enkash steps under one run record, while the
// data folder is locked (as the daemon holds it), and copies the report to report_dir.
func TestPipeline_RunSteps(t *testing.T) {
	b := setupHome(t)
	unlock, err := jobs.LockHome(b.home)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if err := os.WriteFile(filepath.Join(b.inbox, "steps.csv"), payoutsCSV("STEP", 4), 0o644); err != nil {
		t.Fatal(err)
	}
	p := jobs.New(jobs.Config{Home: b.home}, b.db, nil)
	out := filepath.Join(t.TempDir(), "finance")
	res, err := p.RunSteps(context.Background(), jobs.StepsSpec{Command: "schedule:test", Steps: []jobs.Step{jobs.StepIngest, jobs.StepReport}, ReportDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != jobs.OutcomeCompleted || len(res.Files) != 1 || res.Files[0].Tally.In.Count != 4 {
		t.Fatalf("result = %+v", res)
	}
	if _, err := os.Stat(filepath.Join(out, filepath.Base(res.Workbook))); err != nil {
		t.Errorf("workbook not copied to report_dir: %v", err)
	}
	info, err := b.db.Run(context.Background(), res.RunID)
	if err != nil || info.Command != "schedule:test" || info.Outcome != "ok" {
		t.Errorf("run record = %+v, %v", info, err)
	}
	if _, err := p.RunSteps(context.Background(), jobs.StepsSpec{Steps: []jobs.Step{"sumbit"}}); err == nil {
		t.Error("an unknown step was accepted")
	}
}
