package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"enkashbatch/ledger"
)

// lookback bounds how far back the scheduler looks for missed occurrences.
const lookback = 31 * 24 * time.Hour

// skew lets an occurrence count as due when the clock reads a hair before its time (cron's
// timers run on the monotonic clock, the schedule on the wall clock).
const skew = 2 * time.Second

// Occurrence is one time a job runs for.
type Occurrence struct {
	Job          string
	ScheduledFor time.Time
	// CaughtUp is set when the occurrence runs late: after downtime, or resumed after the
	// daemon stopped while it ran.
	CaughtUp bool
}

// JobResult is how a job's run ended: an outcome of the ledger (ledger.ScheduleOK...), a
// detail for people, and the pipeline run that did the steps (0 if none).
type JobResult struct {
	RunID   int64
	Outcome string
	Detail  string
}

// RunFunc runs a job's steps for one occurrence.
type RunFunc func(ctx context.Context, job Job, occ Occurrence) JobResult

// SchedulerConfig is what a Scheduler needs.
type SchedulerConfig struct {
	// Ledger records every occurrence; it is the scheduler's memory across restarts.
	Ledger *ledger.DB
	// Run runs a job.
	Run RunFunc
	// Now is the clock of due times (default time.Now). The live loop's timers are cron's,
	// on the real clock; everything that decides what is due reads Now.
	Now func() time.Time
	// Logger receives the scheduler's events; nil discards them.
	Logger *slog.Logger
	// LastSeen is when a daemon on this data folder was last seen alive before this one
	// started (ledger.LastHeartbeat, read before this daemon writes its own); zero if never.
	// A job with no recorded occurrence catches up on what it missed since then.
	LastSeen time.Time
}

// Scheduler runs the jobs of a schedules file. It fires jobs with robfig/cron/v3 while
// running, and decides what is due from the ledger: each occurrence is started at most once
// (the ledger's unique occurrence row), a job still running is not started again (cron's
// SkipIfStillRunning, one guard per job name that outlives reloads), and occurrences missed
// while the daemon was down are caught up according to each job's policy.
type Scheduler struct {
	cfg SchedulerConfig
	log *slog.Logger

	mu      sync.Mutex
	sched   *Schedules
	guarded map[string]cron.Job // per job name: Recover(SkipIfStillRunning(fire))
	live    *cron.Cron
	ctx     context.Context
	stopped bool
	wg      sync.WaitGroup
}

// NewScheduler returns a scheduler of s; nothing runs until RunDue or Start.
func NewScheduler(s *Schedules, cfg SchedulerConfig) *Scheduler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{cfg: cfg, log: cfg.Logger, sched: s, guarded: map[string]cron.Job{}, ctx: context.Background()}
}

// Schedules returns the schedules in force.
func (s *Scheduler) Schedules() *Schedules {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sched
}

// Next returns each job's next time after now.
func (s *Scheduler) Next() map[string]time.Time {
	sched := s.Schedules()
	now := s.cfg.Now()
	out := make(map[string]time.Time, len(sched.Jobs))
	for _, j := range sched.Jobs {
		out[j.Name] = j.Schedule.Next(now).In(j.Location)
	}
	return out
}

// RunDue runs, one after another in file order, every job that has an occurrence due now:
// on time, caught up after downtime, or resumed after an interruption. It is the start of a
// daemon and the whole of `batch serve --once`.
func (s *Scheduler) RunDue(ctx context.Context) {
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()
	for _, j := range s.Schedules().Jobs {
		if ctx.Err() != nil {
			return
		}
		s.Fire(j.Name)
	}
}

// Fire runs job name's due occurrence, if it has one, through the job's guard: a job still
// running is skipped (and the skip recorded), a panic is recovered and logged. It returns when
// the run ends.
func (s *Scheduler) Fire(name string) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	g, ok := s.guarded[name]
	if !ok {
		g = cron.NewChain(cron.Recover(cronLogger{s, name}), cron.SkipIfStillRunning(cronLogger{s, name})).
			Then(cron.FuncJob(func() { s.fire(name) }))
		s.guarded[name] = g
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	g.Run()
}

