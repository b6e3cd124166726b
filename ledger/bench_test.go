package ledger_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/ledger"
)

// benchLedger opens a fresh ledger with a run, under a context that can be cancelled, as the
// batch command's is (a signal context).
func benchLedger(b *testing.B) (context.Context, *ledger.DB, int64) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	db, err := ledger.Open(ctx, filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	run, err := db.StartRun(ctx, "bench", true)
	if err != nil {
		b.Fatal(err)
	}
	return ctx, db, run
}

var benchFile = 0

// ingestN records n valid payout rows as one file and returns the rows' references.
func ingestN(b *testing.B, ctx context.Context, db *ledger.DB, run int64, n int) {
	b.Helper()
	b.StopTimer()
	benchFile++
	name := fmt.Sprintf("payouts_%d.csv", benchFile)
	// The rows are encoded first, as the ingest's encoding goroutine does: only the ledger's
	// writes are measured.
	items := make([]ledger.NewItem, n)
	for i := range n {
		ref := fmt.Sprintf("PAY-%d-%07d", benchFile, i)
		p := domain.Payout{Reference: ref, BeneficiaryName: "Ramesh Kumar Sharma", AccountNumber: "50100000000001", IFSC: "HDFC0001234",
			Amount: 125_000_00, Mode: "NEFT", Remark: "Nov 2026 payout"}
		raw := []string{ref, "Ramesh Kumar Sharma", "50100000000001", "HDFC0001234", "", "1,25,000.00", "NEFT", "Nov 2026 payout", "", ""}
		it, err := ledger.NewItemOf(i+2, p, raw, nil)
		if err != nil {
			b.Fatal(err)
		}
		items[i] = it
	}
	b.StartTimer()
	in, err := db.BeginIngest(ctx, run, domain.FileSummary{Name: name, Kind: domain.KindPayouts, SHA256: name}, []string{"Reference", "Amount"}, "Reference")
	if err != nil {
		b.Fatal(err)
	}
	for _, it := range items {
		if err := in.Add(it); err != nil {
			b.Fatal(err)
		}
	}
	if err := in.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkIngest_Add records files of 10k payout rows, each in its transaction.
func BenchmarkIngest_Add(b *testing.B) {
	ctx, db, run := benchLedger(b)
	const rows = 10_000
	for b.Loop() {
		ingestN(b, ctx, db, run, rows)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkClaimApply is the ledger's share of sending one batch of 500 payouts: the claim
// (the intent, committed before the call) and the recording of Enkash's answer.
func BenchmarkClaimApply(b *testing.B) {
	ctx, db, run := benchLedger(b)
	const batch = 500
	ingestN(b, ctx, db, run, 100*batch)
	seq := 0
	name := func([]domain.Item) string { seq++; return fmt.Sprintf("BT%06d", seq) }
	claimed := 0
	for b.Loop() {
		bt, items, err := db.ClaimBatch(ctx, run, domain.KindPayouts, batch, name)
		if err != nil {
			b.Fatal(err)
		}
		if len(items) == 0 {
			b.StopTimer()
			ingestN(b, ctx, db, run, 100*batch)
			b.StartTimer()
			continue
		}
		claimed += len(items)
		c := ledger.Changes{Batches: []ledger.BatchUpdate{{ID: bt.ID, Status: ledger.BatchSubmitted}}}
		for _, it := range items {
			c.Items = append(c.Items, ledger.ItemUpdate{ItemID: it.ID, Status: domain.StatusSubmitted,
				Provider: &domain.ProviderState{BatchID: bt.ID, ProviderID: "EKT" + it.Reference, Status: "ACCEPTED"}, Detail: "answered"})
		}
		if err := db.Apply(ctx, run, c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(claimed)/b.Elapsed().Seconds(), "items/s")
}
