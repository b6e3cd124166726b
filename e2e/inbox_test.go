package e2e_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"enkashbatch/enkash/sandbox"
)

// inboxRunLimit bounds every run of these tests: far more than any of them needs, far less
// than a hang.
const inboxRunLimit = 60 * time.Second

const payoutHeader = "Reference,Beneficiary Name,Account Number,IFSC,VPA,Amount,Mode\n"

// checkFinished fails unless o is a run that ended by itself, in time, with 0 or 1.
func checkFinished(t *testing.T, what string, o outcome) {
	t.Helper()
	if o.Signal != 0 || (o.Code != 0 && o.Code != 1) || o.Took > inboxRunLimit {
		t.Fatalf("%s: %s; want exit 0 or 1 within %s\n%s\n%s", what, o, inboxRunLimit, o.Stdout, tail(o.Stderr, 20))
	}
}

// TestInbox_FileAppendedWhileRunScans: a file still being written is never paid in part. A
// writer appends rows while `batch run` scans: the file is held back. The writer stops in the
// middle of a line (the amount 1,50,000 written as far as "1"): held back again, listed by
// `batch status` with its reason. Finished, the file is paid whole: ₹1,50,000, never ₹1.00,
// and every row after it.
func TestInbox_FileAppendedWhileRunScans(t *testing.T) {
	t.Parallel()
	h := inboxHarness(t)
	path := filepath.Join(h.home, "inbox", "payouts", "payouts_appended.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{} // reference -> amount Enkash must receive
	if _, err := f.WriteString(payoutHeader); err != nil {
		t.Fatal(err)
	}

	// Phase 1: rows appended every 100ms for as long as the run lasts.
	p := h.start(nil, h.inboxArgs()...)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			ref, amount := fmt.Sprintf("APP-%04d", i), fmt.Sprintf("%d.50", 1000+i)
			want[ref] = amount
			fmt.Fprintf(f, "%s,Asha Rao,5010023456%04d,HDFC0001234,,%s,NEFT\n", ref, i, amount)
		}
	}()
	o := p.wait()
	close(stop)
	wg.Wait()
	checkFinished(t, "run while the file grows", o)
	if n := len(h.payoutCalls()); n != 0 {
		t.Fatalf("the run paid %d rows of a file still being written", n)
	}
	if !strings.Contains(o.Stdout, "payouts_appended.csv: still being written") {
		t.Errorf("the run does not say the file is held back:\n%s", o.Stdout)
	}

	// Phase 2: the writer pauses in the middle of a line.
	if _, err := f.WriteString("APP-0900,Ravi Sharma,50100234567892,SBIN0001234,,1"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond) // longer than the settle interval
	o = h.run(nil, h.inboxArgs()...)
	checkFinished(t, "run while the writer pauses mid-line", o)
	if calls := h.payoutCalls(); len(calls) != 0 {
		t.Fatalf("the run paid rows of a file cut in the middle of a line: %v", calls)
	}
	held := h.held("--settle", "300ms", "--settle-unterminated", "10m")
	if len(held) != 1 || held[0].File != "inbox/payouts/payouts_appended.csv" || !strings.Contains(held[0].Reason, "no line ending") || held[0].Since.IsZero() {
		t.Fatalf("status lists as held: %+v; want the file, with its reason and since when", held)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the held file left the inbox: %v", err)
	}

	// Phase 3: finished, it is paid whole.
	if _, err := f.WriteString("50000.00,NEFT\nAPP-0901,Meena Iyer,,,meena@okaxis,75.25,UPI\n"); err != nil {
		t.Fatal(err)
	}
	want["APP-0900"], want["APP-0901"] = "150000.00", "75.25"
	o = h.run(nil, h.inboxArgs()...)
	checkFinished(t, "run after the file is finished", o)
	calls := h.payoutCalls()
	for ref, amount := range want {
		c, ok := calls[ref]
		switch {
		case !ok:
			t.Errorf("%s never reached Enkash", ref)
		case c.Amount != amount || c.Creates != 1 || c.Duplicates != 0:
			t.Errorf("%s reached Enkash as %s (creates %d, duplicates %d); want %s once", ref, c.Amount, c.Creates, c.Duplicates, amount)
		}
	}
	if len(calls) != len(want) {
		t.Errorf("Enkash received %d payouts; the file holds %d", len(calls), len(want))
	}
	if held := h.held(); len(held) != 0 {
		t.Errorf("still held after the run: %+v", held)
	}
}

