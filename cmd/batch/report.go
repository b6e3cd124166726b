package main

import (
	"context"
	"fmt"

	"enkashbatch/jobs"
)

func init() {
	register("report", "write the workbook of a run (--run N) or of a day (--date yyyy-mm-dd: reconciles the day first)", runReport)
}

func runReport(ctx context.Context, m *Main, args []string) int {
	var s settings
	fs := m.newFlags("report", "--run N | --date yyyy-mm-dd")
	bindSettings(fs, &s)
	run := fs.Int64("run", 0, "the run whose workbook to write again, from the ledger as it stands")
	date := fs.String("date", "", "the day whose accountant's workbook to write (the day is reconciled first, as `batch reconcile` does)")
	if code := m.parse(fs, args); code >= 0 {
		return code
	}
	switch {
	case *run != 0 && *date != "", *run == 0 && *date == "":
		return m.fail(exitUsage, "report: name either --run N or --date yyyy-mm-dd")
	case *date != "":
		// A day's workbook needs Enkash's word on the day: reconciling it is idempotent.
		return runReconcile(ctx, m, args)
	}
	db, err := openLedger(ctx, &s)
	if err != nil {
		return m.fail(exitUsage, "%v", err)
	}
	defer db.Close()
	cfg := s.pipelineConfig(m, nil)
	info, err := db.Run(ctx, *run)
	if err != nil {
		return m.fail(exitUsage, "report: no run %d in the ledger (batch status lists what is there)", *run)
	}
	cfg.Sandbox = info.Sandbox
	res, err := jobs.New(cfg, db, nil).WriteRunReport(ctx, *run)
	if err != nil {
		return m.fail(exitAttention, "report: %v", err)
	}
	if s.JSON {
		writeJSON(m.Stdout, runJSON(res, info.Sandbox))
		return exitOK
	}
	fmt.Fprintf(m.Stdout, "Workbook: %s\n", res.Workbook)
	for _, f := range res.FixFiles {
		fmt.Fprintf(m.Stdout, "Rejected rows to fix and drop again: %s\n", f)
	}
	return exitOK
}
