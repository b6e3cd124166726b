package enkash

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"enkashbatch/domain"
)

// The BBPS endpoints and how each may be retried. Bills are plain JSON (D: only payouts are
// encrypted).
var (
	epFetchBill    = endpoint{method: http.MethodPost, path: PathFetchBill, policy: retryRead, plain: true}
	epCreateBill   = endpoint{method: http.MethodPost, path: PathCreateBill, policy: retryCreate, plain: true}
	epAddBill      = endpoint{method: http.MethodPost, path: PathAddBill, policy: retryCreate, plain: true}
	epConfirmDebit = endpoint{method: http.MethodPut, path: PathConfirmDebit, policy: retryRead, plain: true}
	epSearchBills  = endpoint{method: http.MethodPost, path: PathSearchBills, policy: retryRead, plain: true}
)

// BillService is the BBPS family: fetch and add bills, confirm their debit, and follow them by
// search (fetch bulk bill details) and by our reference.
type BillService service

// Fetch asks the biller for the current bill of a consumer. Assumption: fetching creates no
// payment (it may register the biller with the company, which is idempotent), so it is
// retried like a read.
func (s *BillService) Fetch(ctx context.Context, req FetchBillRequest) (*FetchedBill, error) {
	if strings.TrimSpace(req.BillParams.CN) == "" || req.BillerID <= 0 {
		return nil, errors.New("fetch bill: biller id and consumer number are required")
	}
	var out FetchedBill
	if err := s.client.do(ctx, epFetchBill, nil, req, &out); err != nil {
		return nil, fmt.Errorf("fetch bill of biller %d: %w", req.BillerID, err)
	}
	return &out, nil
}

// Add creates a bill without a fetch, for an amount the caller gives. Like every create it is
// retried only when Enkash provably did not process it (a back-off signal: HTTP 429, codes
// 36/37; no connection). On any other failure check IsDuplicate (code 38: the referenceId
// exists), IsRejected and IsAmbiguous: D's rule for a 5xx is to look the bill up by reference
// (ByReference) and create it again only when Enkash answers "No utility payment found".
func (s *BillService) Add(ctx context.Context, req AddBillRequest) (*BillRecord, error) {
	switch {
	case req.ReferenceID == "":
		return nil, errors.New("add bill: referenceId is empty")
	case req.BillAmount <= 0:
		return nil, fmt.Errorf("add bill %s: amount is not positive", req.ReferenceID)
	}
	var out BillRecord
	if err := s.client.do(ctx, epAddBill, nil, req, &out); err != nil {
		return nil, fmt.Errorf("add bill %s: %w", req.ReferenceID, err)
	}
	return s.checkCreated(epAddBill, req.ReferenceID, &out)
}

// Create creates a bill after a fetch (see Fetch), retried and classified like Add.
func (s *BillService) Create(ctx context.Context, req CreateBillRequest) (*BillRecord, error) {
	switch {
	case req.ReferenceID == "":
		return nil, errors.New("create bill: referenceId is empty")
	case req.BillNetAmount < 100:
		return nil, fmt.Errorf("create bill %s: net amount %s is below 1.00", req.ReferenceID, domain.Paise(req.BillNetAmount).Decimal())
	}
	var out BillRecord
	if err := s.client.do(ctx, epCreateBill, nil, req, &out); err != nil {
		return nil, fmt.Errorf("create bill %s: %w", req.ReferenceID, err)
	}
	return s.checkCreated(epCreateBill, req.ReferenceID, &out)
}

// checkCreated makes sure a create answer is about the bill asked for and names its id; an
// answer that is not is unreadable, and the bill's fate unknown.
func (s *BillService) checkCreated(ep endpoint, ref string, out *BillRecord) (*BillRecord, error) {
	if out.ReferenceID == "" {
		out.ReferenceID = ref
	}
	if out.ReferenceID != ref || out.UtilityEnkashID == "" {
		err := &undecodableError{endpoint: ep.String(), status: http.StatusOK,
			err: fmt.Errorf("answer names bill %q with id %q", out.ReferenceID, out.UtilityEnkashID)}
		return nil, fmt.Errorf("create bill %s: %w", ref, err)
	}
	return out, nil
}

