package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// StepsSpec is a sequence of pipeline steps to run under one run record, and its options.
type StepsSpec struct {
	// Command is recorded as the run's command, e.g. "schedule:nightly".
	Command string
	// Steps are step names (StepIngest...), run in order.
	Steps []string
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
// writes the report, when the sequence has one, even after a step stopped the run early (the
// run's Result.Stopped says why), and records how the run ended.
func (p *Pipeline) RunSteps(ctx context.Context, spec StepsSpec) (Result, error) {
	for _, s := range spec.Steps {
		if !slices.Contains(Steps, s) {
			return Result{}, fmt.Errorf("run steps: unknown step %q", s)
		}
	}
	runID, err := p.ledger.StartRun(ctx, spec.Command, p.cfg.Sandbox)
	if err != nil {
		return Result{}, err
	}
	q := p.withLog(p.log.With("run", runID)) // this run's pipeline: logs carry the run id
	if spec.PollDeadline > 0 {
		q.cfg.PollDeadline = spec.PollDeadline
	}
	res := Result{RunID: runID}

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
		stepErr = q.step(ctx, runID, step, spec)
		q.log.Info("step done", "step", step, "took", time.Since(start).Round(time.Millisecond), "err", errText(stepErr))
	}
	if stepErr != nil && !isStop(stepErr) {
		q.finish(runID, "failed", stepErr.Error())
		return res, stepErr
	}
	res.Stopped = stepErr
	if report {
		rctx := context.WithoutCancel(ctx) // a stopped run still leaves its record behind
		if err := q.report(rctx, runID, &res); err != nil {
			q.finish(runID, "failed", err.Error())
			return res, err
		}
		if spec.ReportDir != "" {
			if err := copyReports(spec.ReportDir, append([]string{res.Workbook}, res.FixFiles...)); err != nil {
				q.finish(runID, "failed", err.Error())
				return res, err
			}
		}
	}
	outcome, detail := "ok", ""
	if res.Stopped != nil {
		outcome, detail = "stopped", res.Stopped.Error()
	}
	q.finish(runID, outcome, detail)
	return res, nil
}

func (p *Pipeline) step(ctx context.Context, runID int64, step string, spec StepsSpec) error {
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

func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, in); err != nil {
		return errors.Join(err, tmp.Close())
	}
	if err := tmp.Sync(); err != nil {
		return errors.Join(err, tmp.Close())
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
