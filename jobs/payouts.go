package jobs

import (
	"context"
	"strings"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
)

// payoutFlow sends batch payouts through Enkash's batch transfer and follows them by search.
type payoutFlow struct{ c *enkash.Client }

func (f payoutFlow) send(ctx context.Context, batchID string, items []domain.Item) (map[string]record, error) {
	req := enkash.BatchTransferRequest{BatchTransactionID: batchID, Transfers: make([]enkash.Transfer, 0, len(items))}
	for _, it := range items {
		p, err := domain.RecordAs[domain.Payout](it)
		if err != nil {
			return nil, err
		}
		req.Transfers = append(req.Transfers, transferOf(p))
	}
	resp, err := f.c.Payouts.SubmitBatch(ctx, req)
	if err != nil {
		return nil, err
	}
	out := make(map[string]record, len(items))
	for _, ok := range resp.Successful {
		out[ok.TransactionID] = record{
			Reference: ok.TransactionID,
			Status:    enkash.PayoutStatus(ok.PayoutStatus),
			State:     domain.ProviderState{BatchID: batchID, ProviderID: ok.EnkashTransactionID, Status: ok.PayoutStatus},
		}
	}
	for _, bad := range resp.Failed {
		reason := strings.TrimSpace(bad.Reason + " " + bad.Message)
		rec := record{
			Reference: bad.TransactionID,
			Status:    domain.StatusFailed,
			Refused:   true,
			State:     domain.ProviderState{BatchID: batchID, Status: enkash.PayoutRejected, Reason: reason},
		}
		switch setting, config := enkash.ItemConfigRefusal(bad.Reason); {
		case enkash.IsDuplicateReason(bad.Reason):
			// Enkash already holds a transfer under this transactionId (D): not a refusal.
			rec = record{Reference: bad.TransactionID, Duplicate: true, State: domain.ProviderState{BatchID: batchID, Status: alreadyExists, Reason: reason}}
		case config:
			rec = record{Reference: bad.TransactionID, ConfigRefusal: setting, State: domain.ProviderState{BatchID: batchID, Reason: reason}}
		}
		out[bad.TransactionID] = rec
	}
	return out, nil
}

// transferOf builds the transfer Enkash receives for a validated payout. The row's reference
// is the transactionId, so that no retry or re-run can ever invent a new one.
func transferOf(p domain.Payout) enkash.Transfer {
	t := enkash.Transfer{
		TransactionID: p.Reference,
		Amount:        enkash.Amount(p.Amount),
		Mode:          p.Mode,
		BeneficiaryID: p.BeneficiaryID,
		Remark:        p.Remark,
	}
	if p.BeneficiaryID == "" {
		t.Beneficiary = &enkash.Beneficiary{
			Name: p.BeneficiaryName, AccountNumber: p.AccountNumber, IFSC: p.IFSC, VPA: p.VPA,
			Email: p.Email, Phone: p.Phone,
		}
	}
	return t
}

func (f payoutFlow) lookup(ctx context.Context, refs []string) (map[string]record, error) {
	recs, err := f.c.Payouts.SearchAll(ctx, enkash.SearchTransfersRequest{TransactionIDs: refs})
	return byReference(recordsOf(recs, err, recordOf))
}

func (f payoutFlow) window(ctx context.Context, from, to time.Time) ([]record, error) {
	recs, err := f.c.Payouts.SearchAll(ctx, enkash.SearchTransfersRequest{FromDate: from.Format(time.RFC3339), ToDate: to.Format(time.RFC3339)})
	return recordsOf(recs, err, recordOf)
}

func recordOf(r enkash.TransferRecord) record {
	return record{
		Reference: r.TransactionID,
		Status:    enkash.PayoutStatus(r.PayoutStatus),
		Refused:   strings.EqualFold(r.PayoutStatus, enkash.PayoutRejected),
		Created:   enkashTime(r.CreatedAt),
		State: domain.ProviderState{
			BatchID: r.BatchTransactionID, ProviderID: r.EnkashTransactionID, Status: r.PayoutStatus,
			Amount: domain.Paise(r.Amount), UTR: r.UTR, Reason: r.FailureReason,
		},
	}
}
