package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/jobs"
	"enkashbatch/ledger"
)

func init() {
	register("run", "one full cycle over the inbox: ingest, submit, poll, reconcile, report", runRun)
}

func runRun(ctx context.Context, m *Main, args []string) int {
	var s settings
	fs := m.newFlags("run", "[flags]")
	bindSettings(fs, &s)
	if code := m.parse(fs, args); code >= 0 {
		return code
	}
	conn, db, closeAll, err := m.openAll(ctx, &s)
	if err != nil {
		return m.fail(exitCodeOf(err), "%v", err)
	}
	defer closeAll()
	if conn.Sandbox && !s.JSON {
		fmt.Fprintf(m.Stdout, "SANDBOX: talking to the Enkash simulator at %s, not to Enkash. No money moves.\n\n", conn.Endpoint)
	}

	start := time.Now()
	res, err := jobs.New(s.pipelineConfig(m, conn), db, conn.Client).Run(ctx)
	if err != nil && !jobs.IsStop(err) {
		return m.fail(exitCodeOf(err), "run stopped: %v", err)
	}
	// What the run left in the inbox, and why: a file held back is never silently skipped.
	waiting, werr := jobs.InboxWaiting(s.Home, s.inboxPolicy(), time.Now())
	if s.JSON {
		out := runJSON(res, conn.Sandbox)
		out["held"] = orEmpty(waiting)
		writeJSON(m.Stdout, out)
	} else {
		printRun(m.Stdout, res, time.Since(start))
		printWaiting(m.Stdout, waiting)
	}
	if werr != nil {
		return m.fail(exitAttention, "%v", werr)
	}
	if err != nil { // stopped early: the report was written all the same
		return m.fail(exitCodeOf(err), "run stopped early: %v\nWhat was done is recorded; run again once this is fixed.", err)
	}
	if attention(res) {
		return exitAttention
	}
	return exitOK
}

// attention reports whether a run left something for a person to do.
func attention(res jobs.Result) bool {
	for _, e := range res.Exceptions {
		if e.ResolvedAt == nil {
			return true
		}
	}
	return false
}

// exitCodeOf maps an error to the documented exit code (README, "Exit codes"): 2 for a
// configuration error, ours or one Enkash refused a call for (checksum, encryption key, client
// or company id, APIs not enabled); 3 when Enkash could not be used (unreachable, no token,
// credentials refused) or the disk is full.
func exitCodeOf(err error) int {
	var cfg *errConfig
	_, refused := enkash.IsConfigRefusal(err)
	switch {
	case errors.As(err, &cfg), errors.Is(err, jobs.ErrBusy), refused:
		return exitUsage
	case errors.Is(err, enkash.ErrAuthRejected), errors.Is(err, enkash.ErrUnreachable), enkash.IsUnreachable(err), ledger.IsDiskFull(err):
		return exitEnkashDown
	}
	return exitAttention
}

func printRun(w io.Writer, res jobs.Result, took time.Duration) {
	fmt.Fprintf(w, "Run #%d finished in %s.\n\n", res.RunID, took.Round(100*time.Millisecond))
	printFiles(w, res.Files)
	fmt.Fprintln(w)
	for _, k := range kindTotals(res.Files) {
		fmt.Fprintf(w, "%s: %s\n", k.kind, conservationLine(k.tally))
	}
	open := map[domain.Category]int{}
	n := 0
	for _, e := range res.Exceptions {
		if e.ResolvedAt == nil {
			open[e.Category]++
			n++
		}
	}
	if n > 0 {
		var parts []string
		for _, c := range categoryOrder {
			if open[c] > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", c, open[c]))
			}
		}
		fmt.Fprintf(w, "\n%d exceptions to look at: %s.\nList them with: batch exceptions --open\n", n, strings.Join(parts, ", "))
	}
	if sent := alreadySent(res.Exceptions); sent > 0 {
		fmt.Fprintf(w, "%d rows were not sent because their reference was already sent (or is on its way): do not send them again. "+
			"They are in no fix-and-redrop file; the workbook's Rejected rows sheet says when and how each was paid.\n", sent)
	}
	fmt.Fprintf(w, "\nWorkbook: %s\n", res.Workbook)
	for _, f := range res.FixFiles {
		fmt.Fprintf(w, "Rejected rows to fix and drop again: %s\n", f)
	}
}

