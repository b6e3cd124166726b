package jobs

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/ledger"
	"enkashbatch/report"
)

// Day is what the reconciliation of one day found.
type Day struct {
	RunID int64
	// From and To bound the day, [From, To).
	From, To time.Time
	Files    []domain.FileSummary
	Matches  []Match
	Balance  BalanceCheck
	// Statement is false when Enkash's statement could not be had (a kind without one).
	Statement bool
	// Outcome is how the reconciliation's run ended.
	Outcome Outcome
}

// ReconcileDay reconciles the ledger against Enkash for one day (midnight to midnight in loc):
// every item of the files received or batches sent that day is looked up again; every record
// Enkash created that day is matched to an item; and, for payouts, every statement line is
// matched to a payout (by reference, then by amount and date) with the balance check
// opening − debits + credits = closing. Running it again for the same day gives the same
// result and raises nothing twice.
func (p *Pipeline) ReconcileDay(ctx context.Context, day time.Time, loc *time.Location) (Day, error) {
	y, m, d := day.In(loc).Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, loc)
	res := Day{From: from, To: from.AddDate(0, 0, 1)}
	r, err := p.start(ctx, "reconcile --date "+from.Format("2006-01-02"), true)
	if err != nil {
		return res, err
	}
	res.RunID = r.id
	err = r.p.reconcileDay(ctx, r.id, &res)
	attention := res.Statement && !res.Balance.Ties
	if err == nil && !attention {
		open, oerr := p.ledger.Exceptions(ctx, ledger.ExceptionFilter{OpenOnly: true})
		err, attention = oerr, openExceptions(open)
	}
	res.Outcome, err = r.finish(ctx, err, attention)
	return res, err
}

func (p *Pipeline) reconcileDay(ctx context.Context, runID int64, res *Day) error {
	if err := p.injected(StepReconcile); err != nil {
		return err
	}
	for _, kf := range p.flows {
		kind, f := kf.kind, kf.flow
		items, err := p.ledger.ItemList(ctx, ledger.ItemFilter{Kind: kind, From: res.From, To: res.To,
			Statuses: append([]domain.Status{domain.StatusSuccess, domain.StatusFailed, domain.StatusReversed}, openStatuses...)})
		if err != nil {
			return err
		}
		if err := p.reconcileItems(ctx, runID, kind, f, items, res.From, res.To); err != nil {
			return stopFor(fmt.Errorf("reconcile %s of %s: %w", kind, res.From.Format("02-01-2006"), err))
		}
		sf, ok := f.(statementFlow)
		if !ok {
			continue
		}
		// Read the items again: the lookups above may have moved them.
		paid, err := p.ledger.ItemList(ctx, ledger.ItemFilter{Kind: kind, From: res.From, To: res.To,
			Statuses: []domain.Status{domain.StatusSuccess, domain.StatusReversed}})
		if err != nil {
			return err
		}
		lines, err := sf.statement(ctx, res.From, res.To)
		if err != nil {
			return stopFor(fmt.Errorf("statement of %s: %w", res.From.Format("02-01-2006"), err))
		}
		matches, excs, check := matchStatement(lines, paid, p.cfg.MatchTolerance)
		if now := p.cfg.Now(); !now.Before(res.From) && now.Before(res.To) {
			// The day is today: Enkash's balance now is the day's closing balance so far.
			if check.Reported, err = sf.balance(ctx); err != nil {
				return stopFor(fmt.Errorf("balance: %w", err))
			}
			if check.Lines == 0 {
				check.Opening, check.Closing = check.Reported, check.Reported
			}
			check.Ties = check.Closing == check.Reported
		}
		res.Statement, res.Matches, res.Balance = true, append(res.Matches, matches...), check
		if err := p.ledger.Apply(ctx, runID, ledger.Changes{Exceptions: excs}); err != nil {
			return err
		}
	}
	files, err := p.ledger.FileSummaries(ctx, ledger.FileFilter{From: res.From, To: res.To})
	if err != nil {
		return err
	}
	res.Files = files
	return p.resolveCorrected(ctx, files)
}

