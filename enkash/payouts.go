package enkash

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"enkashbatch/domain"
)

// maxSearchIDs is the most transaction ids one search call filters on. Assumption: the
// portal gives no limit for transactionIds[]; 1,000 is the documented limit of Enkash's other
// id-list calls (BBPS confirm debit).
const maxSearchIDs = 1000

// The payout endpoints and how each may be retried.
var (
	epBatchTransfer = endpoint{method: http.MethodPost, path: PathBatchTransfer, policy: retryCreate}
	epSearchPayouts = endpoint{method: http.MethodPost, path: PathSearchPayouts, policy: retryRead}
	epBalance       = endpoint{method: http.MethodGet, path: PathBalance, policy: retryRead}
	epStatement     = endpoint{method: http.MethodPost, path: PathStatement, policy: retryRead}
)

// PayoutService is the payout API family: batch transfers, their search, the balance and the
// statement.
type PayoutService service

// SubmitBatch sends a batch of transfers. It is retried only when Enkash provably did not
// process it (429, no connection). On any other failure check IsDuplicate, IsRejected and
// IsAmbiguous: an ambiguous outcome must be resolved by searching, never by sending again.
// Transfers without a fund source get Config.FundSourceID; req itself is not modified.
func (s *PayoutService) SubmitBatch(ctx context.Context, req BatchTransferRequest) (*BatchTransferResponse, error) {
	if err := checkBatch(req); err != nil {
		return nil, fmt.Errorf("submit batch %s: %w", req.BatchTransactionID, err)
	}
	transfers := make([]Transfer, len(req.Transfers))
	copy(transfers, req.Transfers)
	for i := range transfers {
		t := &transfers[i]
		if t.FundSourceID == "" {
			t.FundSourceID = s.client.cfg.FundSourceID
		}
		if t.Beneficiary != nil && t.Beneficiary.ID == "" {
			b := *t.Beneficiary
			b.ID = InlineBeneficiaryID(b)
			t.Beneficiary = &b
		}
	}
	req.Transfers = transfers
	var out BatchTransferResponse
	if err := s.client.do(ctx, epBatchTransfer, nil, req, &out); err != nil {
		return nil, fmt.Errorf("submit batch %s: %w", req.BatchTransactionID, err)
	}
	if out.BatchTransactionID != "" && out.BatchTransactionID != req.BatchTransactionID {
		err := &undecodableError{endpoint: epBatchTransfer.String(), status: http.StatusOK,
			err: fmt.Errorf("answer names batch %q", out.BatchTransactionID)}
		return nil, fmt.Errorf("submit batch %s: %w", req.BatchTransactionID, err)
	}
	return &out, nil
}

// checkBatch refuses, before anything is sent, a batch Enkash could only refuse or misread.
func checkBatch(req BatchTransferRequest) error {
	if req.BatchTransactionID == "" {
		return errors.New("batch has no batchTransactionId")
	}
	if len(req.Transfers) == 0 {
		return errors.New("batch has no transfers")
	}
	seen := make(map[string]bool, len(req.Transfers))
	for i, t := range req.Transfers {
		switch {
		case t.TransactionID == "":
			return fmt.Errorf("transfer %d has no transactionId", i+1)
		case seen[t.TransactionID]:
			return fmt.Errorf("transactionId %s appears twice", t.TransactionID)
		case t.Amount <= 0:
			return fmt.Errorf("transfer %s: amount %s is not positive", t.TransactionID, domain.Paise(t.Amount).Decimal())
		}
		seen[t.TransactionID] = true
	}
	return nil
}

// Search returns one page of transfers matching req: at most limit (1 to MaxSearchLimit)
// records from offset. Assumption: offset and limit are query parameters, as on Enkash's other
// search endpoints.
func (s *PayoutService) Search(ctx context.Context, req SearchTransfersRequest, offset, limit int) (*SearchTransfersResponse, error) {
	return searchPage[SearchTransfersResponse](ctx, s.client, epSearchPayouts, "transfers", req, offset, limit)
}

