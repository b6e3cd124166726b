package e2e_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/enkash/sandbox"
	"enkashbatch/ledger"
)

// processTimeout bounds one run of the binary; a run that takes longer is killed and fails
// the test rather than hanging it.
const processTimeout = 3 * time.Minute

// payoutRow is one generated payout row.
type payoutRow struct {
	Reference, Name, Account, IFSC, VPA, Mode, Remark string
	Paise                                             domain.Paise
}

var (
	firstNames = []string{"Asha", "Ravi", "Meena", "Karthik", "Fatima", "Gurpreet", "Lakshmi", "Arjun", "Nisha", "Vikram", "Deepa", "Imran"}
	lastNames  = []string{"Rao", "Sharma", "Iyer", "Khan", "Singh", "Patel", "Nair", "Das", "Menon", "Reddy", "Joshi"}
	banks      = []string{"HDFC", "SBIN", "ICIC", "UTIB", "KKBK", "PUNB"}
	modes      = []string{"IMPS", "NEFT", "RTGS", "UPI", "IMPS", "NEFT"}
)

// generatePayouts returns n valid payout rows, the same for the same n: references
// E2E-000001 onwards, mixed modes, amounts from ₹1.00 to ₹2,00,000.00 (within the IMPS limit,
// so that every row is valid whatever its mode).
func generatePayouts(n int) []payoutRow {
	rows := make([]payoutRow, n)
	for i := range rows {
		k := i + 1
		r := payoutRow{
			Reference: fmt.Sprintf("E2E-%06d", k),
			Name:      firstNames[k%len(firstNames)] + " " + lastNames[(k/len(firstNames))%len(lastNames)],
			Mode:      modes[k%len(modes)],
			Remark:    fmt.Sprintf("E2E payout %d", k),
			// A spread of amounts with paise, 100 to 2,00,00,000 paise.
			Paise: domain.Paise(100 + (int64(k)*7_919_017)%(2_00_000_00-100+1)),
		}
		if r.Mode == "UPI" {
			r.VPA = fmt.Sprintf("payee%d@okaxis", k)
		} else {
			// 14 digits, starting 5: distinctive enough to grep for in logs.
			r.Account = fmt.Sprintf("5%013d", int64(k)*104_729+31_337)
			r.IFSC = fmt.Sprintf("%s0%06d", banks[k%len(banks)], k%1_000_000)
		}
		rows[i] = r
	}
	return rows
}

