package jobs

import (
	"context"
	"fmt"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/ledger"
)

// statementTolerance is how far apart in time a statement debit without our reference and a
// payout of the same amount may be and still be matched.
const statementTolerance = 24 * time.Hour

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
}

// ReconcileDay reconciles the ledger against Enkash for one day (midnight to midnight in loc):
// every item of the files received or batches sent that day is looked up again; every record
// Enkash created that day is matched to an item; and, for payouts, every statement line is
// matched to a payout (by reference, then by amount and date) with the balance check
// opening − debits + credits = closing. Running it again for the same day gives the same
// result and raises nothing twice.
func (p *Pipeline) ReconcileDay(ctx context.Context, day time.Time, loc *time.Location) (Day, error) {
	unlock, err := lockHome(p.cfg.Home)
	if err != nil {
		return Day{}, err
	}
	defer unlock()
	y, m, d := day.In(loc).Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, loc)
	res := Day{From: from, To: from.AddDate(0, 0, 1)}
	runID, err := p.ledger.StartRun(ctx, "reconcile --date "+from.Format("2006-01-02"), p.cfg.Sandbox)
	if err != nil {
		return res, err
	}
	res.RunID = runID
	err = p.reconcileDay(ctx, runID, &res)
	outcome, detail := "ok", ""
	if err != nil {
		outcome, detail = "failed", err.Error()
	}
	if ferr := p.ledger.FinishRun(context.WithoutCancel(ctx), runID, outcome, detail); ferr != nil && err == nil {
		err = ferr
	}
	return res, err
}

func (p *Pipeline) reconcileDay(ctx context.Context, runID int64, res *Day) error {
	for _, kind := range domain.Kinds {
		f, err := p.flow(kind)
		if err != nil {
			return err
		}
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
		matches, excs, check := matchStatement(lines, paid, statementTolerance)
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
