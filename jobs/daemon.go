package jobs

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"enkashbatch/domain"
	"enkashbatch/ledger"
)

// Daemon is the work side of `batch serve`: it runs scheduled jobs and ingests the files the
// watcher finds complete, on one pipeline, under the data folder's lock its caller holds.
// Jobs run one at a time (two jobs' submit, poll and reconcile steps never interleave, so an
// item one of them is sending is never taken for an item in doubt by the other); ingests run
// one at a time, and may run beside a job's other steps.
type Daemon struct {
	p *Pipeline
	w *Watcher
	// settle makes an ingest step that finds files not yet complete look again one scan
	// interval later (for --once, which has no earlier scans to compare with).
	settle bool

	jobMu    sync.Mutex
	ingestMu sync.Mutex
}

// NewDaemon returns a daemon over pipeline p and watcher w. With settle, an ingest step looks
// twice, one scan interval apart, before it leaves a file for later.
func NewDaemon(p *Pipeline, w *Watcher, settle bool) *Daemon {
	return &Daemon{p: p, w: w, settle: settle}
}

// RunJob runs a job's steps for one occurrence; it is the scheduler's RunFunc.
func (d *Daemon) RunJob(ctx context.Context, job Job, occ Occurrence) JobResult {
	d.jobMu.Lock()
	defer d.jobMu.Unlock()
	if err := ctx.Err(); err != nil {
		return JobResult{Outcome: ledger.ScheduleInterrupted, Detail: "the daemon is stopping"}
	}
	res, err := d.p.RunSteps(ctx, StepsSpec{
		Command:      "schedule:" + job.Name,
		Steps:        job.Steps,
		PollDeadline: job.PollDeadline,
		ReportDir:    job.ReportDir,
		Ingest: func(ctx context.Context, runID int64) ([]FileOutcome, error) {
			return d.ingest(ctx, runID, job.Kinds)
		},
	})
	return jobResult(ctx, res, err)
}

// jobResult turns what RunSteps returned into the occurrence's outcome.
func jobResult(ctx context.Context, res Result, err error) JobResult {
	r := JobResult{RunID: res.RunID, Outcome: ledger.ScheduleOK}
	switch {
	case err != nil && ctx.Err() != nil, res.Stopped != nil && errors.Is(res.Stopped, context.Canceled):
		r.Outcome, r.Detail = ledger.ScheduleInterrupted, "the daemon stopped while it ran; resumed when it is back"
	case err != nil:
		r.Outcome, r.Detail = ledger.ScheduleFailed, err.Error()
	case res.Stopped != nil:
		r.Outcome, r.Detail = ledger.ScheduleStopped, res.Stopped.Error()
	default:
		open := 0
		for _, e := range res.Exceptions {
			if e.ResolvedAt == nil {
				open++
			}
		}
		if open > 0 {
			r.Outcome = ledger.ScheduleAttention
		}
	}
	return r
}

// IngestArrivals ingests the files the watcher finds complete, and any a stopped run left in
// processing/, under a run of their own ("ingest"). It does nothing, and records no run, when
// there is nothing to take.
func (d *Daemon) IngestArrivals(ctx context.Context) (Result, []FileOutcome, error) {
	d.ingestMu.Lock()
	defer d.ingestMu.Unlock()
	ready, _, err := d.w.Scan()
	if err != nil {
		return Result{}, nil, err
	}
	left, err := d.p.leftovers()
	if err != nil || len(ready)+len(left) == 0 {
		return Result{}, nil, err
	}
	runID, err := d.p.ledger.StartRun(ctx, StepIngest, d.p.cfg.Sandbox)
	if err != nil {
		return Result{}, nil, err
	}
	p := d.p.withLog(d.p.log.With("run", runID))
	out, err := p.IngestFiles(ctx, runID, ready)
	for _, path := range ready {
		d.w.Forget(path)
	}
	outcome, detail := "ok", ""
	switch {
	case err != nil && isStop(err):
		outcome, detail = "stopped", err.Error()
		err = nil
	case err != nil:
		outcome, detail = "failed", err.Error()
	}
	p.finish(runID, outcome, detail)
	return Result{RunID: runID}, out, err
}

// ingest is a job's ingest step: the complete files of the job's kinds.
func (d *Daemon) ingest(ctx context.Context, runID int64, kinds []domain.Kind) ([]FileOutcome, error) {
	d.ingestMu.Lock()
	defer d.ingestMu.Unlock()
	ready, waiting, err := d.w.Scan()
	if err != nil {
		return nil, err
	}
	if d.settle && waiting > 0 {
		select {
		case <-ctx.Done():
			return nil, stopFor(ctx.Err())
		case <-time.After(d.w.Interval()):
		}
		if ready, _, err = d.w.Scan(); err != nil {
			return nil, err
		}
	}
	ready = filterKinds(filepath.Join(d.p.cfg.Home, dirInbox), ready, kinds)
	out, err := d.p.withLog(d.p.log.With("run", runID)).IngestFiles(ctx, runID, ready)
	for _, path := range ready {
		d.w.Forget(path)
	}
	return out, err
}

// filterKinds keeps the files of the inbox folders of kinds, and the files at the top of the
// inbox (whose kind only their content tells); empty kinds keeps everything.
func filterKinds(inbox string, paths []string, kinds []domain.Kind) []string {
	if len(kinds) == 0 {
		return paths
	}
	var out []string
	for _, p := range paths {
		rel, err := filepath.Rel(inbox, p)
		if err != nil {
			continue
		}
		first, _, nested := strings.Cut(filepath.ToSlash(rel), "/")
		k, isKind := domain.ParseKind(first)
		if !nested || !isKind || slices.Contains(kinds, k) {
			out = append(out, p)
		}
	}
	return out
}

// withLog returns a copy of the pipeline that logs to l.
func (p *Pipeline) withLog(l *slog.Logger) *Pipeline {
	q := *p
	q.log, q.cfg.Logger = l, l
	return &q
}