// alreadySent counts the open exceptions of rows refused because their reference was already
// sent or queued (domain.NeverResend).
func alreadySent(excs []domain.Exception) int {
	n := 0
	for _, e := range excs {
		if e.ResolvedAt == nil && e.Category == domain.CategoryRejectedRow && domain.NeverResend(e.Actual) {
			n++
		}
	}
	return n
}

var categoryOrder = []domain.Category{domain.CategoryRejectedRow, domain.CategoryDuplicateFile, domain.CategoryProviderRejected,
	domain.CategoryProviderFailed, domain.CategoryAmountMismatch, domain.CategoryStatusMismatch, domain.CategoryMissingAtProvider,
	domain.CategoryUnknownAtProvider, domain.CategoryStuckPending, domain.CategoryReferenceConflict, domain.CategoryInsufficientBalance}

// printFiles prints the conservation line of each file as a table, with a total per kind:
// rupees of different kinds (money paid out, money invoiced) are never added together.
func printFiles(w io.Writer, files []domain.FileSummary) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "File\tKind\tStatus\tRows\tRejected\tSuccess\tFailed\tReversed\tOpen\tAmount in ₹\tTies out\t")
	for _, k := range kindTotals(files) {
		for _, f := range files {
			if f.Kind == k.kind {
				printTally(tw, f.Name, string(f.Kind), f.Status, f.Tally)
			}
		}
		if k.files > 1 {
			printTally(tw, "Total "+string(k.kind), "", "", k.tally)
		}
	}
	tw.Flush()
}

// kindTotal is the conservation line of all the files of one kind.
type kindTotal struct {
	kind  domain.Kind
	files int
	tally domain.Tally
}

// kindTotals adds up files by kind, in processing order (domain.Kinds), unknown kinds last.
func kindTotals(files []domain.FileSummary) []kindTotal {
	var out []kindTotal
	at := map[domain.Kind]int{}
	for _, f := range files {
		i, ok := at[f.Kind]
		if !ok {
			i = len(out)
			at[f.Kind] = i
			out = append(out, kindTotal{kind: f.Kind})
		}
		out[i].files++
		out[i].tally.Merge(f.Tally)
	}
	rank := func(k domain.Kind) int {
		if i := slices.Index(domain.Kinds, k); i >= 0 {
			return i
		}
		return len(domain.Kinds)
	}
	slices.SortStableFunc(out, func(a, b kindTotal) int { return rank(a.kind) - rank(b.kind) })
	return out
}

func printTally(w io.Writer, name, kind, status string, t domain.Tally) {
	ties := "yes"
	if !t.TiesOut() {
		ties = "NO"
	}
	fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t\n", name, kind, status, t.In.Count, t.Rejected.Count, t.Success.Count,
		t.Failed.Count, t.Reversed.Count, t.Open.Count, t.In.Paise.Rupees(), ties)
}

// conservationLine states the conservation line in words, in count and in rupees.
func conservationLine(t domain.Tally) string {
	verdict := "ties out"
	if !t.TiesOut() {
		verdict = "DOES NOT TIE OUT: some rows are unaccounted for"
	}
	return fmt.Sprintf("Rows in %d (₹%s) = rejected %d (₹%s) + success %d (₹%s) + failed %d (₹%s) + reversed %d (₹%s) + open %d (₹%s): %s.",
		t.In.Count, t.In.Paise.Rupees(), t.Rejected.Count, t.Rejected.Paise.Rupees(), t.Success.Count, t.Success.Paise.Rupees(),
		t.Failed.Count, t.Failed.Paise.Rupees(), t.Reversed.Count, t.Reversed.Paise.Rupees(), t.Open.Count, t.Open.Paise.Rupees(), verdict)
}

func runJSON(res jobs.Result, sandbox bool) map[string]any {
	total := res.Total()
	return map[string]any{
		"run_id": res.RunID, "sandbox": sandbox, "files": res.Files, "total": total, "ties_out": total.TiesOut(), "kinds": kindsJSON(res.Files),
		"exceptions": orEmpty(res.Exceptions), "workbook": res.Workbook, "fix_files": orEmpty(res.FixFiles),
	}
}

// kindsJSON is the conservation line of each kind, by kind name.
func kindsJSON(files []domain.FileSummary) map[domain.Kind]domain.Tally {
	out := map[domain.Kind]domain.Tally{}
	for _, k := range kindTotals(files) {
		out[k.kind] = k.tally
	}
	return out
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
