package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/jobs"
	"enkashbatch/ledger"

	"github.com/spf13/cobra"
)

func init() { register(newRunCommand) }

func newRunCommand(m *Main, s *settings) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "run",
		Short: "one full cycle over the inbox: ingest, submit, poll, reconcile, report",
		Long: `One full cycle over the inbox: ingest, submit, poll until every item is final or
--poll-deadline passes, reconcile, report.

Exit code 1 when the run left open exceptions it raised or saw again (a rejected row, a
payment still pending at Enkash...): ` + "`batch exceptions --open`" + ` lists them.`,
		Args: cobra.NoArgs,
		RunE: action(func(cmd *cobra.Command, _ []string) int { return runRun(cmd.Context(), m, s) }),
	}
	bindSending(cmd.Flags(), s)
	bindApproval(cmd.Flags(), s)
	bindPreflight(cmd.Flags(), s)
	bindEnkash(cmd.Flags(), s)
	bindMatching(cmd.Flags(), s)
	bindInbox(cmd.Flags(), s)
	bindJSON(cmd.Flags(), s)
	return cmd
}

func runRun(ctx context.Context, m *Main, s *settings) int {
	conn, db, closeAll, err := m.openAll(ctx, s)
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
	// The exit code's exceptions: those this run raised or saw again, still open.
	open, oerr := openExceptionsOfRun(context.WithoutCancel(ctx), db, res.RunID)
	// What the run left in the inbox, and why: a file held back is never silently skipped.
	waiting, werr := jobs.InboxWaiting(s.Home, s.inboxPolicy(), time.Now())
	if s.JSON {
		out := runJSON(res, conn.Sandbox)
		out["held"] = orEmpty(waiting)
		out["open_exceptions"] = orEmpty(open)
		writeJSON(m.Stdout, out)
	} else {
		printRun(m.Stdout, s, res, open, time.Since(start))
		printWaiting(m.Stdout, waiting)
	}
	if err := errors.Join(oerr, werr); err != nil {
		return m.fail(exitAttention, "%v", err)
	}
	if err != nil { // stopped early: the report was written all the same
		return m.fail(exitCodeOf(err), "run stopped early: %v\nWhat was done is recorded; run again once this is fixed.", err)
	}
	if len(open) > 0 {
		return exitAttention
	}
	return exitOK
}

// openExceptionsOfRun returns the exceptions still open that run runID raised or saw again:
// raised by it, or whose cause it found still there (the ledger then moves their last-seen time
// into the run). A bill still pending, raised by an earlier run and seen again by this one, is
// one of them: the run's exit code is 1 until it is settled or resolved.
func openExceptionsOfRun(ctx context.Context, db *ledger.DB, runID int64) ([]domain.Exception, error) {
	info, err := db.Run(ctx, runID)
	if err != nil {
		return nil, err
	}
	all, err := db.Exceptions(ctx, ledger.ExceptionFilter{OpenOnly: true})
	if err != nil {
		return nil, err
	}
	var out []domain.Exception
	for _, e := range all {
		if e.RunID == runID || !e.LastSeenAt.Before(info.StartedAt) {
			out = append(out, e)
		}
	}
	return out, nil
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

func printRun(w io.Writer, s *settings, res jobs.Result, open []domain.Exception, took time.Duration) {
	fmt.Fprintf(w, "Run #%d finished in %s.\n\n", res.RunID, took.Round(100*time.Millisecond))
	printFiles(w, res.Files)
	fmt.Fprintln(w)
	for _, k := range domain.TallyByKind(res.Files) {
		fmt.Fprintf(w, "%s: %s\n", k.Kind, conservationLine(k.Tally))
	}
	if len(open) > 0 {
		byCategory := map[domain.Category]int{}
		earlier := 0
		for _, e := range open {
			byCategory[e.Category]++
			if e.RunID != res.RunID {
				earlier++
			}
		}
		var parts []string
		for _, c := range categoryOrder {
			if byCategory[c] > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", c, byCategory[c]))
			}
		}
		fmt.Fprintf(w, "\n%d open %s to look at: %s.\n", len(open), plural(len(open), "exception", "exceptions"), strings.Join(parts, ", "))
		if earlier > 0 {
			fmt.Fprintf(w, "(%d of them raised by an earlier run, their cause still there.)\n", earlier)
		}
		fmt.Fprintf(w, "List them with: %s\n", s.hint("exceptions --open"))
	}
	if sent := alreadySent(res.Exceptions); sent > 0 {
		fmt.Fprintf(w, "%d rows were not sent because their reference was already sent (or is on its way): do not send them again. "+
			"They are in no fix-and-redrop file; the workbook's Rejected rows sheet says when and how each was paid.\n", sent)
	}
	printReportFiles(w, res)
}

// printReportFiles names the workbook and the fix-and-redrop files of a run.
func printReportFiles(w io.Writer, res jobs.Result) {
	fmt.Fprintf(w, "\nWorkbook: %s\n", res.Workbook)
	for _, f := range res.FixFiles {
		fmt.Fprintf(w, "Rejected rows to fix and drop again: %s\n", f)
	}
	for _, f := range res.KeptFixFiles {
		fmt.Fprintf(w, "Rejected rows to fix and drop again: %s (already there, left as it is: it may be being corrected)\n", f)
	}
}

// plural picks the word for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
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
	for _, k := range domain.TallyByKind(files) {
		for _, f := range files {
			if f.Kind == k.Kind {
				printTally(tw, f.Name, string(f.Kind), f.Status, f.Tally)
			}
		}
		if k.Files > 1 {
			printTally(tw, "Total "+string(k.Kind), "", "", k.Tally)
		}
	}
	tw.Flush()
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
	return fmt.Sprintf("Rows in %d (%s) = rejected %d (%s) + success %d (%s) + failed %d (%s) + reversed %d (%s) + open %d (%s): %s.",
		t.In.Count, t.In.Paise.Money(), t.Rejected.Count, t.Rejected.Paise.Money(), t.Success.Count, t.Success.Paise.Money(),
		t.Failed.Count, t.Failed.Paise.Money(), t.Reversed.Count, t.Reversed.Paise.Money(), t.Open.Count, t.Open.Paise.Money(), verdict)
}

func runJSON(res jobs.Result, sandbox bool) map[string]any {
	total := res.Total()
	return map[string]any{
		"run_id": res.RunID, "sandbox": sandbox, "files": res.Files, "total": total, "ties_out": total.TiesOut(), "kinds": kindsJSON(res.Files),
		"exceptions": orEmpty(res.Exceptions), "workbook": res.Workbook, "fix_files": orEmpty(res.FixFiles), "kept_fix_files": orEmpty(res.KeptFixFiles),
	}
}

// kindsJSON is the conservation line of each kind, by kind name.
func kindsJSON(files []domain.FileSummary) map[domain.Kind]domain.Tally {
	out := map[domain.Kind]domain.Tally{}
	for _, k := range domain.TallyByKind(files) {
		out[k.Kind] = k.Tally
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
