package daemon_test

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"enkashbatch/daemon"
	"enkashbatch/ledger"
)

// fired is one call of the scheduler's RunFunc.
type fired struct {
	job      string
	at       time.Time // scheduled for
	now      time.Time // when it ran
	caughtUp bool
}

// schedBundle is a scheduler over a real ledger, a settable clock and a RunFunc that records
// its calls (and, when block is set, waits on it).
type schedBundle struct {
	db    *ledger.DB
	clock *clock
	s     *daemon.Scheduler

	mu      sync.Mutex
	calls   []fired
	block   chan struct{}
	started chan string
	outcome string
}

func setupScheduler(t *testing.T, yaml string, start time.Time, lastSeen time.Time) *schedBundle {
	t.Helper()
	sched, err := daemon.ParseSchedules("s.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	db, err := ledger.Open(context.Background(), filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := &schedBundle{db: db, clock: newClock(start), started: make(chan string, 16), outcome: ledger.ScheduleOK}
	db.Now = b.clock.Now
	b.s = daemon.NewScheduler(sched, daemon.SchedulerConfig{Ledger: db, Now: b.clock.Now, LastSeen: lastSeen, Run: b.run})
	return b
}

func (b *schedBundle) run(ctx context.Context, job daemon.Job, occ daemon.Occurrence) daemon.JobResult {
	b.mu.Lock()
	b.calls = append(b.calls, fired{job: job.Name, at: occ.ScheduledFor, now: b.clock.Now(), caughtUp: occ.CaughtUp})
	block, outcome := b.block, b.outcome
	b.mu.Unlock()
	b.started <- job.Name
	if block != nil {
		<-block
	}
	return daemon.JobResult{Outcome: outcome}
}

func (b *schedBundle) fired() []fired {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]fired(nil), b.calls...)
}

