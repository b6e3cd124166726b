package ledger_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/ledger"
)

// payout returns a valid payout row to an account (acct "number/IFSC") or a VPA.
func payout(line int, ref, to, mode string, paise domain.Paise) ledger.NewItem {
	p := domain.Payout{Reference: ref, BeneficiaryName: "Payee " + ref, Amount: paise, Mode: mode}
	if acct, ifsc, ok := strings.Cut(to, "/"); ok {
		p.AccountNumber, p.IFSC = acct, ifsc
	} else {
		p.VPA = to
	}
	it, err := ledger.NewItemOf(line, p, []string{ref}, nil)
	if err != nil {
		panic(err)
	}
	return it
}

// sendAll claims every valid payout and records it in state st.
func sendAll(t *testing.T, db *ledger.DB, run int64, st map[string]domain.Status) {
	t.Helper()
	ctx := context.Background()
	for {
		b, items, err := db.ClaimBatch(ctx, run, domain.KindPayouts, 5000, func(items []domain.Item) string { return "B-" + items[0].Reference })
		if err != nil {
			t.Fatal(err)
		}
		if len(items) == 0 {
			return
		}
		c := ledger.Changes{Batches: []ledger.BatchUpdate{{ID: b.ID, Status: ledger.BatchSubmitted}}}
		for _, it := range items {
			s, ok := st[it.Reference]
			if !ok {
				s = domain.StatusSuccess
			}
			c.Items = append(c.Items, ledger.ItemUpdate{ItemID: it.ID, Status: s})
		}
		if err := db.Apply(ctx, run, c); err != nil {
			t.Fatal(err)
		}
	}
}

// packetLedger builds a ledger with history and returns it, the run and the id of the file
// whose packet is read ("new.csv"), ingested at now.
//
//	40 days ago, sent and paid: OLD-1 ₹77,000 to 50100000000001/HDFC0001234
//	5 days ago, sent: OLD-2 ₹25,000 to the same account (success), OLD-3 ₹1,500 to
//	  ramesh@okhdfc (pending), OLD-4 ₹9,999 to 60200000000002/ICIC0000001 (failed)
//	2 days ago, queued (not sent): Q-1 ₹12,345 to 70300000000003/SBIN0000001
func packetLedger(t *testing.T, now time.Time) (*ledger.DB, int64, int64) {
	t.Helper()
	db, run := setup(t)
	at := func(d time.Duration) { db.Now = func() time.Time { return now.Add(-d) } }
	at(40 * 24 * time.Hour)
	ingest(t, db, run, "old-a.csv", payout(2, "OLD-1", "50100000000001/HDFC0001234", "NEFT", 77_000_00))
	sendAll(t, db, run, nil)
	at(5 * 24 * time.Hour)
	ingest(t, db, run, "old-b.csv",
		payout(2, "OLD-2", "50100000000001/HDFC0001234", "NEFT", 25_000_00),
		payout(3, "OLD-3", "ramesh@okhdfc", "UPI", 1_500_00),
		payout(4, "OLD-4", "60200000000002/ICIC0000001", "IMPS", 9_999_00))
	sendAll(t, db, run, map[string]domain.Status{"OLD-3": domain.StatusPending, "OLD-4": domain.StatusFailed})
	at(2 * 24 * time.Hour)
	ingest(t, db, run, "queued.csv", payout(2, "Q-1", "70300000000003/SBIN0000001", "NEFT", 12_345_00))
	at(0)
	id, _ := ingest(t, db, run, "new.csv",
		payout(2, "N-1", "50100000000001/HDFC0001234", "NEFT", 25_000_00),   // duplicate of OLD-2
		payout(3, "N-2", "Ramesh@OKHDFC", "UPI", 1_500_00),                  // duplicate of OLD-3 (VPA in any case)
		payout(4, "N-3", "60200000000002/ICIC0000001", "IMPS", 9_999_00),    // first time: OLD-4 failed
		payout(5, "N-4", "50100000000001/HDFC0001234", "NEFT", 77_000_00),   // OLD-1 is 40 days old
		payout(6, "N-5", "70300000000003/SBIN0000001", "NEFT", 12_345_00),   // first time; duplicate of Q-1
		payout(7, "N-6", "new@ybl", "UPI", 500_00),                          // first time
		payout(8, "N-7", "new@ybl", "UPI", 500_00),                          // duplicate of N-6
		payout(9, "N-8", "80400000000004/UTIB0000001", "IMPS", 1_95_000_00), // first time, near the IMPS limit
		ledger.NewItem{Line: 10, Record: domain.Payout{Reference: "N-9", Amount: 5_00_000_00},
			Errors: []domain.RowError{{Line: 10, Column: "Mode", Rule: "mode_required", Message: "no mode"}}})
	return db, run, id
}

