package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"enkashbatch/domain"
	"enkashbatch/report"
)

// harness runs the figures and keeps what one figure measures for another (peak RSS).
type harness struct {
	o   options
	dir string
	seq int

	rss map[string]int64 // peak RSS of batch ingest, by data set
}

// fresh returns a new empty folder under the harness's temporary folder.
func (h *harness) fresh(what string) (string, error) {
	h.seq++
	d := filepath.Join(h.dir, fmt.Sprintf("%s-%d", what, h.seq))
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", d, err)
	}
	return d, nil
}

// ingestOutput is the part of `batch ingest --json` the harness checks.
type ingestOutput struct {
	Files []struct {
		File   string `json:"file"`
		Status string `json:"status"`
		Rows   int    `json:"rows"`
		Valid  int    `json:"valid"`
	} `json:"files"`
}

// ingestAlone are the flags that make `batch ingest` record the files and nothing more: no
// approval hold of the valid rows and no approval packet (README, "Approvals"), which the
// floors do not do either. memory_csv_held runs the default policy.
var ingestAlone = []string{"--approval", "off"}

// batchIngest runs `batch ingest` with flags on file in a fresh data folder and checks that
// every row was recorded and exactly the expected ones rejected. The file is hard-linked into
// the inbox, so that no copy is timed.
func (h *harness) batchIngest(ctx context.Context, file string, rows, bad int, flags ...string) (proc, string, error) {
	home, err := h.fresh("home")
	if err != nil {
		return proc{}, "", err
	}
	inbox := filepath.Join(home, "inbox", "payouts")
	if err := os.MkdirAll(inbox, 0o755); err != nil {
		return proc{}, "", err
	}
	if err := os.Link(file, filepath.Join(inbox, filepath.Base(file))); err != nil {
		return proc{}, "", fmt.Errorf("drop %s: %w", filepath.Base(file), err)
	}
	args := append([]string{"ingest", "--home", home, "--json", "--settle", "0"}, flags...) // the file is complete: time the ingest, not the settle wait
	p, err := runChild(ctx, nil, bad > 0, h.o.batch, args...)
	if err != nil {
		return p, home, err
	}
	var out ingestOutput
	if err := json.Unmarshal(p.stdout, &out); err != nil {
		return p, home, fmt.Errorf("batch ingest output: %w: %s", err, p.stdout)
	}
	if len(out.Files) != 1 || out.Files[0].Status != "accepted" || out.Files[0].Rows != rows || out.Files[0].Valid != rows-bad {
		return p, home, fmt.Errorf("batch ingest recorded %+v, want one accepted file of %d rows, %d valid", out.Files, rows, rows-bad)
	}
	return p, home, nil
}

