package e2e_test

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// inboxHarness is a harness whose inbox starts empty: the tests of this file drop their own
// entries.
func inboxHarness(t *testing.T) *harness {
	t.Helper()
	h := setup(t, setupOptions{Rows: 1})
	if err := os.Remove(filepath.Join(h.home, "inbox", "payouts", "payouts_e2e.csv")); err != nil {
		t.Fatal(err)
	}
	return h
}

// inboxArgs are runArgs with the inbox's intervals made short enough for a test: a file is
// taken once unchanged for 300ms; an unterminated CSV waits far longer than any test.
func (h *harness) inboxArgs(extra ...string) []string {
	return h.runArgs(append([]string{"--settle", "300ms", "--settle-unterminated", "10m"}, extra...)...)
}

// heldFile is one entry of `batch status --json`'s "held".
type heldFile struct {
	File   string    `json:"file"`
	Reason string    `json:"reason"`
	Since  time.Time `json:"since"`
}

// held runs `batch status --json` with args and returns what it lists as waiting in the inbox.
func (h *harness) held(args ...string) []heldFile {
	h.t.Helper()
	o := h.run(nil, append([]string{"status", "--json", "--home", h.home}, args...)...)
	if o.Code != 0 {
		h.t.Fatalf("batch status: %s\n%s", o, o.Stderr)
	}
	var st struct {
		Held []heldFile `json:"held"`
	}
	if err := json.Unmarshal([]byte(o.Stdout), &st); err != nil {
		h.t.Fatalf("batch status --json: %v\n%s", err, o.Stdout)
	}
	return st.Held
}

// writeFile writes body at path, making its folder.
func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ageFile sets a file's modification time an hour back, as if it had been dropped long ago.
func ageFile(t *testing.T, path string) {
	t.Helper()
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

// makeSocket leaves a Unix socket file at path.
func makeSocket(t *testing.T, path string) {
	t.Helper()
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
}

// makeFIFO makes a named pipe at path that nobody writes to: opening it to read would block.
func makeFIFO(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
}

// reasonOf returns the note set beside an entry in rejected/, wherever its day folder is.
func reasonOf(t *testing.T, home, name string) string {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(home, "rejected", "*", name+".reason.txt"))
	if len(matches) != 1 {
		t.Errorf("%s: %d notes in rejected/; want 1", name, len(matches))
		return ""
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// setAside returns what stands in rejected/ under name (Lstat: a link is not followed).
func setAside(t *testing.T, home, name string) os.FileInfo {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(home, "rejected", "*", name))
	if len(matches) != 1 {
		t.Errorf("%s: %d entries in rejected/; want 1", name, len(matches))
		return nil
	}
	info, err := os.Lstat(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	return info
}
