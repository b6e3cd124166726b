package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStatus_ListsWhatWaitsInTheInbox: `batch status` (text and --json) lists a file held back,
// with its reason and since when, and an entry that is not a file; the intervals come from the
// config file and the environment like every setting.
func TestStatus_ListsWhatWaitsInTheInbox(t *testing.T) {
	home := t.TempDir()
	inbox := filepath.Join(home, "inbox", "payouts")
	if err := os.MkdirAll(inbox, 0o755); err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(inbox, "cut.csv")
	if err := os.WriteFile(cut, []byte("Reference,Beneficiary Name,VPA,Amount,Mode\nC-1,Asha,asha@ybl,1"), 0o644); err != nil {
		t.Fatal(err)
	}
	hourAgo := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(cut, hourAgo, hourAgo); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(inbox, "pipe.csv"), 0o644); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(home, "batch.yaml")
	if err := os.WriteFile(config, []byte("settle-unterminated: 2h\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	status := func(env map[string]string, args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		m := &Main{Stdout: &stdout, Stderr: &stderr, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if code := m.Run(ctx, append([]string{"status", "--home", home, "--config", config}, args...)); code != exitOK {
			t.Fatalf("status exit %d: %s", code, stderr.String())
		}
		return stdout.String()
	}

	text := status(nil)
	for _, want := range []string{"Waiting in the inbox (2, not taken yet):",
		"inbox/payouts/cut.csv: held back: its last line has no line ending", "taken once unchanged for 2h0m0s",
		"(since " + hourAgo.In(india).Format("02-01-2006 15:04:05") + ")",
		"inbox/payouts/pipe.csv: not a file: a named pipe (FIFO); set aside in rejected/ unopened"} {
		if !strings.Contains(text, want) {
			t.Errorf("status lacks %q:\n%s", want, text)
		}
	}

	var js struct {
		Held []struct {
			File   string    `json:"file"`
			Reason string    `json:"reason"`
			Since  time.Time `json:"since"`
			Until  time.Time `json:"until"`
		} `json:"held"`
	}
	if err := json.Unmarshal([]byte(status(nil, "--json")), &js); err != nil {
		t.Fatal(err)
	}
	if len(js.Held) != 2 || js.Held[0].File != "inbox/payouts/cut.csv" || !js.Held[0].Since.Equal(hourAgo) || !js.Held[0].Until.Equal(hourAgo.Add(2*time.Hour)) {
		t.Errorf("status --json held = %+v", js.Held)
	}

	// The environment beats the config file: unchanged for an hour is enough under 30m.
	text = status(map[string]string{"BATCH_SETTLE_UNTERMINATED": "30m"})
	if strings.Contains(text, "cut.csv") || !strings.Contains(text, "pipe.csv") {
		t.Errorf("with BATCH_SETTLE_UNTERMINATED=30m the cut file should no longer wait:\n%s", text)
	}
}
