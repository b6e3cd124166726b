package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"enkashbatch/domain"
	"enkashbatch/jobs"
	"enkashbatch/ledger"
	"enkashbatch/parsers"
)

func init() {
	register(newApproveCommand)
	register(newRejectCommand)
}

// decisionFlags are the flags of approve and reject.
type decisionFlags struct {
	by, note, sha, total string
	rows                 int
	waiting              bool
}

func newApproveCommand(m *Main, s *settings) *cobra.Command {
	var f decisionFlags
	cmd := &cobra.Command{
		Use:   "approve FILE|FILE-ID --by NAME [--note TEXT]",
		Short: "approve a file's rows awaiting approval (payouts, bills): the next run sends exactly them",
		Long: `Approve the rows of a file that wait for a checker (batch status lists them, with the
file's id). The approval binds to the file's content hash and to the count and total of its
rows: anything different voids it. The file's maker cannot approve it; a file above the
two-checker total (--approval-two-above) needs a second, different checker.

  batch approve payouts_nov.csv --by asha --note "checked against the PO list"
  batch approve 12 --by ravi --sha256 3f2a9c01 --rows 120 --total 1845000.50
  batch approve --waiting --by NAME     (each file waiting, one by one, as if named)`,
		Args: decisionArgs(&f),
		RunE: action(func(cmd *cobra.Command, args []string) int {
			return runDecision(cmd.Context(), m, s, "approve", args, f)
		}),
	}
	bindDecision(cmd, s, &f)
	cmd.Flags().BoolVar(&f.waiting, "waiting", false, "approve each file awaiting approval in turn (each decision is recorded and checked on its own)")
	return cmd
}

func newRejectCommand(m *Main, s *settings) *cobra.Command {
	var f decisionFlags
	cmd := &cobra.Command{
		Use:   "reject FILE|FILE-ID --by NAME --note TEXT",
		Short: "reject a file's rows awaiting approval: nothing of it is sent, its rows are offered for correction",
		Long: `Reject the rows of a file that wait for a checker. They become rejected rows with your
note (rule approval_rejected): nothing of them is sent, they appear on the workbook's Rejected
rows sheet and in the fix-and-redrop file, and their references are free for corrected rows.`,
		Args: decisionArgs(&f),
		RunE: action(func(cmd *cobra.Command, args []string) int {
			return runDecision(cmd.Context(), m, s, "reject", args, f)
		}),
	}
	bindDecision(cmd, s, &f)
	return cmd
}

func bindDecision(cmd *cobra.Command, s *settings, f *decisionFlags) {
	fs := cmd.Flags()
	fs.StringVar(&f.by, "by", "", "the checker's name (required)")
	fs.StringVar(&f.note, "note", "", "the checker's words (required to reject)")
	fs.StringVar(&f.sha, "sha256", "", "the content hash (or its start) on the approval packet: refused if the file's differs")
	fs.IntVar(&f.rows, "rows", 0, "the row count on the approval packet: refused if the file's differs")
	fs.StringVar(&f.total, "total", "", "the total in rupees on the approval packet: refused if the file's differs")
	bindApproval(fs, s)
	bindJSON(fs, s)
}

func decisionArgs(f *decisionFlags) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case f.waiting && len(args) > 0:
			return fmt.Errorf("%s: name a file or give --waiting, not both", cmd.CommandPath())
		case !f.waiting && len(args) != 1:
			return fmt.Errorf("%s: name one file (its name or id, as batch status lists it), got %d arguments", cmd.CommandPath(), len(args))
		}
		return nil
	}
}

// decisionJSON is one decision's line of --json.
type decisionJSON struct {
	File      string   `json:"file"`
	FileID    int64    `json:"file_id"`
	Kind      string   `json:"kind"`
	State     string   `json:"state"`
	Rows      int      `json:"rows"`
	Paise     int64    `json:"paise"`
	SHA256    string   `json:"sha256"`
	Approvers []string `json:"approvers"`
	Needed    int      `json:"checkers_needed"`
	Error     string   `json:"error,omitempty"`
}

