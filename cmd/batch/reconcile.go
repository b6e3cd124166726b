package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"enkashbatch/jobs"
)

func init() {
	register("reconcile", "reconcile one day (--date, default today) against Enkash, its statement and its balance, and write the day's workbook", runReconcile)
}

func runReconcile(ctx context.Context, m *Main, args []string) int {
	var s settings
	fs := m.newFlags("reconcile", "[--date yyyy-mm-dd]")
	bindSettings(fs, &s)
	date := fs.String("date", "", "the day to reconcile, yyyy-mm-dd in India time (default: today)")
	if code := m.parse(fs, args); code >= 0 {
		return code
	}
	day := time.Now().In(india)
	if *date != "" {
		d, err := time.ParseInLocation("2006-01-02", *date, india)
		if err != nil {
			return m.fail(exitUsage, "reconcile: --date %q is not a date like 2026-11-23", *date)
		}
		day = d
	}
	conn, db, closeAll, err := m.openAll(ctx, &s)
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
		printDay(m.Stdout, res, book)
	}
	if book.Open > 0 || (res.Statement && !res.Balance.Ties) {
		return exitAttention
	}
	return exitOK
}

func printDay(w io.Writer, res jobs.Day, book jobs.DayBook) {
	fmt.Fprintf(w, "Reconciliation of %s (run #%d)\n\n", res.From.Format("02-01-2006"), res.RunID)
	if len(res.Files) > 0 {
		printFiles(w, res.Files)
		fmt.Fprintln(w)
	}
	if res.Statement {
		b := res.Balance
		verdict := "ties"
		if !b.Ties {
			verdict = fmt.Sprintf("DOES NOT TIE: Enkash says ₹%s, a difference of ₹%s", b.Reported.Rupees(), b.Difference().Rupees())
		}
		fmt.Fprintf(w, "Statement: %d lines, %d matched. Opening ₹%s − debits ₹%s + credits ₹%s = closing ₹%s: %s.\n",
			b.Lines, len(res.Matches), b.Opening.Rupees(), b.Debits.Rupees(), b.Credits.Rupees(), b.Closing.Rupees(), verdict)
	}
	fmt.Fprintf(w, "%d open exceptions (batch exceptions --open lists them).\n", book.Open)
	fmt.Fprintf(w, "\nWorkbook: %s\n", book.Path)
}
