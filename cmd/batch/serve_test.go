package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"enkashbatch/enkash/sandbox"
	"enkashbatch/jobs"
)

// serveBundle is a data folder with one payout file dropped (and marked complete), a sandbox
// over real HTTP, and a schedules file whose one job is due every minute.
type serveBundle struct {
	home      string
	schedules string
	baseURL   string
	refs      []string
}

const everyMinute = `timezone: UTC
jobs:
  nightly:
    cron: "* * * * *"
    steps: [ingest, submit, poll, reconcile, report]
    poll_deadline: 10s
    catch_up: once
    max_lateness: 1h
`

func setupServe(t *testing.T, scenario string, rows int) *serveBundle {
	t.Helper()
	sc, err := sandbox.ParseScenario([]byte(scenario))
	if err != nil {
		t.Fatal(err)
	}
	url, stop, err := sandbox.Start(context.Background(), "127.0.0.1:0", sandbox.New(sc, sandbox.DemoCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(context.Background()) })
	b := &serveBundle{home: t.TempDir(), baseURL: url}
	b.schedules = filepath.Join(b.home, "schedules.yaml")
	if err := os.WriteFile(b.schedules, []byte(everyMinute), 0o644); err != nil {
		t.Fatal(err)
	}
	inbox := filepath.Join(b.home, "inbox", "payouts")
	if err := os.MkdirAll(inbox, 0o755); err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("Reference,Beneficiary Name,Account Number,IFSC,VPA,Amount,Mode\n")
	for i := 1; i <= rows; i++ {
		ref := fmt.Sprintf("SRV-%04d", i)
		b.refs = append(b.refs, ref)
		fmt.Fprintf(&csv, "%s,Meena Iyer,6010023456%04d,ICIC0001234,,%d.25,IMPS\n", ref, i, 500+i)
	}
	path := filepath.Join(inbox, "payouts_serve.csv")
	if err := os.WriteFile(path, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+jobs.DoneSuffix, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *serveBundle) calls(t *testing.T) map[string]sandbox.Call {
	t.Helper()
	resp, err := http.Get(b.baseURL + "/_sandbox/calls")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var calls []sandbox.Call
	if err := json.NewDecoder(resp.Body).Decode(&calls); err != nil {
		t.Fatal(err)
	}
	out := map[string]sandbox.Call{}
	for _, c := range calls {
		if c.Kind == "payout" {
			out[c.Reference] = c
		}
	}
	return out
}

// sentOnceEach checks every reference reached the sandbox exactly once.
func (b *serveBundle) sentOnceEach(t *testing.T) {
	t.Helper()
	calls := b.calls(t)
	for _, ref := range b.refs {
		c, ok := calls[ref]
		switch {
		case !ok:
			t.Errorf("%s never reached Enkash", ref)
		case c.Creates != 1 || c.Duplicates != 0:
			t.Errorf("%s: creates %d, duplicates %d; want 1 and 0", ref, c.Creates, c.Duplicates)
		}
	}
	if len(calls) != len(b.refs) {
		t.Errorf("Enkash received %d references, want %d", len(calls), len(b.refs))
	}
}

// proc is the real batch binary running `serve`, with its JSON log lines collected.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	logs []map[string]any
	raw  bytes.Buffer
}

// binary builds the batch command into the test's temporary folder.
func binary(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "batch")
	if out, err := exec.Command("go", "build", "-o", path, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return path
}

func (b *serveBundle) start(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--home", b.home, "--schedules", b.schedules,
		"--listen", "127.0.0.1:0", "--scan-interval", "200ms", "--poll-interval", "100ms"}, args...)...)
	cmd.Env = append(os.Environ(), "ENKASH_BASE_URL="+b.baseURL, "BATCH_APPROVAL=off")
	for _, k := range []string{"ENKASH_CLIENT_ID", "ENKASH_CLIENT_SECRET", "ENKASH_USERNAME", "ENKASH_PASSWORD", "BATCH_HOME", "BATCH_CONFIG"} {
		cmd.Env = append(cmd.Env, k+"=")
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.raw.Write(sc.Bytes())
			p.raw.WriteByte('\n')
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil {
				p.logs = append(p.logs, line)
			}
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return p
}

