package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"enkashbatch/jobs"
)

// TestPipeline_RunSteps runs a sequence without Enkash steps under one run record, while the
// data folder is locked (as the daemon holds it), and copies the report to report_dir.
func TestPipeline_RunSteps(t *testing.T) {
	b := setupWatch(t)
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
	res, err := p.RunSteps(context.Background(), jobs.StepsSpec{Command: "schedule:test", Steps: []string{jobs.StepIngest, jobs.StepReport}, ReportDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stopped != nil || len(res.Files) != 1 || res.Files[0].Tally.In.Count != 4 {
		t.Fatalf("result = %+v", res)
	}
	if _, err := os.Stat(filepath.Join(out, filepath.Base(res.Workbook))); err != nil {
		t.Errorf("workbook not copied to report_dir: %v", err)
	}
	info, err := b.db.Run(context.Background(), res.RunID)
	if err != nil || info.Command != "schedule:test" || info.Outcome != "ok" {
		t.Errorf("run record = %+v, %v", info, err)
	}
	if _, err := p.RunSteps(context.Background(), jobs.StepsSpec{Steps: []string{"sumbit"}}); err == nil {
		t.Error("an unknown step was accepted")
	}
}