func TestDB_PacketQueries(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	db, _, id := packetLedger(t, now)

	t.Run("groups by mode tie to the valid rows", func(t *testing.T) {
		groups, err := db.PacketGroups(ctx, id, domain.KindPayouts)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(groups)
		want := fmt.Sprint([]domain.PacketGroup{{Name: "IMPS", Count: 2, Paise: 2_04_999_00}, {Name: "NEFT", Count: 3, Paise: 1_14_345_00}, {Name: "UPI", Count: 3, Paise: 2_500_00}})
		if got != want {
			t.Fatalf("groups = %s, want %s", got, want)
		}
	})

	t.Run("largest first, rejected rows left out", func(t *testing.T) {
		items, err := db.LargestItems(ctx, id, 3)
		if err != nil {
			t.Fatal(err)
		}
		var refs []string
		for _, it := range items {
			refs = append(refs, it.Reference)
		}
		if want := []string{"N-8", "N-4", "N-1"}; !slices.Equal(refs, want) {
			t.Fatalf("largest = %v, want %v", refs, want)
		}
	})

	t.Run("IMPS rows near the limit", func(t *testing.T) {
		items, n, err := db.ItemsInRange(ctx, id, "IMPS", 1_80_000_00, 2_00_000_00, 10)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 || len(items) != 1 || items[0].Reference != "N-8" {
			t.Fatalf("near limit = %d %v", n, items)
		}
	})

	t.Run("first-time beneficiaries", func(t *testing.T) {
		var got []string
		for p, err := range db.FirstTimePayees(ctx, id) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%s %d %d", p.First.Reference, p.Count, p.Paise))
		}
		want := []string{"N-3 1 999900", "N-5 1 1234500", "N-6 2 100000", "N-8 1 19500000"}
		if !slices.Equal(got, want) {
			t.Fatalf("first-time = %v, want %v", got, want)
		}
	})

	t.Run("possible duplicates within 30 days", func(t *testing.T) {
		var got []string
		for d, err := range db.PossibleDuplicates(ctx, id, now.Add(-30*24*time.Hour)) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%s~%s %s:%d %s %s %v", d.Item.Reference, d.OtherReference, d.OtherFile, d.OtherLine, d.OtherStatus,
				d.OtherAt.UTC().Format("2006-01-02"), d.SameFile))
		}
		want := []string{
			"N-1~OLD-2 old-b.csv:2 success 2026-11-15 false",
			"N-2~OLD-3 old-b.csv:3 pending 2026-11-15 false",
			"N-5~Q-1 queued.csv:2 valid 2026-11-18 false",
			"N-7~N-6 new.csv:7 valid 2026-11-20 true",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("duplicates =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		// A window that leaves out five days ago leaves out the payments of then.
		n := 0
		for _, err := range db.PossibleDuplicates(ctx, id, now.Add(-3*24*time.Hour)) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 2 {
			t.Fatalf("duplicates within 3 days = %d, want 2 (Q-1 and N-6)", n)
		}
	})

	t.Run("waiting rows and maker", func(t *testing.T) {
		pf, err := db.PacketFileOf(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if pf.Waiting != 0 {
			t.Fatalf("waiting = %d before any row is held", pf.Waiting)
		}
	})
}

// TestDB_PacketQueries_LargeFile reads the packet of a file of 100,000 payouts over a ledger
// that already sent 20,000: every look-up of an earlier payment goes through the payee index
// (without it, each of the 100,000 rows would scan the 20,000).
func TestDB_PacketQueries_LargeFile(t *testing.T) {
	ctx := context.Background()
	db, run := setup(t)
	const sent, rows = 20_000, 100_000
	items := func(prefix string, n int) []ledger.NewItem {
		out := make([]ledger.NewItem, n)
		for i := range n {
			to := fmt.Sprintf("%014d/HDFC0%06d", 50100000000000+i, i%1000)
			if i%4 == 0 {
				to = fmt.Sprintf("payee%d@okaxis", i)
			}
			out[i] = payout(i+2, fmt.Sprintf("%s-%06d", prefix, i), to, "NEFT", domain.Paise(1000_00+i%500))
		}
		return out
	}
	ingest(t, db, run, "history.csv", items("H", sent)...)
	sendAll(t, db, run, nil)
	id, _ := ingest(t, db, run, "big.csv", items("B", rows)...)

	start := time.Now()
	if _, err := db.PacketGroups(ctx, id, domain.KindPayouts); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LargestItems(ctx, id, 10); err != nil {
		t.Fatal(err)
	}
	first := 0
	for _, err := range db.FirstTimePayees(ctx, id) {
		if err != nil {
			t.Fatal(err)
		}
		first++
	}
	dups := 0
	for _, err := range db.PossibleDuplicates(ctx, id, time.Now().Add(-30*24*time.Hour)) {
		if err != nil {
			t.Fatal(err)
		}
		dups++
	}
	took := time.Since(start)
	if first != rows-sent || dups != sent {
		t.Fatalf("first-time = %d, want %d; duplicates = %d, want %d", first, rows-sent, dups, sent)
	}
	t.Logf("packet queries over %d rows: %v", rows, took)
	if limit := 5 * time.Second; took > limit {
		t.Fatalf("packet queries took %v, more than %v", took, limit)
	}
}