// waitLog waits for a log line matching pred and returns it.
func (p *proc) waitLog(t *testing.T, what string, pred func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		for _, l := range p.logs {
			if pred(l) {
				p.mu.Unlock()
				return l
			}
		}
		p.mu.Unlock()
		select {
		case <-p.done:
			t.Fatalf("the daemon exited before logging %s; its log:\n%s", what, p.log())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no log of %s within 30s; log:\n%s", what, p.log())
	return nil
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.raw.String()
}

func msgIs(msg string) func(map[string]any) bool {
	return func(l map[string]any) bool { return l["msg"] == msg }
}

// addr returns the base URL of the daemon's /healthz and /metrics.
func (p *proc) addr(t *testing.T) string {
	l := p.waitLog(t, "the listen address", msgIs("serving /healthz and /metrics"))
	return "http://" + l["addr"].(string)
}

// stop sends SIGTERM and returns the exit code.
func (p *proc) stop(t *testing.T) int {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { <-p.done; exited <- p.cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("the daemon did not stop within 30s of SIGTERM; log:\n%s", p.log())
	}
	return p.cmd.ProcessState.ExitCode()
}

// TestServe_SIGTERMMidSubmitThenRestart is the daemon's promise: stopped in the middle of a
// submission, it records what was in flight and exits; started again, it finishes the work,
// and Enkash received every reference exactly once. /metrics scraped during and after the
// run parses as Prometheus text, and its item counts match `batch status --json`.
func TestServe_SIGTERMMidSubmitThenRestart(t *testing.T) {
	const rows = 24
	b := setupServe(t, "seed: 3\nlatency: 150ms\nsettle_after: 1\n", rows)

	bin := binary(t)
	first := b.start(t, bin, "--batch-size", "2", "--concurrency", "1")
	base := first.addr(t)
	// Wait until Enkash has some of the batches, not all.
	deadline := time.Now().Add(30 * time.Second)
	for len(b.calls(t)) < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("no submission started; log:\n%s", first.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Scraped mid-run: it parses, and every item of the file is counted in some state.
	during := scrape(t, base)
	if n := sumSamples(during, "batch_items", nil); n != rows {
		t.Errorf("batch_items during the run sum to %v, want %d", n, rows)
	}
	if code := first.stop(t); code != exitOK {
		t.Fatalf("exit code after SIGTERM = %d, want 0; log:\n%s", code, first.log())
	}
	sent := len(b.calls(t))
	if sent == 0 || sent >= rows {
		t.Fatalf("after SIGTERM mid-submit Enkash has %d of %d references; want some, not all", sent, rows)
	}
	first.waitLog(t, "the interrupted job", func(l map[string]any) bool {
		return l["msg"] == "job finished" && l["outcome"] == "interrupted"
	})
	for ref, c := range b.calls(t) {
		if c.Creates != 1 || c.Duplicates != 0 {
			t.Errorf("after the stop: %s creates %d duplicates %d", ref, c.Creates, c.Duplicates)
		}
	}

	// Started again: the job is resumed (or its next minute runs) and finishes the work.
	second := b.start(t, bin)
	base = second.addr(t)
	second.waitLog(t, "the job that finishes the work", func(l map[string]any) bool {
		return l["msg"] == "job finished" && (l["outcome"] == "ok" || l["outcome"] == "attention")
	})
	b.sentOnceEach(t)

	// Idle now: /metrics and batch status --json tell the same counts.
	after := scrape(t, base)
	code, stdout, stderr := runMain(t, b, "status", "--home", b.home, "--json")
	if code != exitOK {
		t.Fatalf("status exit %d: %s", code, stderr)
	}
	var status struct {
		States []struct {
			Kind   string `json:"kind"`
			Status string `json:"status"`
			Count  int    `json:"count"`
		} `json:"states"`
	}
	if err := json.Unmarshal([]byte(stdout), &status); err != nil {
		t.Fatalf("status --json: %v\n%s", err, stdout)
	}
	total := 0
	for _, s := range status.States {
		total += s.Count
		got := sumSamples(after, "batch_items", map[string]string{"kind": s.Kind, "state": s.Status})
		if got != float64(s.Count) {
			t.Errorf("batch_items{kind=%q,state=%q} = %v, status says %d", s.Kind, s.Status, got, s.Count)
		}
	}
	if total != rows || sumSamples(after, "batch_items", nil) != float64(rows) {
		t.Errorf("status counts %d items, metrics %v, want %d", total, sumSamples(after, "batch_items", nil), rows)
	}
	if n := sumSamples(after, "batch_enkash_requests_total", map[string]string{"endpoint": "POST /api/v0/payout-transaction/batch"}); n < 1 {
		t.Errorf("no batch calls counted: %v", n)
	}
	// The interrupted occurrence was resumed (one row, two attempts), or the next minute's ran.
	if n := sumSamples(after, "batch_schedule_runs_total", map[string]string{"job": "nightly"}); n < 1 {
		t.Errorf("nightly runs recorded: %v", n)
	}
	if n := sumSamples(after, "batch_schedule_runs_total", map[string]string{"job": "nightly", "outcome": "running"}); n != 0 {
		t.Errorf("nightly runs still running after the job finished: %v", n)
	}

	// /healthz: the ledger is writable, Enkash answered a token call, the job is listed.
	var h health
	getJSON(t, base+"/healthz", &h)
	if !h.Ledger.Writable || !h.Enkash.Reachable || h.Status != "ok" || len(h.Jobs) != 1 || h.Jobs[0].Last == nil {
		t.Errorf("healthz = %+v", h)
	}

	// SIGHUP with a broken file keeps the old schedule and says where the mistake is.
	if err := os.WriteFile(b.schedules, []byte("jobs:\n  nightly:\n    cron: \"99 * * * *\"\n    steps: [submit]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	second.cmd.Process.Signal(syscall.SIGHUP)
	bad := second.waitLog(t, "the refused reload", msgIs("schedules not reloaded: the file has mistakes; the old schedule stays in force"))
	if msg, _ := bad["err"].(string); !strings.Contains(msg, `schedules.yaml:3: job "nightly": cron:`) {
		t.Errorf("reload error %q does not name the line and the job", msg)
	}
	if err := os.WriteFile(b.schedules, []byte(everyMinute+"  morning:\n    cron: \"0 6 * * *\"\n    steps: [reconcile]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	second.cmd.Process.Signal(syscall.SIGHUP)
	second.waitLog(t, "the reload", func(l map[string]any) bool { return l["msg"] == "schedules reloaded" && l["jobs"] == 2.0 })
	getJSON(t, base+"/healthz", &h)
	if len(h.Jobs) != 2 {
		t.Errorf("after reload healthz lists %d jobs, want 2", len(h.Jobs))
	}
	if code := second.stop(t); code != exitOK {
		t.Fatalf("second daemon exit code %d; log:\n%s", code, second.log())
	}
	b.sentOnceEach(t)
}

// TestServe_OnceAndLock runs `serve --once` in-process: it does what is due and exits, a
// second --once sends nothing again, and a daemon finds the data folder busy while another
// process holds it.
func TestServe_OnceAndLock(t *testing.T) {
	b := setupServe(t, "seed: 5\nsettle_after: 1\n", 6)
	code, _, stderr := runMain(t, b, "serve", "--once", "--home", b.home, "--schedules", b.schedules, "--scan-interval", "100ms", "--poll-interval", "50ms")
	if code != exitOK {
		t.Fatalf("serve --once exit %d; log:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, `"msg":"job finished"`) || !strings.Contains(stderr, `"run":`) {
		t.Errorf("the JSON log has no finished job with its run id:\n%s", stderr)
	}
	b.sentOnceEach(t)
	if code, _, stderr := runMain(t, b, "serve", "--once", "--home", b.home, "--schedules", b.schedules, "--scan-interval", "100ms"); code != exitOK {
		t.Fatalf("second serve --once exit %d; log:\n%s", code, stderr)
	}
	b.sentOnceEach(t)

	unlock, err := jobs.LockHome(b.home)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	code, _, stderr = runMain(t, b, "serve", "--home", b.home, "--schedules", b.schedules)
	if code != exitUsage || !strings.Contains(stderr, "one daemon per data folder") {
		t.Fatalf("serve on a locked folder: exit %d, %q; want 2 and a clear message", code, stderr)
	}
	code, _, stderr = runMain(t, b, "serve", "--once", "--home", b.home, "--schedules", filepath.Join(b.home, "missing.yaml"))
	if code != exitUsage || !strings.Contains(stderr, "missing.yaml") {
		t.Fatalf("missing schedules: exit %d, %q", code, stderr)
	}
	code, _, stderr = runMain(t, b, "serve", "--home", b.home, "--listen", "0.0.0.0:9464")
	if code != exitUsage || !strings.Contains(stderr, "loopback") {
		t.Fatalf("non-loopback listen: exit %d, %q", code, stderr)
	}
}

func runMain(t *testing.T, b *serveBundle, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := map[string]string{"ENKASH_BASE_URL": b.baseURL, "BATCH_APPROVAL": "off"}
	m := &Main{Stdout: &stdout, Stderr: &stderr, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	code := m.Run(context.Background(), args)
	return code, stdout.String(), stderr.String()
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
}

// promSample is one sample of the Prometheus text format.
type promSample struct {
	name   string
	labels map[string]string
	value  float64
}

var (
	promName  = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	promLabel = regexp.MustCompile(`^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// scrape fetches /metrics and parses it strictly as the Prometheus text format (0.0.4):
// HELP and TYPE before a family's samples, valid names and labels, float values, no series
// twice, histogram buckets cumulative and ending in +Inf.
func scrape(t *testing.T, base string) []promSample {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: %s %q\n%s", resp.Status, resp.Header.Get("Content-Type"), body)
	}
	types := map[string]string{}
	seen := map[string]bool{}
	var out []promSample
	for i, line := range strings.Split(strings.TrimSuffix(string(body), "\n"), "\n") {
		fail := func(why string) { t.Fatalf("/metrics line %d %q: %s", i+1, line, why) }
		if strings.HasPrefix(line, "#") {
			f := strings.SplitN(line, " ", 4)
			if len(f) < 3 || (f[1] != "HELP" && f[1] != "TYPE") || !promName.MatchString(f[2]) {
				fail("bad comment line")
			}
			if f[1] == "TYPE" {
				if len(f) != 4 || !strings.Contains(" counter gauge histogram summary untyped ", " "+f[3]+" ") {
					fail("bad TYPE")
				}
				types[f[2]] = f[3]
			}
			continue
		}
		end := strings.IndexAny(line, "{ ")
		if end < 0 {
			fail("no value")
		}
		s := promSample{name: line[:end], labels: map[string]string{}}
		if !promName.MatchString(s.name) {
			fail("bad metric name")
		}
		family := s.name
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			if _, ok := types[family]; !ok && strings.HasSuffix(family, suf) {
				family = strings.TrimSuffix(family, suf)
			}
		}
		if _, ok := types[family]; !ok {
			fail("sample before its TYPE")
		}
		rest := line[end:]
		if strings.HasPrefix(rest, "{") {
			rest = rest[1:]
			for !strings.HasPrefix(rest, "}") {
				m := promLabel.FindStringSubmatch(rest)
				if m == nil {
					fail("bad label")
				}
				s.labels[m[1]] = strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\n`, "\n").Replace(m[2])
				rest = strings.TrimPrefix(rest[len(m[0]):], ",")
			}
			rest = rest[1:]
		}
		v, err := strconv.ParseFloat(strings.TrimPrefix(rest, " "), 64)
		if !strings.HasPrefix(rest, " ") || err != nil {
			fail("bad value")
		}
		s.value = v
		key := line[:len(line)-len(rest)]
		if seen[key] {
			fail("series given twice")
		}
		seen[key] = true
		out = append(out, s)
	}
	// Histogram buckets are cumulative and end at +Inf = _count.
	last := map[string]float64{}
	for _, s := range out {
		if !strings.HasSuffix(s.name, "_bucket") {
			continue
		}
		k := s.name + s.labels["endpoint"]
		if s.value < last[k] {
			t.Fatalf("/metrics: %s buckets not cumulative", k)
		}
		last[k] = s.value
	}
	if len(out) == 0 {
		t.Fatal("/metrics is empty")
	}
	return out
}

// sumSamples adds the samples of a metric whose labels include want.
func sumSamples(samples []promSample, name string, want map[string]string) float64 {
	var sum float64
next:
	for _, s := range samples {
		if s.name != name {
			continue
		}
		for k, v := range want {
			if s.labels[k] != v {
				continue next
			}
		}
		sum += s.value
	}
	return sum
}