func (b *schedBundle) runs(t *testing.T, job string) []ledger.ScheduledRun {
	t.Helper()
	runs, err := b.db.ScheduledRuns(context.Background(), job, 0)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// TestScheduler_FiresAtIndiaTimesAcrossMidnight walks a clock minute by minute from 21:00 to
// 07:00 India time and checks every job fired exactly at its time, on time, once.
func TestScheduler_FiresAtIndiaTimesAcrossMidnight(t *testing.T) {
	loc := ist(t)
	b := setupScheduler(t, `
timezone: Asia/Kolkata
jobs:
  nightly:   {cron: "30 22 * * *", steps: [submit, poll], catch_up: once}
  midnight:  {cron: "0 0 * * *", steps: [report]}
  early-utc: {cron: "CRON_TZ=UTC 45 0 * * *", steps: [reconcile]}
  night-ingest: {cron: "50 23 * * *", steps: [ingest]}
  dawn:      {cron: "*/20 5-6 * * *", steps: [ingest]}
`, time.Date(2026, 3, 31, 21, 0, 0, 0, loc), time.Time{})
	ctx := context.Background()
	end := time.Date(2026, 4, 1, 7, 0, 0, 0, loc)
	for now := b.clock.Now(); !now.After(end); now = now.Add(time.Minute) {
		b.clock.Set(now)
		b.s.RunDue(ctx)
	}
	var got []string
	for _, f := range b.fired() {
		if !f.now.Equal(f.at) || f.caughtUp {
			t.Errorf("%s for %s ran at %s (caught up %v), want on time", f.job, f.at.In(loc), f.now.In(loc), f.caughtUp)
		}
		got = append(got, f.job+" "+f.at.In(loc).Format("2006-01-02 15:04 MST"))
	}
	want := []string{
		"nightly 2026-03-31 22:30 IST",
		"night-ingest 2026-03-31 23:50 IST",
		"midnight 2026-04-01 00:00 IST",
		"early-utc 2026-04-01 06:15 IST", // 00:45 UTC
		"dawn 2026-04-01 05:00 IST", "dawn 2026-04-01 05:20 IST", "dawn 2026-04-01 05:40 IST",
		"dawn 2026-04-01 06:00 IST", "dawn 2026-04-01 06:20 IST", "dawn 2026-04-01 06:40 IST",
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("fired:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if runs := b.runs(t, "midnight"); len(runs) != 1 || runs[0].Outcome != ledger.ScheduleOK ||
		!runs[0].ScheduledFor.Equal(time.Date(2026, 3, 31, 18, 30, 0, 0, time.UTC)) {
		t.Errorf("midnight recorded as %+v, want one ok run for 18:30 UTC the day before", runs)
	}
	next := b.s.Next()["nightly"]
	if want := time.Date(2026, 4, 1, 22, 30, 0, 0, loc); !next.Equal(want) {
		t.Errorf("nightly next = %s, want %s", next, want)
	}
}

// TestScheduler_JobStillRunningIsNotStartedTwice fires a job whose run blocks, then fires it
// again at its next time, through the same guard the live loop uses.
func TestScheduler_JobStillRunningIsNotStartedTwice(t *testing.T) {
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	b := setupScheduler(t, `
timezone: UTC
jobs:
  inbox: {cron: "*/5 * * * *", steps: [ingest]}
`, start, time.Time{})
	b.block = make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.s.Fire("inbox")
	}()
	<-b.started
	// The next time comes while the first run is still going.
	b.clock.Set(start.Add(5 * time.Minute))
	b.s.Fire("inbox")
	b.s.RunDue(context.Background())
	if n := len(b.fired()); n != 1 {
		t.Fatalf("a running job was started again: %d runs", n)
	}
	close(b.block)
	<-done
	runs := b.runs(t, "inbox")
	if len(runs) != 2 || runs[0].Outcome != ledger.ScheduleSkipped || !runs[0].ScheduledFor.Equal(start.Add(5*time.Minute)) ||
		runs[1].Outcome != ledger.ScheduleOK || !runs[1].ScheduledFor.Equal(start) {
		t.Fatalf("recorded %+v, want 10:00 ok and 10:05 skipped", runs)
	}
	// The skipped occurrence stays skipped; the one after it runs.
	b.block = nil
	b.s.Fire("inbox")
	b.clock.Set(start.Add(10 * time.Minute))
	b.s.Fire("inbox")
	if f := b.fired(); len(f) != 2 || !f[1].at.Equal(start.Add(10*time.Minute)) {
		t.Fatalf("after the skip: fired %+v, want 10:00 and 10:10", f)
	}
}

// TestScheduler_CatchUpAfterDowntime stops a daemon at 23:01 and starts it again at 04:13
// the next morning: each job catches up at most once, as its policy says.
func TestScheduler_CatchUpAfterDowntime(t *testing.T) {
	loc := ist(t)
	const yaml = `
jobs:
  hourly:    {cron: "0 * * * *",   steps: [poll],   catch_up: once, max_lateness: 3h}
  inbox:     {cron: "*/5 * * * *", steps: [ingest], catch_up: skip}
  daily:     {cron: "0 23 * * *",  steps: [report], catch_up: once}
  late:      {cron: "0 1 * * *",   steps: [report], catch_up: once, max_lateness: 2h}
  half-past: {cron: "30 23 * * *", steps: [report], catch_up: once, max_lateness: 6h}
`
	ctx := context.Background()
	before := setupScheduler(t, yaml, time.Date(2026, 3, 1, 23, 0, 0, 0, loc), time.Time{})
	before.s.RunDue(ctx)
	if n := len(before.fired()); n != 3 {
		t.Fatalf("at 23:00 fired %+v, want hourly, inbox and daily", before.fired())
	}
	down := time.Date(2026, 3, 1, 23, 1, 0, 0, loc)

	// The same ledger, a new daemon, the next morning.
	b := &schedBundle{db: before.db, clock: newClock(time.Date(2026, 3, 2, 4, 13, 0, 0, loc)), started: make(chan string, 16), outcome: ledger.ScheduleOK}
	b.db.Now = b.clock.Now
	sched, _ := daemon.ParseSchedules("s.yaml", []byte(yaml))
	b.s = daemon.NewScheduler(sched, daemon.SchedulerConfig{Ledger: b.db, Now: b.clock.Now, LastSeen: down, Run: b.run})
	b.s.RunDue(ctx)
	// Run again a minute later and again at once: nothing more is caught up.
	b.clock.Set(time.Date(2026, 3, 2, 4, 14, 0, 0, loc))
	b.s.RunDue(ctx)
	b.s.RunDue(ctx)

	var got []string
	for _, f := range b.fired() {
		got = append(got, f.job+" "+f.at.In(loc).Format("15:04"))
		if !f.caughtUp {
			t.Errorf("%s for %s not marked caught up", f.job, f.at.In(loc))
		}
	}
	sort.Strings(got)
	// hourly: 00:00..04:00 missed, the latest is caught up once. half-past: never ran, missed
	// 23:30 since the daemon was last seen, 4h43m late (< 6h). daily: nothing missed.
	want := []string{"half-past 23:30", "hourly 04:00"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Fatalf("caught up %v, want %v", got, want)
	}
	for job, outcome := range map[string]string{"inbox": ledger.ScheduleMissed, "late": ledger.ScheduleMissed,
		"hourly": ledger.ScheduleOK, "half-past": ledger.ScheduleOK, "daily": ledger.ScheduleOK} {
		runs := b.runs(t, job)
		if len(runs) == 0 || runs[0].Outcome != outcome {
			t.Errorf("%s: latest recorded %+v, want %s", job, runs, outcome)
		}
	}
	if runs := b.runs(t, "hourly"); len(runs) != 2 || !runs[0].CaughtUp {
		t.Errorf("hourly recorded %+v, want 23:00 and a caught-up 04:00", runs)
	}
	if runs := b.runs(t, "inbox"); len(runs) != 2 || !runs[0].ScheduledFor.Equal(time.Date(2026, 3, 2, 4, 10, 0, 0, loc)) {
		t.Errorf("inbox recorded %+v, want 23:00 ok and 04:10 missed", runs)
	}
}

// TestScheduler_InterruptedRunIsResumedOnce: a run the daemon left running (killed) or
// interrupted is resumed once by the next daemon, within the job's lateness.
func TestScheduler_InterruptedRunIsResumedOnce(t *testing.T) {
	start := time.Date(2026, 3, 1, 17, 0, 0, 0, time.UTC)
	const yaml = `
timezone: UTC
jobs:
  nightly: {cron: "0 17 * * *", steps: [submit], catch_up: once, max_lateness: 1h}
`
	b := setupScheduler(t, yaml, start, time.Time{})
	b.outcome = ledger.ScheduleInterrupted
	b.s.RunDue(context.Background())
	b.outcome = ledger.ScheduleOK
	b.clock.Set(start.Add(10 * time.Minute))
	b.s.RunDue(context.Background())
	b.s.RunDue(context.Background())
	f := b.fired()
	if len(f) != 2 || !f[1].at.Equal(start) || !f[1].caughtUp {
		t.Fatalf("fired %+v, want the 17:00 run and one resume of it", f)
	}
	runs := b.runs(t, "nightly")
	if len(runs) != 1 || runs[0].Attempts != 2 || runs[0].Outcome != ledger.ScheduleOK {
		t.Fatalf("recorded %+v, want one occurrence, two attempts, ok", runs)
	}

	// Too late to resume: left as it was.
	b2 := setupScheduler(t, yaml, start, time.Time{})
	b2.outcome = ledger.ScheduleInterrupted
	b2.s.RunDue(context.Background())
	b2.clock.Set(start.Add(2 * time.Hour))
	b2.s.RunDue(context.Background())
	if n := len(b2.fired()); n != 1 {
		t.Fatalf("resumed an interruption 2h late (max_lateness 1h): %d runs", n)
	}
}

// TestScheduler_ReloadKeepsGuards reloads the schedules while a job runs: the job is still
// not started twice, a removed job no longer fires, a new one does.
func TestScheduler_ReloadKeepsGuards(t *testing.T) {
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	b := setupScheduler(t, "timezone: UTC\njobs:\n  a: {cron: \"*/5 * * * *\", steps: [poll]}\n  gone: {cron: \"*/5 * * * *\", steps: [poll]}\n", start, time.Time{})
	b.block = make(chan struct{})
	done := make(chan struct{})
	go func() { defer close(done); b.s.Fire("a") }()
	<-b.started
	next, err := daemon.ParseSchedules("s.yaml", []byte("timezone: UTC\njobs:\n  a: {cron: \"*/5 * * * *\", steps: [poll]}\n  new: {cron: \"*/5 * * * *\", steps: [report]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	b.s.Reload(next)
	b.clock.Set(start.Add(5 * time.Minute))
	b.s.Fire("a")
	b.s.Fire("gone")
	close(b.block)
	b.block = nil
	<-done
	b.s.Fire("new")
	var got []string
	for _, f := range b.fired() {
		got = append(got, f.job)
	}
	if strings.Join(got, " ") != "a new" {
		t.Fatalf("fired %v, want a (once) and new", got)
	}
}
