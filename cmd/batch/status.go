package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"enkashbatch/domain"
	"enkashbatch/jobs"
	"enkashbatch/ledger"

	"github.com/spf13/cobra"
)

func init() { register(newStatusCommand) }

func newStatusCommand(m *Main, s *settings) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status",
		Short: "files, items by state and kind, open exceptions",
		Args:  cobra.NoArgs,
		RunE:  action(func(cmd *cobra.Command, _ []string) int { return runStatus(cmd.Context(), m, s) }),
	}
	bindInbox(cmd.Flags(), s)
	bindApproval(cmd.Flags(), s)
	bindJSON(cmd.Flags(), s)
	return cmd
}

func runStatus(ctx context.Context, m *Main, s *settings) int {
	db, err := openLedger(ctx, s)
	if err != nil {
		return m.fail(exitUsage, "%v", err)
	}
	defer db.Close()
	files, err := db.FileSummaries(ctx, ledger.FileFilter{})
	if err != nil {
		return m.fail(exitAttention, "%v", err)
	}
	states, err := db.StateCounts(ctx)
	if err != nil {
		return m.fail(exitAttention, "%v", err)
	}
	excs, err := db.Exceptions(ctx, ledger.ExceptionFilter{OpenOnly: true})
	if err != nil {
		return m.fail(exitAttention, "%v", err)
	}
	scheduled, err := db.LastScheduledRuns(ctx)
	if err != nil {
		return m.fail(exitAttention, "%v", err)
	}
	waiting, err := jobs.InboxWaiting(s.Home, s.inboxPolicy(), time.Now())
	if err != nil {
		return m.fail(exitAttention, "%v", err)
	}
	runs, err := db.RunsBySandbox(ctx)
	if err != nil {
		return m.fail(exitAttention, "%v", err)
	}
	approvals, err := awaitingApproval(ctx, db, s)
	if err != nil {
		return m.fail(exitAttention, "%v", err)
	}
	kinds := kindsJSON(files)
	byCategory := map[domain.Category]int{}
	for _, e := range excs {
		byCategory[e.Category]++
	}
	if s.JSON {
		writeJSON(m.Stdout, map[string]any{"files": orEmpty(files), "kinds": kinds, "states": orEmpty(states),
			"open_exceptions": len(excs), "open_exceptions_by_category": byCategory, "scheduled_jobs": scheduled, "held": orEmpty(waiting),
			"awaiting_approval": approvals,
			"sandbox":           runs.Sandbox > 0, "runs": map[string]int{"sandbox": runs.Sandbox, "enkash": runs.Enkash}})
		return exitOK
	}
	if _, err := printSandboxBanner(ctx, m.Stdout, db); err != nil {
		return m.fail(exitAttention, "%v", err)
	}
	if len(files) == 0 {
		fmt.Fprintf(m.Stdout, "No files yet. Drop CSV or XLSX files in %s/inbox/<kind>/ and run `%s`.\n", s.Home, s.hint("run"))
		printWaiting(m.Stdout, waiting)
		return exitOK
	}
	printFiles(m.Stdout, files)
	fmt.Fprintln(m.Stdout, "\nItems by state:")
	tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "Kind\tState\tItems\tAmount in ₹\t")
	for _, c := range states {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t\n", c.Kind, c.Status, c.Count, c.Paise.Rupees())
	}
	tw.Flush()
	fmt.Fprintf(m.Stdout, "\n%d open %s", len(excs), plural(len(excs), "exception", "exceptions"))
	for _, c := range categoryOrder {
		if byCategory[c] > 0 {
			fmt.Fprintf(m.Stdout, "; %s %d", c, byCategory[c])
		}
	}
	fmt.Fprintln(m.Stdout, ".")
	if len(excs) > 0 {
		fmt.Fprintf(m.Stdout, "List them with: %s\n", s.hint("exceptions --open"))
	}
	printAwaiting(m.Stdout, approvals)
	printScheduled(m.Stdout, scheduled)
	printWaiting(m.Stdout, waiting)
	return exitOK
}

// printWaiting lists the inbox entries not taken: files held back until they are complete,
// with why and since when, and entries that are not files.
func printWaiting(w io.Writer, waiting []jobs.WaitingFile) {
	if len(waiting) == 0 {
		return
	}
	fmt.Fprintf(w, "\nWaiting in the inbox (%d, not taken yet):\n", len(waiting))
	for _, f := range waiting {
		fmt.Fprintf(w, "  %s: %s (since %s)\n", f.Path, f.Reason, f.Since.In(india).Format("02-01-2006 15:04:05"))
	}
}

// printScheduled lists the last occurrence of each job `batch serve` ran, catch-ups marked.
func printScheduled(w io.Writer, last map[string]ledger.ScheduledRun) {
	if len(last) == 0 {
		return
	}
	names := make([]string, 0, len(last))
	for n := range last {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "\nScheduled jobs (last occurrence):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, n := range names {
		r := last[n]
		note := ""
		if r.CaughtUp {
			note = "caught up after downtime"
		}
		fmt.Fprintf(tw, "  %s\tdue %s\t%s\t%s\n", n, r.ScheduledFor.In(india).Format("02-01-2006 15:04"), r.Outcome, note)
	}
	tw.Flush()
}