func runDecision(ctx context.Context, m *Main, s *settings, verb string, args []string, f decisionFlags) int {
	d := jobs.ApprovalDecision{By: f.by, Note: f.note, SHA256: f.sha, Rows: f.rows}
	if f.total != "" {
		p, err := parsers.ParseAmount(f.total)
		if err != nil {
			return m.fail(exitUsage, "%s: --total %q: %v", verb, f.total, err)
		}
		d.Paise = p
	}
	db, err := openLedger(ctx, s)
	if err != nil {
		return m.fail(exitUsage, "%v", err)
	}
	defer db.Close()
	// Deciding talks to nobody: the pipeline gets no Enkash client.
	p := jobs.New(s.pipelineConfig(m, nil), db, nil)
	files := args
	if f.waiting {
		w, err := jobs.AwaitingApproval(ctx, db, s.Approval.policy(), db.Now())
		if err != nil {
			return m.fail(exitAttention, "%v", err)
		}
		for _, r := range w.Requests {
			files = append(files, fmt.Sprint(r.FileID))
		}
		if len(files) == 0 && !s.JSON {
			fmt.Fprintln(m.Stdout, "No file is awaiting approval.")
		}
	}
	code := exitOK
	out := []decisionJSON{}
	for _, file := range files {
		d.File = file
		var res jobs.ApprovalOutcome
		if verb == "approve" {
			res, err = p.Approve(ctx, d)
		} else {
			res, err = p.Reject(ctx, d)
		}
		r := res.Request
		j := decisionJSON{File: r.File, FileID: r.FileID, Kind: string(r.Kind), State: r.State, Rows: r.Rows, Paise: int64(r.Paise),
			SHA256: r.SHA256, Approvers: orEmpty(r.Approvers()), Needed: r.Needed}
		if err != nil {
			j.Error = err.Error()
			if j.File == "" {
				j.File = file
			}
			c := exitCodeOf(err)
			if errors.Is(err, jobs.ErrApprovalRefused) {
				c = exitUsage
			}
			code = max(code, c)
			if !s.JSON {
				m.fail(c, "%v", err)
			}
		} else if !s.JSON {
			printDecision(m, s, verb, r, f.by)
		}
		out = append(out, j)
	}
	if s.JSON {
		writeJSON(m.Stdout, out)
	}
	return code
}

func printDecision(m *Main, s *settings, verb string, r ledger.ApprovalRequest, by string) {
	what := fmt.Sprintf("%s (file %d, %s): %d %s, ₹%s, content hash %s", r.File, r.FileID, r.Kind, r.Rows, plural(r.Rows, "row", "rows"), r.Paise.Rupees(), shortHash(r.SHA256))
	switch {
	case verb == "reject":
		fmt.Fprintf(m.Stdout, "%s\n  rejected by %s: nothing of it is sent; its rows are offered for correction (fix-and-redrop file of the next run).\n", what, by)
	case r.State == ledger.ApprovalGranted:
		fmt.Fprintf(m.Stdout, "%s\n  approved by %s: the next run sends exactly these rows (`%s`).\n", what, strings.Join(r.Approvers(), " and "), s.hint("run"))
	default:
		fmt.Fprintf(m.Stdout, "%s\n  approved by %s (%d of %d checkers: its total is above the two-checker limit); it waits for another checker.\n",
			what, by, len(r.Approvers()), r.Needed)
	}
}

func shortHash(sha string) string {
	if len(sha) > 12 {
		return sha[:12] + "…"
	}
	return sha
}