// TestInbox_FileAppendedWhileServeScans: the daemon does not take a file whose writer paused
// in the middle of a line, says so on /healthz, and takes it whole once it is finished.
func TestInbox_FileAppendedWhileServeScans(t *testing.T) {
	t.Parallel()
	h := inboxHarness(t)
	schedules := filepath.Join(h.home, "schedules.yaml")
	writeFile(t, schedules, "timezone: UTC\njobs:\n  yearly:\n    cron: \"0 0 1 1 *\"\n    steps: [reconcile]\n")
	path := filepath.Join(h.home, "inbox", "payouts", "payouts_served.csv")
	writeFile(t, path, payoutHeader+"SRV-0001,Asha Rao,50100234567891,HDFC0001234,,2500.00,NEFT\nSRV-0002,Ravi Sharma,50100234567892,SBIN0001234,,1")

	p := h.start(nil, "serve", "--home", h.home, "--schedules", schedules, "--listen", "127.0.0.1:0",
		"--scan-interval", "100ms", "--settle", "300ms", "--settle-unterminated", "10m")
	defer func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.wait()
		}
	}()
	var base string
	waitFor(t, 20*time.Second, "the daemon's listen address", func() bool {
		sc := bufio.NewScanner(strings.NewReader(p.stderr.String()))
		for sc.Scan() {
			var l map[string]any
			if json.Unmarshal(sc.Bytes(), &l) == nil && l["msg"] == "serving /healthz and /metrics" {
				base = "http://" + l["addr"].(string)
				return true
			}
		}
		return false
	})
	// Many scans later, the file is still in the inbox, unread, and /healthz says why.
	var hz struct {
		Held []heldFile `json:"held"`
	}
	waitFor(t, 10*time.Second, "/healthz to list the held file", func() bool {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		hz.Held = nil
		return json.NewDecoder(resp.Body).Decode(&hz) == nil && len(hz.Held) == 1 && strings.Contains(hz.Held[0].Reason, "no line ending")
	})
	if hz.Held[0].File != "inbox/payouts/payouts_served.csv" || hz.Held[0].Since.IsZero() {
		t.Errorf("/healthz held = %+v", hz.Held)
	}
	time.Sleep(time.Second)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the daemon took a file cut in the middle of a line: %v", err)
	}
	if strings.Contains(p.stderr.String(), "file ingested") {
		t.Fatalf("the daemon ingested a file cut in the middle of a line:\n%s", tail(p.stderr.String(), 10))
	}

	// Finished: taken whole.
	fh, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(fh, "50000.00,NEFT\nSRV-0003,Meena Iyer,,,meena@okaxis,75.25,UPI\n")
	fh.Close()
	waitFor(t, 20*time.Second, "the daemon to ingest the finished file", func() bool {
		return strings.Contains(p.stderr.String(), `"msg":"file ingested"`)
	})
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if o := p.wait(); o.Signal != 0 || o.Code != 0 || o.Took > inboxRunLimit {
		t.Fatalf("serve after SIGTERM: %s\n%s", o, tail(o.Stderr, 20))
	}
	// What the daemon recorded is what reaches Enkash.
	checkFinished(t, "run after serve", h.run(nil, h.inboxArgs()...))
	calls := h.payoutCalls()
	want := map[string]string{"SRV-0001": "2500.00", "SRV-0002": "150000.00", "SRV-0003": "75.25"}
	for ref, amount := range want {
		if c, ok := calls[ref]; !ok || c.Amount != amount || c.Creates != 1 {
			t.Errorf("%s reached Enkash as %+v; want %s once", ref, c, amount)
		}
	}
	if len(calls) != len(want) {
		t.Errorf("Enkash received %d payouts, want %d", len(calls), len(want))
	}
}

