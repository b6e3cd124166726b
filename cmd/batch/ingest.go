package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"enkashbatch/jobs"
	"enkashbatch/ledger"

	"github.com/spf13/cobra"
)

func init() { register(newIngestCommand) }

func newIngestCommand(m *Main, s *settings) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ingest [FILE...]",
		Short: "record the inbox files (and FILEs, copied into the inbox first) in the ledger; nothing is sent",
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"csv", "xlsx"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: action(func(cmd *cobra.Command, args []string) int { return runIngest(cmd.Context(), m, s, args) }),
	}
	bindInbox(cmd.Flags(), s)
	bindApproval(cmd.Flags(), s)
	bindJSON(cmd.Flags(), s)
	return cmd
}

// ingestFileJSON is one file's line of `batch ingest --json`.
type ingestFileJSON struct {
	File     string `json:"file"`
	Kind     string `json:"kind"`
	Status   string `json:"status"`
	Rows     int    `json:"rows"`
	Valid    int    `json:"valid"`
	Rejected int    `json:"rejected"`
	Note     string `json:"note,omitempty"`
}

func runIngest(ctx context.Context, m *Main, s *settings, paths []string) int {
	for _, path := range paths {
		if _, err := jobs.DropInInbox(s.Home, path); err != nil {
			return m.fail(exitUsage, "%v", err)
		}
	}
	db, err := openLedger(ctx, s)
	if err != nil {
		return m.fail(exitUsage, "%v", err)
	}
	defer db.Close()

	start := time.Now()
	// Ingest talks to nobody: the pipeline gets no Enkash client.
	res, err := jobs.New(s.pipelineConfig(m, nil), db, nil).IngestOnly(ctx)
	if err != nil {
		return m.fail(exitCodeOf(err), "ingest stopped: %v", err)
	}
	code := exitOK
	out := make([]ingestFileJSON, 0, len(res.Files))
	for _, f := range res.Files {
		j := ingestFileJSON{File: f.Name, Kind: string(f.Kind), Status: f.Status, Rows: f.Rows, Valid: f.Valid, Rejected: f.Rows - f.Valid, Note: f.Note}
		if j.Rejected > 0 || j.Status != ledger.FileAccepted {
			code = exitAttention
		}
		out = append(out, j)
	}
	if s.JSON {
		writeJSON(m.Stdout, map[string]any{"run_id": res.RunID, "files": out})
	} else {
		printIngest(m.Stdout, res.RunID, out, time.Since(start))
	}
	return code
}

func printIngest(w io.Writer, runID int64, files []ingestFileJSON, took time.Duration) {
	if len(files) == 0 {
		fmt.Fprintf(w, "Run #%d: the inbox is empty; nothing to record.\n", runID)
		return
	}
	fmt.Fprintf(w, "Run #%d recorded %d file(s) in %s. Nothing was sent.\n\n", runID, len(files), took.Round(time.Millisecond))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "File\tKind\tStatus\tRows\tValid\tRejected\tNote")
	for _, f := range files {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", f.File, f.Kind, f.Status, f.Rows, f.Valid, f.Rejected, f.Note)
	}
	tw.Flush()
}