// resolveCorrected closes the rejected_row exception of every rejected row of files that a
// later file of them corrected and sent again (ledger.Corrections): what it asked for, fixing
// the row and dropping it again, is done; the correcting row has exceptions of its own if it
// needs any. It runs again harmlessly: a closed exception is not open any more.
func (p *Pipeline) resolveCorrected(ctx context.Context, files []domain.FileSummary) error {
	ids := make([]int64, len(files))
	names := make([]string, len(files))
	for i, f := range files {
		ids[i], names[i] = f.ID, f.Name
	}
	corrections, err := p.ledger.Corrections(ctx, ids)
	if err != nil || len(corrections) == 0 {
		return err
	}
	open, err := p.ledger.Exceptions(ctx, ledger.ExceptionFilter{OpenOnly: true, Files: names})
	if err != nil {
		return err
	}
	type place struct {
		file string
		line int
		ref  string
	}
	byPlace := map[place]domain.Correction{}
	for _, c := range corrections {
		byPlace[place{c.File, c.Line, c.Reference}] = c
	}
	for _, e := range open {
		c, ok := byPlace[place{e.File, e.Line, e.Reference}]
		if !ok || e.Category != domain.CategoryRejectedRow || e.ResolvedAt != nil {
			continue
		}
		what := "line"
		if strings.EqualFold(filepath.Ext(c.ByFile), ".xlsx") {
			what = "row"
		}
		note := fmt.Sprintf("corrected and re-sent: %s %d of %s (%s)", what, c.ByLine, c.ByFile, c.ByStatus)
		if err := p.ledger.ResolveException(ctx, e.ID, "batch", note); err != nil && !errors.Is(err, ledger.ErrAlreadyResolved) {
			return err
		}
	}
	return nil
}

// statementFlow is a flow whose money moves through an account with a statement.
type statementFlow interface {
	statement(ctx context.Context, from, to time.Time) ([]enkash.StatementLine, error)
	balance(ctx context.Context) (domain.Paise, error)
}

func (f payoutFlow) statement(ctx context.Context, from, to time.Time) ([]enkash.StatementLine, error) {
	return f.c.Payouts.Statement(ctx, from, to)
}

func (f payoutFlow) balance(ctx context.Context) (domain.Paise, error) {
	return f.c.Payouts.Balance(ctx)
}

// DayBook is the day's workbook as written.
type DayBook struct {
	Path  string   // the XLSX
	Twins []string // its CSV and JSON twins
	// Exceptions are the ones the workbook lists: those about the day's files or raised by its
	// runs, and every exception still open.
	Exceptions []domain.Exception
	Open       int
}