// writePayoutsCSV writes rows as a payout file, in the columns a finance team uses.
func writePayoutsCSV(path string, rows []payoutRow) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"Reference", "Beneficiary Name", "Account Number", "IFSC", "VPA", "Amount", "Mode", "Remark"})
	for _, r := range rows {
		w.Write([]string{r.Reference, r.Name, r.Account, r.IFSC, r.VPA, r.Paise.Decimal(), r.Mode, r.Remark})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write payouts csv: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write payouts csv: %w", err)
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// setupOptions describe one end-to-end setting.
type setupOptions struct {
	// Scenario is a file in testdata/; empty means the default scenario (no faults).
	Scenario string
	// Rows is how many payouts the inbox file holds; with no rows, no file is written (the
	// test drops its own).
	Rows int
	// Creds are the sandbox's credentials; nil means the demo ones (which the child then
	// uses by default, with no ENKASH_* but the base URL).
	Creds *sandbox.Credentials
	// RunFlags are added to every `batch run` after the defaults, which they override.
	RunFlags []string
	// Env is added to the child's environment.
	Env []string
	// Approval keeps the default approval policy (payouts and bills wait for a checker) and
	// the balance check before sending. Otherwise the child runs with BATCH_APPROVAL=off and
	// BATCH_BALANCE_CHECK=false: the tests about what happens once rows may be sent are not
	// about who approved them or the balance (approvals_test.go is); their generated files
	// exceed the sandbox's default balance.
	Approval bool
	// Wrap, when set, stands in front of the sandbox: every request reaches the real sandbox
	// over HTTP through it, and it may answer in Enkash's place (a refusal, a hang, an HTML
	// page) or look at what the sandbox sees.
	Wrap func(next http.Handler) http.Handler
}

// harness is one end-to-end setting: a sandbox in this process, a data folder with one
// generated payout file, and the way to run the binary on them.
type harness struct {
	t       *testing.T
	home    string
	baseURL string
	srv     *sandbox.Server
	rows    []payoutRow
	tokens  *tokenLog
	opts    setupOptions

	mu      sync.Mutex
	history []outcome // every run of the binary, for the failure log
}

// setup starts the sandbox on a loopback port and writes the payout file to the inbox.
func setup(t *testing.T, o setupOptions) *harness {
	t.Helper()
	var sc *sandbox.Scenario
	if o.Scenario != "" {
		var err error
		if sc, err = sandbox.LoadScenario(filepath.Join("testdata", o.Scenario)); err != nil {
			t.Fatal(err)
		}
	}
	creds := sandbox.DemoCredentials()
	if o.Creds != nil {
		creds = *o.Creds
	}
	h := &harness{t: t, home: t.TempDir(), srv: sandbox.New(sc, creds), rows: generatePayouts(o.Rows), tokens: &tokenLog{}, opts: o}
	var front http.Handler = h.srv
	if o.Wrap != nil {
		front = o.Wrap(front)
	}
	url, stop, err := sandbox.Start(context.Background(), "127.0.0.1:0", h.tokens.wrap(front))
	if err != nil {
		t.Fatal(err)
	}
	h.baseURL = url
	t.Cleanup(func() {
		if err := stop(context.Background()); err != nil {
			t.Errorf("stop sandbox: %v", err)
		}
	})
	if o.Rows > 0 {
		if err := writePayoutsCSV(filepath.Join(h.home, "inbox", "payouts", "payouts_e2e.csv"), h.rows); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(h.logHistoryOnFailure)
	return h
}

// runArgs are the flags of every `batch run`: fast polls, no resend grace (the sandbox answers
// at once), short call timeouts and small batches so that there are many batch calls.
func (h *harness) runArgs(extra ...string) []string {
	args := []string{"run", "--home", h.home, "--resend-grace", "0", "--poll-interval", "50ms",
		"--poll-deadline", "5s", "--timeout", "2s", "--batch-size", "25", "--verbose"}
	args = append(args, h.opts.RunFlags...)
	return append(args, extra...)
}

// childEnv is the environment of the binary: ours without any ENKASH_ or BATCH_ variable, then
// the sandbox's URL, the setting's variables and extra.
func (h *harness) childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "ENKASH_") || strings.HasPrefix(kv, "BATCH_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "ENKASH_BASE_URL="+h.baseURL)
	if !h.opts.Approval {
		env = append(env, "BATCH_APPROVAL=off", "BATCH_BALANCE_CHECK=false")
	}
	env = append(env, h.opts.Env...)
	return append(env, extra...)
}

// outcome is how one run of the binary ended.
type outcome struct {
	Args   []string
	Code   int            // exit code; -1 when a signal ended it
	Signal syscall.Signal // the signal that ended it, 0 when it exited
	Stdout string
	Stderr string
	Took   time.Duration
}

func (o outcome) String() string {
	if o.Signal != 0 {
		return fmt.Sprintf("killed by %v after %s", o.Signal, o.Took.Round(time.Millisecond))
	}
	return fmt.Sprintf("exit %d after %s", o.Code, o.Took.Round(time.Millisecond))
}

// process is a running child.
type process struct {
	h              *harness
	cmd            *exec.Cmd
	stdout, stderr lockedBuffer
	started        time.Time
	cancel         context.CancelFunc
}

// start starts the binary with args; env is added to the child's environment.
func (h *harness) start(env []string, args ...string) *process {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), processTimeout)
	p := &process{h: h, cancel: cancel}
	p.cmd = exec.CommandContext(ctx, batchBin, args...)
	p.cmd.Env = h.childEnv(env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		cancel()
		h.t.Fatalf("start batch: %v", err)
	}
	return p
}

// signal sends sig to the child.
func (p *process) signal(sig syscall.Signal) {
	p.h.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.h.t.Fatalf("signal batch: %v", err)
	}
}

