package jobs

import (
	"context"
	"fmt"

	"enkashbatch/domain"
)

// The checker of a bill's debit at Enkash (Config.BillsChecker).
const (
	// BillsCheckerBatch: the processor confirms the debit (CHECKER_APPROVED) of the bills
	// approved here, at once.
	BillsCheckerBatch = "batch"
	// BillsCheckerEnkash: the checker step is left to Enkash's portal; the bills stay
	// MAKER_APPROVAL_PENDING and are followed until someone approves them there.
	BillsCheckerEnkash = "enkash"
)

// balanceCovers is the pre-flight check before sending kind: for a flow whose money leaves an
// account with a balance (payouts), Enkash's balance less what is in flight (sent, not yet
// final, so not yet debited) must cover everything about to be sent. If it does not, nothing is
// sent (never part of it) and an insufficient_balance exception says how much is needed and how
// much is there; a later run sends it once the balance allows, and the exception resolves itself.
func (p *Pipeline) balanceCovers(ctx context.Context, runID int64, kind domain.Kind, f flow) (bool, error) {
	sf, ok := f.(statementFlow)
	if !p.cfg.BalanceCheck || !ok {
		return true, nil
	}
	need, err := p.ledger.Claimable(ctx, kind, p.cfg.Approval.Requires(kind))
	if err != nil || need.Count == 0 {
		return true, err
	}
	flight, err := p.ledger.InFlight(ctx, kind)
	if err != nil {
		return false, err
	}
	balance, err := sf.balance(ctx)
	if err != nil {
		return false, err
	}
	free := balance - flight.Paise
	exc := domain.Exception{Category: domain.CategoryInsufficientBalance, Kind: kind, Reference: "balance",
		Expected: "balance covering the approved " + string(kind), Actual: "balance short"}
	if free >= need.Paise {
		p.log.Info("balance covers what is to be sent", "kind", kind, "needed", need.Paise.Rupees(), "balance", balance.Rupees(), "in_flight", flight.Paise.Rupees())
		return true, p.ledger.RaiseOrSettle(ctx, runID, exc, false,
			fmt.Sprintf("the balance (₹%s, of which ₹%s in flight) now covers the %d held %s (₹%s): sent", balance.Rupees(), flight.Paise.Rupees(), need.Count, kind, need.Paise.Rupees()))
	}
	exc.Detail = fmt.Sprintf("%d approved %s totalling ₹%s are held, none sent: Enkash's balance is ₹%s, of which ₹%s is in flight (%d items sent, not yet final), leaving ₹%s; ₹%s more is needed",
		need.Count, kind, need.Paise.Rupees(), balance.Rupees(), flight.Paise.Rupees(), flight.Count, free.Rupees(), (need.Paise - free).Rupees())
	p.log.Warn("held: the balance does not cover what is to be sent", "kind", kind, "needed", need.Paise.Rupees(), "balance", balance.Rupees(), "in_flight", flight.Paise.Rupees())
	return false, p.ledger.RaiseOrSettle(ctx, runID, exc, true, "")
}
