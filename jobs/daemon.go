package jobs

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"

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

// IngestArrivals ingests the files the watcher finds complete, sets aside the inbox entries
// that are not files, and takes any file a stopped run left in processing/, under a run of
// their own ("ingest"). It does nothing, and records no run, when there is nothing to take.
func (d *Daemon) IngestArrivals(ctx context.Context) (Result, []FileOutcome, error) {
	d.ingestMu.Lock()
	defer d.ingestMu.Unlock()
	res, err := d.w.scan()
	if err != nil {
		return Result{}, nil, err
	}
	left, err := listFolder(filepath.Join(d.p.cfg.Home, dirProcessing), d.p.cfg.Inbox.FollowSymlinks)
	if err != nil || len(res.ready)+len(res.odd)+len(left.files)+len(left.odd) == 0 {
		return Result{}, nil, err
	}
	runID, err := d.p.ledger.StartRun(ctx, StepIngest, d.p.cfg.Sandbox)
	if err != nil {
		return Result{}, nil, err
	}
	p := d.p.withLog(d.p.log.With("run", runID))
	out, err := p.ingestScan(ctx, runID, res.ready, res.odd)
	for _, f := range res.ready {
		d.w.Forget(f.path)
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

// Waiting returns what the watcher's last scan held back or found to set aside.
func (d *Daemon) Waiting() []WaitingFile { return d.w.Waiting() }

// ingest is a job's ingest step: the complete files of the job's kinds.
func (d *Daemon) ingest(ctx context.Context, runID int64, kinds []domain.Kind) ([]FileOutcome, error) {
	d.ingestMu.Lock()
	defer d.ingestMu.Unlock()
	res, err := d.w.scan()
	if err != nil {
		return nil, err
	}
	if d.settle && !res.settleBy.IsZero() {
		if err := sleepCtx(ctx, min(res.settleBy.Sub(d.w.now()), d.w.policy.Settle)); err != nil {
			return nil, stopFor(err)
		}
		if res, err = d.w.scan(); err != nil {
			return nil, err
		}
	}
	ready, odd := filterKinds(res.ready, kinds), filterKinds(res.odd, kinds)
	out, err := d.p.withLog(d.p.log.With("run", runID)).ingestScan(ctx, runID, ready, odd)
	for _, f := range ready {
		d.w.Forget(f.path)
	}
	return out, err
}

// filterKinds keeps the entries of the inbox folders of kinds, and those at the top of the
// inbox (whose kind only their content tells); empty kinds keeps everything.
func filterKinds(files []inboxFile, kinds []domain.Kind) []inboxFile {
	if len(kinds) == 0 {
		return files
	}
	var out []inboxFile
	for _, f := range files {
		if f.kind == "" || slices.Contains(kinds, f.kind) {
			out = append(out, f)
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