// wait waits for the child to end and says how.
func (p *process) wait() outcome {
	p.h.t.Helper()
	defer p.cancel()
	err := p.cmd.Wait()
	o := outcome{Args: p.cmd.Args[1:], Stdout: p.stdout.String(), Stderr: p.stderr.String(), Took: time.Since(p.started)}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		o.Code = exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			o.Signal = ws.Signal()
		}
	default:
		p.h.t.Fatalf("wait for batch: %v", err)
	}
	if o.Took >= processTimeout {
		p.h.t.Errorf("batch %s ran past %s and was killed", strings.Join(o.Args, " "), processTimeout)
	}
	p.h.mu.Lock()
	p.h.history = append(p.h.history, o)
	p.h.mu.Unlock()
	return o
}

// run runs the binary to its end.
func (h *harness) run(env []string, args ...string) outcome {
	h.t.Helper()
	return h.start(env, args...).wait()
}

// runToEnd runs `batch run` without crash points until it exits 0 or 1 (finished), at most
// maxRuns times, and returns the last outcome.
func (h *harness) runToEnd(maxRuns int) outcome {
	h.t.Helper()
	var o outcome
	for i := range maxRuns {
		o = h.run(nil, h.runArgs()...)
		if o.Signal == 0 && (o.Code == 0 || o.Code == 1) {
			return o
		}
		h.t.Logf("run %d after the crash: %s", i+1, o)
	}
	h.t.Fatalf("batch run did not finish in %d runs; last: %s", maxRuns, o)
	return o
}

// finishAll runs `batch run` until every item is final and successful, at most maxRuns
// times, and returns how many runs it took. Use it only with scenarios whose outcomes are
// all successes.
func (h *harness) finishAll(maxRuns int) int {
	h.t.Helper()
	for i := 1; i <= maxRuns; i++ {
		if h.allSuccessful() {
			return i - 1
		}
		o := h.run(nil, h.runArgs()...)
		if o.Signal != 0 || (o.Code != 0 && o.Code != 1) {
			h.t.Fatalf("clean run %d: %s\n%s", i, o, tail(o.Stderr, 20))
		}
	}
	if !h.allSuccessful() {
		h.t.Fatalf("items still not final after %d clean runs: %+v", maxRuns, h.status().States)
	}
	return maxRuns
}

// statusReport is the part of `batch status --json` the tests read.
type statusReport struct {
	Files  []domain.FileSummary `json:"files"`
	States []ledger.StateCount  `json:"states"`
}

// status runs `batch status --json`.
func (h *harness) status() statusReport {
	h.t.Helper()
	o := h.run(nil, "status", "--json", "--home", h.home)
	if o.Code != 0 {
		h.t.Fatalf("batch status: %s\n%s", o, o.Stderr)
	}
	var st statusReport
	if err := json.Unmarshal([]byte(o.Stdout), &st); err != nil {
		h.t.Fatalf("batch status --json: %v\n%s", err, o.Stdout)
	}
	return st
}

// allSuccessful reports whether every generated row is an item in state success.
func (h *harness) allSuccessful() bool {
	h.t.Helper()
	st := h.status()
	success := 0
	for _, c := range st.States {
		if c.Status != domain.StatusSuccess {
			return false
		}
		success += c.Count
	}
	return success == len(h.rows)
}

// calls reads the sandbox's call log over HTTP, as any script would.
func (h *harness) calls() []sandbox.Call {
	h.t.Helper()
	resp, err := http.Get(h.baseURL + "/_sandbox/calls")
	if err != nil {
		h.t.Fatalf("get call log: %v", err)
	}
	defer resp.Body.Close()
	var calls []sandbox.Call
	if err := json.NewDecoder(resp.Body).Decode(&calls); err != nil {
		h.t.Fatalf("decode call log: %v", err)
	}
	return calls
}

// payoutCalls returns the sandbox's call log of payouts, by reference.
func (h *harness) payoutCalls() map[string]sandbox.Call {
	h.t.Helper()
	out := map[string]sandbox.Call{}
	for _, c := range h.calls() {
		if c.Kind == sandbox.KindPayout {
			out[c.Reference] = c
		}
	}
	return out
}

// assertProperties checks the two properties of the package doc.
func (h *harness) assertProperties() {
	h.t.Helper()
	h.assertSentOnce()
	h.assertTiesOut()
}

