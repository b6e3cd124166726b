package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"enkashbatch/domain"
)

// The command line as a user meets it: flags anywhere, per-command help, version, typos,
// completion and the documented exit codes. These run in-process and touch no Enkash.

func TestCLI_FlagsAfterArguments(t *testing.T) {
	b := &bundle{env: map[string]string{}}
	file := "../../samples/inbox/payouts/payouts_2026-11-23.csv"
	// --json after the file: a flag, not a second file.
	code, stdout, stderr := b.run(t, "validate", file, "--json")
	if code != exitAttention {
		t.Fatalf("validate FILE --json: exit %d, want 1 (rows rejected); stderr: %s", code, stderr)
	}
	var v struct{ Rows int }
	if err := json.Unmarshal([]byte(stdout), &v); err != nil || v.Rows != 30 {
		t.Fatalf("validate FILE --json did not give the JSON of the file (rows %d, %v): %q", v.Rows, err, stdout)
	}
	// A global flag before the command, a command flag after it, in any order.
	home := t.TempDir()
	for _, args := range [][]string{
		{"--home", home, "status", "--json"},
		{"status", "--json", "--home", home},
		{"status", "--home=" + home, "--json"},
	} {
		code, stdout, stderr := b.run(t, args...)
		if code != exitOK || !strings.HasPrefix(strings.TrimSpace(stdout), "{") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(home, "ledger.db")); err != nil {
		t.Errorf("--home before the command was not used: %v", err)
	}
}

func TestCLI_PerCommandHelp(t *testing.T) {
	b := &bundle{env: map[string]string{}}
	cases := []struct {
		args      []string
		want, not []string
	}{
		{[]string{"run", "--help"}, []string{"--poll-deadline", "--batch-size", "--json", "--home"}, []string{"--note", "--addr"}},
		{[]string{"status", "--help"}, []string{"--json", "--home", "--config"}, []string{"--batch-size", "--poll-deadline", "--rate"}},
		{[]string{"validate", "-h"}, []string{"--json", "--home"}, []string{"--batch-size", "--poll-interval", "--settle"}},
		{[]string{"exceptions", "resolve", "--help"}, []string{"--note", "--by", "--home"}, []string{"--batch-size", "--open"}},
		{[]string{"help", "templates"}, []string{"--out"}, []string{"--batch-size", "--json"}},
		{[]string{"sandbox", "--help"}, []string{"--addr", "--scenario"}, []string{"--batch-size"}},
	}
	for _, c := range cases {
		code, stdout, stderr := b.run(t, c.args...)
		if code != exitOK || stderr != "" {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, stderr)
		}
		if n := strings.Count(stdout, "Usage:"); n != 1 {
			t.Errorf("%v: the help is printed %d times", c.args, n)
		}
		for _, w := range c.want {
			if !strings.Contains(stdout, w+" ") {
				t.Errorf("%v: help does not list %s:\n%s", c.args, w, stdout)
			}
		}
		for _, n := range c.not {
			if strings.Contains(stdout, n+" ") {
				t.Errorf("%v: help lists another command's flag %s", c.args, n)
			}
		}
	}
}

func TestCLI_Version(t *testing.T) {
	defer func(v, c string) { version, commit = v, c }(version, commit)
	version, commit = "v1.4.0", "0123456789abcdef0123"
	b := &bundle{env: map[string]string{}}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, stdout, _ := b.run(t, args...)
		if code != exitOK || stdout != "batch v1.4.0, commit 0123456789ab\n" {
			t.Errorf("%v: exit %d, %q", args, code, stdout)
		}
	}
	version, commit = "dev", ""
	if _, stdout, _ := b.run(t, "version"); !strings.HasPrefix(stdout, "batch dev, commit ") {
		t.Errorf("version without build flags: %q", stdout)
	}
}

