package main

import (
	"context"
	"fmt"

	"enkashbatch/jobs"

	"github.com/spf13/cobra"
)

func init() { register(newReportCommand) }

func newReportCommand(m *Main, s *settings) *cobra.Command {
	var run int64
	var date string
	cmd := &cobra.Command{
		Use:   "report (--run N | --date DATE)",
		Short: "write the workbook of a run (--run N) or of a day (--date: reconciles the day first)",
		Long: `Write again the workbook of a run (--run N), in place, from the ledger as it stands; or the
accountant's workbook of a day (--date), reconciling the day first as ` + "`batch reconcile`" + ` does.

A run's fix-and-redrop files already in reports/ are left as they are: they may be being
corrected. Delete one to have it written again.`,
		Args: cobra.NoArgs,
		RunE: action(func(cmd *cobra.Command, _ []string) int {
			switch {
			case run != 0 && date != "", run == 0 && date == "":
				return m.fail(exitUsage, "report: name either --run N or --date DATE (e.g. --date 23-11-2026)")
			case run < 0:
				return m.fail(exitUsage, "report: --run %d is not a run number", run)
			case date != "":
				// A day's workbook needs Enkash's word on the day: reconciling it is idempotent.
				return runReconcile(cmd.Context(), m, s, date)
			}
			return runReport(cmd.Context(), m, s, run)
		}),
	}
	cmd.Flags().Int64Var(&run, "run", 0, "the run whose workbook to write again, from the ledger as it stands")
	cmd.Flags().StringVar(&date, "date", "", "the day whose accountant's workbook to write, dd-mm-yyyy or yyyy-mm-dd in India time (the day is reconciled first)")
	bindEnkash(cmd.Flags(), s)
	bindMatching(cmd.Flags(), s)
	bindJSON(cmd.Flags(), s)
	return cmd
}

func runReport(ctx context.Context, m *Main, s *settings, run int64) int {
	db, err := openLedger(ctx, s)
	if err != nil {
		return m.fail(exitUsage, "%v", err)
	}
	defer db.Close()
	cfg := s.pipelineConfig(m, nil)
	info, err := db.Run(ctx, run)
	if err != nil {
		return m.fail(exitUsage, "report: no run %d in the ledger (%s lists what is there)", run, s.hint("status"))
	}
	cfg.Sandbox = info.Sandbox
	res, err := jobs.New(cfg, db, nil).WriteRunReport(ctx, run)
	if err != nil {
		return m.fail(exitAttention, "report: %v", err)
	}
	if s.JSON {
		writeJSON(m.Stdout, runJSON(res, info.Sandbox))
		return exitOK
	}
	if info.Sandbox {
		fmt.Fprintf(m.Stdout, "SANDBOX: run #%d talked to the Enkash simulator, not to Enkash. No money moved.\n", run)
	}
	printReportFiles(m.Stdout, res)
	return exitOK
}
