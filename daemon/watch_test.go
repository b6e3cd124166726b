package daemon_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"enkashbatch/daemon"
	"enkashbatch/jobs"
	"enkashbatch/ledger"
)

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// watchBundle is a data folder with a real ledger, a pipeline (no Enkash: ingest only) and a
// watcher on a settable clock.
type watchBundle struct {
	home  string
	inbox string
	db    *ledger.DB
	clock *clock
	w     *jobs.Watcher
	d     *daemon.Daemon
}

const scanInterval = 10 * time.Second

func setupWatch(t *testing.T) *watchBundle {
	t.Helper()
	home := t.TempDir()
	if err := jobs.EnsureHome(home); err != nil {
		t.Fatal(err)
	}
	db, err := ledger.Open(context.Background(), filepath.Join(home, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := newClock(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	w := jobs.NewWatcher(home, scanInterval, jobs.InboxPolicy{}, c.Now)
	p := jobs.New(jobs.Config{Home: home}, db, nil)
	return &watchBundle{home: home, inbox: filepath.Join(home, "inbox", "payouts"), db: db, clock: c, w: w, d: daemon.New(p, w, false)}
}

// payoutsCSV returns a payout file of n valid rows whose references start with prefix.
func payoutsCSV(prefix string, n int) []byte {
	var b strings.Builder
	b.WriteString("Reference,Beneficiary Name,Account Number,IFSC,VPA,Amount,Mode\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%s-%04d,Asha Rao,5010023456%04d,HDFC0001234,,%d.50,IMPS\n", prefix, i, i, 1000+i)
	}
	return []byte(b.String())
}

// scan runs one watcher pass (ingesting what is complete) and returns the names ingested.
func (b *watchBundle) scan(t *testing.T) []string {
	t.Helper()
	res, err := b.d.IngestArrivals(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range res.Files {
		if o.Status != ledger.FileAccepted {
			t.Errorf("%s: %s (%s)", o.Name, o.Status, o.Note)
		}
		names = append(names, o.Name)
	}
	return names
}

func (b *watchBundle) items(t *testing.T) int {
	t.Helper()
	counts, err := b.db.StateCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range counts {
		n += c.Count
	}
	return n
}

func TestWatcher_SlowWriteIsTakenOnlyWhenComplete(t *testing.T) {
	b := setupWatch(t)
	body := payoutsCSV("SLOW", 40)
	path := filepath.Join(b.inbox, "slow.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// Written in five pieces, a scan interval apart: every scan sees a file still growing.
	for i, piece := range chunks(body, 5) {
		if _, err := f.Write(piece); err != nil {
			t.Fatal(err)
		}
		b.clock.Advance(scanInterval)
		if got := b.scan(t); len(got) != 0 {
			t.Fatalf("after piece %d of 5: ingested %v while the file was being written", i+1, got)
		}
		if n := b.items(t); n != 0 {
			t.Fatalf("after piece %d of 5: %d items in the ledger", i+1, n)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// Unchanged, but only for a moment: not yet.
	b.clock.Advance(time.Second)
	if got := b.scan(t); len(got) != 0 {
		t.Fatalf("ingested %v one second after the last write", got)
	}
	// Unchanged across two scans an interval apart: complete.
	b.clock.Advance(scanInterval)
	if got := b.scan(t); len(got) != 1 || got[0] != "slow.csv" {
		t.Fatalf("complete file: ingested %v, want slow.csv", got)
	}
	if n := b.items(t); n != 40 {
		t.Fatalf("items = %d, want all 40 rows", n)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the ingested file is still in the inbox (%v)", err)
	}
}

func TestWatcher_DoneMarkerIsTakenAtOnceAndRemoved(t *testing.T) {
	b := setupWatch(t)
	path := filepath.Join(b.inbox, "marked.csv")
	if err := os.WriteFile(path, payoutsCSV("DONE", 3), 0o644); err != nil {
		t.Fatal(err)
	}
	// A marker for a file that is not there yet changes nothing.
	if err := os.WriteFile(filepath.Join(b.inbox, "later.csv.done"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+jobs.DoneSuffix, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := b.scan(t); len(got) != 1 || got[0] != "marked.csv" {
		t.Fatalf("first scan with a .done marker: ingested %v, want marked.csv", got)
	}
	if _, err := os.Stat(path + jobs.DoneSuffix); !os.IsNotExist(err) {
		t.Errorf("the marker is still there after ingest (%v)", err)
	}
	if n := b.items(t); n != 3 {
		t.Errorf("items = %d, want 3", n)
	}
	// A file written in place without a marker is not taken at the first scan that sees it.
	if err := os.WriteFile(filepath.Join(b.inbox, "plain.csv"), payoutsCSV("PLAIN", 2), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := b.scan(t); len(got) != 0 {
		t.Fatalf("ingested %v at the first scan that saw it", got)
	}
}

func TestWatcher_RenameFromTemporaryNameIsTakenAtOnce(t *testing.T) {
	b := setupWatch(t)
	tmp := filepath.Join(b.inbox, "renamed.csv.part")
	f, err := os.Create(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, piece := range chunks(payoutsCSV("REN", 10), 3) {
		if _, err := f.Write(piece); err != nil {
			t.Fatal(err)
		}
		b.clock.Advance(scanInterval)
		if got := b.scan(t); len(got) != 0 {
			t.Fatalf("a .part file was ingested: %v", got)
		}
	}
	f.Close()
	b.clock.Advance(scanInterval)
	b.scan(t) // sees the finished temporary file
	if err := os.Rename(tmp, filepath.Join(b.inbox, "renamed.csv")); err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(time.Second)
	if got := b.scan(t); len(got) != 1 || got[0] != "renamed.csv" {
		t.Fatalf("first scan after the rename: ingested %v, want renamed.csv", got)
	}
	if n := b.items(t); n != 10 {
		t.Errorf("items = %d, want 10", n)
	}
}

func TestWatcher_IgnoredNamesAreNeverTaken(t *testing.T) {
	b := setupWatch(t)
	names := []string{"~$payouts.xlsx", ".hidden.csv", "export.tmp", "download.csv.part", "big.csv.crdownload"}
	for i, n := range names {
		if err := os.WriteFile(filepath.Join(b.inbox, n), payoutsCSV(fmt.Sprintf("IGN%d", i), 2), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		b.clock.Advance(scanInterval)
		if got := b.scan(t); len(got) != 0 {
			t.Fatalf("ingested %v", got)
		}
	}
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(b.inbox, n)); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

func chunks(b []byte, n int) [][]byte {
	var out [][]byte
	size := (len(b) + n - 1) / n
	for len(b) > 0 {
		k := min(size, len(b))
		out = append(out, b[:k])
		b = b[k:]
	}
	return out
}

// TestWatcher_OddEntriesAreSetAsideUnopened: under the daemon, a FIFO with no writer, links
// and a folder in a kind folder are set aside at the first scan, without hanging it, and the
// complete file beside them is taken.
func TestWatcher_OddEntriesAreSetAsideUnopened(t *testing.T) {
	b := setupWatch(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := syscall.Mkfifo(filepath.Join(b.inbox, "pipe.csv"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"zero.csv": "/dev/zero", "dangling.csv": "/nonexistent/x.csv", "dir.csv": b.home} {
		if err := os.Symlink(target, filepath.Join(b.inbox, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(b.inbox, "nested"), 0o755); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(b.inbox, "good.csv")
	if err := os.WriteFile(good, payoutsCSV("ODD", 2), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good+jobs.DoneSuffix, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if w := b.w.Waiting(); len(w) != 0 {
		t.Fatalf("waiting before any scan: %+v", w)
	}
	res, err := b.d.IngestArrivals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, o := range res.Files {
		status[o.Name] = o.Status
	}
	want := map[string]string{"good.csv": ledger.FileAccepted, "pipe.csv": ledger.FileRejected, "zero.csv": ledger.FileRejected,
		"dangling.csv": ledger.FileRejected, "dir.csv": ledger.FileRejected, "nested": ledger.FileRejected}
	for name, st := range want {
		if status[name] != st {
			t.Errorf("%s: %q; want %q (all: %v)", name, status[name], st, status)
		}
	}
	entries, err := os.ReadDir(b.inbox)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("the kind folder still holds %d entries", len(entries))
	}
	if n := b.items(t); n != 2 {
		t.Errorf("items = %d, want the good file's 2", n)
	}
}