// ConfirmDebit approves the debit of the bills with these utilityEnkashIds, in calls of at
// most MaxConfirmIDs. Assumption: approving a bill already approved changes nothing, so the
// call is retried like a read.
func (s *BillService) ConfirmDebit(ctx context.Context, ids []FlexID, remarks string) error {
	for start := 0; start < len(ids); start += MaxConfirmIDs {
		chunk := ids[start:min(start+MaxConfirmIDs, len(ids))]
		req := ConfirmDebitRequest{UtilityPaymentIDs: chunk, ApprovalStatus: ApprovalCheckerOK, Remarks: remarks}
		if err := s.client.do(ctx, epConfirmDebit, nil, req, nil); err != nil {
			return fmt.Errorf("confirm debit of %d bills: %w", len(chunk), err)
		}
	}
	return nil
}

// ByReference looks a bill up by our referenceId. found is false only when Enkash answers
// 400 "No utility payment found" (D): the one answer that makes creating it again safe.
func (s *BillService) ByReference(ctx context.Context, ref string) (rec *BillRecord, found bool, err error) {
	if ref == "" {
		return nil, false, errors.New("bill by reference: referenceId is empty")
	}
	ep := endpoint{method: http.MethodGet, path: PathBillByReference + url.PathEscape(ref), route: PathBillByReference + "{referenceId}", policy: retryRead, plain: true}
	var out BillRecord
	if err := s.client.do(ctx, ep, nil, nil, &out); err != nil {
		if IsNoBill(err) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("bill by reference %s: %w", ref, err)
	}
	// The documented answer (UtilityPaymentV2Response) may not repeat referenceId: only another
	// reference than the one asked for is an error.
	if out.ReferenceID == "" {
		out.ReferenceID = ref
	}
	if out.ReferenceID != ref {
		err := &undecodableError{endpoint: ep.String(), status: http.StatusOK, err: fmt.Errorf("answer names bill %q", out.ReferenceID)}
		return nil, false, fmt.Errorf("bill by reference %s: %w", ref, err)
	}
	return &out, true, nil
}

// IsNoBill reports whether err is the by-reference lookup's 400 "No utility payment found"
// (docs/enkash.md, "Bill by reference": the text comes in "payload", not in
// "response_message"; both are read).
func IsNoBill(err error) bool {
	var e *APIError
	if !errors.As(err, &e) || e.HTTPStatus != http.StatusBadRequest {
		return false
	}
	want := strings.ToLower(NoUtilityPaymentFound)
	if strings.Contains(strings.ToLower(e.Message), want) {
		return true
	}
	var body struct {
		Payload json.RawMessage `json:"payload"`
	}
	var text string
	return json.Unmarshal([]byte(e.Body), &body) == nil && json.Unmarshal(body.Payload, &text) == nil &&
		strings.Contains(strings.ToLower(text), want)
}

// Search returns one page of fetch bulk bill details: at most limit (1 to MaxSearchLimit)
// bills from offset. Enkash recommends a limit below 100 (BillSearchLimit).
func (s *BillService) Search(ctx context.Context, req SearchBillsRequest, offset, limit int) (*SearchBillsResponse, error) {
	if err := checkPage(offset, limit); err != nil {
		return nil, fmt.Errorf("search bills: %w", err)
	}
	req.Offset, req.Limit = offset, limit
	var out SearchBillsResponse
	if err := s.client.do(ctx, epSearchBills, nil, req, &out); err != nil {
		return nil, fmt.Errorf("search bills at offset %d: %w", offset, err)
	}
	return &out, nil
}

// SearchAll returns every bill matching req, paging BillSearchLimit at a time. A bill is listed
// once even if paging meets it twice. Assumption: totalCount, when given, counts every match;
// without it a short page is the last.
func (s *BillService) SearchAll(ctx context.Context, req SearchBillsRequest) ([]BillRecord, error) {
	var all []BillRecord
	seen := make(map[FlexID]bool)
	err := pageAll(BillSearchLimit, func(offset int) (int, int, error) {
		page, err := s.Search(ctx, req, offset, BillSearchLimit)
		if err != nil {
			return 0, 0, err
		}
		for _, b := range page.Bills {
			if !seen[b.UtilityEnkashID] {
				seen[b.UtilityEnkashID] = true
				all = append(all, b)
			}
		}
		return len(page.Bills), page.TotalCount, nil
	})
	if err != nil {
		return nil, err
	}
	return all, nil
}

// BillTime renders t for a bill search's date filters: its date in India, yyyy-MM-dd
// (docs/enkash.md, "Bill search": the documented example is "2024-12-17"). A window of dates
// is inclusive of both ends, so a search from BillTime(from) to BillTime(to) covers every bill
// created between from and to, and possibly more of the same days.
func BillTime(t time.Time) string { return t.In(enkashZone).Format(time.DateOnly) }
