package jobs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
	"enkashbatch/ledger"
)

// packetRow is a payout row to an account ("number/IFSC") or a VPA.
func packetRow(t *testing.T, line int, ref, to, mode string, paise domain.Paise) ledger.NewItem {
	t.Helper()
	p := domain.Payout{Reference: ref, BeneficiaryName: "Payee " + ref, Amount: paise, Mode: mode}
	if acct, ifsc, ok := strings.Cut(to, "/"); ok {
		p.AccountNumber, p.IFSC = acct, ifsc
	} else {
		p.VPA = to
	}
	it, err := ledger.NewItemOf(line, p, []string{ref}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

// packetIngest records a payouts file through the ledger's ingest and returns its id.
func packetIngest(t *testing.T, db *ledger.DB, run int64, name string, rows ...ledger.NewItem) int64 {
	t.Helper()
	in, err := db.BeginIngest(context.Background(), run, domain.FileSummary{Name: name, Kind: domain.KindPayouts, SHA256: "sha256-of-" + name},
		[]string{"Reference"}, "Reference")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := in.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := in.Commit(); err != nil {
		t.Fatal(err)
	}
	return in.FileID()
}

// packetSendAll claims every valid payout and records it as paid, except those named in failed.
func packetSendAll(t *testing.T, db *ledger.DB, run int64, failed ...string) {
	t.Helper()
	ctx := context.Background()
	b, items, err := db.ClaimBatch(ctx, run, domain.KindPayouts, 1000, func(items []domain.Item) string { return "B-" + items[0].Reference })
	if err != nil {
		t.Fatal(err)
	}
	c := ledger.Changes{Batches: []ledger.BatchUpdate{{ID: b.ID, Status: ledger.BatchSubmitted}}}
	for _, it := range items {
		st := domain.StatusSuccess
		if slices.Contains(failed, it.Reference) {
			st = domain.StatusFailed
		}
		c.Items = append(c.Items, ledger.ItemUpdate{ItemID: it.ID, Status: st})
	}
	if err := db.Apply(ctx, run, c); err != nil {
		t.Fatal(err)
	}
}

// TestWriteApprovalPackets writes the packet of a payouts file held for approval over a real
// ledger with history, reads it back, and checks its figures against the ledger's rows.
func TestWriteApprovalPackets(t *testing.T) {
	ctx := context.Background()
	ist := time.FixedZone("IST", 5*3600+1800)
	now := time.Date(2026, 11, 20, 16, 0, 0, 0, time.UTC) // 21:30 IST: after the NEFT cut-off
	home := t.TempDir()
	db, err := ledger.Open(ctx, filepath.Join(home, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	run, err := db.StartRun(ctx, "test", true)
	if err != nil {
		t.Fatal(err)
	}
	at := func(d time.Duration) { db.Now = func() time.Time { return now.Add(-d) } }

	// History: paid 40 days ago (out of the duplicate window), paid and failed 5 days ago.
	at(40 * 24 * time.Hour)
	packetIngest(t, db, run, "old-a.csv", packetRow(t, 2, "OLD-1", "50100000000001/HDFC0001234", "NEFT", 77_000_00))
	packetSendAll(t, db, run)
	at(5 * 24 * time.Hour)
	packetIngest(t, db, run, "old-b.csv",
		packetRow(t, 2, "OLD-2", "50100000000001/HDFC0001234", "NEFT", 25_000_00),
		packetRow(t, 3, "OLD-3", "ramesh@okhdfc", "UPI", 1_500_00),
		packetRow(t, 4, "OLD-4", "60200000000002/ICIC0000001", "IMPS", 9_999_00))
	packetSendAll(t, db, run, "OLD-4")
	at(0)
	id := packetIngest(t, db, run, "payouts_nov.csv",
		packetRow(t, 2, "N-1", "50100000000001/HDFC0001234", "NEFT", 25_000_00),   // duplicate of OLD-2
		packetRow(t, 3, "N-2", "Ramesh@OKHDFC", "UPI", 1_500_00),                  // duplicate of OLD-3
		packetRow(t, 4, "N-3", "60200000000002/ICIC0000001", "IMPS", 9_999_00),    // first time: OLD-4 failed
		packetRow(t, 5, "N-4", "50100000000001/HDFC0001234", "NEFT", 77_000_00),   // known payee, 40 days: no duplicate
		packetRow(t, 6, "N-5", "new@ybl", "UPI", 500_00),                          // first time
		packetRow(t, 7, "N-6", "new@ybl", "UPI", 500_00),                          // duplicate of N-5
		packetRow(t, 8, "N-7", "80400000000004/UTIB0000001", "IMPS", 1_95_000_00), // first time, near the IMPS limit
		ledger.NewItem{Line: 9, Record: domain.Payout{Reference: "N-8", Amount: 5_00_000_00},
			Errors: []domain.RowError{{Line: 9, Column: "Mode", Rule: "mode_required", Message: "no mode"}}})

	p := New(Config{Home: home, Location: ist, Sandbox: true, Now: func() time.Time { return now }}, db, nil)
	files, err := db.FileSummaries(ctx, ledger.FileFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var nov domain.FileSummary
	for _, f := range files {
		if f.ID == id {
			nov = f
		}
	}

	// Nothing waits for approval yet: no packet.
	if err := p.writeApprovalPackets(ctx, run, files); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p.ApprovalPacketPath(nov)); !os.IsNotExist(err) {
		t.Fatalf("a packet for a file with no row awaiting approval: %v", err)
	}

	// Hold the file's valid rows for approval, as the approval step does.
	var hold ledger.Changes
	for it, err := range db.Items(ctx, ledger.ItemFilter{FileIDs: []int64{id}, Statuses: []domain.Status{domain.StatusValid}}) {
		if err != nil {
			t.Fatal(err)
		}
		hold.Items = append(hold.Items, ledger.ItemUpdate{ItemID: it.ID, Status: "awaiting_approval"})
	}
	if err := db.Apply(ctx, run, hold); err != nil {
		t.Fatal(err)
	}
	if err := p.writeApprovalPackets(ctx, run, files); err != nil {
		t.Fatal(err)
	}
	path := p.ApprovalPacketPath(nov)
	if want := filepath.Join(home, "reports", fmt.Sprintf("approval-%04d-payouts_nov-2026-11-20-2130.xlsx", id)); path != want {
		t.Fatalf("packet path = %s, want %s", path, want)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := func(sheet string) [][]string {
		t.Helper()
		r, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	summary := rows("Summary")
	find := func(label string) []string {
		t.Helper()
		for _, r := range summary {
			if len(r) > 0 && r[0] == label {
				return r
			}
		}
		t.Fatalf("no row %q on the Summary", label)
		return nil
	}

	t.Run("the file", func(t *testing.T) {
		if got := find("Content hash (SHA-256)")[1]; got != "sha256-of-payouts_nov.csv" {
			t.Errorf("hash = %q", got)
		}
		if got := find("Dropped by (maker)")[1]; got != "not recorded" {
			t.Errorf("maker = %q", got)
		}
		in, rej, valid := find("Rows in")[1], find("Rows rejected")[1], find("Rows valid, to approve")[1]
		if in != "8" || rej != "1" || valid != "7" {
			t.Errorf("rows in, rejected, valid = %s, %s, %s; want 8, 1, 7", in, rej, valid)
		}
	})

	t.Run("totals by mode tie to the valid rows", func(t *testing.T) {
		// The ledger's own sum of the file's valid rows, by mode.
		want := map[string]domain.Money{}
		var total domain.Money
		for it, err := range db.Items(ctx, ledger.ItemFilter{FileIDs: []int64{id}}) {
			if err != nil {
				t.Fatal(err)
			}
			if it.Status == domain.StatusRejected {
				continue
			}
			po, err := domain.RecordAs[domain.Payout](it)
			if err != nil {
				t.Fatal(err)
			}
			m := want[po.Mode]
			m.Add(it.Amount)
			want[po.Mode] = m
			total.Add(it.Amount)
		}
		got := map[string]string{}
		for _, mode := range []string{"IMPS", "NEFT", "UPI", "Total"} {
			r := find(mode)
			got[mode] = r[1] + " " + r[2]
		}
		for mode, m := range want {
			if w := fmt.Sprintf("%d %s", m.Count, rupeeCell(m.Paise)); got[mode] != w {
				t.Errorf("%s = %q, want %q", mode, got[mode], w)
			}
		}
		if w := fmt.Sprintf("%d %s", total.Count, rupeeCell(total.Paise)); got["Total"] != w || total.Paise != nov.Tally.In.Paise-nov.Tally.Rejected.Paise {
			t.Errorf("Total = %q, want %q (valid rows ₹%s)", got["Total"], w, (nov.Tally.In.Paise - nov.Tally.Rejected.Paise).Rupees())
		}
		if !strings.Contains(fmt.Sprint(summary), "— ties out") {
			t.Error("no tie-out line on the Summary")
		}
	})

	t.Run("largest payments, masked", func(t *testing.T) {
		var refs []string
		start := slices.IndexFunc(summary, func(r []string) bool { return len(r) > 0 && strings.HasPrefix(r[0], "The 7 largest") })
		if start < 0 {
			t.Fatalf("no largest payments section in %q", summary)
		}
		for _, r := range summary[start+2 : start+2+7] {
			refs = append(refs, r[0])
		}
		if want := []string{"N-7", "N-4", "N-1", "N-3", "N-2", "N-5", "N-6"}; !slices.Equal(refs, want) {
			t.Errorf("largest = %v, want %v", refs, want)
		}
		if r := summary[start+2]; r[2] != "XXXXXXXXXX0004" || r[3] != "UTIB0000001" || r[4] != "IMPS" || r[5] != "195000" {
			t.Errorf("largest row = %q", r)
		}
		for _, sheet := range f.GetSheetList() {
			for _, r := range rows(sheet) {
				for _, c := range r {
					for _, full := range []string{"80400000000004", "50100000000001", "60200000000002", "ramesh@okhdfc", "new@ybl"} {
						if strings.Contains(strings.ToLower(c), full) {
							t.Errorf("%s shows %s in full: %q", sheet, full, c)
						}
					}
				}
			}
		}
	})

	t.Run("first-time beneficiaries", func(t *testing.T) {
		var got []string
		for _, r := range rows("First-time beneficiaries")[2:] {
			got = append(got, strings.Join([]string{r[1], r[3], r[4], r[5]}, " "))
		}
		want := []string{"XXXXXXXXXX0002 1 9999 N-3", "XXX@ybl 2 1000 N-5", "XXXXXXXXXX0004 1 195000 N-7"}
		if !slices.Equal(got, want) {
			t.Errorf("first-time =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})

	t.Run("possible duplicates", func(t *testing.T) {
		var got []string
		for _, r := range rows("Possible duplicates")[2:] {
			got = append(got, strings.Join([]string{r[0], r[5], r[6], r[9]}, " "))
		}
		want := []string{"N-1 OLD-2 old-b.csv success", "N-2 OLD-3 old-b.csv success", "N-6 N-5 this file awaiting approval"}
		if !slices.Equal(got, want) {
			t.Errorf("duplicates =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})

	t.Run("notes", func(t *testing.T) {
		text := fmt.Sprint(summary)
		for _, want := range []string{"1 IMPS row is close to it", "N-7 (line 8, ₹1,95,000.00)", "written at 21:30 IST, outside NEFT hours",
			"First-time beneficiaries: 3 accounts or VPAs", "Possible duplicates: 3 rows"} {
			if !strings.Contains(text, want) {
				t.Errorf("no %q on the Summary", want)
			}
		}
	})
}

// rupeeCell is how a rupee amount reads back as a raw cell value: rupees, no trailing zeros.
func rupeeCell(p domain.Paise) string {
	return strings.TrimSuffix(strings.TrimSuffix(strings.TrimRight(p.Decimal(), "0"), "."), ".")
}