// SearchAll returns every transfer matching req, paging with MaxSearchLimit and splitting a
// long TransactionIDs filter into several searches. A transfer is listed once even if paging
// meets it twice.
func (s *PayoutService) SearchAll(ctx context.Context, req SearchTransfersRequest) ([]TransferRecord, error) {
	var all []TransferRecord
	seen := make(map[string]bool)
	for _, ids := range chunkIDs(req.TransactionIDs, maxSearchIDs) {
		q := req
		q.TransactionIDs = ids
		err := pageAll(MaxSearchLimit, func(offset int) (int, int, error) {
			page, err := s.Search(ctx, q, offset, MaxSearchLimit)
			if err != nil {
				return 0, 0, err
			}
			for _, r := range page.Transfers {
				if r.TransactionID == "" || !seen[r.TransactionID] {
					seen[r.TransactionID] = true
					all = append(all, r)
				}
			}
			return len(page.Transfers), page.TotalCount, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return all, nil
}

// chunkIDs splits ids (without repeats) into lists of at most n; no ids gives one nil list,
// so that a search without an id filter runs once.
func chunkIDs(ids []string, n int) [][]string {
	if len(ids) == 0 {
		return [][]string{nil}
	}
	seen := make(map[string]bool, len(ids))
	var chunks [][]string
	var cur []string
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		cur = append(cur, id)
		if len(cur) == n {
			chunks = append(chunks, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks
}

// balanceResponse is the balance answer (D: {"totalBalance": <number>}). Assumption: it comes
// encrypted in the payout envelope like every payout answer; a bare object is read too.
type balanceResponse struct {
	TotalBalance *Amount `json:"totalBalance"`
}

// Balance returns the balance of the fund source (Config.FundSourceID, required by Enkash:
// without it Balance refuses to call, with a *ConfigRefusal naming ENKASH_FUND_SOURCE_ID).
func (s *PayoutService) Balance(ctx context.Context) (domain.Paise, error) {
	fs := s.client.cfg.FundSourceID
	if fs == "" {
		return 0, fmt.Errorf("get balance: %w", &ConfigRefusal{Endpoint: epBalance.String(), Setting: "ENKASH_FUND_SOURCE_ID",
			Fix: "Enkash requires fundSourceId on the balance call: set it to the fund source id Enkash gave for the payout account, e.g. EKCI4XTWKC"})
	}
	q := url.Values{"fundSourceId": {fs}}
	var out balanceResponse
	if err := s.client.do(ctx, epBalance, q, nil, &out); err != nil {
		return 0, fmt.Errorf("get balance: %w", err)
	}
	if out.TotalBalance == nil {
		return 0, fmt.Errorf("get balance: answer has no totalBalance")
	}
	return domain.Paise(*out.TotalBalance), nil
}

// enkashZone is the zone the statement's dates are sent in. Assumption: Enkash keeps its books
// in India Standard Time; the dates carry their offset, so another zone would only read worse.
var enkashZone = time.FixedZone("IST", 5*3600+1800)

// Statement returns the lines of the fund source's account statement (Config.FundSourceID and
// Config.DebitAccountNumber, both required: without them it refuses to call, with a
// *ConfigRefusal naming the setting) dated from from to to, both included, to the second. An
// answer without a data list is an error, never "no lines". Every line is checked: its type is
// DEBIT or CREDIT (upper-cased here) and its amount is not negative; a line that is neither is
// an error, not a line to guess about. It is a read, retried like Search.
func (s *PayoutService) Statement(ctx context.Context, from, to time.Time) ([]StatementLine, error) {
	switch {
	case from.IsZero() || to.IsZero():
		return nil, errors.New("get statement: both dates of the window are required")
	case to.Before(from):
		return nil, fmt.Errorf("get statement: window ends (%s) before it starts (%s)", stamp(to), stamp(from))
	}
	for _, need := range []struct{ value, setting, fix string }{
		{s.client.cfg.FundSourceID, "ENKASH_FUND_SOURCE_ID", "Enkash requires fundSourceId on the statement call: set it to the fund source id of the payout account"},
		{s.client.cfg.DebitAccountNumber, "ENKASH_DEBIT_ACCOUNT_NUMBER", "Enkash requires debitAccountNumber on the statement call: set it to the bank account number of the fund source"},
	} {
		if need.value == "" {
			return nil, fmt.Errorf("get statement: %w", &ConfigRefusal{Endpoint: epStatement.String(), Setting: need.setting, Fix: need.fix})
		}
	}
	req := StatementRequest{
		FundSourceID:       s.client.cfg.FundSourceID,
		DebitAccountNumber: s.client.cfg.DebitAccountNumber,
		FromDate:           stamp(from),
		ToDate:             stamp(to),
	}
	var out StatementResponse
	if err := s.client.do(ctx, epStatement, nil, req, &out); err != nil {
		return nil, fmt.Errorf("get statement %s to %s: %w", req.FromDate, req.ToDate, err)
	}
	for i := range out.Data {
		l := &out.Data[i]
		l.TransactionType = strings.ToUpper(strings.TrimSpace(l.TransactionType))
		var bad error
		switch {
		case l.TransactionType != StatementDebit && l.TransactionType != StatementCredit:
			bad = fmt.Errorf("line %d (%s): transaction type %q is not DEBIT or CREDIT", i+1, l.TransactionID, l.TransactionType)
		case l.TransactionAmount < 0:
			bad = fmt.Errorf("line %d (%s): amount %s is negative", i+1, l.TransactionID, domain.Paise(l.TransactionAmount).Decimal())
		}
		if bad != nil {
			err := &undecodableError{endpoint: epStatement.String(), status: http.StatusOK, err: bad}
			return nil, fmt.Errorf("get statement %s to %s: %w", req.FromDate, req.ToDate, err)
		}
	}
	return out.Data, nil
}

// stamp renders t for a statement request: RFC 3339 in IST, to the second (D: RFC 3339).
func stamp(t time.Time) string { return t.In(enkashZone).Format(time.RFC3339) }

// Signed is the line's effect on the balance: its amount, negative for a DEBIT.
func (l StatementLine) Signed() domain.Paise {
	if strings.EqualFold(l.TransactionType, StatementDebit) {
		return -domain.Paise(l.TransactionAmount)
	}
	return domain.Paise(l.TransactionAmount)
}

// Time reads the line's transactionDate. Assumption: RFC 3339; "yyyy-MM-dd HH:mm:ss" and a
// bare "yyyy-MM-dd" (Enkash's other date formats) are read too, in IST.
func (l StatementLine) Time() (time.Time, error) {
	s := strings.TrimSpace(l.TransactionDate)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{time.DateTime, time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, enkashZone); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("statement line %s: transaction date %q is not RFC 3339, yyyy-MM-dd HH:mm:ss or yyyy-MM-dd", l.TransactionID, l.TransactionDate)
}