// TestInbox_HalfWrittenWorkbook: a workbook whose zip is not finished is held back, not
// refused, and paid once finished; one unchanged and unfinished for longer than --stale is
// refused as damaged with a reason.
func TestInbox_HalfWrittenWorkbook(t *testing.T) {
	t.Parallel()
	h := inboxHarness(t)
	book, err := os.ReadFile(filepath.Join("..", "samples", "inbox", "payouts", "payouts_vendors_2026-11-23.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(h.home, "inbox", "payouts", "vendors.xlsx")
	writeFile(t, path, string(book[:len(book)/2]))
	cut := filepath.Join(h.home, "inbox", "payouts", "cut.xlsx")
	writeFile(t, cut, string(book[:len(book)/2]))
	ageFile(t, cut)

	o := h.run(nil, h.inboxArgs("--stale", "2h")...)
	checkFinished(t, "run with half-written workbooks", o)
	if n := len(h.payoutCalls()); n != 0 {
		t.Fatalf("Enkash received %d payouts from half a workbook", n)
	}
	// Both wait: cut.xlsx, unchanged for an hour, is not stale under --stale 2h.
	held := h.held("--settle", "300ms", "--stale", "2h")
	if len(held) != 2 || held[0].File != "inbox/payouts/cut.xlsx" || held[1].File != "inbox/payouts/vendors.xlsx" {
		t.Fatalf("held = %+v; want cut.xlsx and vendors.xlsx", held)
	}
	for _, f := range held {
		if !strings.Contains(f.Reason, "workbook is incomplete") || !strings.Contains(f.Reason, "no end-of-central-directory record") {
			t.Errorf("%s held for %q; want the incomplete zip named", f.File, f.Reason)
		}
	}
	// Unchanged and unfinished for longer than --stale: refused as damaged, with a reason.
	o = h.run(nil, h.inboxArgs("--stale", "30m")...)
	checkFinished(t, "run with a stale workbook", o)
	if _, err := os.Stat(cut); !os.IsNotExist(err) {
		t.Errorf("cut.xlsx is still in the inbox after it went stale (%v)", err)
	}
	if note := reasonOf(t, h.home, "cut.xlsx"); !strings.Contains(note, "damaged_xlsx") || !strings.Contains(note, "cut short") {
		t.Errorf("cut.xlsx note: %q", note)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("vendors.xlsx, changed moments ago, left the inbox: %v", err)
	}

	// Finished: paid, every row.
	writeFile(t, path, string(book))
	o = h.run(nil, h.inboxArgs()...)
	checkFinished(t, "run with the finished workbook", o)
	v := h.run(nil, "validate", "--json", filepath.Join("..", "samples", "inbox", "payouts", "payouts_vendors_2026-11-23.xlsx"))
	var val struct{ Valid int }
	if err := json.Unmarshal([]byte(v.Stdout), &val); err != nil || val.Valid == 0 {
		t.Fatalf("validate the sample: %v\n%s", err, v.Stdout)
	}
	if n := len(h.payoutCalls()); n != val.Valid {
		t.Errorf("Enkash received %d payouts; the workbook has %d valid rows", n, val.Valid)
	}
}

// TestInbox_OddEntriesAreSetAsideAndTheRunGoesOn: links (dangling, to a folder, to
// /dev/zero), a FIFO nobody writes to, a folder, a socket, and a link an older version left in
// processing/ are set aside in rejected/ unopened with a note; the good files of the run are
// paid, and nothing hangs. The kind of a file at the top of the inbox comes from its header,
// not from a word in its name.
func TestInbox_OddEntriesAreSetAsideAndTheRunGoesOn(t *testing.T) {
	t.Parallel()
	h := inboxHarness(t)
	inbox := filepath.Join(h.home, "inbox")
	payouts := filepath.Join(inbox, "payouts")
	if err := os.MkdirAll(filepath.Join(payouts, "old"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"dangling.csv": filepath.Join(h.home, "nowhere.csv"), "folder.csv": h.home, "zero.csv": "/dev/zero"} {
		if err := os.Symlink(target, filepath.Join(payouts, name)); err != nil {
			t.Fatal(err)
		}
	}
	makeFIFO(t, filepath.Join(payouts, "pipe.csv"))
	makeSocket(t, filepath.Join(payouts, "sock.csv"))
	if err := os.MkdirAll(filepath.Join(h.home, "processing", "payouts"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(h.home, "gone.csv"), filepath.Join(h.home, "processing", "payouts", "left.csv")); err != nil {
		t.Fatal(err)
	}
	// Good files at the top of the inbox, named with another kind's word.
	writeFile(t, filepath.Join(inbox, "Customer refunds Dec 2026.csv"), payoutHeader+
		"RFD-0001,Asha Rao,50100234567891,HDFC0001234,,150000.00,NEFT\nRFD-0002,Ravi Sharma,,,ravi@okaxis,99.99,UPI\n")
	writeFile(t, filepath.Join(inbox, "customers_dec.csv"), "Customer Reference,Legal Name,GSTIN,PAN,Contact Person,Mobile No,Email ID\n"+
		"CUST-DEC1,Umbrella Traders LLP,27AAPFU0939F1ZV,AAPFU0939F,Anita Desai,9820011223,accounts@umbrella.example\n")
	writeFile(t, filepath.Join(inbox, "Dec-2026 billing.csv"), "Invoice No,Customer Ref,Invoice Date,Due Date,Taxable Value,IGST\n"+
		"INV-DEC-01,CUST-DEC1,01-12-2026,31-12-2026,10000.00,1800.00\n")
	writeFile(t, filepath.Join(inbox, "Dec 2026 list.csv"), "Name,Account,Sum\nAsha,123,10\n")
	for _, n := range []string{"Customer refunds Dec 2026.csv", "customers_dec.csv", "Dec-2026 billing.csv", "Dec 2026 list.csv"} {
		ageFile(t, filepath.Join(inbox, n))
	}

	o := h.run(nil, h.inboxArgs()...)
	checkFinished(t, "run with odd inbox entries", o)

	calls := h.payoutCalls()
	if c := calls["RFD-0001"]; c.Amount != "150000.00" || c.Creates != 1 {
		t.Errorf("RFD-0001 reached Enkash as %+v; want 150000.00 once", c)
	}
	if c := calls["RFD-0002"]; c.Amount != "99.99" || c.Creates != 1 {
		t.Errorf("RFD-0002 reached Enkash as %+v; want 99.99 once", c)
	}
	invoice := false
	for _, c := range h.calls() {
		invoice = invoice || (c.Kind == sandbox.KindInvoice && c.Reference == "INV-DEC-01" && c.Creates == 1)
	}
	if !invoice {
		t.Errorf("the invoice of \"Dec-2026 billing.csv\" never reached Enkash as an invoice: %+v", h.calls())
	}
	if note := reasonOf(t, h.home, "Dec 2026 list.csv"); !strings.Contains(note, "fits no kind") || !strings.Contains(note, "the header has Name, Account, Sum") ||
		!strings.Contains(note, "payouts: Reference, Beneficiary Name, Amount, Mode") {
		t.Errorf("the file of no kind: note %q", note)
	}

	odd := map[string]struct {
		mode fs.FileMode
		says string
	}{
		"dangling.csv": {fs.ModeSymlink, "does not exist"},
		"folder.csv":   {fs.ModeSymlink, "symbolic link to the folder"},
		"zero.csv":     {fs.ModeSymlink, "/dev/zero, which is a device"},
		"pipe.csv":     {fs.ModeNamedPipe, "named pipe"},
		"sock.csv":     {fs.ModeSocket, "socket"},
		"old":          {fs.ModeDir, "a folder inside inbox/payouts/"},
		"left.csv":     {fs.ModeSymlink, "does not exist"},
	}
	for name, w := range odd {
		if info := setAside(t, h.home, name); info != nil && info.Mode().Type() != w.mode {
			t.Errorf("%s in rejected/ is %v; want the entry itself (%v)", name, info.Mode().Type(), w.mode)
		}
		if note := reasonOf(t, h.home, name); !strings.Contains(note, w.says) || !strings.Contains(note, "set aside without being opened") {
			t.Errorf("%s: note %q; want it to say %q", name, note, w.says)
		}
	}
	if held := h.held(); len(held) != 0 {
		t.Errorf("the inbox still holds %+v", held)
	}
	// And the next run has nothing left to trip on.
	checkFinished(t, "the next run", h.run(nil, h.inboxArgs()...))
}

// TestInbox_SIGTERMEndsARunPromptly: a run waiting for a file to settle, and a run reading a
// huge file, both end within seconds of SIGTERM.
func TestInbox_SIGTERMEndsARunPromptly(t *testing.T) {
	t.Parallel()
	for name, prepare := range map[string]func(h *harness) []string{
		"waiting to settle": func(h *harness) []string {
			writeFile(t, filepath.Join(h.home, "inbox", "payouts", "payouts_fresh.csv"), payoutHeader)
			return h.runArgs("--settle", "10m")
		},
		"reading a huge file": func(h *harness) []string {
			path := filepath.Join(h.home, "inbox", "payouts", "huge.dat")
			writeFile(t, path, "")
			if err := os.Truncate(path, 64<<30); err != nil { // sparse: no disk used
				t.Fatal(err)
			}
			ageFile(t, path)
			return h.runArgs("--settle", "1s")
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := inboxHarness(t)
			p := h.start(nil, prepare(h)...)
			time.Sleep(1500 * time.Millisecond)
			if p.cmd.ProcessState != nil {
				t.Fatalf("the run ended before the signal: %s", p.wait())
			}
			sent := time.Now()
			p.signal(syscall.SIGTERM)
			o := p.wait()
			if took := time.Since(sent); took > 5*time.Second {
				t.Errorf("the run took %s to end after SIGTERM", took)
			}
			if o.Signal != 0 || o.Code == 130 {
				t.Errorf("after one SIGTERM: %s; want a clean exit\n%s", o, tail(o.Stderr, 10))
			}
		})
	}
}