// WriteDay writes the accountant's workbook of a reconciled day, with its CSV and JSON twins,
// to reports/daily-<date>.xlsx.
func (p *Pipeline) WriteDay(ctx context.Context, day Day, loc *time.Location) (DayBook, error) {
	names := make([]string, len(day.Files))
	ids := make([]int64, len(day.Files))
	for i, f := range day.Files {
		names[i], ids[i] = f.Name, f.ID
	}
	summaries := domain.TallyByKind(day.Files)
	runs, err := p.ledger.Runs(ctx, day.From, day.To)
	if err != nil {
		return DayBook{}, err
	}
	all, err := p.ledger.Exceptions(ctx, ledger.ExceptionFilter{RunID: day.RunID, Files: names})
	if err != nil {
		return DayBook{}, err
	}
	open, err := p.ledger.Exceptions(ctx, ledger.ExceptionFilter{OpenOnly: true})
	if err != nil {
		return DayBook{}, err
	}
	book := DayBook{Exceptions: mergeExceptions(open, all)}
	for _, e := range book.Exceptions {
		if e.ResolvedAt == nil {
			book.Open++
		}
	}
	audit := make([]report.AuditRun, len(runs))
	for i, r := range runs {
		audit[i] = report.AuditRun{ID: r.ID, Command: r.Command, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, Outcome: r.Outcome,
			Files: r.Files, Items: r.Items, Exceptions: r.Exceptions, Detail: r.Detail}
	}
	// Every approval request, approval, rejection and voiding of the day, with who and when.
	approvals, err := p.ledger.ApprovalEvents(ctx, day.From, day.To)
	if err != nil {
		return DayBook{}, err
	}
	for _, e := range approvals {
		detail := fmt.Sprintf("%s %s (%s, approval request %d): %d rows, ₹%s, content hash %.16s", e.Action, e.File, e.Kind, e.ApprovalID, e.Rows, e.Paise.Rupees(), e.SHA256)
		if e.Note != "" {
			detail += "; " + e.Note
		}
		audit = append(audit, report.AuditRun{ID: e.RunID, Command: "approval " + e.Action + " by " + e.Actor, StartedAt: e.At, FinishedAt: e.At,
			Outcome: e.Action, Files: 1, Items: e.Rows, Detail: detail})
	}
	check := report.StatementCheck{Checked: day.Statement, Opening: day.Balance.Opening, Debits: day.Balance.Debits,
		Credits: day.Balance.Credits, DebitLines: day.Balance.DebitLines, CreditLines: day.Balance.CreditLines, Balance: day.Balance.Reported, MatchedLines: len(day.Matches), UnmatchedLines: day.Balance.Lines - len(day.Matches)}
	corrections, err := p.ledger.Corrections(ctx, ids)
	if err != nil {
		return DayBook{}, err
	}
	items := p.ledger.Items(ctx, ledger.ItemFilter{FileIDs: ids})
	if len(ids) == 0 {
		items = func(func(domain.Item, error) bool) {}
	}
	book.Path = filepath.Join(p.cfg.Home, dirReports, "daily-"+day.From.Format("2006-01-02")+".xlsx")
	err = report.WriteDailyWorkbook(book.Path, report.Daily{
		Date: day.From, Location: loc, Sandbox: p.cfg.Sandbox, Endpoint: p.cfg.Endpoint, GeneratedAt: p.cfg.Now(),
		Kinds: summaries, Files: day.Files, Statement: check,
		Exceptions: func(yield func(report.ExceptionRow, error) bool) {
			for _, e := range book.Exceptions {
				if !yield(report.ExceptionRow{Exception: e}, nil) {
					return
				}
			}
		},
		Matched: func(yield func(report.MatchRow, error) bool) {
			for _, m := range day.Matches {
				row := report.MatchRow{Kind: m.Kind, Reference: m.Reference, File: m.File, Amount: m.Amount, LineID: m.LineRef,
					LineDate: m.LineDate, LineType: m.Type, LineAmount: m.Amount, Remarks: m.Remarks, Basis: m.Basis}
				if !yield(row, nil) {
					return
				}
			}
		},
		Items:       items,
		Runs:        audit,
		Corrections: corrections,
	})
	if err != nil {
		return book, err
	}
	twins := report.DailyPaths(book.Path)
	book.Twins = []string{twins.Summary, twins.Exceptions, twins.Matched, twins.Items}
	return book, nil
}

// mergeExceptions lists, once each, the exceptions still open (first, as the ledger orders
// them) and those about the day.
func mergeExceptions(open, ofDay []domain.Exception) []domain.Exception {
	seen := map[int64]bool{}
	out := make([]domain.Exception, 0, len(open)+len(ofDay))
	for _, e := range open {
		seen[e.ID] = true
		out = append(out, e)
	}
	for _, e := range ofDay {
		if !seen[e.ID] {
			seen[e.ID] = true
			out = append(out, e)
		}
	}
	return out
}
