package jobs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"enkashbatch/internal/atomicfile"
)

// Step is one step of the pipeline a run may be made of.
type Step string

// The pipeline's steps, in their usual order.
const (
	StepIngest    Step = "ingest"
	StepSubmit    Step = "submit"
	StepPoll      Step = "poll"
	StepReconcile Step = "reconcile"
	StepReport    Step = "report"
)

// Steps lists every step, in order.
var Steps = []Step{StepIngest, StepSubmit, StepPoll, StepReconcile, StepReport}

// ParseStep returns the step named name (as written in a schedule: any case, spaces around).
func ParseStep(name string) (Step, bool) {
	s := Step(strings.ToLower(strings.TrimSpace(name)))
	return s, slices.Contains(Steps, s)
}

// StepsSpec is a sequence of pipeline steps to run under one run record, and its options.
type StepsSpec struct {
	// Command is recorded as the run's command, e.g. "schedule:nightly".
	Command string
	// Steps run in order (the report, when listed, last).
	Steps []Step
	// PollDeadline overrides Config.PollDeadline for this run when positive.
	PollDeadline time.Duration
	// ReportDir, when set, receives a copy of the workbook and fix-and-redrop files the
	// report step writes.
	ReportDir string
	// Ingest, when set, is the ingest step (the daemon's takes only complete files); nil
	// ingests the whole inbox like Ingest.
	Ingest func(ctx context.Context, runID int64) ([]FileOutcome, error)
}

// RunSteps runs a named sequence of steps under one run record, without taking the data
// folder's lock: the caller holds it (the daemon holds it for its whole life). Like Run, it
// writes the report, when the sequence has one, even after a step stopped the run early, and
// returns the *StopError with the result.
func (p *Pipeline) RunSteps(ctx context.Context, spec StepsSpec) (Result, error) {
	for _, s := range spec.Steps {
		if !slices.Contains(Steps, s) {
			return Result{}, fmt.Errorf("run steps: unknown step %q", s)
		}
	}
	r, err := p.start(ctx, spec.Command, false)
	if err != nil {
		return Result{}, err
	}
	q := r.p
	if spec.PollDeadline > 0 {
		q.cfg.PollDeadline = spec.PollDeadline
	}
	res := Result{RunID: r.id}
	var stepErr error
	report := false
	for _, step := range spec.Steps {
		if step == StepReport {
			report = true
			continue
		}
		if stepErr != nil {
			continue
		}
		start := time.Now()
		stepErr = q.step(ctx, r.id, step, spec)
		q.log.Info("step done", "step", step, "took", time.Since(start).Round(time.Millisecond), "err", errText(stepErr))
	}
	err = r.settle(ctx, stepErr)
	if report {
		err = q.reportAfter(ctx, err, &res, spec.ReportDir)
	}
	res.Outcome, err = r.finish(ctx, err, openExceptions(res.Exceptions))
	return res, err
}

func (p *Pipeline) step(ctx context.Context, runID int64, step Step, spec StepsSpec) error {
	switch step {
	case StepIngest:
		var err error
		if spec.Ingest != nil {
			_, err = spec.Ingest(ctx, runID)
		} else {
			_, err = p.Ingest(ctx, runID)
		}
		return err
	case StepSubmit:
		return p.Submit(ctx, runID)
	case StepPoll:
		return p.Poll(ctx, runID)
	case StepReconcile:
		return p.Reconcile(ctx, runID)
	}
	return fmt.Errorf("run steps: unknown step %q", step)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// copyReports copies files into dir, each through a temporary name and a rename, so that a
// reader of dir never sees half a workbook.
func copyReports(dir string, files []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("copy reports: %w", err)
	}
	for _, src := range files {
		if err := copyFile(src, filepath.Join(dir, filepath.Base(src))); err != nil {
			return fmt.Errorf("copy report %s: %w", filepath.Base(src), err)
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return atomicfile.Copy(dst, 0o600, in)
}
