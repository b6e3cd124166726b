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

// Poll asks Enkash for the state of every open item, of every kind in each round, until all
// are final or the poll deadline passes. Items that became successful in this run are watched
// too while others of their kind are still open, so that a reversal shows up in the same run.
func (p *Pipeline) Poll(ctx context.Context, runID int64) error {
	deadline := p.cfg.Now().Add(p.cfg.PollDeadline)
	for polls := 1; ; polls++ {
		open := 0
		for _, kf := range p.flows {
			n, err := p.pollKind(ctx, runID, kf, polls)
			if err != nil {
				return stopFor(fmt.Errorf("poll %s: %w", kf.kind, err))
			}
			open += n
		}
		if open == 0 || !p.cfg.Now().Before(deadline) {
			return nil
		}
		select {
		case <-ctx.Done():
			return stopFor(ctx.Err())
		case <-time.After(p.cfg.PollInterval):
		}
	}
}

// pollKind looks up the open items of one kind once and returns how many were open.
func (p *Pipeline) pollKind(ctx context.Context, runID int64, kf kindFlow, poll int) (int, error) {
	open, err := p.ledger.ItemList(ctx, ledger.ItemFilter{Kind: kf.kind, Statuses: openStatuses})
	if err != nil || len(open) == 0 {
		return 0, err
	}
	done, err := p.ledger.ItemList(ctx, ledger.ItemFilter{Kind: kf.kind, Statuses: []domain.Status{domain.StatusSuccess}, ChangedInRun: runID})
	if err != nil {
		return 0, err
	}
	if _, err := p.observeAll(ctx, runID, kf.flow, append(open, done...), fmt.Sprintf("poll %d", poll)); err != nil {
		return 0, err
	}
	p.log.Info("polled", "kind", kf.kind, "poll", poll, "open", len(open))
	return len(open), nil
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
	intents, err := p.intentsFor(ctx, items, recs)
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
		if it.Status == domain.StatusFailed && it.Provider.Status == alreadyExists {
			continue // a reference conflict a person resolved: the record is not ours to adopt
		}
		upd, excs := judge(it, rec, intents, detail)
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
