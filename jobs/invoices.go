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
	rows := make([]enkash.InvoiceRow, len(invs))
	unknown := map[string]string{} // invoice number → the customer reference no file of ours created
	for i, inv := range invs {
		row := invoiceRowOf(inv)
		if row.CustomerID == "" {
			if id, ok := ids[inv.CustomerReference]; ok {
				row.CustomerID = id
			} else {
				// Enkash may know the customer by this reference from elsewhere; it decides.
				row.UniqueRefNo = inv.CustomerReference
				unknown[inv.InvoiceNumber] = inv.CustomerReference
			}
		}
		rows[i] = row
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
	out := make(map[string]record, len(items))
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
