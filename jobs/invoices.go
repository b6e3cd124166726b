package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/ledger"
)

// invoiceFlow creates invoices through Enkash's invoice bulk upload and follows them by invoice
// search. An invoice naming its customer by our reference gets the customer's Enkash id from
// the ledger (customers are submitted first in a run, see domain.Kinds).
type invoiceFlow struct {
	c      *enkash.Client
	ledger *ledger.DB
}

func (f invoiceFlow) send(ctx context.Context, batchID string, items []domain.Item) (map[string]record, error) {
	invs := make([]domain.Invoice, len(items))
	var custRefs []string
	for i, it := range items {
		inv, err := domain.RecordAs[domain.Invoice](it)
		if err != nil {
			return nil, err
		}
		invs[i] = inv
		if invs[i].CustomerID == "" {
			custRefs = append(custRefs, invs[i].CustomerReference)
		}
	}
	ids, err := f.ledger.ProviderIDs(ctx, domain.KindCustomers, custRefs)
	if err != nil {
		return nil, err
	}
	var unresolved []string
	for _, ref := range custRefs {
		if _, ok := ids[ref]; !ok {
			unresolved = append(unresolved, ref)
		}
	}
	conflicts, err := f.ledger.ReferenceConflicts(ctx, domain.KindCustomers, unresolved)
	if err != nil {
		return nil, err
	}
	out := make(map[string]record, len(items))
	rows := make([]enkash.InvoiceRow, 0, len(invs))
	unknown := map[string]string{} // invoice number → the customer reference no file of ours created
	for _, inv := range invs {
		row := invoiceRowOf(inv)
		if row.CustomerID == "" {
			if id, ok := ids[inv.CustomerReference]; ok {
				row.CustomerID = id
			} else if c, ok := conflicts[inv.CustomerReference]; ok {
				// Enkash holds a customer under this reference that is not provably ours:
				// sent with it, the invoice could be attached to another party's customer.
				out[inv.InvoiceNumber] = withheldForCustomer(inv, c)
				continue
			} else {
				// Enkash may know the customer by this reference from elsewhere; it decides.
				row.UniqueRefNo = inv.CustomerReference
				unknown[inv.InvoiceNumber] = inv.CustomerReference
			}
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return out, nil // every invoice of the batch was withheld: nothing to send
	}
	resp, err := f.c.AR.CreateInvoices(ctx, rows)
	if err != nil {
		return nil, err
	}
	ref := func(r enkash.BulkRow) string {
		switch {
		case r.ExternalID != "":
			return r.ExternalID
		case r.InvoiceNumber != "":
			return r.InvoiceNumber
		case r.Row >= 1 && r.Row <= len(rows):
			return rows[r.Row-1].ExternalID
		}
		return ""
	}
	for _, ok := range resp.SuccessRequests {
		out[ref(ok)] = record{Reference: ref(ok), Status: domain.StatusSuccess,
			State: domain.ProviderState{BatchID: batchID, ProviderID: ok.InvoiceID, Status: enkash.InvoiceUnpaid}}
	}
	for _, bad := range resp.FailureRequests {
		r := ref(bad)
		reason := strings.TrimSpace(bad.Message)
		if bad.AlreadyExists() {
			// Enkash already holds an invoice under this number: not a refusal. It is looked
			// up, and adopted only if provably ours (same net amount, created after our intent).
			out[r] = record{Reference: r, Duplicate: true, State: domain.ProviderState{BatchID: batchID, Status: alreadyExists, Reason: reason}}
			continue
		}
		if cust, ok := unknown[r]; ok {
			reason = fmt.Sprintf("customer %s is unknown: no customer file of ours created it at Enkash (Enkash: %s)", cust, reason)
		}
		out[r] = record{Reference: r, Status: domain.StatusFailed, Refused: true,
			State: domain.ProviderState{BatchID: batchID, Status: "REJECTED", Reason: reason}}
	}
	return out, nil
}

// withheldForCustomer is the answer for an invoice that names, by our reference, a customer
// whose reference Enkash holds under a record not provably ours (a reference_conflict): it is
// not sent. While the conflict is open the invoice is held (resolving the customer's exception
// gives it back to valid: ledger.ResolveException); once a person resolved it
// (the customer counts as not created by us, its reference stays blocked), the invoice can
// never be sent as written and is rejected, for a corrected row naming the new customer.
func withheldForCustomer(inv domain.Invoice, c ledger.ReferenceConflict) record {
	if c.Open {
		return record{Reference: inv.InvoiceNumber, Withheld: fmt.Sprintf("not sent: its customer %s is held in a reference conflict "+
			"(exception %d: Enkash holds a customer under that reference that is not provably ours, so the invoice could be attached to another party's customer); "+
			"it is held until a person resolves that exception", inv.CustomerReference, c.ExceptionID)}
	}
	return record{Reference: inv.InvoiceNumber, Status: domain.StatusRejected, Withheld: fmt.Sprintf("Customer Reference: customer %s was never created by us "+
		"(its reference conflict, exception %d, was resolved as not ours, and the reference stays blocked): "+
		"correct the row to name the customer's new reference and drop it again", inv.CustomerReference, c.ExceptionID)}
}

// invoiceRowOf renders a validated invoice in Enkash's upload layout; our invoice number is its
// externalId too, the stable reference searches find it by.
func invoiceRowOf(inv domain.Invoice) enkash.InvoiceRow {
	date := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	return enkash.InvoiceRow{InvoiceNumber: inv.InvoiceNumber, CustomerID: inv.CustomerID, InvoiceDate: date(inv.InvoiceDate),
		DueDate: date(inv.DueDate), BaseAmount: enkash.Amount(inv.BaseAmount), CGST: enkash.Amount(inv.CGST),
		SGST: enkash.Amount(inv.SGST), IGST: enkash.Amount(inv.IGST), TDS: enkash.Amount(inv.TDS),
		NetAmount: enkash.Amount(inv.NetAmount), Description: inv.Description, ExternalID: inv.InvoiceNumber, PONumber: inv.PONumber}
}

func (f invoiceFlow) lookup(ctx context.Context, refs []string) (map[string]record, error) {
	recs, err := f.c.AR.SearchAllInvoices(ctx, enkash.SearchInvoicesRequest{ExternalIDs: refs})
	return byReference(recordsOf(recs, err, invoiceRecordOf))
}

func (f invoiceFlow) window(ctx context.Context, from, to time.Time) ([]record, error) {
	recs, err := f.c.AR.SearchAllInvoices(ctx, enkash.SearchInvoicesRequest{
		CreatedOnFrom: from.In(arZone).Format(enkash.ARTimeLayout), CreatedOnTo: to.In(arZone).Format(enkash.ARTimeLayout)})
	return recordsOf(recs, err, invoiceRecordOf)
}

// invoiceRecordOf reads an invoice record: an invoice Enkash holds (unpaid, partly or fully
// paid) is a success of ours; a cancelled one has failed. Its amount is the net amount.
func invoiceRecordOf(r enkash.InvoiceRecord) record {
	st := domain.StatusSuccess
	if strings.EqualFold(r.ReceivableStatus.Name, enkash.InvoiceCancelled) {
		st = domain.StatusFailed
	}
	return record{Reference: firstNonEmpty(r.ExternalID, r.InvoiceNumber), Status: st, Created: enkashTime(r.CreatedOn),
		State: domain.ProviderState{ProviderID: r.InvoiceID, Status: strings.ToUpper(r.ReceivableStatus.Name), Amount: domain.Paise(r.NetAmount)}}
}
