package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/ledger"
)

// maxSendRounds bounds how often one Submit sends items that an ambiguous failure left in
// doubt and Enkash then proved it never received.
const maxSendRounds = 3

// Submit sends every valid item to Enkash in batches, with at most Config.Concurrency calls in
// flight. The intent to send each batch is committed to the ledger before its call. Items left
// in doubt (by a crash or an ambiguous failure) are resolved first by asking Enkash, never by
// sending blindly: only an item Enkash provably has no record of is sent again, with the same
// reference.
func (p *Pipeline) Submit(ctx context.Context, runID int64) error {
	for _, kf := range p.flows {
		kind, f := kf.kind, kf.flow
		if err := p.prepareApproved(ctx, runID, kind); err != nil {
			return stopFor(fmt.Errorf("check %s approvals: %w", kind, err))
		}
		for round := 1; ; round++ {
			if err := p.resolveInDoubt(ctx, runID, kind, f); err != nil {
				return stopFor(fmt.Errorf("resolve %s items in doubt: %w", kind, err))
			}
			covered, err := p.balanceCovers(ctx, runID, kind, f)
			if err != nil {
				return stopFor(fmt.Errorf("check the balance before sending %s: %w", kind, err))
			}
			if !covered {
				break
			}
			sent, err := p.sendAll(ctx, runID, kind, f)
			if err != nil {
				return stopFor(fmt.Errorf("submit %s: %w", kind, err))
			}
			if sent == 0 || round == maxSendRounds {
				break
			}
		}
		if err := p.resolveInDoubt(ctx, runID, kind, f); err != nil {
			return stopFor(fmt.Errorf("resolve %s items in doubt: %w", kind, err))
		}
	}
	return nil
}

// sendAll claims and sends batches until no valid item of kind is left, and returns how many
// items it sent.
func (p *Pipeline) sendAll(ctx context.Context, runID int64, kind domain.Kind, f flow) (int, error) {
	var sent atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	// Enkash's answers are recorded on goroutines of their own, so that a worker claims and
	// sends its next batch while the ledger records the last answer; at most one recording per
	// worker waits at a time. An answer not yet recorded when the process dies is found again
	// by resolveInDoubt: the batch's intent was committed before its call.
	var records errgroup.Group
	records.SetLimit(p.cfg.Concurrency)
	var recordErr atomic.Pointer[error]
	for range p.cfg.Concurrency {
		g.Go(func() error {
			claim := func() claimed {
				if gctx.Err() != nil {
					return claimed{}
				}
				b, items, err := p.ledger.ClaimBatchOf(gctx, runID, kind, p.cfg.BatchSize, p.cfg.Approval.Requires(kind), p.batchName)
				return claimed{b, items, err}
			}
			cur := claim()
			for cur.err == nil && len(cur.items) > 0 {
				// A call in flight is let finish (or time out) when the run is asked to stop,
				// so that its answer is recorded; no new batch is sent after that.
				wctx := context.WithoutCancel(gctx)
				if err := gctx.Err(); err != nil {
					return errors.Join(err, p.release(wctx, runID, cur))
				}
				if e := recordErr.Load(); e != nil {
					return errors.Join(*e, p.release(wctx, runID, cur))
				}
				sent.Add(int64(len(cur.items)))
				// The next batch is claimed while this one's call is in flight, so that the
				// ledger's share of the work stays off the calls' path.
				next := make(chan claimed, 1)
				go func() { next <- claim() }()
				c, stop := p.callBatch(wctx, f, cur.batch, cur.items)
				following := <-next
				if stop != nil {
					// Neither this batch nor the one claimed meanwhile reached Enkash.
					return errors.Join(stop, p.record(wctx, runID, c), p.release(wctx, runID, following))
				}
				records.Go(func() error {
					err := p.record(wctx, runID, c)
					if err != nil {
						recordErr.CompareAndSwap(nil, &err)
					}
					return err
				})
				cur = following
			}
			if cur.err != nil {
				return cur.err
			}
			return gctx.Err()
		})
	}
	err := errors.Join(g.Wait(), records.Wait())
	return int(sent.Load()), err
}

// claimed is a batch whose intent to send is committed.
type claimed struct {
	batch ledger.Batch
	items []domain.Item
	err   error
}

// release gives back a claimed batch that was never sent: its items become valid again, to be
// sent by the next run.
func (p *Pipeline) release(ctx context.Context, runID int64, c claimed) error {
	if c.err != nil || len(c.items) == 0 {
		return nil
	}
	return p.ledger.Apply(ctx, runID, setAll(c.items, c.batch.ID, ledger.BatchUnsent, domain.StatusValid, "claimed, but the run stopped before sending it"))
}

// record writes what a call's answer taught.
func (p *Pipeline) record(ctx context.Context, runID int64, c ledger.Changes) error {
	if err := p.ledger.Apply(ctx, runID, c); err != nil {
		return err
	}
	p.checkpoint(CheckpointAfterApply)
	return nil
}

