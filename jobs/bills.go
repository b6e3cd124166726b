package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
)

// billFlow pays bulk bill details through BBPS: each bill is added (after a bill fetch when
// the file gives no amount), the debit of the bills added is confirmed, and the bills are
// followed through fetch bulk bill details and the by-reference lookup.
type billFlow struct {
	c *enkash.Client
	// portal: the checker's approval of the debit (CHECKER_APPROVED) is left to Enkash's
	// portal; bills stay MAKER_APPROVAL_PENDING until someone approves them there.
	portal bool
}

// Names of what a bill record shows of whom it is for (record.Shows).
const (
	factConsumer = "consumer number"
	factBiller   = "biller"
)

// billFacts are a bill item's own consumer number and biller id.
func billFacts(it domain.Item) map[string]string {
	b, err := domain.RecordAs[domain.Bill](it)
	if err != nil {
		return nil
	}
	return map[string]string{factConsumer: b.ConsumerNumber, factBiller: b.BillerID}
}

// Bill lookups: the search covers the bills created in the last billSearchWindow; a bill it
// does not find is asked for by reference. Up to byReferenceOnly references are asked for one
// by one without a search.
const (
	billSearchWindow = 7 * 24 * time.Hour
	byReferenceOnly  = 10
)

// send adds the bills one by one and confirms the debit of those added. Bill creation is per
// item, so a batch can be partly created: the bills added are returned; a bill whose creation
// is in doubt (a 5xx, a timeout, a back-off that outlasted the retries) is left out of the
// answer, and the pipeline resolves it by looking it up by reference before anything is sent
// again (Enkash's own rule for a 5xx on bill creation). A duplicate referenceId (code 38) is
// marked so, to be looked up and adopted only if provably ours; bills never sent (Enkash out of
// reach, a refusal for a reason of configuration) are marked so and go back to valid. Only
// when the first call provably never reached Enkash does send fail as a whole.
func (f billFlow) send(ctx context.Context, batchID string, items []domain.Item) (map[string]record, error) {
	out := make(map[string]record, len(items))
	var added []enkash.FlexID
	for i, it := range items {
		b, err := domain.RecordAs[domain.Bill](it)
		if err != nil {
			return nil, err
		}
		rec, refusal, err := f.create(ctx, b)
		switch {
		case err == nil && refusal != "":
			out[b.Reference] = record{Reference: b.Reference, Status: domain.StatusFailed, Refused: true,
				State: domain.ProviderState{BatchID: batchID, Status: "REFUSED", Reason: refusal}}
		case err == nil:
			out[b.Reference] = billRecord(*rec, batchID, b.Fetch())
			added = append(added, rec.UtilityEnkashID)
		case i == 0 && neverSent(err):
			return nil, err // nothing of the batch reached Enkash
		case enkash.IsDuplicate(err):
			// Code 38: Enkash already holds a bill under this referenceId. Looked up, and
			// adopted only if provably ours.
			out[b.Reference] = record{Reference: b.Reference, Duplicate: true,
				State: domain.ProviderState{BatchID: batchID, Status: alreadyExists, Reason: refusalOf(err)}}
		case isConfig(err):
			// Nothing of this bill was processed; it and the bills after it wait for the
			// setting to be fixed.
			setting, _ := enkash.IsConfigRefusal(err)
			for _, rest := range items[i:] {
				out[rest.Reference] = record{Reference: rest.Reference, ConfigRefusal: setting, State: domain.ProviderState{BatchID: batchID, Reason: refusalOf(err)}}
			}
			return f.confirmed(ctx, out, added)
		case enkash.IsRejected(err):
			out[b.Reference] = record{Reference: b.Reference, Status: domain.StatusFailed, Refused: true,
				State: domain.ProviderState{BatchID: batchID, Status: "REFUSED", Reason: refusalOf(err)}}
		case neverSent(err):
			// Enkash is out of reach for now: this bill and the ones after it were never
			// sent, and go back to valid.
			for _, rest := range items[i:] {
				out[rest.Reference] = record{Reference: rest.Reference, NotSent: true}
			}
			return f.confirmed(ctx, out, added)
		case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			// The run is stopping: this bill is left, being in doubt, to the lookup before
			// any resend; the bills after it were never sent.
			for _, rest := range items[i+1:] {
				out[rest.Reference] = record{Reference: rest.Reference, NotSent: true}
			}
			return f.confirmed(ctx, out, added)
		}
		// Otherwise (ambiguous, back-off outlasting the retries) the bill is left
		// out of the answer, to be looked up by reference.
	}
	return f.confirmed(ctx, out, added)
}

// confirmed confirms the debit of the bills added and returns the answer. A confirmation that
// fails leaves those bills waiting for approval, as their records say; the next lookup confirms
// them (see lookup), so the answer stands.
func (f billFlow) confirmed(ctx context.Context, out map[string]record, added []enkash.FlexID) (map[string]record, error) {
	if len(added) > 0 && !f.portal {
		if err := f.c.Bills.ConfirmDebit(ctx, added, "bulk bill details"); err == nil {
			for ref, r := range out {
				if r.State.Status == enkash.ApprovalMakerPending {
					r.State.Status = enkash.ApprovalCheckerOK
					out[ref] = r
				}
			}
		}
	}
	return out, nil
}