// assertSentOnce checks the sandbox's call log: every payout and batch reference created once
// and never refused as a duplicate, and every generated reference among them.
func (h *harness) assertSentOnce() {
	h.t.Helper()
	calls := h.calls()
	payouts := map[string]sandbox.Call{}
	batches, bad := 0, 0
	for _, c := range calls {
		switch c.Kind {
		case sandbox.KindPayout:
			payouts[c.Reference] = c
		case sandbox.KindPayoutBatch:
			batches++
		default:
			continue
		}
		if c.Creates != 1 || c.Duplicates != 0 {
			bad++
			if bad <= 10 {
				h.t.Errorf("%s %s: creates %d, duplicates %d; want 1 and 0", c.Kind, c.Reference, c.Creates, c.Duplicates)
			}
		}
	}
	if bad > 10 {
		h.t.Errorf("... and %d more references sent more than once", bad-10)
	}
	missing := 0
	for _, r := range h.rows {
		if _, ok := payouts[r.Reference]; !ok {
			missing++
			if missing <= 10 {
				h.t.Errorf("reference %s never reached the sandbox", r.Reference)
			}
		}
	}
	if missing > 10 {
		h.t.Errorf("... and %d more references never reached the sandbox", missing-10)
	}
	if len(payouts) != len(h.rows) {
		h.t.Errorf("sandbox received %d payout references; %d were generated", len(payouts), len(h.rows))
	}
	if batches == 0 {
		h.t.Errorf("sandbox received no batch")
	}
}

// assertTiesOut checks `batch status --json`: for every file, rows in = rejected + success +
// failed + reversed + open in count and paise, and rows in = the rows generated.
func (h *harness) assertTiesOut() statusReport {
	h.t.Helper()
	st := h.status()
	var in domain.Money
	for _, f := range st.Files {
		t := f.Tally
		count := t.Rejected.Count + t.Success.Count + t.Failed.Count + t.Reversed.Count + t.Open.Count
		paise := t.Rejected.Paise + t.Success.Paise + t.Failed.Paise + t.Reversed.Paise + t.Open.Paise
		if count != t.In.Count || paise != t.In.Paise {
			h.t.Errorf("file %s does not tie out: in %d (%d paise) but buckets hold %d (%d paise): %+v",
				f.Name, t.In.Count, t.In.Paise, count, paise, t)
		}
		in.Count += t.In.Count
		in.Paise += t.In.Paise
	}
	var want domain.Money
	for _, r := range h.rows {
		want.Add(r.Paise)
	}
	if in != want {
		h.t.Errorf("rows in: %d (%d paise); generated %d (%d paise)", in.Count, in.Paise, want.Count, want.Paise)
	}
	if len(st.Files) != 1 {
		h.t.Errorf("status lists %d files; want the one generated", len(st.Files))
	}
	return st
}

// logHistoryOnFailure logs how every run of a failed test ended, with the end of its stderr.
func (h *harness) logHistoryOnFailure() {
	if !h.t.Failed() {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, o := range h.history {
		h.t.Logf("run %d: batch %s: %s\n%s", i+1, strings.Join(o.Args, " "), o, tail(o.Stderr, 15))
	}
	h.t.Logf("sandbox stats: %+v", h.srv.Stats())
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitFor polls cond every 10ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// batchesReceived counts the batch calls the sandbox has processed.
func batchesReceived(srv *sandbox.Server) int {
	n := 0
	for _, c := range srv.Calls() {
		if c.Kind == sandbox.KindPayoutBatch {
			n++
		}
	}
	return n
}

// lockedBuffer is a bytes.Buffer safe to read while the child writes to it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tokenLog records every access and refresh token the sandbox issues, by reading the token
// answers on their way out.
type tokenLog struct {
	mu     sync.Mutex
	tokens []string
}

func (l *tokenLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != enkash.PathToken {
			h.ServeHTTP(w, r)
			return
		}
		tee := &teeWriter{ResponseWriter: w}
		h.ServeHTTP(tee, r)
		var answer map[string]any
		if json.Unmarshal(tee.body.Bytes(), &answer) != nil {
			return
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, k := range []string{"accessToken", "access_token", "refreshToken", "refresh_token"} {
			if s, ok := answer[k].(string); ok && s != "" {
				l.tokens = append(l.tokens, s)
			}
		}
	})
}

// issued returns the tokens issued so far.
func (l *tokenLog) issued() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.tokens...)
}

// teeWriter keeps a copy of what a handler writes.
type teeWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *teeWriter) Write(p []byte) (int, error) {
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}
