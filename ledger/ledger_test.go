package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/ledger"
)

func setup(t *testing.T) (*ledger.DB, int64) {
	t.Helper()
	ctx := context.Background()
	db, err := ledger.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	run, err := db.StartRun(ctx, "test", true)
	if err != nil {
		t.Fatal(err)
	}
	return db, run
}

func ingest(t *testing.T, db *ledger.DB, run int64, name string, items ...ledger.NewItem) (int64, []domain.Status) {
	t.Helper()
	in := commitFile(t, db, run, domain.KindPayouts, name, items...)
	return in.FileID(), fileStatuses(t, db, in, len(items))
}

// commitFile ingests items as the file name of kind (its reference column "Reference") and
// commits it.
func commitFile(t *testing.T, db *ledger.DB, run int64, kind domain.Kind, name string, items ...ledger.NewItem) *ledger.Ingest {
	t.Helper()
	in, err := db.BeginIngest(context.Background(), run, domain.FileSummary{Name: name, Kind: kind, SHA256: "sha-" + name}, []string{"Reference", "Amount"}, "Reference")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if err := in.Add(it); err != nil {
			t.Fatal(err)
		}
	}
	if err := in.Commit(); err != nil {
		t.Fatal(err)
	}
	return in
}

// fileStatuses returns the statuses the ledger recorded for the n rows of a committed file,
// in line order, and checks them against the ingest's counts.
func fileStatuses(t *testing.T, db *ledger.DB, in *ledger.Ingest, n int) []domain.Status {
	t.Helper()
	items, err := db.ItemList(context.Background(), ledger.ItemFilter{FileIDs: []int64{in.FileID()}})
	if err != nil {
		t.Fatal(err)
	}
	var got []domain.Status
	valid := 0
	for _, it := range items {
		got = append(got, it.Status)
		if it.Status == domain.StatusValid {
			valid++
		}
	}
	if rows, v := in.Counts(); len(items) != n || rows != n || v != valid {
		t.Fatalf("recorded %d items (%d valid), counted %d rows (%d valid), want %d rows", len(items), valid, rows, v, n)
	}
	return got
}

func valid(line int, ref string, paise domain.Paise) ledger.NewItem {
	it, err := ledger.NewItemOf(line, domain.Payout{Reference: ref, Amount: paise}, []string{ref, fmt.Sprint(paise)}, nil)
	if err != nil {
		panic(err)
	}
	return it
}