// Start catches up (in the background) and then fires jobs at their times until Stop. ctx is
// the context of the runs: cancel it to make runs in flight stop safely.
func (s *Scheduler) Start(ctx context.Context) {
	s.mu.Lock()
	s.ctx = ctx
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		s.RunDue(ctx)
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.startLive()
}

// startLive starts cron's loop over the schedules in force; s.mu is held.
func (s *Scheduler) startLive() {
	// The guards (Recover, SkipIfStillRunning) are applied per job name in Fire rather than
	// with cron.WithChain, so that the catch-up at start and a reload share them with the loop.
	c := cron.New(cron.WithLocation(s.sched.Location), cron.WithLogger(cronLogger{s, ""}),
		cron.WithChain(cron.Recover(cronLogger{s, ""})))
	for _, j := range s.sched.Jobs {
		c.Schedule(j.Schedule, cron.FuncJob(func() { s.Fire(j.Name) }))
	}
	c.Start()
	s.live = c
}

// Reload puts new schedules in force. Jobs keep their guards by name, so a job running
// through a reload is still not started twice.
func (s *Scheduler) Reload(next *Schedules) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sched = next
	if s.live == nil || s.stopped {
		return
	}
	s.live.Stop()
	s.startLive()
}

// Stop stops firing jobs and waits for the runs in flight; cancel Start's context first to
// make them stop early.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	s.stopped = true
	if s.live != nil {
		s.live.Stop()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// fire decides what occurrence of a job is due now and runs it.
func (s *Scheduler) fire(name string) {
	job, ok := s.Schedules().Job(name)
	if !ok {
		return // removed by a reload
	}
	s.mu.Lock()
	ctx := s.ctx
	s.mu.Unlock()
	db := s.cfg.Ledger
	now := s.cfg.Now()
	log := s.log.With("job", name)
	occ, missed, err := s.due(ctx, job, now)
	if err != nil {
		log.Error("decide what is due", "err", err)
		return
	}
	if missed != nil {
		log.Warn("missed while the daemon was down; not run", "scheduled_for", missed.at.In(job.Location), "missed", missed.count, "why", missed.why)
		if err := db.NoteScheduledRun(ctx, name, missed.at, ledger.ScheduleMissed, missed.why); err != nil {
			log.Error("record missed occurrence", "err", err)
		}
	}
	if occ == nil {
		return
	}
	id, started, err := db.BeginScheduledRun(ctx, name, occ.ScheduledFor, occ.CaughtUp)
	if err != nil {
		log.Error("record start", "err", err)
		return
	}
	if !started {
		return
	}
	log = log.With("scheduled_for", occ.ScheduledFor.In(job.Location))
	if occ.CaughtUp {
		log.Warn("catching up", "late_by", now.Sub(occ.ScheduledFor).Round(time.Second), "catch_up", job.CatchUp)
	}
	log.Info("job started", "steps", job.Steps, "caught_up", occ.CaughtUp)
	start := time.Now()
	var res JobResult
	defer func() {
		// A panic is recorded as a failure here, so that the job's guard is released; cron's
		// Recover is only the last resort.
		if r := recover(); r != nil {
			res = JobResult{RunID: res.RunID, Outcome: ledger.ScheduleFailed, Detail: fmt.Sprint("panic: ", r)}
			log.Error("job panicked", "panic", r, "stack", string(debug.Stack()))
		}
		if err := db.FinishScheduledRun(context.WithoutCancel(ctx), id, res.RunID, res.Outcome, res.Detail); err != nil {
			log.Error("record end", "err", err)
		}
		log.Info("job finished", "run", res.RunID, "outcome", res.Outcome, "detail", res.Detail, "took", time.Since(start).Round(time.Millisecond))
	}()
	res = s.cfg.Run(ctx, job, *occ)
}

// missedOcc is an occurrence that is due but will not run.
type missedOcc struct {
	at    time.Time
	count int
	why   string
}

// due decides what of job is due at now, from the ledger: its latest recorded occurrence,
// else when a daemon was last seen alive, else (a job never seen) only what is on time.
func (s *Scheduler) due(ctx context.Context, job Job, now time.Time) (*Occurrence, *missedOcc, error) {
	db := s.cfg.Ledger
	grace := s.Schedules().Grace
	runs, err := db.ScheduledRuns(ctx, job.Name, 1)
	if err != nil {
		return nil, nil, err
	}
	from := now.Add(-grace)
	var last *ledger.ScheduledRun
	if len(runs) > 0 {
		last = &runs[0]
		from = last.ScheduledFor
	} else if seen := s.cfg.LastSeen; !seen.IsZero() && seen.Before(from) {
		from = seen
	}
	if earliest := now.Add(-lookback); from.Before(earliest) {
		from = earliest
	}
	var latest time.Time
	count := 0
	for t := job.Schedule.Next(from); !t.IsZero() && !t.After(now.Add(skew)); t = job.Schedule.Next(t) {
		latest = t
		count++
	}
	allowed := grace
	if job.CatchUp == CatchUpOnce {
		allowed = max(grace, job.MaxLateness)
	}
	if count == 0 {
		// Nothing new is due; an occurrence the daemon left interrupted is resumed once.
		if last != nil && last.Outcome == ledger.ScheduleInterrupted && now.Sub(last.ScheduledFor) <= allowed {
			return &Occurrence{Job: job.Name, ScheduledFor: last.ScheduledFor, CaughtUp: true}, nil, nil
		}
		return nil, nil, nil
	}
	late := now.Sub(latest)
	switch {
	case late <= grace:
		return &Occurrence{Job: job.Name, ScheduledFor: latest}, nil, nil
	case job.CatchUp == CatchUpOnce && late <= job.MaxLateness:
		return &Occurrence{Job: job.Name, ScheduledFor: latest, CaughtUp: true}, nil, nil
	case job.CatchUp == CatchUpOnce:
		return nil, &missedOcc{at: latest, count: count, why: fmt.Sprintf("%s late, more than max_lateness %s", late.Round(time.Minute), job.MaxLateness)}, nil
	}
	return nil, &missedOcc{at: latest, count: count, why: fmt.Sprintf("%s late; catch_up: skip", late.Round(time.Minute))}, nil
}

// cronLogger carries cron's messages to slog, and records the occurrences that
// SkipIfStillRunning skips.
type cronLogger struct {
	s   *Scheduler
	job string
}

func (l cronLogger) Info(msg string, kv ...any) {
	if msg != "skip" || l.job == "" {
		l.s.log.Debug("cron: "+msg, kv...)
		return
	}
	job, ok := l.s.Schedules().Job(l.job)
	if !ok {
		return
	}
	now := l.s.cfg.Now()
	var at time.Time
	for t := job.Schedule.Next(now.Add(-24 * time.Hour)); !t.IsZero() && !t.After(now.Add(skew)); t = job.Schedule.Next(t) {
		at = t
	}
	l.s.log.Warn("job still running: this occurrence is skipped", "job", l.job, "scheduled_for", at.In(job.Location))
	if at.IsZero() {
		return
	}
	l.s.mu.Lock()
	ctx := l.s.ctx
	l.s.mu.Unlock()
	if err := l.s.cfg.Ledger.NoteScheduledRun(context.WithoutCancel(ctx), l.job, at, ledger.ScheduleSkipped, "the previous occurrence was still running"); err != nil {
		l.s.log.Error("record skipped occurrence", "job", l.job, "err", err)
	}
}

func (l cronLogger) Error(err error, msg string, kv ...any) {
	if l.job != "" {
		kv = append(kv, "job", l.job)
	}
	if errors.Is(err, context.Canceled) {
		l.s.log.Info("cron: "+msg, append(kv, "err", err)...)
		return
	}
	l.s.log.Error("cron: "+msg, append(kv, "err", err)...)
}
