package ledger_test

import (
	"context"
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/ledger"
)

// TestDB_RunsCountWhatEachRunDid checks the counts the Audit sheet shows: the files a run
// read, the rows it read or items it moved, the exceptions it raised or re-opened.
func TestDB_RunsCountWhatEachRunDid(t *testing.T) {
	ctx := context.Background()
	db, first := setup(t)
	fileA, _ := ingest(t, db, first, "a.csv", valid(2, "PAY-1", 100), valid(3, "PAY-2", 200), valid(4, "PAY-1", 300))
	ingest(t, db, first, "b.csv", valid(2, "PAY-3", 400))
	// The duplicate reference on line 4 raised one exception already, at ingest.
	excs := []domain.Exception{{Category: domain.CategoryStuckPending, Kind: domain.KindPayouts, File: "a.csv", Line: 2, Reference: "PAY-1"}}
	if err := db.Apply(ctx, first, ledger.Changes{Exceptions: excs}); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishRun(ctx, first, "exceptions", ""); err != nil {
		t.Fatal(err)
	}

	second, err := db.StartRun(ctx, "poll", true)
	if err != nil {
		t.Fatal(err)
	}
	items, err := db.ItemList(ctx, ledger.ItemFilter{FileIDs: []int64{fileA}, Statuses: []domain.Status{domain.StatusValid}})
	if err != nil || len(items) != 2 {
		t.Fatalf("valid items of a.csv = %d, %v", len(items), err)
	}
	open, err := db.Exceptions(ctx, ledger.ExceptionFilter{OpenOnly: true})
	if err != nil || len(open) != 2 {
		t.Fatalf("open exceptions = %d, %v", len(open), err)
	}
	if err := db.ResolveException(ctx, open[0].ID, "asha", "fixed"); err != nil {
		t.Fatal(err)
	}
	again := []domain.Exception{
		{Category: open[0].Category, Kind: open[0].Kind, File: open[0].File, Line: open[0].Line, Reference: open[0].Reference}, // re-opened
		{Category: domain.CategoryStatusMismatch, Kind: domain.KindPayouts, Reference: "PAY-2"},                                // new
	}
	if err := db.Apply(ctx, second, ledger.Changes{Exceptions: again,
		Items: []ledger.ItemUpdate{{ItemID: items[0].ID, Status: domain.StatusFailed, Detail: "refused"}}}); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishRun(ctx, second, "failed", "Enkash answered 503"); err != nil {
		t.Fatal(err)
	}

	runs, err := db.Runs(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil || len(runs) != 2 {
		t.Fatalf("runs = %+v, %v", runs, err)
	}
	type counts struct{ files, items, exceptions int }
	for i, want := range []counts{{2, 4, 2}, {0, 1, 2}} {
		r := runs[i]
		if got := (counts{r.Files, r.Items, r.Exceptions}); got != want {
			t.Errorf("run #%d (%s) counts files, items, exceptions = %+v, want %+v", r.ID, r.Command, got, want)
		}
	}
	if runs[1].Detail != "Enkash answered 503" || runs[1].Outcome != "failed" {
		t.Errorf("run #%d outcome, detail = %q, %q", runs[1].ID, runs[1].Outcome, runs[1].Detail)
	}
	one, err := db.Run(ctx, first)
	if err != nil || one.Files != 2 || one.Items != 4 {
		t.Errorf("Run(%d) = %+v, %v", first, one, err)
	}
}
