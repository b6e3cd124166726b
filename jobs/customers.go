package jobs

import (
	"context"
	"strings"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/ledger"
)

// customerFlow creates customers through Enkash's customer bulk upload, or updates them through
// the bulk update when an earlier file created them, and follows them by customer search.
type customerFlow struct {
	c      *enkash.Client
	ledger *ledger.DB
}

// Names of what a customer record shows of whom it is for (record.Shows).
const (
	factLegalName = "legal name"
	factPANGSTIN  = "PAN or GSTIN"
)

// customerFacts are a customer item's own legal name and PAN or GSTIN, as its upload row sends
// them.
func customerFacts(it domain.Item) map[string]string {
	cu, err := domain.RecordAs[domain.Customer](it)
	if err != nil {
		return nil
	}
	row := customerRowOf(cu)
	return map[string]string{factLegalName: row.LegalName, factPANGSTIN: row.PANOrGSTIN}
}

// arZone is the zone of the AR family's date-times (Assumption, like the payout statement's).
var arZone = time.FixedZone("IST", 5*3600+1800)

func (f customerFlow) send(ctx context.Context, batchID string, items []domain.Item) (map[string]record, error) {
	known, err := f.ledger.ProviderIDs(ctx, domain.KindCustomers, references(items))
	if err != nil {
		return nil, err
	}
	var creates, updates []enkash.CustomerRow
	for _, it := range items {
		cu, err := domain.RecordAs[domain.Customer](it)
		if err != nil {
			return nil, err
		}
		row := customerRowOf(cu)
		if id, ok := known[it.Reference]; ok {
			row.CustomerID = id
			updates = append(updates, row)
		} else {
			creates = append(creates, row)
		}
	}
	out := make(map[string]record, len(items))
	for _, call := range []struct {
		rows []enkash.CustomerRow
		send func(context.Context, []enkash.CustomerRow) (*enkash.BulkResponse, error)
	}{{updates, f.c.AR.UpdateCustomers}, {creates, f.c.AR.CreateCustomers}} {
		if len(call.rows) == 0 {
			continue
		}
		resp, err := call.send(ctx, call.rows)
		if err != nil {
			return nil, err
		}
		ref := func(r enkash.BulkRow) string {
			if r.UniqueRefNo == "" && r.Row >= 1 && r.Row <= len(call.rows) {
				return call.rows[r.Row-1].UniqueRefNo
			}
			return r.UniqueRefNo
		}
		for _, ok := range resp.SuccessRequests {
			id := ok.CustomerID
			if id == "" {
				id = known[ref(ok)]
			}
			out[ref(ok)] = record{Reference: ref(ok), Status: domain.StatusSuccess,
				State: domain.ProviderState{BatchID: batchID, ProviderID: id, Status: enkash.CustomerActive}}
		}
		for _, bad := range resp.FailureRequests {
			if bad.AlreadyExists() {
				// Enkash already holds a customer under this uniqueRefNo: not a refusal. It is
				// looked up, and adopted only if provably ours.
				out[ref(bad)] = record{Reference: ref(bad), Duplicate: true,
					State: domain.ProviderState{BatchID: batchID, Status: alreadyExists, Reason: strings.TrimSpace(bad.Message)}}
				continue
			}
			out[ref(bad)] = record{Reference: ref(bad), Status: domain.StatusFailed, Refused: true,
				State: domain.ProviderState{BatchID: batchID, ProviderID: known[ref(bad)], Status: "REJECTED", Reason: strings.TrimSpace(bad.Message)}}
		}
	}
	return out, nil
}

// customerRowOf renders a validated customer in Enkash's upload layout.
func customerRowOf(c domain.Customer) enkash.CustomerRow {
	return enkash.CustomerRow{LegalName: c.LegalName, PANOrGSTIN: firstNonEmpty(c.GSTIN, c.PAN), ContactName: c.ContactName,
		ContactNumber: c.Mobile, Email: c.Email, Address: c.Address, State: c.State, PinCode: c.PIN,
		AccountNumber: c.AccountNumber, IFSC: c.IFSC, UniqueRefNo: c.Reference}
}

func (f customerFlow) lookup(ctx context.Context, refs []string) (map[string]record, error) {
	recs, err := f.c.AR.SearchAllCustomers(ctx, enkash.SearchCustomersRequest{UniqueRefNos: refs})
	return byReference(recordsOf(recs, err, customerRecordOf))
}

func (f customerFlow) window(ctx context.Context, from, to time.Time) ([]record, error) {
	recs, err := f.c.AR.SearchAllCustomers(ctx, enkash.SearchCustomersRequest{
		CreatedOnFrom: from.In(arZone).Format(enkash.ARTimeLayout), CreatedOnTo: to.In(arZone).Format(enkash.ARTimeLayout)})
	return recordsOf(recs, err, customerRecordOf)
}

// customerRecordOf reads a customer search record: a customer Enkash holds is a success; one it
// deleted has failed.
func customerRecordOf(r enkash.CustomerRecord) record {
	st := domain.StatusSuccess
	if strings.EqualFold(r.Status, enkash.CustomerDeleted) {
		st = domain.StatusFailed
	}
	return record{Reference: r.UniqueRefNo, Status: st, Created: enkashTime(r.CreatedOn),
		Shows: map[string]string{factLegalName: r.LegalName, factPANGSTIN: r.PANOrGSTIN},
		State: domain.ProviderState{ProviderID: r.CustomerID, Status: strings.ToUpper(r.Status)}}
}
