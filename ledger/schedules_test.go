package ledger_test

import (
	"context"
	"testing"
	"time"

	"enkashbatch/ledger"
)

func TestDB_BeginScheduledRun_OncePerOccurrence(t *testing.T) {
	ctx := context.Background()
	db, run := setup(t)
	at := time.Date(2026, 3, 1, 17, 0, 0, 0, time.UTC)

	id, ok, err := db.BeginScheduledRun(ctx, "nightly", at, false)
	if err != nil || !ok {
		t.Fatalf("first begin: started %v, err %v", ok, err)
	}
	if _, ok, err := db.BeginScheduledRun(ctx, "nightly", at, true); err != nil || ok {
		t.Fatalf("second begin of a running occurrence: started %v, err %v; want not started", ok, err)
	}
	// Another job at the same time is another occurrence.
	if _, ok, err := db.BeginScheduledRun(ctx, "inbox", at, false); err != nil || !ok {
		t.Fatalf("other job: started %v, err %v", ok, err)
	}
	if err := db.FinishScheduledRun(ctx, id, run, ledger.ScheduleOK, ""); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.BeginScheduledRun(ctx, "nightly", at, false); ok {
		t.Fatal("a finished occurrence was started again")
	}
	runs, err := db.ScheduledRuns(ctx, "nightly", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Outcome != ledger.ScheduleOK || runs[0].RunID != run || !runs[0].ScheduledFor.Equal(at) || runs[0].Attempts != 1 {
		t.Fatalf("recorded runs = %+v", runs)
	}
}

func TestDB_InterruptScheduledRuns_ResumedOnce(t *testing.T) {
	ctx := context.Background()
	db, _ := setup(t)
	at := time.Date(2026, 3, 1, 17, 0, 0, 0, time.UTC)
	if _, _, err := db.BeginScheduledRun(ctx, "nightly", at, false); err != nil {
		t.Fatal(err)
	}
	n, err := db.InterruptScheduledRuns(ctx)
	if err != nil || n != 1 {
		t.Fatalf("interrupted %d, err %v; want 1", n, err)
	}
	last, err := db.LastScheduledRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := last["nightly"]; got.Outcome != ledger.ScheduleInterrupted || got.FinishedAt.IsZero() {
		t.Fatalf("after interruption: %+v", got)
	}
	id, ok, err := db.BeginScheduledRun(ctx, "nightly", at, true)
	if err != nil || !ok {
		t.Fatalf("resume of an interrupted occurrence: started %v, err %v", ok, err)
	}
	if _, ok, _ := db.BeginScheduledRun(ctx, "nightly", at, true); ok {
		t.Fatal("a resumed occurrence was started a second time")
	}
	if err := db.FinishScheduledRun(ctx, id, 0, ledger.ScheduleOK, ""); err != nil {
		t.Fatal(err)
	}
	runs, _ := db.ScheduledRuns(ctx, "nightly", 0)
	if len(runs) != 1 || runs[0].Attempts != 2 || !runs[0].CaughtUp || runs[0].Outcome != ledger.ScheduleOK {
		t.Fatalf("resumed run = %+v", runs)
	}
}

func TestDB_ScheduledRunCounts_And_Last(t *testing.T) {
	ctx := context.Background()
	db, _ := setup(t)
	clock := time.Date(2026, 3, 1, 17, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return clock }
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		id, _, err := db.BeginScheduledRun(ctx, "inbox", base.Add(time.Duration(i)*5*time.Minute), false)
		if err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(1500 * time.Millisecond)
		if err := db.FinishScheduledRun(ctx, id, 0, ledger.ScheduleOK, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.NoteScheduledRun(ctx, "inbox", base.Add(15*time.Minute), ledger.ScheduleMissed, "daemon down"); err != nil {
		t.Fatal(err)
	}
	// Noting an occurrence already recorded changes nothing.
	if err := db.NoteScheduledRun(ctx, "inbox", base, ledger.ScheduleSkipped, "x"); err != nil {
		t.Fatal(err)
	}
	counts, err := db.ScheduledRunCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{ledger.ScheduleOK: 3, ledger.ScheduleMissed: 1}
	if len(counts) != 2 {
		t.Fatalf("counts = %+v", counts)
	}
	for _, c := range counts {
		if c.Job != "inbox" || want[c.Outcome] != c.Count {
			t.Errorf("count %+v, want %v", c, want)
		}
		if c.Outcome == ledger.ScheduleOK && (c.Seconds < 4.4 || c.Seconds > 4.6) {
			t.Errorf("ok runs took %.3fs in all, want 4.5s", c.Seconds)
		}
	}
	last, err := db.LastScheduledRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := last["inbox"]; got.Outcome != ledger.ScheduleMissed || !got.ScheduledFor.Equal(base.Add(15*time.Minute)) {
		t.Fatalf("last = %+v", got)
	}
}

func TestDB_Heartbeat(t *testing.T) {
	ctx := context.Background()
	db, _ := setup(t)
	if _, ok, err := db.LastHeartbeat(ctx); err != nil || ok {
		t.Fatalf("fresh ledger: heartbeat %v, err %v", ok, err)
	}
	at := time.Date(2026, 3, 1, 17, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return at }
	for range 2 {
		if err := db.Heartbeat(ctx); err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Minute)
	}
	seen, ok, err := db.LastHeartbeat(ctx)
	if err != nil || !ok || !seen.Equal(at.Add(-time.Minute)) {
		t.Fatalf("heartbeat = %v %v %v, want %v", seen, ok, err, at.Add(-time.Minute))
	}
}
