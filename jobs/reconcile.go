package jobs

import (
	"context"
	"fmt"
	"time"

	"enkashbatch/domain"
	"enkashbatch/ledger"
)

// reconcileWindow is how far back Reconcile looks for records Enkash has that no file of ours
// asked for.
const reconcileWindow = 48 * time.Hour

// Reconcile compares what the ledger says was sent against what Enkash says happened: every
// item this run touched and every item still open is looked up once more, and every record
// Enkash created in the recent window is matched to an item. It raises missing_at_provider,
// stuck_pending and unknown_at_provider here, and, through observe, every category that an
// Enkash answer can raise. Running it again raises nothing new.
func (p *Pipeline) Reconcile(ctx context.Context, runID int64) error {
	for _, kf := range p.flows {
		kind, f := kf.kind, kf.flow
		if err := p.reconcileKind(ctx, runID, kind, f); err != nil {
			return stopFor(fmt.Errorf("reconcile %s: %w", kind, err))
		}
	}
	return nil
}

func (p *Pipeline) reconcileKind(ctx context.Context, runID int64, kind domain.Kind, f flow) error {
	touched, err := p.ledger.ItemList(ctx, ledger.ItemFilter{Kind: kind, ChangedInRun: runID,
		Statuses: []domain.Status{domain.StatusSuccess, domain.StatusFailed, domain.StatusReversed}})
	if err != nil {
		return err
	}
	open, err := p.ledger.ItemList(ctx, ledger.ItemFilter{Kind: kind, Statuses: openStatuses})
	if err != nil {
		return err
	}
	now := p.cfg.Now()
	return p.reconcileItems(ctx, runID, kind, f, append(open, touched...), now.Add(-reconcileWindow), now.Add(time.Minute))
}

// reconcileItems looks items up at Enkash once more, records what changed, raises
// missing_at_provider for what Enkash no longer has and stuck_pending for what is still open,
// and raises unknown_at_provider for every record Enkash created between from and to that no
// item of ours carries.
func (p *Pipeline) reconcileItems(ctx context.Context, runID int64, kind domain.Kind, f flow, items []domain.Item, from, to time.Time) error {
	missing, err := p.observeAll(ctx, runID, f, items, "reconciliation")
	if err != nil {
		return err
	}
	var c ledger.Changes
	gone := map[int64]bool{}
	for _, it := range missing {
		gone[it.ID] = true
		if it.Status == domain.StatusFailed && it.Provider.ProviderID == "" {
			continue // refused before Enkash gave it an id (a bulk row in failureRequests): no record is expected
		}
		if it.Provider.ProviderID == "" && it.Status == domain.StatusUnknown {
			// Never acknowledged: Submit resolves it (and sends it again) on the next run.
			c.Exceptions = append(c.Exceptions, raiseFor(it, domain.CategoryMissingAtProvider, "a record at Enkash", "none",
				"the call that carried it had no clear answer and Enkash has no record of it: it will be sent again, with the same reference, by the next run"))
			continue
		}
		c.Exceptions = append(c.Exceptions, raiseFor(it, domain.CategoryMissingAtProvider, "a record at Enkash", "none",
			"Enkash acknowledged this item ("+it.Provider.ProviderID+") but no longer has a record of it: ask Enkash support before paying it again"))
	}
	// Items still open now waited the whole poll deadline.
	still, err := p.ledger.ItemList(ctx, ledger.ItemFilter{Kind: kind, Statuses: []domain.Status{domain.StatusSubmitted, domain.StatusPending, domain.StatusProcessing}})
	if err != nil {
		return err
	}
	for _, it := range still {
		if gone[it.ID] {
			continue
		}
		c.Exceptions = append(c.Exceptions, raiseFor(it, domain.CategoryStuckPending, "a final status", it.Provider.Status,
			fmt.Sprintf("not final after the poll deadline (%s); the next run keeps following it", p.cfg.PollDeadline)))
	}
	unknown, err := p.unknownAtProvider(ctx, kind, f, from, to)
	if err != nil {
		return err
	}
	c.Exceptions = append(c.Exceptions, unknown...)
	return p.ledger.Apply(ctx, runID, c)
}

// unknownAtProvider raises an exception for every record Enkash created between from and to
// that no item of ours carries.
func (p *Pipeline) unknownAtProvider(ctx context.Context, kind domain.Kind, f flow, from, to time.Time) ([]domain.Exception, error) {
	recs, err := f.window(ctx, from, to)
	if err != nil {
		return nil, err
	}
	refs := make([]string, len(recs))
	for i, r := range recs {
		refs[i] = r.Reference
	}
	known, err := p.ledger.KnownReferences(ctx, kind, refs)
	if err != nil {
		return nil, err
	}
	var excs []domain.Exception
	for _, r := range recs {
		if known[r.Reference] {
			continue
		}
		excs = append(excs, domain.Exception{Category: domain.CategoryUnknownAtProvider, Kind: kind, Reference: r.Reference,
			Expected: "no record", Actual: r.State.Status + " ₹" + r.State.Amount.Rupees(),
			Detail: fmt.Sprintf("Enkash has a %s %s record of %s (%s) that no file of ours contains", r.State.Status, kind, r.State.Amount.Money(), r.State.ProviderID)})
	}
	return excs, nil
}
