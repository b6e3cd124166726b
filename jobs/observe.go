package jobs

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

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
	// An item whose file gave no amount (a bill paid at the biller's amount) takes Enkash's as
	// its amount: there is nothing to differ from.
	if rec.State.Amount != 0 && rec.State.Amount != it.Amount && it.Amount != 0 {
		excs = append(excs, raiseFor(it, domain.CategoryAmountMismatch, it.Amount.Rupees(), rec.State.Amount.Rupees(),
			fmt.Sprintf("Enkash recorded %s where the file said %s", rec.State.Amount.Money(), it.Amount.Money())))
	}
	return upd, excs
}

// raiseFor builds an exception about an item.
func raiseFor(it domain.Item, c domain.Category, expected, actual, detail string) domain.Exception {
	return domain.Exception{Category: c, Kind: it.Kind, File: it.File, Line: it.Line, Reference: it.Reference,
		Expected: expected, Actual: actual, Detail: detail}
}

// alreadyExists is the provider status recorded for an item Enkash answered "already exists"
// for (409 / REJECT_TXN_ID, BBPS code 38). It is our word, not Enkash's: it marks the item as
// one whose record at Enkash must be proved ours before it is adopted.
const alreadyExists = "ALREADY_EXISTS"

// needsProof reports whether a record found under an item's reference must be proved ours
// before the item takes its state: after an "already exists" answer, or when the record names
// a batch other than the item's last (it may come from a call of ours, or from someone else).
func needsProof(it domain.Item, rec record) bool {
	return it.Provider.Status == alreadyExists || (rec.State.BatchID != "" && rec.State.BatchID != it.Provider.BatchID)
}

// provablyOurs judges whether the record Enkash holds under an item's reference was created by
// a call of ours, and says why not. A record created in a batch that is not one of ours is
// never ours. After an "already exists" answer the proof is strict: the same amount, the same
// payee (for a payout, its batch is one of ours, so the transfer is the one our call carried:
// a search does not show the beneficiary), the same party wherever the record shows it (a bill's
// consumer number and biller, a customer's legal name and PAN or GSTIN: see partyMismatch), and
// created no earlier than our first intent to send it (compared to the second, the precision of
// Enkash's time stamps).
func provablyOurs(it domain.Item, rec record, in ledger.Intent, claimed bool) (bool, string) {
	mismatch := partyMismatch(it, rec)
	switch {
	case !claimed:
		return false, "no call of ours carrying it is recorded"
	case rec.State.BatchID != "" && !in.Batches[rec.State.BatchID]:
		return false, fmt.Sprintf("it was created in batch %s, which is not one of ours", rec.State.BatchID)
	case it.Provider.Status != alreadyExists:
		return true, ""
	case it.Amount == 0 && rec.State.Amount != 0 && !rec.Fetched:
		return false, fmt.Sprintf("ours is to be paid at the biller's amount (no amount in the file), and Enkash's record of %s was not made from a bill fetch",
			rec.State.Amount.Money())
	case it.Amount != 0 && rec.Fetched:
		return false, fmt.Sprintf("Enkash's record was paid at the biller's amount (%s) where ours gives %s", rec.State.Amount.Money(), it.Amount.Money())
	case it.Amount != 0 && rec.State.Amount == 0:
		return false, "Enkash's record shows no amount to compare with ours"
	case it.Amount != 0 && rec.State.Amount != it.Amount:
		return false, fmt.Sprintf("Enkash's record is of %s where ours is %s", rec.State.Amount.Money(), it.Amount.Money())
	case mismatch != "":
		return false, mismatch
	case it.Kind == domain.KindPayouts && rec.State.BatchID == "":
		return false, "Enkash's record does not show the batch that created it, so its beneficiary cannot be proved ours"
	case rec.Created.IsZero():
		return false, "Enkash's record shows no creation time"
	case rec.Created.Before(in.First.Truncate(time.Second)):
		return false, fmt.Sprintf("it was created at %s, before our first intent to send it (%s)",
			rec.Created.Format(time.RFC3339), in.First.Format(time.RFC3339))
	}
	return true, ""
}

// partyMismatch compares what Enkash's record shows of whom it is for (record.Shows) with the
// item's own facts of the same names, and says the first difference; "" when they agree or the
// record shows nothing to compare. Case, surrounding spaces and runs of spaces do not count.
func partyMismatch(it domain.Item, rec record) string {
	facts := factsOf[it.Kind]
	if len(rec.Shows) == 0 || facts == nil {
		return ""
	}
	ours := facts(it)
	names := make([]string, 0, len(rec.Shows))
	for name := range rec.Shows {
		names = append(names, name)
	}
	sort.Strings(names)
	norm := func(s string) string { return strings.ToUpper(strings.Join(strings.Fields(s), " ")) }
	for _, name := range names {
		theirs, mine := norm(rec.Shows[name]), norm(ours[name])
		if theirs != "" && theirs != mine {
			return fmt.Sprintf("Enkash's record shows %s %q where ours is %q", name, rec.Shows[name], ours[name])
		}
	}
	return ""
}

// hold holds an item whose reference Enkash holds under a record that is not provably ours:
// the item is never counted as our success, its reference is never released, and nothing
// sends it again until a person resolves the reference_conflict it raises.
func hold(it domain.Item, rec *record, why, detail string) (ledger.ItemUpdate, domain.Exception) {
	actual := "no record found by a search"
	if rec != nil {
		actual = fmt.Sprintf("a %s record of %s", firstNonEmpty(rec.State.Status, "?"), rec.State.Amount.Money())
		if rec.State.ProviderID != "" {
			actual += " (" + rec.State.ProviderID + ")"
		}
		if rec.State.BatchID != "" {
			actual += " in batch " + rec.State.BatchID
		}
		if !rec.Created.IsZero() {
			actual += ", created " + rec.Created.Format(time.RFC3339)
		}
	}
	reason := fmt.Sprintf("reference conflict: Enkash already holds a record under reference %s that is not provably ours (%s); "+
		"the row is held and the reference blocked until a person resolves it", it.Reference, why)
	upd := ledger.ItemUpdate{ItemID: it.ID, Status: domain.StatusHeld, Reason: reason, Detail: detail}
	exc := raiseFor(it, domain.CategoryReferenceConflict, "our "+string(it.Kind)+" of ₹"+it.Amount.Rupees(), actual, reason)
	return upd, exc
}

// enkashTime reads a time stamp of an Enkash record: RFC 3339, or a date-time without zone
// (Assumption: India time, like the statement's).
func enkashTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, arZone); err == nil {
			return t
		}
	}
	return time.Time{}
}

// intentsFor loads the intents of the items whose found record must be proved ours.
func (p *Pipeline) intentsFor(ctx context.Context, items []domain.Item, recs map[string]record) (map[int64]ledger.Intent, error) {
	var ids []int64
	for _, it := range items {
		if rec, ok := recs[it.Reference]; ok && needsProof(it, rec) {
			ids = append(ids, it.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return p.ledger.Intents(ctx, ids)
}

// judge turns a record found under an item's reference into the item's update: Enkash's
// state when the record is ours (see observe), a hold and a reference_conflict when it is not
// provably ours.
func judge(it domain.Item, rec record, intents map[int64]ledger.Intent, detail string) (ledger.ItemUpdate, []domain.Exception) {
	if needsProof(it, rec) {
		in, claimed := intents[it.ID]
		if ours, why := provablyOurs(it, rec, in, claimed); !ours {
			upd, exc := hold(it, &rec, why, detail+": not provably ours")
			return upd, []domain.Exception{exc}
		}
	}
	return observe(it, rec, detail)
}
