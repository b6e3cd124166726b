// Package daemon is the work of `batch serve`: the schedule (schedules.yaml), the scheduler
// that fires its jobs and catches up what was missed while the daemon was down, and the loop
// that ingests the inbox files the watcher (jobs.Watcher) finds complete. It drives the
// pipeline (package jobs), which never imports it.
package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"enkashbatch/domain"
	"enkashbatch/jobs"
	"enkashbatch/ledger"
)

// Daemon runs scheduled jobs and ingests the files the watcher finds complete, on one
// pipeline, under the data folder's lock its caller holds. Jobs run one at a time (two jobs'
// submit, poll and reconcile steps never interleave, so an item one of them is sending is
// never taken for an item in doubt by the other); ingests run one at a time, and may run
// beside a job's other steps.
type Daemon struct {
	p *jobs.Pipeline
	w *jobs.Watcher
	// settle makes an ingest step that finds files not yet complete look again one scan
	// interval later (for --once, which has no earlier scans to compare with).
	settle bool

	// NextSend, when set, says when the valid rows of a file of this kind will be sent: the
	// next occurrence of a scheduled job that submits. The receipts of ingested files say it.
	NextSend func(domain.Kind) (job string, at time.Time, ok bool)

	jobMu    sync.Mutex
	ingestMu sync.Mutex
}

// New returns a daemon over pipeline p and watcher w. With settle, an ingest step looks
// twice, one scan interval apart, before it leaves a file for later.
func New(p *jobs.Pipeline, w *jobs.Watcher, settle bool) *Daemon {
	return &Daemon{p: p, w: w, settle: settle}
}

// RunJob runs a job's steps for one occurrence; it is the scheduler's RunFunc.
func (d *Daemon) RunJob(ctx context.Context, job Job, occ Occurrence) JobResult {
	d.jobMu.Lock()
	defer d.jobMu.Unlock()
	if err := ctx.Err(); err != nil {
		return JobResult{Outcome: ledger.ScheduleInterrupted, Detail: "the daemon is stopping"}
	}
	res, err := d.p.RunSteps(ctx, jobs.StepsSpec{
		Command:      "schedule:" + job.Name,
		Steps:        job.Steps,
		PollDeadline: job.PollDeadline,
		ReportDir:    job.ReportDir,
		Ingest: func(ctx context.Context, runID int64) ([]jobs.FileOutcome, error) {
			return d.ingest(ctx, runID, job.Kinds)
		},
	})
	return jobResult(ctx, res, err)
}

// jobResult turns how a job's run ended into the occurrence's outcome (ledger.ScheduleOK...).
func jobResult(ctx context.Context, res jobs.Result, err error) JobResult {
	r := JobResult{RunID: res.RunID, Outcome: scheduleOutcome(res.Outcome)}
	switch {
	case res.Outcome == jobs.OutcomeCancelled, res.Outcome == jobs.OutcomeNone && err != nil && ctx.Err() != nil:
		r.Outcome, r.Detail = ledger.ScheduleInterrupted, "the daemon stopped while it ran; resumed when it is back"
	case err != nil:
		r.Detail = err.Error()
	}
	return r
}

// scheduleOutcome is the occurrence's outcome of a run's: OutcomeNone (the run could not
// start) counts as failed.
func scheduleOutcome(o jobs.Outcome) string {
	switch {
	case o == jobs.OutcomeCompleted:
		return ledger.ScheduleOK
	case o == jobs.OutcomeAttention:
		return ledger.ScheduleAttention
	case o == jobs.OutcomeCancelled:
		return ledger.ScheduleInterrupted
	case o.Stopped():
		return ledger.ScheduleStopped
	}
	return ledger.ScheduleFailed
}

// IngestArrivals ingests the files the watcher finds complete, sets aside the inbox entries
// that are not files, and takes any file a stopped run left in processing/, under a run of
// their own ("ingest"). It does nothing, and records no run, when there is nothing to take.
// Like every run of the pipeline, a run that stopped returns its *jobs.StopError.
func (d *Daemon) IngestArrivals(ctx context.Context) (jobs.IngestResult, error) {
	d.ingestMu.Lock()
	defer d.ingestMu.Unlock()
	a, err := d.w.Scan()
	if err != nil {
		return jobs.IngestResult{}, err
	}
	return d.p.IngestArrivals(ctx, d.w, a)
}

// Watch ingests the arrivals every interval until ctx ends, logging what was set aside or put
// back; after each look it calls tick (the caller's heartbeat).
func (d *Daemon) Watch(ctx context.Context, every time.Duration, log *slog.Logger, tick func()) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		res, err := d.IngestArrivals(ctx)
		switch {
		case jobs.IsStop(err):
			log.Warn("ingest of arrivals stopped", "run", res.RunID, "outcome", res.Outcome.String(), "err", err)
		case err != nil:
			log.Error("ingest arrivals", "err", err)
		}
		if res.RunID != 0 {
			receipts, fixes, err := d.p.WriteReceipts(ctx, res.RunID, d.whenSent)
			if err != nil {
				log.Error("write receipts", "run", res.RunID, "err", err)
			}
			for _, r := range receipts {
				log.Info("receipt written", "run", res.RunID, "receipt", r)
			}
			for _, f := range fixes {
				log.Info("fix-and-redrop file written", "run", res.RunID, "file", f)
			}
		}
		for _, o := range res.Files {
			switch o.Status {
			case ledger.FileAccepted: // logged by the pipeline
			case jobs.FileHeld:
				log.Warn("file put back in the inbox", "run", res.RunID, "file", o.Name, "kind", o.Kind, "note", o.Note)
			default:
				log.Warn("file set aside", "run", res.RunID, "file", o.Name, "kind", o.Kind, "status", o.Status, "note", o.Note)
			}
		}
		tick()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// whenSent words when the valid rows of a file of kind k will be sent.
func (d *Daemon) whenSent(k domain.Kind) string {
	if d.NextSend == nil {
		return "by the next `batch run` (no schedule that sends is known to this process)"
	}
	job, at, ok := d.NextSend(k)
	if !ok {
		return "not by the schedule: no job of schedules.yaml sends; run `batch run` to send them"
	}
	return fmt.Sprintf("by the scheduled job %q at %s (%s), unless a row waits for a decision (see batch status)",
		job, at.Format("02-01-2006 15:04"), at.Format("MST"))
}

// Waiting returns what the watcher's last scan held back or found to set aside.
func (d *Daemon) Waiting() []jobs.WaitingFile { return d.w.Waiting() }

// ingest is a job's ingest step: the complete files of the job's kinds.
func (d *Daemon) ingest(ctx context.Context, runID int64, kinds []domain.Kind) ([]jobs.FileOutcome, error) {
	d.ingestMu.Lock()
	defer d.ingestMu.Unlock()
	a, err := d.w.Scan()
	if err != nil {
		return nil, err
	}
	if d.settle && !a.SettleBy().IsZero() {
		if err := jobs.Sleep(ctx, min(a.SettleBy().Sub(d.w.Now()), d.w.Settle())); err != nil {
			return nil, err
		}
		if a, err = d.w.Scan(); err != nil {
			return nil, err
		}
	}
	return d.p.IngestArrived(ctx, runID, d.w, a.OfKinds(kinds))
}
