package ledger_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/ledger"
)

// chunkScript is a sequence of files and sends that exercises every outcome of a row:
// duplicates inside one INSERT's chunk and across chunks, references differing only in case,
// rejected rows between valid ones (and two in a row), rows already sent or queued from an
// earlier file, and a customer updated under its exact reference inside a chunk.
func chunkScript(t *testing.T, db *ledger.DB) {
	t.Helper()
	ctx := context.Background()
	run, err := db.StartRun(ctx, "test", true)
	if err != nil {
		t.Fatal(err)
	}
	broken := func(line int, ref string) ledger.NewItem {
		it, err := ledger.NewItemOf(line, domain.Payout{Reference: ref, Amount: 7}, []string{ref, "7,,0", "x"},
			[]domain.RowError{{Line: line, Column: "Amount", Rule: "amount_format", Message: "not an amount"}})
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	add := func(name string, kind domain.Kind, items []ledger.NewItem) {
		t.Helper()
		in := commitFile(t, db, run, kind, name, items...)
		if rows, _ := in.Counts(); rows != len(items) {
			t.Fatalf("%s: counted %d rows, want %d", name, rows, len(items))
		}
	}

	var a []ledger.NewItem
	for i := range 300 {
		line := i + 2 + i/50 // a cell of two lines every 50 rows: lines not consecutive in some chunks
		switch {
		case i == 40: // a duplicate of line 12, in another chunk
			a = append(a, valid(line, "PAY-10", 5))
		case i == 101: // the same reference as the row before, in another case
			a = append(a, valid(line, "pay-100 ", 6))
		case i == 77 || i == 78:
			a = append(a, broken(line, fmt.Sprintf("PAY-%d", i)))
		case i == 150: // a broken row reusing a valid row's reference
			a = append(a, broken(line, "PAY-20"))
		default:
			a = append(a, valid(line, fmt.Sprintf("PAY-%d", i), domain.Paise(100+i)))
		}
	}
	add("a.csv", domain.KindPayouts, a)

	// Send the first 60 valid payouts: 30 paid, 30 in flight.
	_, sent, err := db.ClaimBatch(ctx, run, domain.KindPayouts, 60, func([]domain.Item) string { return "B-1" })
	if err != nil || len(sent) != 60 {
		t.Fatalf("claim: %d items, %v", len(sent), err)
	}
	var paid []ledger.ItemUpdate
	for _, it := range sent[:30] {
		paid = append(paid, ledger.ItemUpdate{ItemID: it.ID, Status: domain.StatusSuccess,
			Provider: &domain.ProviderState{ProviderID: "EKT-" + it.Reference, Status: "SUCCESS", UTR: "UTR" + it.Reference, Amount: it.Amount}})
	}
	if err := db.Apply(ctx, run, ledger.Changes{Items: paid}); err != nil {
		t.Fatal(err)
	}

	// A second file: paid, in-flight and queued references of a.csv, new ones, and a
	// duplicate of its own.
	var b []ledger.NewItem
	for i := range 200 {
		line := i + 2
		switch {
		case i%7 == 0:
			b = append(b, valid(line, fmt.Sprintf("pay-%d", i), 9)) // held by a.csv
		case i == 33:
			b = append(b, broken(line, "PAY-5")) // broken, and paid already
		case i == 90:
			b = append(b, valid(line, "NEW-89", 9))
		default:
			b = append(b, valid(line, fmt.Sprintf("NEW-%d", i), domain.Paise(i)))
		}
	}
	add("b.csv", domain.KindPayouts, b)

	// Customers: created at Enkash, then updated under the exact reference inside a chunk.
	var c1 []ledger.NewItem
	for i := range 20 {
		c1 = append(c1, customer(i+2, fmt.Sprintf("CUST-%d", i)))
	}
	add("c1.csv", domain.KindCustomers, c1)
	_, made, err := db.ClaimBatch(ctx, run, domain.KindCustomers, 20, func([]domain.Item) string { return "C-1" })
	if err != nil {
		t.Fatal(err)
	}
	var created []ledger.ItemUpdate
	for _, it := range made {
		created = append(created, ledger.ItemUpdate{ItemID: it.ID, Status: domain.StatusSuccess, Provider: &domain.ProviderState{ProviderID: "K" + it.Reference, Status: "ACTIVE"}})
	}
	if err := db.Apply(ctx, run, ledger.Changes{Items: created}); err != nil {
		t.Fatal(err)
	}
	var c2 []ledger.NewItem
	for i := range 20 {
		ref := fmt.Sprintf("NEWC-%d", i)
		switch i % 5 {
		case 1:
			ref = fmt.Sprintf("CUST-%d", i) // an update
		case 3:
			ref = fmt.Sprintf("cust-%d", i) // another spelling: a duplicate
		}
		c2 = append(c2, customer(i+2, ref))
	}
	add("c2.csv", domain.KindCustomers, c2)
}

// TestIngest_ChunkedInsertsRecordWhatRowByRowDoes runs the same files through ingests that
// write valid rows one INSERT each and several to an INSERT, and compares everything the
// ledger then holds: items in order (status, reason, rule, payload, cells), exceptions and
// file tallies.
func TestIngest_ChunkedInsertsRecordWhatRowByRowDoes(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2026, 11, 12, 14, 3, 0, 0, time.UTC)
	ledgerWith := func(chunk int) *ledger.DB {
		t.Helper()
		defer ledger.SetInsertChunk(chunk)()
		db, err := ledger.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		db.Now = func() time.Time { return clock }
		chunkScript(t, db)
		return db
	}
	want := ledgerWith(1)
	items := func(db *ledger.DB) []domain.Item {
		t.Helper()
		got, err := db.ItemList(ctx, ledger.ItemFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	wantItems := items(want)
	rejected := 0
	for _, it := range wantItems {
		if it.Status == domain.StatusRejected {
			rejected++
			if len(it.Raw) == 0 {
				t.Errorf("rejected line %d of %s keeps no cells", it.Line, it.File)
			}
		} else if len(it.Raw) != 0 {
			t.Errorf("valid line %d of %s keeps its cells %q", it.Line, it.File, it.Raw)
		}
	}
	// a.csv: 2 duplicates, 3 broken; b.csv: 28 held by a.csv (not pay-77: a.csv rejected
	// it), 1 broken, 1 duplicate; c2.csv: 4 duplicates.
	if rejected != 39 {
		t.Errorf("%d rejected rows, want 39", rejected)
	}
	for _, chunk := range []int{2, 4, 128} {
		got := ledgerWith(chunk)
		gotItems := items(got)
		if len(gotItems) != len(wantItems) {
			t.Fatalf("chunk %d: %d items, want %d", chunk, len(gotItems), len(wantItems))
		}
		for i := range wantItems {
			if !reflect.DeepEqual(gotItems[i], wantItems[i]) {
				t.Errorf("chunk %d: item %d\n got %+v\nwant %+v", chunk, i, gotItems[i], wantItems[i])
			}
		}
		for _, q := range []func(*ledger.DB) (any, error){
			func(db *ledger.DB) (any, error) { return db.Exceptions(ctx, ledger.ExceptionFilter{}) },
			func(db *ledger.DB) (any, error) { return db.FileSummaries(ctx, ledger.FileFilter{}) },
		} {
			g, gerr := q(got)
			w, werr := q(want)
			if gerr != nil || werr != nil || !reflect.DeepEqual(g, w) {
				t.Errorf("chunk %d:\n got %+v (%v)\nwant %+v (%v)", chunk, g, gerr, w, werr)
			}
		}
	}
}
