package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// runBatch runs the command in-process with an empty environment.
func runBatch(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, LookupEnv: func(k string) (string, bool) {
		if k == "BATCH_SETTLE" {
			return testSettle, true
		}
		return "", false
	}}
	code := m.Run(context.Background(), args)
	return code, stdout.String(), stderr.String()
}

func TestIngest(t *testing.T) {
	home := t.TempDir()
	src := "../../samples/inbox/payouts/payouts_2026-11-23.csv"

	code, out, errOut := runBatch(t, "ingest", "--home", home, "--json", src)
	if code != exitAttention {
		t.Fatalf("exit %d, want %d (the sample has rejected rows); stderr: %s", code, exitAttention, errOut)
	}
	var got struct {
		RunID int64            `json:"run_id"`
		Files []ingestFileJSON `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	if len(got.Files) != 1 {
		t.Fatalf("files %+v, want one", got.Files)
	}
	f := got.Files[0]
	if f.File != "payouts_2026-11-23.csv" || f.Kind != "payouts" || f.Status != "accepted" || f.Rows != 30 || f.Valid != 23 || f.Rejected != 7 {
		t.Errorf("file %+v, want payouts_2026-11-23.csv: 30 rows, 23 valid, 7 rejected", f)
	}
	if _, err := os.Stat(src); err != nil {
		t.Errorf("the given file must stay where it was: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(home, "inbox", "*.csv")); len(left) != 0 {
		t.Errorf("inbox still holds %v after ingest", left)
	}

	// The rows are recorded and nothing was sent: 7 rejected, 23 open, none final.
	code, out, errOut = runBatch(t, "status", "--home", home, "--json")
	if code != exitOK && code != exitAttention {
		t.Fatalf("status exit %d: %s", code, errOut)
	}
	type count struct {
		Count int `json:"count"`
	}
	var st struct {
		Files []struct {
			Tally struct{ In, Rejected, Success, Failed, Open count } `json:"tally"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || len(st.Files) != 1 {
		t.Fatalf("status: %v, %s", err, out)
	}
	if tl := st.Files[0].Tally; tl.In.Count != 30 || tl.Rejected.Count != 7 || tl.Open.Count != 23 || tl.Success.Count+tl.Failed.Count != 0 {
		t.Errorf("tally %+v, want 30 in = 7 rejected + 23 open", tl)
	}

	// The same file again is a duplicate, not new items.
	code, out, _ = runBatch(t, "ingest", "--home", home, "--json", src)
	if code != exitAttention || !bytes.Contains([]byte(out), []byte(`"status": "duplicate"`)) {
		t.Errorf("second ingest: exit %d, output %s; want exit 1 and a duplicate", code, out)
	}
}

func TestIngest_Busy(t *testing.T) {
	home := t.TempDir()
	// Hold the data folder's lock as a running batch process would.
	unlock := holdLock(t, home)
	defer unlock()
	code, _, errOut := runBatch(t, "ingest", "--home", home)
	if code != exitUsage {
		t.Fatalf("exit %d while another process holds the folder, want %d; stderr: %s", code, exitUsage, errOut)
	}
}

// holdLock takes the data folder's kernel lock the way jobs does, from another open file.
func holdLock(t *testing.T, home string) func() {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(home, ".batch.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	return func() { f.Close() }
}