// batchName derives a batchTransactionId from the batch's references and the moment of the
// claim. It is recorded with the intent, so it never needs deriving again.
func (p *Pipeline) batchName(items []domain.Item) string {
	h := sha256.New()
	for _, it := range items {
		h.Write([]byte(it.Reference))
		h.Write([]byte{'\n'})
	}
	fmt.Fprint(h, p.cfg.Now().UnixNano())
	return "BT" + strings.ToUpper(hex.EncodeToString(h.Sum(nil))[:18])
}

// callBatch makes one create call and returns what its outcome teaches, to be recorded. It
// returns an error too when the run must stop: the call (or part of it) provably never reached
// Enkash, or Enkash refused it for a reason of configuration. Either way, the items it did not
// process go back to valid with their references kept.
func (p *Pipeline) callBatch(ctx context.Context, f flow, b ledger.Batch, items []domain.Item) (ledger.Changes, error) {
	p.checkpoint(CheckpointAfterClaim)
	start := time.Now()
	recs, err := f.send(ctx, b.ID, items)
	p.checkpoint(CheckpointAfterSend)
	var c ledger.Changes
	var stop error
	setting, config := enkash.IsConfigRefusal(err)
	switch {
	case err == nil:
		c.Batches = []ledger.BatchUpdate{{ID: b.ID, Status: ledger.BatchSubmitted}}
		for _, it := range items {
			rec, ok := recs[it.Reference]
			switch {
			case !ok:
				c.Items = append(c.Items, ledger.ItemUpdate{ItemID: it.ID, Status: domain.StatusUnknown,
					Detail: "Enkash's answer to batch " + b.ID + " did not mention it"})
			case rec.Withheld != "" && rec.Status == domain.StatusRejected:
				upd := ledger.ItemUpdate{ItemID: it.ID, Status: domain.StatusRejected, Reason: rec.Withheld, ReleaseReference: true,
					Detail: "not sent with batch " + b.ID + ": " + rec.Withheld}
				c.Items = append(c.Items, upd)
				c.Exceptions = append(c.Exceptions, raiseFor(it, domain.CategoryRejectedRow, "a customer created by us", "none", rec.Withheld))
			case rec.Withheld != "":
				// Held, not valid: nothing claims it again until the hold is released.
				c.Items = append(c.Items, ledger.ItemUpdate{ItemID: it.ID, Status: domain.StatusHeld, Reason: rec.Withheld,
					Detail: "not sent with batch " + b.ID + ": " + rec.Withheld})
			case rec.NotSent:
				c.Items = append(c.Items, ledger.ItemUpdate{ItemID: it.ID, Status: domain.StatusValid,
					Detail: "not sent: Enkash went out of reach before its call"})
			case rec.ConfigRefusal != "":
				c.Items = append(c.Items, ledger.ItemUpdate{ItemID: it.ID, Status: domain.StatusValid,
					Detail: "not processed: Enkash refused it for a reason of configuration (" + rec.State.Reason + "); sent again once " + rec.ConfigRefusal + " is fixed"})
				if stop == nil {
					ep := "POST " + enkash.PathBatchTransfer
					stop = &enkash.ConfigRefusal{Endpoint: ep, Setting: rec.ConfigRefusal, API: &enkash.APIError{Endpoint: ep, HTTPStatus: http.StatusOK,
						Message: fmt.Sprintf("batch %s: transfer %s refused: %s", b.ID, it.Reference, rec.State.Reason)}}
				}
			case rec.Duplicate:
				c.Items = append(c.Items, duplicateAnswer(it, b.ID, rec.State.Reason))
			default:
				upd, excs := observe(it, rec, "Enkash answered batch "+b.ID)
				c.Items = append(c.Items, upd)
				c.Exceptions = append(c.Exceptions, excs...)
			}
		}
		p.log.Info("batch sent", "batch", b.ID, "kind", b.Kind, "items", len(items), "amount", b.Amount.Rupees(), "took", time.Since(start).Round(time.Millisecond))
	case config:
		// Nothing of the call was processed: the items keep their references and wait for
		// the setting to be fixed; no row is marked failed for it.
		stop = err
		c = setAll(items, b.ID, ledger.BatchUnsent, domain.StatusValid, "not processed: Enkash refused the call for a reason of configuration (check "+setting+"): "+err.Error())
	case neverSent(err):
		stop = err
		c = setAll(items, b.ID, ledger.BatchUnsent, domain.StatusValid, "not sent: "+err.Error())
	case enkash.IsDuplicate(err):
		// Enkash already holds what this call names (the batch or its transactions): every
		// item is looked up and adopted only if provably ours.
		c.Batches = []ledger.BatchUpdate{{ID: b.ID, Status: ledger.BatchUnknown, Detail: "Enkash answered: already exists: " + err.Error()}}
		for _, it := range items {
			c.Items = append(c.Items, duplicateAnswer(it, b.ID, err.Error()))
		}
	case enkash.IsRejected(err):
		c = setAll(items, b.ID, ledger.BatchRefused, domain.StatusFailed, "Enkash refused the whole batch: "+err.Error())
		for i := range c.Items {
			c.Items[i].ReleaseReference = true
			c.Items[i].Reason = "Enkash refused the batch: " + err.Error()
			c.Exceptions = append(c.Exceptions, raiseFor(items[i], domain.CategoryProviderRejected, "accepted", "refused", c.Items[i].Reason))
		}
	default:
		// Ambiguous: Enkash may or may not have the batch. Ask it before anything else.
		c = setAll(items, b.ID, ledger.BatchUnknown, domain.StatusUnknown, "outcome not known: "+err.Error())
		p.log.Warn("batch outcome unknown; it will be looked up before anything is sent again", "batch", b.ID, "err", err)
	}
	return c, stop
}

