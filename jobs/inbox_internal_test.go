package jobs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/ledger"
)

// TestIngestFile_ChangedAfterListingIsPutBack: a file that grew between the scan that found it
// complete and the read is put back in the inbox unrecorded, never archived half-read.
func TestIngestFile_ChangedAfterListingIsPutBack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	home := t.TempDir()
	if err := EnsureHome(home); err != nil {
		t.Fatal(err)
	}
	db, err := ledger.Open(ctx, filepath.Join(home, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := New(Config{Home: home}, db, nil)
	path := filepath.Join(home, dirInbox, "payouts", "grow.csv")
	head := "Reference,Beneficiary Name,Account Number,IFSC,VPA,Amount,Mode\nG-1,Asha Rao,50100234567891,HDFC0001234,,1"
	if err := os.WriteFile(path, []byte(head), 0o644); err != nil {
		t.Fatal(err)
	}
	listed, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	// The writer goes on after the scan.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("50000.00,NEFT\n")
	f.Close()

	runID, err := db.StartRun(ctx, "test", true)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.ingestScan(ctx, runID, []inboxFile{{path: path, kind: domain.KindPayouts, info: listed}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].Status != FileHeld || !strings.Contains(out[0].Note, "put back in the inbox") {
		t.Fatalf("outcomes = %+v; want the file held and put back", out)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the file is not back in the inbox: %v", err)
	}
	files, err := db.FileSummaries(ctx, ledger.FileFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 0 {
		t.Fatalf("the ledger recorded %+v for a file that changed while read", files)
	}
	// Looked at again once it stopped changing: taken whole.
	out, err = p.Ingest(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].Status != ledger.FileAccepted || out[0].Valid != 1 {
		t.Fatalf("second look: %+v; want the file accepted, its one row valid", out)
	}
	counts, err := db.StateCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 1 || counts[0].Paise != 150000_00 {
		t.Fatalf("ledger holds %+v; want one row of ₹1,50,000", counts)
	}
}

// TestZipCut tells a finished zip from one cut anywhere.
func TestZipCut(t *testing.T) {
	book, err := os.ReadFile(filepath.Join("..", "samples", "inbox", "payouts", "payouts_vendors_2026-11-23.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if why := zipCut(strings.NewReader(string(book)), int64(len(book))); why != "" {
		t.Fatalf("a finished workbook: %q", why)
	}
	for _, n := range []int{4, 30, len(book) / 3, len(book) - 30, len(book) - 1} {
		if why := zipCut(strings.NewReader(string(book[:n])), int64(n)); why == "" {
			t.Errorf("cut at %d of %d bytes: taken for finished", n, len(book))
		}
	}
}