// TestCLI_UsageErrors: a typo gets a short message naming the nearest command or flag and
// where help is, on stderr, exit 2; never the whole help.
func TestCLI_UsageErrors(t *testing.T) {
	b := &bundle{env: map[string]string{}}
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"rnu"}, []string{`unknown command "rnu"`, "run", "batch --help"}},
		{[]string{"statsu", "--home", "x"}, []string{`unknown command "statsu"`, "status"}},
		{[]string{"run", "--pol-deadline", "1s"}, []string{"unknown flag: --pol-deadline", "did you mean --poll-deadline?", "batch run --help"}},
		{[]string{"status", "--batch-size", "5"}, []string{"unknown flag: --batch-size"}},
		{[]string{"validate"}, []string{"requires at least 1 arg", "batch validate --help"}},
		{[]string{"run", "extra"}, []string{`unknown command "extra"`}},
		{[]string{"run", "--poll-deadline", "soon"}, []string{`invalid argument "soon"`}},
		{[]string{"exceptions", "resolve", "abc", "--note", "x"}, []string{`"abc" is not an exception ID`}},
	}
	for _, c := range cases {
		code, stdout, stderr := b.run(t, c.args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want 2", c.args, code)
		}
		if stdout != "" || strings.Contains(stderr, "Available Commands") || strings.Contains(stderr, "Flags:") || len(stderr) > 400 {
			t.Errorf("%v: more than a short message:\nstdout %q\nstderr %q", c.args, stdout, stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: stderr %q does not say %q", c.args, stderr, w)
			}
		}
	}
	// `batch` alone: the help, and exit 2 (a script that forgot the command must not pass).
	if code, stdout, _ := b.run(t); code != exitUsage || !strings.Contains(stdout, "Available Commands") {
		t.Errorf("batch alone: exit %d, %q", code, stdout)
	}
}

func TestCLI_Completion(t *testing.T) {
	b := &bundle{env: map[string]string{}}
	for shell, marker := range map[string]string{"bash": "__start_batch", "zsh": "#compdef batch", "fish": "complete -c batch"} {
		code, stdout, stderr := b.run(t, "completion", shell)
		if code != exitOK || !strings.Contains(stdout, marker) {
			t.Errorf("completion %s: exit %d, stderr %q, no %q in %d bytes", shell, code, stderr, marker, len(stdout))
		}
	}
	// What the generated scripts ask the binary: the commands, and the flags of one.
	_, stdout, _ := b.run(t, "__complete", "st")
	if !strings.Contains(stdout, "status") {
		t.Errorf("completing \"st\": %q", stdout)
	}
	_, stdout, _ = b.run(t, "__complete", "exceptions", "resolve", "1", "--")
	if !strings.Contains(stdout, "--note") || strings.Contains(stdout, "--batch-size") {
		t.Errorf("completing resolve's flags: %q", stdout)
	}
}

// TestCLI_ConfigSharedByCommands: one config file serves every command (a key another command
// uses is left alone), a key no command knows is refused, and flags > environment > file.
func TestCLI_ConfigSharedByCommands(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "from-file")
	cfg := filepath.Join(dir, "batch.yaml")
	os.WriteFile(cfg, []byte("home: "+home+"\nbatch-size: 100\nschedules: s.yaml\nsettle: 1s\n"), 0o644)
	b := &bundle{env: map[string]string{}}
	if code, _, stderr := b.run(t, "status", "--config", cfg, "--json"); code != exitOK {
		t.Fatalf("status with a config file of run's and serve's settings: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(home, "ledger.db")); err != nil {
		t.Errorf("the config file's home was not used: %v", err)
	}
	envHome := filepath.Join(dir, "from-env")
	b.env["BATCH_HOME"] = envHome
	b.run(t, "status", "--config", cfg, "--json")
	if _, err := os.Stat(filepath.Join(envHome, "ledger.db")); err != nil {
		t.Errorf("BATCH_HOME did not win over the config file: %v", err)
	}
	flagHome := filepath.Join(dir, "from-flag")
	b.run(t, "status", "--json", "--config", cfg, "--home", flagHome)
	if _, err := os.Stat(filepath.Join(flagHome, "ledger.db")); err != nil {
		t.Errorf("--home did not win over BATCH_HOME: %v", err)
	}
	os.WriteFile(cfg, []byte("hoem: x\n"), 0o644)
	if code, _, stderr := b.run(t, "status", "--config", cfg); code != exitUsage || !strings.Contains(stderr, `unknown setting "hoem"`) {
		t.Errorf("unknown config key: exit %d, %q", code, stderr)
	}
	b.env["BATCH_SETTLE"] = "soon"
	if code, _, stderr := b.run(t, "status", "--home", flagHome); code != exitUsage || !strings.Contains(stderr, "BATCH_SETTLE") {
		t.Errorf("bad environment value: exit %d, %q", code, stderr)
	}
}