func TestIngest_DuplicateReferenceIsRejectedAndNamed(t *testing.T) {
	ctx := context.Background()
	db, run := setup(t)
	_, st := ingest(t, db, run, "a.csv", valid(2, "PAY-1", 100), valid(3, "PAY-1", 200), valid(4, "PAY-2", 300))
	if want := []domain.Status{domain.StatusValid, domain.StatusRejected, domain.StatusValid}; fmt.Sprint(st) != fmt.Sprint(want) {
		t.Fatalf("statuses = %v, want %v", st, want)
	}
	_, st = ingest(t, db, run, "b.csv", valid(2, "PAY-2", 300), ledger.NewItem{Line: 3, Record: domain.Payout{Reference: "PAY-9"},
		Errors: []domain.RowError{{Line: 3, Column: "Amount", Rule: "amount_format", Message: "not an amount"}}})
	if st[0] != domain.StatusRejected || st[1] != domain.StatusRejected {
		t.Fatalf("statuses = %v, want both rejected", st)
	}
	excs, err := db.Exceptions(ctx, ledger.ExceptionFilter{OpenOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(excs) != 3 {
		t.Fatalf("got %d exceptions, want 3: %+v", len(excs), excs)
	}
	// PAY-2 of a.csv is valid, waiting to be sent: b.csv's copy is not a row to correct.
	if got := excs[1].Detail; !strings.HasPrefix(got, `Reference (already_queued): already queued to be sent from line 4 of a.csv, received on `) ||
		!strings.HasSuffix(got, " — do not send again") {
		t.Errorf("cross-file duplicate detail = %q", got)
	}
	files, err := db.FileSummaries(ctx, ledger.FileFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !f.Tally.TiesOut() {
			t.Errorf("file %s does not tie out: %+v", f.Name, f.Tally)
		}
	}
	if files[0].Tally.In != (domain.Money{Count: 3, Paise: 600}) || files[0].Tally.Rejected != (domain.Money{Count: 1, Paise: 200}) {
		t.Errorf("a.csv tally = %+v", files[0].Tally)
	}
}

func TestIngest_AbortLeavesNothing(t *testing.T) {
	ctx := context.Background()
	db, run := setup(t)
	in, err := db.BeginIngest(ctx, run, domain.FileSummary{Name: "x.csv", Kind: domain.KindPayouts, SHA256: "x"}, nil, "Reference")
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Add(valid(2, "PAY-1", 100)); err != nil {
		t.Fatal(err)
	}
	if err := in.Abort(); err != nil {
		t.Fatal(err)
	}
	files, err := db.FileSummaries(ctx, ledger.FileFilter{})
	if err != nil || len(files) != 0 {
		t.Fatalf("files after abort = %v, %v", files, err)
	}
	if _, ok, _ := db.AcceptedFile(ctx, "x"); ok {
		t.Fatal("aborted file is recorded as accepted")
	}
}

func TestDB_ClaimBatchAndApply(t *testing.T) {
	ctx := context.Background()
	db, run := setup(t)
	ingest(t, db, run, "a.csv", valid(2, "PAY-1", 100), valid(3, "PAY-2", 200), valid(4, "PAY-3", 300))
	name := func(items []domain.Item) string { return "B-" + items[0].Reference }
	b, items, err := db.ClaimBatch(ctx, run, domain.KindPayouts, 2, name)
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != "B-PAY-1" || len(items) != 2 || b.Amount != 300 {
		t.Fatalf("batch = %+v, %d items", b, len(items))
	}
	sub, err := db.ItemList(ctx, ledger.ItemFilter{Statuses: []domain.Status{domain.StatusSubmitting}})
	if err != nil || len(sub) != 2 || sub[0].Provider.BatchID != "B-PAY-1" {
		t.Fatalf("submitting items = %+v, %v", sub, err)
	}
	err = db.Apply(ctx, run, ledger.Changes{
		Batches: []ledger.BatchUpdate{{ID: b.ID, Status: ledger.BatchSubmitted}},
		Items: []ledger.ItemUpdate{
			{ItemID: items[0].ID, Status: domain.StatusPending, Provider: &domain.ProviderState{ProviderID: "EK1", Status: "PENDING"}},
			{ItemID: items[1].ID, Status: domain.StatusFailed, ReleaseReference: true, Reason: "refused"},
		},
		Exceptions: []domain.Exception{{Category: domain.CategoryProviderRejected, Kind: domain.KindPayouts, Reference: "PAY-2"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The same cause again is not a second exception.
	if err := db.Apply(ctx, run, ledger.Changes{Exceptions: []domain.Exception{{Category: domain.CategoryProviderRejected, Kind: domain.KindPayouts, Reference: "PAY-2"}}}); err != nil {
		t.Fatal(err)
	}
	excs, _ := db.Exceptions(ctx, ledger.ExceptionFilter{})
	if len(excs) != 1 {
		t.Fatalf("exceptions = %d, want 1", len(excs))
	}
	// The released reference may be used by a corrected row.
	_, st := ingest(t, db, run, "fix.csv", valid(2, "PAY-2", 200))
	if st[0] != domain.StatusValid {
		t.Fatalf("released reference reused: status %s", st[0])
	}
	b2, items2, err := db.ClaimBatch(ctx, run, domain.KindPayouts, 10, name)
	if err != nil || len(items2) != 2 || b2.ID != "B-PAY-3" {
		t.Fatalf("second claim = %+v %d %v", b2, len(items2), err)
	}
	_, none, err := db.ClaimBatch(ctx, run, domain.KindPayouts, 10, name)
	if err != nil || len(none) != 0 {
		t.Fatalf("third claim = %d items, %v", len(none), err)
	}
}

func TestDB_ExceptionLifecycle(t *testing.T) {
	ctx := context.Background()
	db, run := setup(t)
	stuck := domain.Exception{Category: domain.CategoryStuckPending, Kind: domain.KindPayouts, File: "a.csv", Line: 7, Reference: "PAY-7", Detail: "not final"}
	raise := func() {
		t.Helper()
		if err := db.Apply(ctx, run, ledger.Changes{Exceptions: []domain.Exception{stuck}}); err != nil {
			t.Fatal(err)
		}
	}
	raise()
	raise() // the same cause again: still one exception
	excs, err := db.Exceptions(ctx, ledger.ExceptionFilter{})
	if err != nil || len(excs) != 1 {
		t.Fatalf("exceptions = %+v, %v", excs, err)
	}
	id := excs[0].ID
	if excs[0].Severity != domain.SeverityMedium {
		t.Errorf("severity = %q", excs[0].Severity)
	}
	if err := db.ResolveException(ctx, id, "asha", "called Enkash support"); err != nil {
		t.Fatal(err)
	}
	if err := db.ResolveException(ctx, id, "asha", "again"); !errors.Is(err, ledger.ErrAlreadyResolved) {
		t.Errorf("resolving twice: %v", err)
	}
	if err := db.ResolveException(ctx, 999, "asha", "x"); !errors.Is(err, ledger.ErrNoSuchException) {
		t.Errorf("resolving a missing exception: %v", err)
	}
	if open, _ := db.Exceptions(ctx, ledger.ExceptionFilter{OpenOnly: true}); len(open) != 0 {
		t.Fatalf("resolved exception still open: %+v", open)
	}
	raise() // the cause comes back: the exception re-opens
	open, _ := db.Exceptions(ctx, ledger.ExceptionFilter{OpenOnly: true})
	if len(open) != 1 || open[0].ID != id || open[0].Reopened != 1 {
		t.Fatalf("after the cause returned: %+v", open)
	}
	hist, err := db.ExceptionHistory(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range hist {
		got = append(got, ev.Actor+":"+ev.Action)
	}
	if want := "[batch:raised asha:resolved batch:reopened]"; fmt.Sprint(got) != want {
		t.Errorf("history = %v, want %s", got, want)
	}
}

func TestDB_ExceptionsOpenFirstBySeverity(t *testing.T) {
	ctx := context.Background()
	db, run := setup(t)
	mk := func(c domain.Category, ref string) domain.Exception {
		return domain.Exception{Category: c, Kind: domain.KindPayouts, Reference: ref}
	}
	err := db.Apply(ctx, run, ledger.Changes{Exceptions: []domain.Exception{
		mk(domain.CategoryDuplicateFile, "low"), mk(domain.CategoryStuckPending, "medium"), mk(domain.CategoryAmountMismatch, "high"),
		mk(domain.CategoryAmountMismatch, "high-resolved"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := db.Exceptions(ctx, ledger.ExceptionFilter{})
	if err := db.ResolveException(ctx, all[1].ID, "asha", "done"); err != nil { // the second high one
		t.Fatal(err)
	}
	all, _ = db.Exceptions(ctx, ledger.ExceptionFilter{})
	var refs []string
	for _, e := range all {
		refs = append(refs, e.Reference)
	}
	if want := "[high medium low high-resolved]"; fmt.Sprint(refs) != want {
		t.Errorf("order = %v, want %s", refs, want)
	}
}
