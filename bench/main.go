// Command bench measures the performance targets of docs/performance.md against
// the machine's own floor, in one run, so that a slow or noisy machine cancels out: each
// figure is a ratio between bin/batch (or the report writer) and a bare program doing the
// least the same work needs, measured side by side.
//
// Usage (make bench runs it):
//
//	bench [-reps 2] [-only csv,xlsx,hostile,report,submit] [-keep]
//
// It generates its data deterministically under a temporary folder, builds bin/batch, and
// prints one line per figure, `BENCH <name> value=<v> target=<t> ok` (or SHORT), then a
// table. It exits 1 when a figure is short. The sub-commands floor-csv, floor-csv-single,
// floor-xlsx and profile are the harness's own children; see usage.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// figure is one measured target.
type figure struct {
	name     string
	measured string // what was measured, in words with its numbers
	floor    string // what it was compared with
	value    float64
	target   float64
	atLeast  bool // the value must reach the target (otherwise stay within it)
	unit     string
	broken   string // a condition beside the value that failed; it makes the figure short
}

func (f figure) ok() bool {
	if f.broken != "" {
		return false
	}
	if f.atLeast {
		return f.value >= f.target
	}
	return f.value <= f.target
}

func (f figure) verdict() string {
	if f.ok() {
		return "ok"
	}
	return "SHORT"
}

// line is the figure's one BENCH line.
func (f figure) line() string {
	return fmt.Sprintf("BENCH %s value=%s target=%s %s", f.name, num(f.value), num(f.target), f.verdict())
}

func num(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// options are the harness's settings.
type options struct {
	batch     string // the bin/batch to measure
	build     bool   // build it first
	reps      int    // repetitions of each timed pair (the best of each side is kept)
	only      map[string]bool
	keep      bool
	csvRows   int
	csvSmall  int
	xlsxRows  int
	reportN   int
	submitN   int
	latency   time.Duration
	batchSize int
	conc      int
	rate      float64
}

func main() {
	if len(os.Args) > 1 && !strings.HasPrefix(os.Args[1], "-") {
		os.Exit(child(os.Args[1], os.Args[2:]))
	}
	var o options
	var only string
	flag.StringVar(&o.batch, "batch", "bin/batch", "the batch binary to measure")
	flag.BoolVar(&o.build, "build", true, "build the batch binary first (go build -o BATCH ./cmd/batch)")
	flag.IntVar(&o.reps, "reps", 2, "repetitions of each timed pair; the best of each side is kept (2·reps+1 for the 1 M row CSV, reps+1 for the report)")
	flag.StringVar(&only, "only", "", "comma-separated figures to run: csv, xlsx, hostile, report, submit (default: all)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary folder and say where it is")
	flag.IntVar(&o.csvRows, "csv-rows", 1_000_000, "rows of the large CSV")
	flag.IntVar(&o.csvSmall, "csv-small-rows", 100_000, "rows of the small CSV (memory flatness)")
	flag.IntVar(&o.xlsxRows, "xlsx-rows", 200_000, "rows of the XLSX")
	flag.IntVar(&o.reportN, "report-items", 100_000, "items in the run workbook")
	flag.IntVar(&o.submitN, "submit-items", 20_000, "payouts submitted to the sandbox")
	// 500 ms is the order of a real batch call of 500 encrypted transfers; at 50 ms the bound
	// C·B/L (40,000 payouts/s) asks more of one SQLite writer than it gives (see docs/performance.md).
	flag.DurationVar(&o.latency, "latency", 500*time.Millisecond, "sandbox latency L of every call")
	flag.IntVar(&o.batchSize, "batch-size", 500, "batch size B")
	flag.IntVar(&o.conc, "concurrency", 4, "concurrency C")
	flag.Float64Var(&o.rate, "rate", 200, "configured rate limit (calls per second per endpoint), also enforced by the sandbox")
	flag.Usage = usage
	flag.Parse()
	o.only = map[string]bool{}
	for _, s := range strings.Split(only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			o.only[s] = true
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, o))
}

func usage() {
	w := flag.CommandLine.Output()
	fmt.Fprintln(w, "Usage: bench [flags]   measure bin/batch against the machine's floor (docs/performance.md)")
	fmt.Fprintln(w, "       bench floor-csv FILE DB      the CSV floor: encoding/csv + multi-row INSERTs in one transaction, unique index only")
	fmt.Fprintln(w, "       bench floor-csv-single FILE DB  the earlier CSV floor: encoding/csv + one single-row INSERT a row, all indexes")
	fmt.Fprintln(w, "       bench floor-xlsx FILE        the XLSX floor: excelize's raw-value row iterator")
	fmt.Fprintln(w, "       bench profile OUT.pprof FILE  ingest FILE in-process into a fresh ledger with a CPU profile")
	fmt.Fprintln(w, "       bench gen N FILE             write N payout rows (1 in 1000 to be rejected) to FILE (.csv or .xlsx)")
	fmt.Fprintln(w, "       bench rss OUT CMD [ARG...]   run CMD and write its peak RSS in KB to OUT")
	fmt.Fprintln(w, "\nFlags:")
	flag.PrintDefaults()
}

func (o options) want(name string) bool { return len(o.only) == 0 || o.only[name] }

func run(ctx context.Context, o options) int {
	start := time.Now()
	dir, err := os.MkdirTemp("", "enkash-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}
	if o.keep {
		fmt.Println("data:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	if o.build {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", o.batch, "./cmd/batch")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "bench: build bin/batch:", err)
			return 2
		}
	}
	if o.batch, err = filepath.Abs(o.batch); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}
	if selfPath, err = os.Executable(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}
	h := &harness{o: o, dir: dir}
	steps := []struct {
		name string
		run  func(context.Context) ([]figure, error)
	}{
		{"csv", h.csv},
		{"xlsx", h.xlsx},
		{"hostile", h.hostile},
		{"report", h.report},
		{"submit", h.submit},
	}
	var figs []figure
	failed := false
	for _, s := range steps {
		if !o.want(s.name) {
			continue
		}
		fs, err := s.run(ctx)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: %s: %v\n", s.name, err)
			failed = true
			if ctx.Err() != nil {
				break
			}
			continue
		}
		figs = append(figs, fs...)
	}
	figs = append(figs, h.memory()...)
	printTable(figs, time.Since(start))
	switch {
	case failed:
		return 2
	case slices.ContainsFunc(figs, func(f figure) bool { return !f.ok() }):
		return 1
	}
	return 0
}

// report prints a figure's BENCH line as soon as it is known.
func emit(f figure) figure {
	fmt.Println(f.line())
	return f
}

func printTable(figs []figure, took time.Duration) {
	if len(figs) == 0 {
		return
	}
	fmt.Printf("\nSummary (%s in all)\n", took.Round(time.Second))
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tmeasured\tfloor\tvalue\ttarget\t")
	for _, f := range figs {
		cmp := "≤"
		if f.atLeast {
			cmp = "≥"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s%s\t%s %s%s\t%s\n", f.name, f.measured, f.floor, num(f.value), f.unit, cmp, num(f.target), f.unit, f.verdict())
	}
	tw.Flush()
}