// writePayouts writes a payouts CSV of rows (Reference, Amount) at path; a row whose amount is
// "bad" breaks the amount rule.
func writePayouts(t *testing.T, path string, rows ...[2]string) {
	t.Helper()
	var sb strings.Builder
	sb.WriteString("Reference,Beneficiary Name,Account Number,IFSC,Amount,Mode\n")
	for _, r := range rows {
		fmt.Fprintf(&sb, "%s,Asha Rao,50100234567891,HDFC0001234,%s,IMPS\n", r[0], r[1])
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// openExceptionList returns the open exceptions of home.
func openExceptionList(t *testing.T, b *bundle, home string) []domain.Exception {
	t.Helper()
	_, stdout, stderr := b.run(t, "exceptions", "--home", home, "--open", "--json")
	var excs []domain.Exception
	if err := json.Unmarshal([]byte(stdout), &excs); err != nil {
		t.Fatalf("exceptions --json: %v\n%s\n%s", err, stdout, stderr)
	}
	return excs
}

// TestExceptions_ResolveAfterGlobalFlag: `batch exceptions --home X resolve ID --note ... --by
// ...` resolves the exception; it used to list everything and exit 0. Anything else after
// `exceptions` is refused.
func TestExceptions_ResolveAfterGlobalFlag(t *testing.T) {
	home := t.TempDir()
	src := filepath.Join(t.TempDir(), "payouts_one_bad.csv")
	writePayouts(t, src, [2]string{"R-1", "1500"}, [2]string{"R-2", "bad"})
	b := &bundle{env: map[string]string{"BATCH_SETTLE": testSettle}}
	if code, _, stderr := b.run(t, "ingest", "--home", home, src); code != exitAttention {
		t.Fatalf("ingest: exit %d, %s", code, stderr)
	}
	open := openExceptionList(t, b, home)
	if len(open) != 1 {
		t.Fatalf("open exceptions = %+v, want the bad row's", open)
	}
	id := fmt.Sprint(open[0].ID)

	code, stdout, stderr := b.run(t, "exceptions", "--home", home, "resolve", id, "--note", "corrected in the next file", "--by", "asha")
	if code != exitOK || !strings.Contains(stdout, "Exception "+id+" resolved") {
		t.Fatalf("resolve after --home: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if left := openExceptionList(t, b, home); len(left) != 0 {
		t.Errorf("still open after resolve: %+v", left)
	}
	_, stdout, _ = b.run(t, "exceptions", "history", id, "--home", home)
	if !strings.Contains(stdout, "asha") || !strings.Contains(stdout, "corrected in the next file") {
		t.Errorf("history does not show the resolution:\n%s", stdout)
	}
	// Mistakes are refused, never answered with the list.
	for _, args := range [][]string{
		{"exceptions", "--home", home, "resolv", id, "--note", "x"},
		{"exceptions", "--home", home, "12"},
		{"exceptions", "--home", home, "resolve", id},                     // no --note
		{"exceptions", "--home", home, "resolve", "--note", "x"},          // no ID
		{"exceptions", "--home", home, "resolve", id, "7", "--note", "x"}, // two IDs
	} {
		code, stdout, stderr := b.run(t, args...)
		if code != exitUsage || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and nothing listed", args, code, stdout, stderr)
		}
	}
	if _, _, stderr := b.run(t, "exceptions", "--home", home, "resolv", id); !strings.Contains(stderr, `did you mean "batch exceptions resolve"`) {
		t.Errorf("no suggestion for resolv: %q", stderr)
	}
	// Hints carry the data folder that was used.
	_, _, stderr = b.run(t, "exceptions", "resolve", "999", "--note", "x", "--home", home)
	if !strings.Contains(stderr, "batch exceptions --home "+home) {
		t.Errorf("the hint does not carry --home: %q", stderr)
	}
}

// TestRun_ExitCodeOpenExceptionsSeenAgain: a payout Enkash never settles keeps `batch run` at
// exit 1 on the runs after the one that raised it (it used to exit 0), until it settles or is
// resolved and not seen again; the hints and the SANDBOX banner of status and exceptions.
func TestRun_ExitCodeOpenExceptionsSeenAgain(t *testing.T) {
	scenario := filepath.Join(t.TempDir(), "stuck.yaml")
	os.WriteFile(scenario, []byte("outcomes:\n  - {match: \"STUCK-1\", status: PENDING}\n"), 0o644)
	b := setup(t, scenario)
	os.RemoveAll(filepath.Join(b.home, "inbox"))
	writePayouts(t, filepath.Join(b.home, "inbox", "payouts", "payouts_stuck.csv"), [2]string{"STUCK-1", "1500"}, [2]string{"OK-1", "2500"})
	polls := []string{"--poll-interval", "50ms", "--poll-deadline", "300ms"}
	run := func() (int, string) {
		t.Helper()
		code, stdout, stderr := b.run(t, append([]string{"run", "--home", b.home}, polls...)...)
		if code == exitUsage || code == exitEnkashDown {
			t.Fatalf("run: exit %d\n%s\n%s", code, stdout, stderr)
		}
		return code, stdout
	}
	if code, _ := run(); code != exitAttention {
		t.Fatalf("first run: exit %d, want 1 (a payout stuck)", code)
	}
	code, stdout := run()
	if code != exitAttention {
		t.Errorf("second run, the payout still stuck: exit %d, want 1\n%s", code, stdout)
	}
	for _, want := range []string{"stuck_pending 1", "raised by an earlier run", "List them with: batch exceptions --open --home " + b.home} {
		if !strings.Contains(stdout, want) {
			t.Errorf("second run's output does not say %q:\n%s", want, stdout)
		}
	}
	// The sandbox says so everywhere.
	for _, cmd := range []string{"status", "exceptions"} {
		_, stdout, _ := b.run(t, cmd, "--home", b.home)
		if !strings.HasPrefix(stdout, "SANDBOX:") {
			t.Errorf("%s does not say SANDBOX:\n%s", cmd, stdout)
		}
	}
	if _, stdout, _ := b.run(t, "status", "--home", b.home); !strings.Contains(stdout, "batch exceptions --open --home "+b.home) {
		t.Errorf("status's hint does not carry --home:\n%s", stdout)
	}
	// Nothing sent twice along the way.
	for _, c := range b.calls(t) {
		if c.Creates != 1 || c.Duplicates != 0 {
			t.Errorf("%s: creates %d, duplicates %d", c.Reference, c.Creates, c.Duplicates)
		}
	}
}

// TestRun_ExitZeroWhenNothingOpen: a run whose payouts all succeed exits 0, and so does the
// next one, with nothing to do.
func TestRun_ExitZeroWhenNothingOpen(t *testing.T) {
	b := setup(t, "")
	os.RemoveAll(filepath.Join(b.home, "inbox"))
	writePayouts(t, filepath.Join(b.home, "inbox", "payouts", "payouts_clean.csv"), [2]string{"CLEAN-1", "1500"})
	for i := range 2 {
		code, stdout, stderr := b.run(t, "run", "--home", b.home, "--poll-interval", "50ms", "--poll-deadline", "2s")
		if code != exitOK {
			t.Errorf("run %d: exit %d, want 0\n%s\n%s", i+1, code, stdout, stderr)
		}
	}
}

// TestValidate_AgainstLedger: with --home, validate finds what the run would refuse because of
// the ledger (a reference already queued, a file already processed), in ingest's words; it only
// reads the ledger, and creates none where there is none.
func TestValidate_AgainstLedger(t *testing.T) {
	home := t.TempDir()
	dir := t.TempDir()
	first := filepath.Join(dir, "payouts_first.csv")
	writePayouts(t, first, [2]string{"REF-1", "1500"}, [2]string{"REF-2", "2500"})
	b := &bundle{env: map[string]string{"BATCH_SETTLE": testSettle}}
	if code, _, stderr := b.run(t, "ingest", "--home", home, first); code != exitOK {
		t.Fatalf("ingest: exit %d, %s", code, stderr)
	}
	ledgerPath := filepath.Join(home, "ledger.db")
	before, err := os.Stat(ledgerPath)
	if err != nil {
		t.Fatal(err)
	}
	// The same content again, and a new file re-using REF-2 (written "ref-2").
	again := filepath.Join(dir, "payouts_first_again.csv")
	data, _ := os.ReadFile(first)
	os.WriteFile(again, data, 0o644)
	resent := filepath.Join(dir, "payouts_resent.csv")
	writePayouts(t, resent, [2]string{"REF-3", "100"}, [2]string{"ref-2", "2500"})

	code, stdout, stderr := b.run(t, "validate", again, "--home", home, "--json")
	if code != exitUsage || !strings.Contains(stdout, `"Rule": "duplicate_file"`) || !strings.Contains(stdout, "payouts_first.csv") {
		t.Errorf("a file already processed: exit %d, %s %s", code, stdout, stderr)
	}
	code, stdout, stderr = b.run(t, "validate", "--home", home, "--json", resent)
	var v struct {
		Valid, Rejected int
		Errors          []domain.RowError
	}
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("%v: %s %s", err, stdout, stderr)
	}
	if code != exitAttention || v.Valid != 1 || v.Rejected != 1 || len(v.Errors) != 1 || v.Errors[0].Line != 3 ||
		v.Errors[0].Rule != domain.RuleAlreadyQueued || !strings.Contains(v.Errors[0].Message, "payouts_first.csv") {
		t.Fatalf("a reference already queued: exit %d, %+v", code, v)
	}
	// Without --home's ledger, the same file passes: the check is the ledger's.
	if code, _, _ := b.run(t, "validate", "--home", filepath.Join(dir, "nowhere"), resent); code != exitOK {
		t.Errorf("validate against no ledger: exit %d, want 0", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "nowhere")); !os.IsNotExist(err) {
		t.Errorf("validate created a data folder: %v", err)
	}
	after, err := os.Stat(ledgerPath)
	if err != nil || after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("validate changed the ledger: %v, %v -> %v", err, before, after)
	}
	// The run says what validate said.
	code, stdout, _ = b.run(t, "ingest", "--home", home, "--json", resent)
	if code != exitAttention || !strings.Contains(stdout, `"rejected": 1`) {
		t.Errorf("ingest of the file validate flagged: exit %d, %s", code, stdout)
	}
	excs := openExceptionList(t, b, home)
	found := false
	for _, e := range excs {
		if e.File == "payouts_resent.csv" && e.Line == 3 && e.Actual == domain.RuleAlreadyQueued {
			found = strings.HasSuffix(e.Detail, ": "+v.Errors[0].Message)
			if !found {
				t.Errorf("ingest says %q, validate said %q", e.Detail, v.Errors[0].Message)
			}
		}
	}
	if !found {
		t.Errorf("ingest did not refuse the row validate flagged: %+v", excs)
	}
}