// duplicateAnswer records Enkash's answer that it already holds a record under an item's
// reference: the item keeps its reference and is looked up before anything else; it takes the
// record's state only if the record is provably ours (see provablyOurs).
func duplicateAnswer(it domain.Item, batchID, answer string) ledger.ItemUpdate {
	return ledger.ItemUpdate{ItemID: it.ID, Status: domain.StatusUnknown,
		Provider: &domain.ProviderState{BatchID: batchID, Status: alreadyExists, Reason: answer},
		Detail:   "Enkash answered that it already holds reference " + it.Reference + " (" + answer + "): looked up, adopted only if provably ours"}
}

// neverSent reports whether err proves the call never reached Enkash: no connection, no token,
// or the credentials refused.
func neverSent(err error) bool {
	if enkash.IsAmbiguous(err) {
		return false
	}
	return errors.Is(err, enkash.ErrAuthRejected) || errors.Is(err, enkash.ErrUnreachable) || enkash.IsUnreachable(err)
}

// setAll moves every item of a batch to one status.
func setAll(items []domain.Item, batchID, batchStatus string, status domain.Status, detail string) ledger.Changes {
	c := ledger.Changes{Batches: []ledger.BatchUpdate{{ID: batchID, Status: batchStatus, Detail: detail}}}
	for _, it := range items {
		c.Items = append(c.Items, ledger.ItemUpdate{ItemID: it.ID, Status: status, Detail: detail})
	}
	return c
}

// resolveInDoubt asks Enkash about every item whose create call's outcome is not known. An
// item Enkash has takes Enkash's state; an item Enkash has no record of, once the resend grace
// has passed since the call, becomes valid again, to be sent with the same reference.
func (p *Pipeline) resolveInDoubt(ctx context.Context, runID int64, kind domain.Kind, f flow) error {
	items, err := p.ledger.ItemList(ctx, ledger.ItemFilter{Kind: kind, Statuses: []domain.Status{domain.StatusSubmitting, domain.StatusUnknown}})
	if err != nil || len(items) == 0 {
		return err
	}
	recs, err := f.lookup(ctx, references(items))
	if err != nil {
		return err
	}
	intents, err := p.intentsFor(ctx, items, recs)
	if err != nil {
		return err
	}
	var c ledger.Changes
	batches := map[string]string{}
	now := p.cfg.Now()
	for _, it := range items {
		if rec, ok := recs[it.Reference]; ok {
			upd, excs := judge(it, rec, intents, "found at Enkash after an unknown outcome")
			c.Items = append(c.Items, upd)
			c.Exceptions = append(c.Exceptions, excs...)
			batches[it.Provider.BatchID] = ledger.BatchSubmitted
			continue
		}
		if now.Sub(it.UpdatedAt) < p.cfg.ResendGrace {
			continue
		}
		if it.Provider.Status == alreadyExists {
			// Enkash said it holds this reference, and a search finds nothing: nothing proves
			// the record ours, and sending again would only be refused again.
			upd, exc := hold(it, nil, "Enkash answered that it already holds the reference, but a search by it finds no record",
				"searched after an \"already exists\" answer: nothing found")
			c.Items = append(c.Items, upd)
			c.Exceptions = append(c.Exceptions, exc)
			continue
		}
		c.Items = append(c.Items, ledger.ItemUpdate{ItemID: it.ID, Status: domain.StatusValid,
			Detail: "Enkash has no record of it: it will be sent again with the same reference"})
		if _, seen := batches[it.Provider.BatchID]; !seen {
			batches[it.Provider.BatchID] = ledger.BatchUnsent
		}
	}
	for id, st := range batches {
		c.Batches = append(c.Batches, ledger.BatchUpdate{ID: id, Status: st, Detail: "resolved by search"})
	}
	p.log.Info("resolved items in doubt", "kind", kind, "items", len(items), "found", len(recs))
	return p.ledger.Apply(ctx, runID, c)
}

func references(items []domain.Item) []string {
	refs := make([]string, len(items))
	for i, it := range items {
		refs[i] = it.Reference
	}
	return refs
}
