package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"enkashbatch/enkash"
	"enkashbatch/enkash/sandbox"
)

// recorder wraps the sandbox and notes when each request to each path arrived and was
// answered, as the sandbox saw it.
type recorder struct {
	h     http.Handler
	mu    sync.Mutex
	spans map[string][]span
}

type span struct{ start, end time.Time }

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rc.h.ServeHTTP(w, r)
	end := time.Now()
	rc.mu.Lock()
	rc.spans[r.URL.Path] = append(rc.spans[r.URL.Path], span{start, end})
	rc.mu.Unlock()
}

// maxPerSecond returns the most requests that arrived within any one-second window.
func maxPerSecond(spans []span) int {
	starts := make([]time.Time, len(spans))
	for i, s := range spans {
		starts[i] = s.start
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	best, lo := 0, 0
	for hi := range starts {
		for starts[hi].Sub(starts[lo]) >= time.Second {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// submit measures submit_throughput: N payouts, already ingested, sent by `batch run` to an
// in-process sandbox answering every call after latency L, with batch size B and concurrency
// C. The submit phase is timed from the sandbox's side: from the arrival of the first batch
// call to the answer of the last. The bound is C·B/L items per second. The sandbox enforces
// the configured rate limit too: any call beyond it would be answered 429 and counted.
func (h *harness) submit(ctx context.Context) ([]figure, error) {
	o := h.o
	file := filepath.Join(h.dir, "payouts_submit.csv")
	if _, err := writePayoutCSV(file, "PAY-T", o.submitN, 0); err != nil {
		return nil, err
	}
	sc := &sandbox.Scenario{Seed: 7, Latency: sandbox.Latency{Min: o.latency, Max: o.latency},
		SettleAfter: &sandbox.Settle{Polls: 1}, Faults: sandbox.Faults{RateLimitPerSecond: o.rate}}
	if err := sc.Validate(); err != nil {
		return nil, fmt.Errorf("sandbox scenario: %w", err)
	}
	sb := sandbox.New(sc, sandbox.DemoCredentials())
	rec := &recorder{h: sb, spans: map[string][]span{}}
	url, stop, err := sandbox.Start(ctx, "127.0.0.1:0", rec)
	if err != nil {
		return nil, err
	}
	defer stop(context.Background())

	// Ingest first (not timed here), then run: the run's ingest finds nothing new.
	_, home, err := h.batchIngest(ctx, file, o.submitN, 0, ingestAlone...)
	if err != nil {
		return nil, err
	}
	env := []string{"ENKASH_BASE_URL=" + url}
	for _, k := range []string{"ENKASH_CLIENT_ID", "ENKASH_CLIENT_SECRET", "ENKASH_USERNAME", "ENKASH_PASSWORD", "ENKASH_COMPANY_ID", "ENKASH_FUND_SOURCE_ID"} {
		if _, set := os.LookupEnv(k); set {
			return nil, fmt.Errorf("%s is set: unset the ENKASH_* variables so that the run talks to the harness's sandbox with its demo credentials", k)
		}
	}
	p, err := runChild(ctx, env, false, o.batch, "run", "--home", home, "--json",
		"--batch-size", strconv.Itoa(o.batchSize), "--concurrency", strconv.Itoa(o.conc), "--rate", strconv.FormatFloat(o.rate, 'f', -1, 64),
		"--poll-interval", "200ms", "--poll-deadline", "60s", "--settle", "0", // complete files: no settle wait in the figures
		"--approval", "off", "--balance-check=false") // the sending alone: no approval hold, no balance check
	if err != nil {
		return nil, err
	}
	var out struct {
		Total struct {
			Success struct {
				Count int `json:"count"`
			} `json:"success"`
		} `json:"total"`
		TiesOut bool `json:"ties_out"`
	}
	if err := json.Unmarshal(p.stdout, &out); err != nil {
		return nil, fmt.Errorf("batch run output: %w", err)
	}
	if out.Total.Success.Count != o.submitN || !out.TiesOut {
		return nil, fmt.Errorf("batch run: %d of %d payouts successful, ties out %v", out.Total.Success.Count, o.submitN, out.TiesOut)
	}

	var payouts, twice int
	for _, c := range sb.Calls() {
		if c.Kind != sandbox.KindPayout {
			continue
		}
		payouts++
		if c.Creates != 1 || c.Duplicates != 0 {
			twice++
		}
	}
	if payouts != o.submitN || twice != 0 {
		return nil, fmt.Errorf("the sandbox received %d payouts (want %d), %d of them not exactly once", payouts, o.submitN, twice)
	}

	rec.mu.Lock()
	batches := slices.Clone(rec.spans[enkash.PathBatchTransfer])
	peak, peakPath := 0, ""
	for path, spans := range rec.spans {
		if strings.HasPrefix(path, "/_sandbox/") {
			continue
		}
		if n := maxPerSecond(spans); n > peak {
			peak, peakPath = n, path
		}
	}
	rec.mu.Unlock()
	if len(batches) == 0 {
		return nil, fmt.Errorf("the sandbox saw no batch call")
	}
	first, last := batches[0].start, batches[0].end
	for _, s := range batches {
		first = minTime(first, s.start)
		last = maxTime(last, s.end)
	}
	window := last.Sub(first)
	var busy time.Duration
	for _, s := range batches {
		busy += s.end.Sub(s.start)
	}
	meanCall := busy / time.Duration(len(batches))
	inFlight := busy.Seconds() / window.Seconds()
	got := float64(o.submitN) / window.Seconds()
	bound := float64(o.conc*o.batchSize) / o.latency.Seconds()
	limited := sb.Stats().RateLimited
	fmt.Printf("  batch run: %s in all; %d batch calls in %s: %.0f payouts/s; bound C·B/L = %d·%d/%s = %.0f/s\n",
		secs(p.wall), len(batches), secs(window), got, o.conc, o.batchSize, o.latency, bound)
	fmt.Printf("  a batch call took %s on average at the sandbox (latency %s); calls in flight on average: %.2f of %d\n",
		meanCall.Round(time.Millisecond), o.latency, inFlight, o.conc)
	fmt.Printf("  busiest second: %d calls to %s (limit %g/s); answered 429: %d; every payout received exactly once\n", peak, peakPath, o.rate, limited)
	rateFig := figure{name: "submit_rate", measured: fmt.Sprintf("most calls to one endpoint in any second; 429s: %d", limited),
		floor: "configured --rate", value: float64(peak), target: o.rate, unit: "/s"}
	if limited > 0 {
		rateFig.broken = fmt.Sprintf("%d calls answered 429", limited)
	}
	return []figure{
		emit(figure{name: "submit_throughput",
			measured: fmt.Sprintf("%s payouts, L=%s B=%d C=%d: %.0f/s", count(o.submitN), o.latency, o.batchSize, o.conc, got),
			floor:    fmt.Sprintf("C·B/L = %.0f/s", bound),
			value:    got / bound, target: 0.9, atLeast: true, unit: "x"}),
		emit(rateFig),
	}, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