// awaitingJSON is one file awaiting approval in `batch status --json`.
type awaitingJSON struct {
	File        string                    `json:"file"`
	FileID      int64                     `json:"file_id"`
	Kind        domain.Kind               `json:"kind"`
	Rows        int                       `json:"rows"`
	Paise       domain.Paise              `json:"paise"`
	SHA256      string                    `json:"sha256"`
	Maker       string                    `json:"maker"`
	Since       string                    `json:"since"`
	AgeSeconds  int64                     `json:"age_seconds"`
	Overdue     bool                      `json:"overdue"`
	Needed      int                       `json:"checkers_needed"`
	Approvers   []string                  `json:"approvers"`
	Events      []ledger.ApprovalEventRow `json:"events"`
	ApproveHint string                    `json:"approve"`
}

// approvalStatus is what awaits approval, for `batch status` and the daemon's /healthz.
type approvalStatus struct {
	Waiting      []awaitingJSON `json:"waiting"`
	Files        int            `json:"files"`
	Rows         int            `json:"rows"`
	Paise        domain.Paise   `json:"paise"`
	OldestSince  string         `json:"oldest_since,omitempty"`
	OldestAgeSec int64          `json:"oldest_age_seconds"`
	Overdue      int            `json:"overdue"`
}

func awaitingApproval(ctx context.Context, db *ledger.DB, s *settings) (approvalStatus, error) {
	pol := s.Approval.policy()
	now := db.Now()
	w, err := jobs.AwaitingApproval(ctx, db, pol, now)
	if err != nil {
		return approvalStatus{}, err
	}
	st := approvalStatus{Waiting: []awaitingJSON{}, Files: w.Count, Rows: w.Rows, Paise: w.Paise, Overdue: w.Overdue}
	if !w.Oldest.IsZero() {
		st.OldestSince = w.Oldest.In(india).Format("2006-01-02T15:04:05Z07:00")
		st.OldestAgeSec = int64(now.Sub(w.Oldest).Seconds())
	}
	for _, r := range w.Requests {
		st.Waiting = append(st.Waiting, awaitingJSON{File: r.File, FileID: r.FileID, Kind: r.Kind, Rows: r.Rows, Paise: r.Paise, SHA256: r.SHA256,
			Maker: r.Maker, Since: r.RequestedAt.In(india).Format("2006-01-02T15:04:05Z07:00"), AgeSeconds: int64(now.Sub(r.RequestedAt).Seconds()),
			Overdue: pol.Overdue(r.RequestedAt, now), Needed: r.Needed, Approvers: orEmpty(r.Approvers()), Events: r.Events,
			ApproveHint: s.hint(fmt.Sprintf("approve %d --by NAME", r.FileID))})
	}
	return st, nil
}

// printAwaiting lists what awaits approval, with since when and the approvals so far.
func printAwaiting(w io.Writer, st approvalStatus) {
	if st.Files == 0 {
		return
	}
	fmt.Fprintf(w, "\nAwaiting approval: %d %s, %d %s, ₹%s; nothing of them is sent until approved.\n",
		st.Files, plural(st.Files, "file", "files"), st.Rows, plural(st.Rows, "row", "rows"), st.Paise.Rupees())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  File ID\tFile\tKind\tRows\tAmount in ₹\tMaker\tWaiting since\tApprovals\t")
	for _, a := range st.Waiting {
		since := a.Since
		if t, err := time.Parse(time.RFC3339, a.Since); err == nil {
			since = t.In(india).Format("02-01-2006 15:04") + " (" + age(time.Duration(a.AgeSeconds)*time.Second) + ")"
		}
		if a.Overdue {
			since += " OVERDUE"
		}
		approvals := fmt.Sprintf("%d of %d", len(a.Approvers), a.Needed)
		if len(a.Approvers) > 0 {
			approvals += ": " + strings.Join(a.Approvers, ", ")
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t\n", a.FileID, a.File, a.Kind, a.Rows, a.Paise.Rupees(), a.Maker, since, approvals)
	}
	tw.Flush()
	if len(st.Waiting) > 0 {
		fmt.Fprintf(w, "Approve with: %s\n", st.Waiting[0].ApproveHint)
	}
}
