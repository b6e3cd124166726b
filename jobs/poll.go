package jobs

import (
	"context"
	"fmt"
	"time"

	"enkashbatch/domain"
	"enkashbatch/ledger"
)

// openStatuses are the states of items Enkash has (or may have) and that are not final yet.
var openStatuses = []domain.Status{domain.StatusSubmitted, domain.StatusPending, domain.StatusProcessing, domain.StatusUnknown}

// Poll asks Enkash for the state of every open item until all are final or the poll deadline
// passes. Items that became successful in this run are watched too while others are still
// open, so that a reversal shows up in the same run.
func (p *Pipeline) Poll(ctx context.Context, runID int64) error {
	deadline := p.cfg.Now().Add(p.cfg.PollDeadline)
	for _, kf := range p.flows {
		kind, f := kf.kind, kf.flow
		for polls := 1; ; polls++ {
			open, err := p.ledger.ItemList(ctx, ledger.ItemFilter{Kind: kind, Statuses: openStatuses})
			if err != nil {
				return err
			}
			if len(open) == 0 {
				break
			}
			done, err := p.ledger.ItemList(ctx, ledger.ItemFilter{Kind: kind, Statuses: []domain.Status{domain.StatusSuccess}, ChangedInRun: runID})
			if err != nil {
				return err
			}
			if _, err := p.observeAll(ctx, runID, f, append(open, done...), fmt.Sprintf("poll %d", polls)); err != nil {
				return stopFor(fmt.Errorf("poll %s: %w", kind, err))
			}
			p.log.Info("polled", "kind", kind, "poll", polls, "open", len(open))
			if !p.cfg.Now().Before(deadline) {
				break
			}
			select {
			case <-ctx.Done():
				return stopFor(ctx.Err())
			case <-time.After(p.cfg.PollInterval):
			}
		}
	}
	return nil
}

// observeAll looks items up at Enkash and records whatever changed. It returns the items
// Enkash has no record of.
func (p *Pipeline) observeAll(ctx context.Context, runID int64, f flow, items []domain.Item, detail string) ([]domain.Item, error) {
	if len(items) == 0 {
		return nil, nil
	}
	recs, err := f.lookup(ctx, references(items))
	if err != nil {
		return nil, err
	}
	var c ledger.Changes
	var missing []domain.Item
	for _, it := range items {
		rec, ok := recs[it.Reference]
		if !ok {
			missing = append(missing, it)
			continue
		}
		if rec.Status == it.Status && sameState(rec.State, it.Provider) {
			continue
		}
		upd, excs := observe(it, rec, detail)
		c.Items = append(c.Items, upd)
		c.Exceptions = append(c.Exceptions, excs...)
	}
	return missing, p.ledger.Apply(ctx, runID, c)
}

// sameState reports whether Enkash's latest word on an item adds nothing to what we hold.
func sameState(latest, held domain.ProviderState) bool {
	latest.BatchID = held.BatchID // a search may not repeat the batch id
	return latest == held
}