// TestValidate_RefusesNonRegular: a FIFO, a folder or a device is refused at once (exit 2),
// never waited on.
func TestValidate_RefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "payouts_pipe.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(dir, "payouts_folder.csv")
	os.Mkdir(folder, 0o755)
	b := &bundle{env: map[string]string{}}
	for path, want := range map[string]string{fifo: "named pipe", folder: "folder", "/dev/null": "device"} {
		done := make(chan struct{})
		var code int
		var stderr string
		go func() {
			defer close(done)
			code, _, stderr = b.run(t, "validate", path)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("validate %s blocked", path)
		}
		if code != exitUsage || !strings.Contains(stderr, want) {
			t.Errorf("validate %s: exit %d, %q; want 2 naming %q", path, code, stderr, want)
		}
	}
}

// TestReport_RewritesInPlace: `report --run N` rewrites the run's workbook where it is, and
// leaves a fix-and-redrop file already there as it is (the user may be correcting it).
func TestReport_RewritesInPlace(t *testing.T) {
	home := t.TempDir()
	src := filepath.Join(t.TempDir(), "payouts_fix.csv")
	writePayouts(t, src, [2]string{"F-1", "1500"}, [2]string{"F-2", "bad"})
	b := &bundle{env: map[string]string{"BATCH_SETTLE": testSettle}}
	if code, _, stderr := b.run(t, "ingest", "--home", home, src); code != exitAttention {
		t.Fatalf("ingest: exit %d, %s", code, stderr)
	}
	code, stdout, stderr := b.run(t, "report", "--run", "1", "--home", home, "--json")
	if code != exitOK {
		t.Fatalf("report: exit %d, %s", code, stderr)
	}
	var out runOutput
	json.Unmarshal([]byte(stdout), &out)
	if len(out.FixFiles) != 1 {
		t.Fatalf("fix files = %v", out.FixFiles)
	}
	// The workbook as an earlier run wrote it, and the user at work on the fix file.
	reports := filepath.Join(home, "reports")
	earlier := filepath.Join(reports, "run-0001-2026-01-05-2230.xlsx")
	if err := os.Rename(out.Workbook, earlier); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(earlier, []byte("the old workbook"), 0o644)
	edited := []byte("Reference,Beneficiary Name,Account Number,IFSC,Amount,Mode\nF-2,Asha Rao,50100234567891,HDFC0001234,1500,IMPS\n")
	os.WriteFile(out.FixFiles[0], edited, 0o644)

	code, stdout, stderr = b.run(t, "report", "--home", home, "--run", "1")
	if code != exitOK {
		t.Fatalf("report again: exit %d, %s", code, stderr)
	}
	books, _ := filepath.Glob(filepath.Join(reports, "run-0001-*.xlsx"))
	if len(books) != 1 || books[0] != earlier {
		t.Errorf("workbooks of run 1 = %v, want only %s, rewritten", books, earlier)
	}
	if data, _ := os.ReadFile(earlier); string(data) == "the old workbook" {
		t.Error("the run's workbook was not rewritten")
	}
	if data, _ := os.ReadFile(out.FixFiles[0]); string(data) != string(edited) {
		t.Errorf("the fix file being corrected was overwritten:\n%s", data)
	}
	if !strings.Contains(stdout, "left as it is") || !strings.Contains(stdout, "Workbook: "+earlier) {
		t.Errorf("report does not say where the workbook is and that the fix file was kept:\n%s", stdout)
	}
}

// TestReconcile_DateAsPrinted: --date takes the date as the outputs print it (23-11-2026) as
// well as 2026-11-23, and refuses a date that does not exist.
func TestReconcile_DateAsPrinted(t *testing.T) {
	home := t.TempDir()
	b := &bundle{env: map[string]string{}} // no ENKASH_*: the built-in sandbox
	for _, date := range []string{"23-11-2026", "2026-11-23"} {
		code, stdout, stderr := b.run(t, "reconcile", "--date", date, "--home", home)
		if code != exitOK && code != exitAttention {
			t.Fatalf("--date %s: exit %d, %s %s", date, code, stdout, stderr)
		}
		if !strings.Contains(stdout, "Reconciliation of 23-11-2026") || !strings.Contains(stdout, "daily-2026-11-23.xlsx") {
			t.Errorf("--date %s reconciled another day:\n%s", date, stdout)
		}
	}
	if code, _, stderr := b.run(t, "reconcile", "--date", "31-02-2026", "--home", home); code != exitUsage || !strings.Contains(stderr, "23-11-2026") {
		t.Errorf("--date 31-02-2026: exit %d, %q", code, stderr)
	}
}