// floorChild runs one of the floor sub-commands and checks the rows it read.
func (h *harness) floorChild(ctx context.Context, rows int, args ...string) (proc, error) {
	p, err := runChild(ctx, nil, false, selfPath, args...)
	if err != nil {
		return p, err
	}
	if n, err := strconv.Atoi(strings.TrimSpace(string(p.stdout))); err != nil || n != rows {
		return p, fmt.Errorf("%s read %q rows, want %d", args[0], p.stdout, rows)
	}
	return p, nil
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func secs(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

// rate formats rows per second.
func rate(n int, d time.Duration) string {
	return fmt.Sprintf("%.0fk rows/s", float64(n)/d.Seconds()/1000)
}

// csv measures csv_ingest (1 M rows, the best of 2·reps+1 runs of each side, by turns) and the
// peak RSS of CSV ingest at 1 M and at 100 k rows.
func (h *harness) csv(ctx context.Context) ([]figure, error) {
	const badEvery = 1000
	small := filepath.Join(h.dir, "payouts_small.csv")
	badSmall, err := writePayoutCSV(small, "PAY-S", h.o.csvSmall, badEvery)
	if err != nil {
		return nil, err
	}
	var smallRSS int64
	for range h.o.reps {
		p, _, err := h.batchIngest(ctx, small, h.o.csvSmall, badSmall, ingestAlone...)
		if err != nil {
			return nil, err
		}
		smallRSS = max(smallRSS, p.maxRSS)
		fmt.Printf("  batch ingest, CSV %d rows: %s (%s), peak RSS %.1f MB\n", h.o.csvSmall, secs(p.wall), rate(h.o.csvSmall, p.wall), mb(p.maxRSS))
	}
	h.setRSS("csv_small", smallRSS)

	big := filepath.Join(h.dir, "payouts_big.csv")
	t0 := time.Now()
	bad, err := writePayoutCSV(big, "PAY-L", h.o.csvRows, badEvery)
	if err != nil {
		return nil, err
	}
	st, _ := os.Stat(big)
	fmt.Printf("  generated %d CSV rows (%.0f MB, %d to be rejected) in %s\n", h.o.csvRows, mb(st.Size()), bad, secs(time.Since(t0)))
	db, err := h.fresh("floor")
	if err != nil {
		return nil, err
	}
	single, err := h.floorChild(ctx, h.o.csvRows, "floor-csv-single", big, filepath.Join(db, "ledger.db"))
	if err != nil {
		return nil, err
	}
	fmt.Printf("  earlier floor (encoding/csv + one prepared single-row INSERT, all indexes): %s (%s), CPU %s, peak RSS %.1f MB\n", secs(single.wall), rate(h.o.csvRows, single.wall), secs(single.cpu), mb(single.maxRSS))
	// The floor and batch ingest run by turns, 2·reps+1 times each, and each side's best run
	// counts: a run slowed by other load on the machine (a shared 2-core VM varies by a
	// quarter from minute to minute) does not decide the figure alone.
	var floor, p proc
	var bigRSS int64
	for i := range 2*h.o.reps + 1 {
		if db, err = h.fresh("floor"); err != nil {
			return nil, err
		}
		f, err := h.floorChild(ctx, h.o.csvRows, "floor-csv", big, filepath.Join(db, "ledger.db"))
		if err != nil {
			return nil, err
		}
		fmt.Printf("  floor (encoding/csv + %d-row INSERTs, unique index only, one transaction): %s (%s), CPU %s, peak RSS %.1f MB\n", floorChunk, secs(f.wall), rate(h.o.csvRows, f.wall), secs(f.cpu), mb(f.maxRSS))
		b, home, err := h.batchIngest(ctx, big, h.o.csvRows, bad, ingestAlone...)
		if err != nil {
			return nil, err
		}
		fmt.Printf("  batch ingest: %s (%s), CPU %s, peak RSS %.1f MB\n", secs(b.wall), rate(h.o.csvRows, b.wall), secs(b.cpu), mb(b.maxRSS))
		if i == 0 || f.wall < floor.wall {
			floor = f
		}
		if i == 0 || b.wall < p.wall {
			p = b
		}
		bigRSS = max(bigRSS, b.maxRSS)
		// Each ledger is a quarter of a gigabyte: keep the disk to the run at hand.
		if !h.o.keep {
			os.RemoveAll(db)
			os.RemoveAll(home)
		}
	}
	fmt.Printf("  best of %d each: floor %s, batch ingest %s\n", 2*h.o.reps+1, secs(floor.wall), secs(p.wall))
	fmt.Printf("  CPU time ratio (less sensitive to other load on the machine): %.2f (%.2f against the earlier floor)\n", p.cpu.Seconds()/floor.cpu.Seconds(), p.cpu.Seconds()/single.cpu.Seconds())
	fmt.Printf("  against the earlier floor: %.2fx\n", p.wall.Seconds()/single.wall.Seconds())
	h.setRSS("csv_big", bigRSS)
	held, _, err := h.batchIngest(ctx, big, h.o.csvRows, bad)
	if err != nil {
		return nil, err
	}
	fmt.Printf("  batch ingest with the default approval policy (hold and approval packet): %s, CPU %s, peak RSS %.1f MB\n", secs(held.wall), secs(held.cpu), mb(held.maxRSS))
	h.setRSS("csv_held", held.maxRSS)
	return []figure{emit(figure{
		name:     "csv_ingest",
		measured: fmt.Sprintf("batch ingest, %s CSV rows: %s", count(h.o.csvRows), secs(p.wall)),
		floor: fmt.Sprintf("encoding/csv + %d-row INSERTs: %s (earlier floor, single-row INSERT: %s, %.2fx)",
			floorChunk, secs(floor.wall), secs(single.wall), p.wall.Seconds()/single.wall.Seconds()),
		value: p.wall.Seconds() / floor.wall.Seconds(), target: 1.3, unit: "x",
	})}, nil
}

// xlsx measures xlsx_ingest: the best of reps runs of each side.
func (h *harness) xlsx(ctx context.Context) ([]figure, error) {
	file := filepath.Join(h.dir, "payouts_big.xlsx")
	t0 := time.Now()
	bad, err := writePayoutXLSX(file, "PAY-X", h.o.xlsxRows, 1000)
	if err != nil {
		return nil, err
	}
	st, _ := os.Stat(file)
	fmt.Printf("  generated %d XLSX rows (%.1f MB) in %s\n", h.o.xlsxRows, mb(st.Size()), secs(time.Since(t0)))
	var best, bestFloor time.Duration
	var peak int64
	for range h.o.reps {
		floor, err := h.floorChild(ctx, h.o.xlsxRows, "floor-xlsx", file)
		if err != nil {
			return nil, err
		}
		fmt.Printf("  floor (excelize Rows, raw values): %s (%s), CPU %s, peak RSS %.1f MB\n", secs(floor.wall), rate(h.o.xlsxRows, floor.wall), secs(floor.cpu), mb(floor.maxRSS))
		p, _, err := h.batchIngest(ctx, file, h.o.xlsxRows, bad, ingestAlone...)
		if err != nil {
			return nil, err
		}
		fmt.Printf("  batch ingest: %s (%s), CPU %s, peak RSS %.1f MB\n", secs(p.wall), rate(h.o.xlsxRows, p.wall), secs(p.cpu), mb(p.maxRSS))
		best, bestFloor = minDur(best, p.wall), minDur(bestFloor, floor.wall)
		peak = max(peak, p.maxRSS)
	}
	h.setRSS("xlsx", peak)
	return []figure{emit(figure{
		name:     "xlsx_ingest",
		measured: fmt.Sprintf("batch ingest, %s XLSX rows: %s", count(h.o.xlsxRows), secs(best)),
		floor:    fmt.Sprintf("excelize raw-value Rows: %s", secs(bestFloor)),
		value:    best.Seconds() / bestFloor.Seconds(), target: 1.3, unit: "x",
	})}, nil
}

// report measures report_write in this process: report.WriteRunWorkbook against a bare
// StreamWriter writing the detail sheet's cells, alternately, best of reps+1 each.
func (h *harness) report(ctx context.Context) ([]figure, error) {
	items, tally, err := settledItems(h.o.reportN)
	if err != nil {
		return nil, err
	}
	bens, modes := make([]string, len(items)), make([]string, len(items))
	for i, it := range items {
		p, err := domain.RecordAs[domain.Payout](it)
		if err != nil {
			return nil, err
		}
		bens[i], modes[i] = p.BeneficiaryName, p.Mode
	}
	dir, err := h.fresh("report")
	if err != nil {
		return nil, err
	}
	ist, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		return nil, fmt.Errorf("load India time: %w", err)
	}
	var best, bestFloor time.Duration
	for i := range h.o.reps + 1 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t0 := time.Now()
		if err := floorReport(filepath.Join(dir, fmt.Sprintf("bare-%d.xlsx", i)), items, bens, modes); err != nil {
			return nil, err
		}
		floor := time.Since(t0)
		run := report.Run{
			Info:  report.RunInfo{ID: 1, Sandbox: true, Endpoint: "http://127.0.0.1", Location: ist, StartedAt: time.Now()},
			Files: []domain.FileSummary{{ID: 1, Name: "payouts_bench.csv", Kind: domain.KindPayouts, Status: "accepted", Tally: tally}},
			Items: func(yield func(domain.Item, error) bool) {
				for _, it := range items {
					if !yield(it, nil) {
						return
					}
				}
			},
		}
		t0 = time.Now()
		if err := report.WriteRunWorkbook(filepath.Join(dir, fmt.Sprintf("run-%d.xlsx", i)), run); err != nil {
			return nil, err
		}
		took := time.Since(t0)
		fmt.Printf("  bare StreamWriter: %s (%s); WriteRunWorkbook: %s (%s)\n", secs(floor), rate(len(items), floor), secs(took), rate(len(items), took))
		best, bestFloor = minDur(best, took), minDur(bestFloor, floor)
	}
	return []figure{emit(figure{
		name:     "report_write",
		measured: fmt.Sprintf("run workbook, %s items: %s", count(h.o.reportN), secs(best)),
		floor:    fmt.Sprintf("bare StreamWriter, same cells: %s", secs(bestFloor)),
		value:    best.Seconds() / bestFloor.Seconds(), target: 1.3, unit: "x",
	})}, nil
}

