package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"enkashbatch/jobs"

	"github.com/spf13/cobra"
)

func init() { register(newReconcileCommand) }

func newReconcileCommand(m *Main, s *settings) *cobra.Command {
	var date string
	cmd := &cobra.Command{
		Use:   "reconcile",
		Short: "reconcile one day (--date, default today) against Enkash, its statement and its balance, and write the day's workbook",
		Args:  cobra.NoArgs,
		RunE:  action(func(cmd *cobra.Command, _ []string) int { return runReconcile(cmd.Context(), m, s, date) }),
	}
	cmd.Flags().StringVar(&date, "date", "", "the day to reconcile, dd-mm-yyyy or yyyy-mm-dd in India time (default: today)")
	bindEnkash(cmd.Flags(), s)
	bindMatching(cmd.Flags(), s)
	bindJSON(cmd.Flags(), s)
	return cmd
}

// dateLayouts are the forms --date accepts: the one every output prints (dd-mm-yyyy), the ISO
// one, and dd/mm/yyyy.
var dateLayouts = []string{"02-01-2006", "2006-01-02", "02/01/2006"}

// parseDay reads a --date in India time.
func parseDay(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range dateLayouts {
		if d, err := time.ParseInLocation(layout, s, india); err == nil {
			return d, nil
		}
	}
	return time.Time{}, fmt.Errorf("--date %q is not a date like 23-11-2026 or 2026-11-23", s)
}

func runReconcile(ctx context.Context, m *Main, s *settings, date string) int {
	day := time.Now().In(india)
	if date != "" {
		d, err := parseDay(date)
		if err != nil {
			return m.fail(exitUsage, "%s: %v", "reconcile", err)
		}
		day = d
	}
	conn, db, closeAll, err := m.openAll(ctx, s)
	if err != nil {
		return m.fail(exitCodeOf(err), "%v", err)
	}
	defer closeAll()
	p := jobs.New(s.pipelineConfig(m, conn), db, conn.Client)
	res, err := p.ReconcileDay(ctx, day, india)
	if err != nil {
		return m.fail(exitCodeOf(err), "reconcile: %v", err)
	}
	book, err := p.WriteDay(ctx, res, india)
	if err != nil {
		return m.fail(exitAttention, "reconcile: %v", err)
	}
	if s.JSON {
		writeJSON(m.Stdout, map[string]any{"run_id": res.RunID, "date": res.From.Format("2006-01-02"), "files": orEmpty(res.Files),
			"matches": orEmpty(res.Matches), "balance": res.Balance, "balance_ties": res.Balance.Ties, "exceptions": orEmpty(book.Exceptions),
			"workbook": book.Path, "twins": book.Twins})
	} else {
		if conn.Sandbox {
			fmt.Fprintf(m.Stdout, "SANDBOX: talking to the Enkash simulator at %s, not to Enkash. No money moves.\n\n", conn.Endpoint)
		}
		printDay(m.Stdout, s, res, book)
	}
	if book.Open > 0 || (res.Statement && !res.Balance.Ties) {
		return exitAttention
	}
	return exitOK
}

func printDay(w io.Writer, s *settings, res jobs.Day, book jobs.DayBook) {
	fmt.Fprintf(w, "Reconciliation of %s (run #%d)\n\n", res.From.Format("02-01-2006"), res.RunID)
	if len(res.Files) > 0 {
		printFiles(w, res.Files)
		fmt.Fprintln(w)
	}
	if res.Statement {
		b := res.Balance
		verdict := "ties"
		if !b.Ties {
			verdict = fmt.Sprintf("DOES NOT TIE: Enkash says %s, a difference of %s", b.Reported.Money(), b.Difference().Money())
		}
		fmt.Fprintf(w, "Statement: %d lines, %d matched. Opening %s − debits %s + credits %s = closing %s: %s.\n",
			b.Lines, len(res.Matches), b.Opening.Money(), b.Debits.Money(), b.Credits.Money(), b.Closing.Money(), verdict)
	}
	fmt.Fprintf(w, "%d open %s (%s lists them).\n", book.Open, plural(book.Open, "exception", "exceptions"), s.hint("exceptions --open"))
	fmt.Fprintf(w, "\nWorkbook: %s\n", book.Path)
}