// create adds one bill: straight away when it has an amount, after a bill fetch when it has
// none. refusal is set when the bill cannot be paid as the file asks (the biller reports
// nothing due).
func (f billFlow) create(ctx context.Context, b domain.Bill) (rec *enkash.BillRecord, refusal string, err error) {
	biller, err := strconv.ParseInt(b.BillerID, 10, 64)
	if err != nil {
		return nil, "", fmt.Errorf("bill %s: biller id %q: %w", b.Reference, b.BillerID, err)
	}
	params := enkash.BillParams{CN: b.ConsumerNumber, AD1: b.AD1, AD2: b.AD2}
	if !b.Fetch() {
		rec, err = f.c.Bills.Add(ctx, enkash.AddBillRequest{
			ReferenceID: b.Reference, BillerID: biller, BillParams: params, BillAmount: enkash.Amount(b.Amount),
			BillDueDate: b.DueDate, BillDate: b.BillDate, Circle: b.Circle, Remarks: b.Remarks,
		})
		return rec, "", err
	}
	due, err := f.c.Bills.Fetch(ctx, enkash.FetchBillRequest{BillerID: biller, BillParams: params, Circle: b.Circle})
	if err != nil {
		return nil, "", err
	}
	net := cmp.Or(due.BillNetAmount, due.BillAmount)
	if net < 100 {
		return nil, fmt.Sprintf("the biller reports %s due: there is nothing to pay", domain.Paise(net).Money()), nil
	}
	rec, err = f.c.Bills.Create(ctx, enkash.CreateBillRequest{
		CompanyBillerID: due.CompanyBillerID, BillNetAmount: net, BillAmount: cmp.Or(due.BillAmount, net),
		ReferenceID: b.Reference, BillNumber: due.BillNumber, ValidationID: due.ValidationID, BillID: due.BillID,
		BillDate: cmp.Or(b.BillDate, due.BillDate), BillDueDate: cmp.Or(b.DueDate, due.DueDate),
	})
	return rec, "", err
}

// isConfig reports whether err is a refusal for a reason of configuration.
func isConfig(err error) bool {
	_, ok := enkash.IsConfigRefusal(err)
	return ok
}

// refusalOf words Enkash's refusal of a bill.
func refusalOf(err error) string {
	var ae *enkash.APIError
	if errors.As(err, &ae) {
		return strings.TrimSpace(fmt.Sprintf("HTTP %d %s", ae.HTTPStatus, ae.Message))
	}
	return err.Error()
}

// lookup finds the bills with these references: through the search of the recent window when
// there are many, then one by one by reference, where only Enkash's 400 "No utility payment
// found" counts as no record. A bill of ours still waiting for the approval of its debit
// (its confirmation failed, or its creation was in doubt and it turned out to exist) is
// confirmed here: we created it to be paid.
func (f billFlow) lookup(ctx context.Context, refs []string) (map[string]record, error) {
	want := make(map[string]bool, len(refs))
	for _, r := range refs {
		want[r] = true
	}
	found := make(map[string]enkash.BillRecord, len(refs))
	if len(want) > byReferenceOnly {
		now := time.Now()
		recs, err := f.c.Bills.SearchAll(ctx, enkash.SearchBillsRequest{
			CreatedDateFrom: enkash.BillTime(now.Add(-billSearchWindow)), CreatedDateTo: enkash.BillTime(now.Add(time.Minute)),
		})
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			if want[r.ReferenceID] {
				found[r.ReferenceID] = r
			}
		}
	}
	for ref := range want {
		if _, ok := found[ref]; ok {
			continue
		}
		r, ok, err := f.c.Bills.ByReference(ctx, ref)
		if err != nil {
			return nil, err
		}
		if ok {
			found[ref] = *r
		}
	}
	var pending []enkash.FlexID
	for _, r := range found {
		if r.BillpayStatus == "" && strings.EqualFold(r.ApprovalStatus, enkash.ApprovalMakerPending) {
			pending = append(pending, r.UtilityEnkashID)
		}
	}
	if len(pending) > 0 && !f.portal {
		if err := f.c.Bills.ConfirmDebit(ctx, pending, "bulk bill details"); err != nil {
			return nil, err
		}
	}
	out := make(map[string]record, len(found))
	for ref, r := range found {
		out[ref] = billRecord(r, "", false)
	}
	return out, nil
}

func (f billFlow) window(ctx context.Context, from, to time.Time) ([]record, error) {
	recs, err := f.c.Bills.SearchAll(ctx, enkash.SearchBillsRequest{CreatedDateFrom: enkash.BillTime(from), CreatedDateTo: enkash.BillTime(to)})
	return recordsOf(recs, err, func(r enkash.BillRecord) record { return billRecord(r, "", false) })
}

// billRecord is a bill in our terms. Its status word shows paymentStatus beside a FAILED
// billpayStatus (FAILED/REFUNDED), and its reason says which of the two it was. Its amount is
// always Enkash's (the amount the bill record says was, or is to be, debited): for a bill paid
// at the biller's amount after a fetch, the file gave none, and this is the only amount there
// is (see observe: it is never a difference from the file's). Fetched says whether the bill
// was created after a fetch: fetched when the caller knows it, else as the record tells
// (BillRecord.Fetched).
func billRecord(r enkash.BillRecord, batchID string, fetched bool) record {
	st := enkash.BillStatus(r)
	word := cmp.Or(r.BillpayStatus, r.ApprovalStatus, r.PaymentStatus)
	if strings.EqualFold(r.BillpayStatus, enkash.BillpayFailed) && r.PaymentStatus != "" {
		word += "/" + r.PaymentStatus
	}
	state := domain.ProviderState{BatchID: batchID, ProviderID: string(r.UtilityEnkashID), Status: word, UTR: r.BillReferenceID,
		Amount: domain.Paise(r.Amount)}
	if st == domain.StatusFailed {
		state.Reason = enkash.BillFailure(r)
	}
	return record{Reference: r.ReferenceID, Status: st, State: state, Created: enkashTime(r.CreatedDate),
		Fetched: fetched || r.Fetched(),
		Shows:   map[string]string{factConsumer: r.ConsumerNumber, factBiller: r.BillerID()}}
}