func (h *harness) setRSS(what string, b int64) {
	if h.rss == nil {
		h.rss = map[string]int64{}
	}
	h.rss[what] = b
}

// memory turns the peak RSS the ingest figures saw into figures: each at most 150 MB, and
// the 1 M row CSV at most 1.2 times the 100 k row one.
func (h *harness) memory() []figure {
	var figs []figure
	add := func(key, name, what string) {
		if b, ok := h.rss[key]; ok {
			figs = append(figs, emit(figure{name: name, measured: what, floor: "—", value: mb(b), target: 150, unit: " MB"}))
		}
	}
	add("csv_small", "memory_csv_small", fmt.Sprintf("peak RSS, batch ingest of %s CSV rows", count(h.o.csvSmall)))
	add("csv_big", "memory_csv_large", fmt.Sprintf("peak RSS, batch ingest of %s CSV rows", count(h.o.csvRows)))
	add("csv_held", "memory_csv_held", fmt.Sprintf("peak RSS, batch ingest of %s CSV rows held for approval, with its packet", count(h.o.csvRows)))
	add("xlsx", "memory_xlsx", fmt.Sprintf("peak RSS, batch ingest of %s XLSX rows", count(h.o.xlsxRows)))
	small, ok1 := h.rss["csv_small"]
	big, ok2 := h.rss["csv_big"]
	if ok1 && ok2 {
		figs = append(figs, emit(figure{name: "memory_flat", measured: fmt.Sprintf("peak RSS at %s rows / at %s rows", count(h.o.csvRows), count(h.o.csvSmall)),
			floor: fmt.Sprintf("%.1f MB", mb(small)), value: float64(big) / float64(small), target: 1.2, unit: "x"}))
	}
	return figs
}

func minDur(best, d time.Duration) time.Duration {
	if best == 0 || d < best {
		return d
	}
	return best
}

// count writes 1000000 as "1 M" and 200000 as "200 k".
func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%d M", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%d k", n/1000)
	}
	return strconv.Itoa(n)
}
