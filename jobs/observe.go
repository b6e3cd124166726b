package jobs

import (
	"fmt"

	"enkashbatch/domain"
	"enkashbatch/ledger"
)

// observe turns what Enkash says of one item into the item's update and the exceptions that
// what it says raises. Submit, poll and reconcile all judge Enkash's answers here, so an answer
// means the same whichever step hears it.
func observe(it domain.Item, rec record, detail string) (ledger.ItemUpdate, []domain.Exception) {
	next := rec.Status
	if next == domain.StatusUnknown {
		// A status word we do not know is not a final state: keep following the item.
		next = domain.StatusProcessing
	}
	state := rec.State
	upd := ledger.ItemUpdate{ItemID: it.ID, Status: next, Provider: &state, Detail: detail}
	var excs []domain.Exception
	switch {
	case it.Status == domain.StatusSuccess && next == domain.StatusReversed:
		excs = append(excs, raiseFor(it, domain.CategoryStatusMismatch, "SUCCESS", rec.State.Status,
			"Enkash reversed this payout after reporting it successful: the money came back from the bank"))
	case it.Status.Final() && it.Status != next:
		excs = append(excs, raiseFor(it, domain.CategoryStatusMismatch, string(it.Status), rec.State.Status,
			fmt.Sprintf("we recorded %s, Enkash now says %s", it.Status, rec.State.Status)))
	}
	// A final status contradicted is one exception, status_mismatch, whatever the new status:
	// a bill paid and then refunded is not also raised as a failure.
	contradicted := len(excs) > 0
	if next == domain.StatusFailed {
		reason := rec.State.Reason
		if reason == "" {
			reason = "no reason given"
		}
		var exc domain.Exception
		if rec.Refused {
			upd.ReleaseReference = true
			upd.Reason = "Enkash refused it: " + reason
			exc = raiseFor(it, domain.CategoryProviderRejected, "accepted", rec.State.Status, upd.Reason)
		} else {
			upd.Reason = "failed at the bank: " + reason
			exc = raiseFor(it, domain.CategoryProviderFailed, "SUCCESS", rec.State.Status, upd.Reason)
		}
		if contradicted {
			excs[0].Detail += "; " + upd.Reason
		} else {
			excs = append(excs, exc)
		}
	}
	if rec.State.Amount != 0 && rec.State.Amount != it.Amount {
		excs = append(excs, raiseFor(it, domain.CategoryAmountMismatch, it.Amount.Rupees(), rec.State.Amount.Rupees(),
			fmt.Sprintf("Enkash recorded ₹%s where the file said ₹%s", rec.State.Amount.Rupees(), it.Amount.Rupees())))
	}
	return upd, excs
}

// raiseFor builds an exception about an item.
func raiseFor(it domain.Item, c domain.Category, expected, actual, detail string) domain.Exception {
	return domain.Exception{Category: c, Kind: it.Kind, File: it.File, Line: it.Line, Reference: it.Reference,
		Expected: expected, Actual: actual, Detail: detail}
}
