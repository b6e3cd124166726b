package sandbox

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"enkashbatch/domain"
)

// The BBPS family (docs/enkash.md, bill payments): bills are added (with or without a fetch), their
// debit confirmed, and they settle poll by poll like transfers: PENDING once approved, then
// IN_PROGRESS, then their outcome (SUCCESS; FAILED with paymentStatus FAILED or REFUNDED; or
// never final). A bill whose debit is not confirmed stays MAKER_APPROVAL_PENDING.

// KindBill is the call log kind of a bill, by referenceId.
const KindBill = "bill"

// Bill faults a scenario outcome may name: the first create call of the reference is answered
// 500, before anything is recorded or after the bill is recorded.
const (
	BillFault500            = "http_500"
	BillFault500AfterCommit = "http_500_after_commit"
)

const (
	defaultBillFailReason = "BILLER_DECLINED"
	defaultBillRefusal    = "Invalid biller"
)

// bill is one bill payment as the sandbox holds it.
type bill struct {
	Ref          string       `json:"ref"`
	ID           string       `json:"id"`
	BillerID     int64        `json:"biller_id"`
	CN           string       `json:"cn"`
	BillNumber   string       `json:"bill_number,omitempty"`
	BBPSRef      string       `json:"bbps_ref"`
	Sent         domain.Paise `json:"sent_paise"`
	Amount       domain.Paise `json:"amount_paise"` // what Enkash records
	DueDate      string       `json:"due_date,omitempty"`
	BillDate     string       `json:"bill_date,omitempty"`
	Created      time.Time    `json:"created"`
	Approved     time.Time    `json:"approved,omitzero"`
	Polls        int          `json:"polls"` // lookups that returned it since it was approved
	Final        string       `json:"final"` // SUCCESS, FAILED or PENDING (never final)
	PaymentFinal string       `json:"payment_final,omitempty"`
	Then         string       `json:"then,omitempty"` // REVERSED: refunded after SUCCESS
	Reason       string       `json:"reason,omitempty"`
	Drop         bool         `json:"drop,omitempty"`
	Fixed        string       `json:"fixed,omitempty"` // an extra's billpayStatus, never changing
}

// fetchedBill is what a fetch told the client, for the create that follows it.
type fetchedBill struct {
	Amount          domain.Paise `json:"amount_paise"`
	BillerID        int64        `json:"biller_id"`
	CN              string       `json:"cn"`
	CompanyBillerID string       `json:"company_biller_id,omitempty"`
	BillID          string       `json:"bill_id,omitempty"`
}

// billBook is the sandbox's BBPS state.
type billBook struct {
	Bills   []*bill                `json:"bills"`             // in creation order
	Fetched map[string]fetchedBill `json:"fetched,omitempty"` // by validationId
	Faulted map[string]bool        `json:"faulted,omitempty"` // references whose fault has fired
	byRef   map[string]*bill
	byID    map[string]*bill
}

func newBillBook() *billBook {
	return &billBook{Fetched: map[string]fetchedBill{}, Faulted: map[string]bool{}, byRef: map[string]*bill{}, byID: map[string]*bill{}}
}

func (bb *billBook) add(b *bill) {
	bb.Bills = append(bb.Bills, b)
	bb.byRef[b.Ref] = b
	bb.byID[b.ID] = b
}

// billRoutes are the BBPS endpoints; New adds them to its routes.
func (s *Server) billRoutes() map[string]route {
	return map[string]route{
		pathFetchBill:       {method: http.MethodPost, handle: s.fetchBill, family: familyBBPS},
		pathAddBill:         {method: http.MethodPost, handle: s.addBill, family: familyBBPS},
		pathCreateBill:      {method: http.MethodPost, handle: s.createBillAfterFetch, family: familyBBPS},
		pathConfirmDebit:    {method: http.MethodPut, handle: s.confirmDebit, family: familyBBPS},
		pathBillByReference: {method: http.MethodGet, handle: s.billByReference, family: familyBBPS},
		pathSearchBills:     {method: http.MethodPost, handle: s.searchBills, family: familyBBPS},
	}
}

// errBill is a BBPS refusal: response_code 1 and the reason in payload (D: "Check
// response_code and payload in the response for details").
func errBill(status int, message string) *apiError {
	return &apiError{status, codeFailure, http.StatusText(status), message}
}

// errParams is D's 412: "Missing or invalid input parameters, type mismatch".
func errParams(message string) *apiError {
	return errBill(http.StatusPreconditionFailed, message)
}

// decodePlain reads a plain JSON request body into v strictly: unknown fields, wrong types and
// trailing data are refused with 412 (D: "type mismatch").
func decodePlain(r *http.Request, v any) *apiError {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return errParams("Invalid request format: " + err.Error())
	}
	if err := strictJSON(body, v); err != nil {
		return errParams("Invalid request format: " + err.Error())
	}
	return nil
}

// checkDate refuses a date that is not yyyy-MM-dd (D: dates, e.g. "2024-12-17").
func checkDate(name, v string) *apiError {
	if v == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return errParams("Invalid " + name + ": " + v + " (yyyy-MM-dd)")
	}
	return nil
}

// fetchAmount is the amount due the sandbox's billers report for a consumer: ₹100.00 to
// ₹4,999.99, the same for the same consumer.
func (s *Server) fetchAmount(billerID int64, cn string) domain.Paise {
	n, _ := strconv.Atoi(s.ident("", 6, digits, "due", strconv.FormatInt(billerID, 10), cn))
	return domain.Paise(100_00 + n%4_900_00)
}

// fetchBill answers POST /api/v2/biller/fetchOrAddBill with the consumer's current bill.
func (s *Server) fetchBill(r *http.Request) (any, *apiError) {
	var req fetchBillIn
	if e := decodePlain(r, &req); e != nil {
		return nil, e
	}
	switch {
	case req.BillerID <= 0:
		return nil, errBill(http.StatusBadRequest, defaultBillRefusal)
	case strings.TrimSpace(req.BillParams.CN) == "":
		return nil, errParams("Missing parameter: billParams.cn")
	}
	biller, cn := strconv.FormatInt(req.BillerID, 10), req.BillParams.CN
	s.mu.Lock()
	defer s.mu.Unlock()
	amount := s.fetchAmount(req.BillerID, cn)
	now := s.now().In(ist)
	out := fetchedBillOut{
		CompanyBillerID: s.ident("7", 7, digits, "cb", biller, cn),
		BillAmount:      rupees(amount),
		BillNetAmount:   rupees(amount),
		DueDate:         now.AddDate(0, 0, 10).Format(time.DateOnly),
		BillDate:        now.AddDate(0, 0, -5).Format(time.DateOnly),
		BillNumber:      s.ident("BN", 10, digits, "bn", biller, cn),
		ValidationID:    s.ident("VAL", 12, alnum, "val", biller, cn, now.Format(time.RFC3339Nano)),
		BillID:          s.ident("8", 8, digits, "bid", biller, cn),
	}
	s.bills.Fetched[out.ValidationID] = fetchedBill{Amount: amount, BillerID: req.BillerID, CN: cn,
		CompanyBillerID: out.CompanyBillerID, BillID: out.BillID}
	return out, nil
}

// addBill answers POST /api/v2/biller/addBill: a bill for the amount the client gives.
func (s *Server) addBill(r *http.Request) (any, *apiError) {
	var req addBillIn
	if e := decodePlain(r, &req); e != nil {
		return nil, e
	}
	switch {
	case strings.TrimSpace(req.ReferenceID) == "":
		return nil, errParams("Missing parameter: referenceId")
	case req.BillerID <= 0:
		return nil, errBill(http.StatusBadRequest, defaultBillRefusal)
	case strings.TrimSpace(req.BillParams.CN) == "":
		return nil, errParams("Missing parameter: billParams.cn")
	case req.BillAmount == nil || *req.BillAmount < 1_00:
		return nil, errParams("billAmount must be at least 1")
	}
	if e := cmp.Or(checkDate("billDueDate", req.BillDueDate), checkDate("billDate", req.BillDate)); e != nil {
		return nil, e
	}
	b := &bill{Ref: req.ReferenceID, BillerID: req.BillerID, CN: req.BillParams.CN, Sent: domain.Paise(*req.BillAmount),
		DueDate: req.BillDueDate, BillDate: req.BillDate}
	return s.createBill(b)
}

// createBillAfterFetch answers POST /api/v2/utilityPayment: a bill a fetch announced.
func (s *Server) createBillAfterFetch(r *http.Request) (any, *apiError) {
	var req createBillIn
	if e := decodePlain(r, &req); e != nil {
		return nil, e
	}
	switch {
	case strings.TrimSpace(req.CompanyBillerID) == "":
		return nil, errParams("Missing parameter: companyBillerId")
	case strings.TrimSpace(req.ReferenceID) == "":
		return nil, errParams("Missing parameter: referenceId")
	case req.BillNetAmount == nil || *req.BillNetAmount < 1_00:
		return nil, errParams("billNetAmount must be at least 1")
	}
	if e := cmp.Or(checkDate("billDueDate", req.BillDueDate), checkDate("billDate", req.BillDate)); e != nil {
		return nil, e
	}
	s.mu.Lock()
	due, ok := s.bills.Fetched[req.ValidationID]
	s.mu.Unlock()
	switch {
	case !ok:
		return nil, errParams("Invalid validationId: fetch the bill first")
	case due.CompanyBillerID != "" && req.CompanyBillerID != due.CompanyBillerID:
		return nil, errParams("companyBillerId does not match the fetched bill")
	case req.BillID != "" && due.BillID != "" && req.BillID != due.BillID:
		return nil, errParams("billId does not match the fetched bill")
	case due.Amount != domain.Paise(*req.BillNetAmount):
		return nil, errParams("billNetAmount does not match the fetched bill")
	}
	b := &bill{Ref: req.ReferenceID, BillerID: due.BillerID, CN: due.CN, BillNumber: req.BillNumber, Sent: domain.Paise(*req.BillNetAmount),
		DueDate: req.BillDueDate, BillDate: req.BillDate}
	return s.createBill(b)
}

// errFault500 marks a create that an outcome's fault answers 500.
var errFault500 = &apiError{http.StatusInternalServerError, http.StatusInternalServerError, "Internal server error", nil}

// createBill records b unless its reference exists (code 38) or the scenario refuses it, and
// applies the scenario's outcome and fault.
func (s *Server) createBill(b *bill) (any, *apiError) {
	o := s.outcome(b.Ref)
	s.mu.Lock()
	defer s.mu.Unlock()
	fault := ""
	if o.Fault != "" && !s.bills.Faulted[b.Ref] {
		s.bills.Faulted[b.Ref] = true
		fault = o.Fault
	}
	if fault == BillFault500 {
		s.stats.HTTP500++
		return nil, errFault500 // nothing recorded
	}
	c := s.call(KindBill, b.Ref)
	c.creates++
	if _, exists := s.bills.byRef[b.Ref]; exists {
		c.duplicates++
		return nil, &apiError{http.StatusBadRequest, codeDuplicateRef, "Duplicate referenceId provided", "Duplicate referenceId provided"}
	}
	c.amount, c.hasAmount = b.Sent, true
	if o.Status == statusRejected {
		c.status = "REFUSED"
		return nil, errBill(http.StatusBadRequest, cmp.Or(o.Reason, defaultBillRefusal))
	}
	now := s.now()
	n := strconv.Itoa(c.creates)
	b.ID = s.ident("1", 9, digits, "bill", b.Ref, n)
	b.BBPSRef = s.ident("CC", 14, alnum, "bbps", b.Ref, n)
	b.Created, b.Amount = now, b.Sent
	b.Final, b.Then, b.Drop = cmp.Or(o.Status, billpaySuccess), o.Then, o.Drop
	if b.Final == statusProcessing {
		b.Final = billpayPending
	}
	if b.Final == billpayFailed {
		b.PaymentFinal = cmp.Or(o.PaymentStatus, paymentFailed)
		b.Reason = cmp.Or(o.Reason, defaultBillFailReason)
	}
	if b.Then != "" {
		b.Reason = cmp.Or(o.Reason, "REFUNDED_BY_BILLER")
	}
	if o.Amount != nil {
		b.Amount = domain.Paise(*o.Amount)
	}
	s.bills.add(b)
	rec := s.billRecord(b, now)
	c.status = rec.BillpayStatus
	if fault == BillFault500AfterCommit {
		s.stats.HTTP500AfterCommit++
		return nil, errFault500
	}
	return billOut{UtilityEnkashID: rec.UtilityEnkashID, ReferenceID: b.Ref, Amount: rec.Amount,
		ConsumerNumber: b.CN, PaymentStatus: rec.PaymentStatus, ApprovalStatus: rec.ApprovalStatus}, nil
}

// confirmDebit answers PUT /api/v0/utilityPayment/status: approves the bills' debit. Approving
// a bill already approved changes nothing.
func (s *Server) confirmDebit(r *http.Request) (any, *apiError) {
	var req confirmDebitIn
	if e := decodePlain(r, &req); e != nil {
		return nil, e
	}
	switch {
	case len(req.UtilityPaymentIDs) == 0 || len(req.UtilityPaymentIDs) > maxConfirmIDs:
		return nil, errParams("utilityPaymentIds must hold 1 to 1000 ids")
	case req.ApprovalStatus != approvalChecker:
		return nil, errParams("Invalid approvalStatus: " + req.ApprovalStatus)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range req.UtilityPaymentIDs {
		if _, ok := s.bills.byID[id]; !ok {
			return nil, errBill(http.StatusBadRequest, "Invalid utilityPaymentId: "+id)
		}
	}
	now := s.now()
	for _, id := range req.UtilityPaymentIDs {
		if b := s.bills.byID[id]; b.Approved.IsZero() {
			b.Approved = now
			s.stats.ConfirmedBills++
		}
	}
	return nil, nil
}

// billByReference answers GET /api/v2/utilityPayment/referenceId/{referenceId}; an unknown
// reference gets D's HTTP 400 with payload "No utility payment found" (the text in payload).
func (s *Server) billByReference(r *http.Request) (any, *apiError) {
	ref := strings.TrimPrefix(r.URL.Path, pathBillByReference)
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.bills.byRef[ref]
	if !ok || b.Drop || ref == "" {
		return nil, errBill(http.StatusBadRequest, msgNoUtilityPayment)
	}
	return s.showBill(b, s.now()), nil
}

// searchBills answers POST /api/v1/utilityPayment/search (fetch bulk bill details): filters
// AND-combined, dates yyyy-MM-dd (D) and inclusive, offset and limit in the body.
func (s *Server) searchBills(r *http.Request) (any, *apiError) {
	var req searchBillsIn
	if e := decodePlain(r, &req); e != nil {
		return nil, e
	}
	limit := cmp.Or(req.Limit, DefaultSearchLimit)
	if req.Offset < 0 || limit < 1 || limit > maxSearchLimit {
		return nil, errParams("offset and limit (1 to 5000) out of range")
	}
	var bounds [6]time.Time
	for i, f := range []struct{ name, v string }{
		{"createdDateFrom", req.CreatedDateFrom}, {"createdDateTo", req.CreatedDateTo},
		{"billDueDateFrom", req.BillDueDateFrom}, {"billDueDateTo", req.BillDueDateTo},
		{"billpayDateFrom", req.BillpayDateFrom}, {"billpayDateTo", req.BillpayDateTo},
	} {
		if e := checkDate(f.name, f.v); e != nil {
			return nil, e
		}
		if f.v != "" {
			d, _ := time.ParseInLocation(time.DateOnly, f.v, ist)
			if i%2 == 1 {
				d = d.AddDate(0, 0, 1) // an upper bound includes its whole day
			}
			bounds[i] = d
		}
	}
	set := func(vs []string) map[string]bool {
		m := make(map[string]bool, len(vs))
		for _, v := range vs {
			m[strings.ToUpper(v)] = true
		}
		return m
	}
	ids := make(map[string]bool, len(req.UtilityEnkashIDs))
	for _, id := range req.UtilityEnkashIDs {
		ids[id] = true
	}
	cns, billpay, payment := set(req.ConsumerNumbers), set(append(req.BillPayStatuses, req.BillpayStatus)), set(req.Statuses)
	delete(billpay, "")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var hits []*bill
	for _, b := range s.bills.Bills {
		rec := s.billRecord(b, now)
		due, _ := time.ParseInLocation(time.DateOnly, b.DueDate, ist)
		var paid time.Time
		if rec.BillpayDate != "" {
			paid = b.Created
		}
		switch {
		case b.Drop,
			len(ids) > 0 && !ids[b.ID],
			len(cns) > 0 && !cns[strings.ToUpper(b.CN)],
			len(billpay) > 0 && !billpay[rec.BillpayStatus],
			len(payment) > 0 && !payment[rec.PaymentStatus],
			req.BillReferenceID != "" && req.BillReferenceID != b.BBPSRef,
			!inRange(b.Created, bounds[0], bounds[1]),
			(req.BillDueDateFrom != "" || req.BillDueDateTo != "") && (b.DueDate == "" || !inRange(due, bounds[2], bounds[3])),
			(req.BillpayDateFrom != "" || req.BillpayDateTo != "") && (paid.IsZero() || !inRange(paid, bounds[4], bounds[5])):
			continue
		}
		hits = append(hits, b)
	}
	slices.SortStableFunc(hits, func(a, b *bill) int {
		return cmp.Or(a.Created.Truncate(time.Second).Compare(b.Created.Truncate(time.Second)), cmp.Compare(a.ID, b.ID))
	})
	out := searchBillsOut{TotalCount: len(hits), Bills: []billOut{}}
	for _, b := range pageOf(hits, req.Offset, limit) {
		out.Bills = append(out.Bills, s.showBill(b, now))
	}
	return out, nil
}

// showBill is b as a lookup returns it; the lookup counts one poll of an approved bill.
func (s *Server) showBill(b *bill, now time.Time) billOut {
	rec := s.billRecord(b, now)
	if !b.Approved.IsZero() {
		b.Polls++
	}
	if c, ok := s.calls[callKey{KindBill, b.Ref}]; ok { // extras have no create calls
		c.status = rec.BillpayStatus
	}
	return rec
}

// billRecord is b's record at now, before the lookup under way counts its poll.
func (s *Server) billRecord(b *bill, now time.Time) billOut {
	rec := billOut{
		CompanyBiller:   &companyBillerOut{Biller: billerOut{BillerID: b.BillerID}, ConsumerNumber: b.CN},
		UtilityEnkashID: b.ID, ReferenceID: b.Ref, Amount: rupees(b.Amount),
		ConsumerNumber: b.CN, BillNumber: b.BillNumber, BillDate: b.BillDate, BillDueDate: b.DueDate,
		CreatedDate: stampText(b.Created), ApprovalStatus: approvalMaker, PaymentStatus: paymentInit,
		PaymentMode: "ACCOUNT",
	}
	status := b.Fixed
	if status == "" && !b.Approved.IsZero() {
		rec.ApprovalStatus = approvalChecker
		settled, reversed := s.settled(b.Approved, b.Polls, now)
		switch {
		case !settled && b.Polls == 0:
			status = billpayPending
		case !settled || b.Final == billpayPending:
			status = billpayInProgress
		case b.Then == statusReversed && reversed:
			status = "REFUNDED"
		default:
			status = b.Final
		}
	}
	if b.Fixed != "" {
		rec.ApprovalStatus = approvalChecker
	}
	switch status {
	case "":
	case billpaySuccess:
		rec.BillpayStatus, rec.PaymentStatus = billpaySuccess, paymentSuccess
		rec.BillReferenceID, rec.BillpayDate = b.BBPSRef, stampText(b.Created)
	case billpayFailed:
		rec.BillpayStatus, rec.PaymentStatus = billpayFailed, cmp.Or(b.PaymentFinal, paymentFailed)
		rec.FailureReason = cmp.Or(b.Reason, defaultBillFailReason)
	case "REFUNDED": // refunded after success
		rec.BillpayStatus, rec.PaymentStatus = billpayFailed, paymentRefunded
		rec.FailureReason, rec.BillReferenceID = b.Reason, b.BBPSRef
		rec.RefundDate = stampText(now)
	default:
		rec.BillpayStatus, rec.PaymentStatus = status, "PROCESS"
	}
	return rec
}

// addBillExtras records the scenario's extra bills, created and settled at server start.
func (s *Server) addBillExtras(extras []Extra, now time.Time) {
	for _, e := range extras {
		if e.Kind != KindBill {
			continue
		}
		b := &bill{Ref: e.Reference, BillerID: 1, CN: "EXTRA", Sent: domain.Paise(e.Amount), Amount: domain.Paise(e.Amount),
			Created: now, Approved: now, Final: cmp.Or(e.Status, billpaySuccess), Reason: e.Reason}
		b.Fixed = b.Final
		b.ID = s.ident("1", 9, digits, "extra-bill", b.Ref)
		b.BBPSRef = s.ident("CC", 14, alnum, "extra-bbps", b.Ref)
		s.bills.add(b)
	}
}

// checkBillOutcome checks the fields of an outcome that only bills read.
func checkBillOutcome(o Outcome) error {
	switch o.PaymentStatus {
	case "", paymentFailed, paymentRefunded:
	default:
		return fmt.Errorf("payment_status %q is not FAILED or REFUNDED", o.PaymentStatus)
	}
	if o.PaymentStatus != "" && o.Status != billpayFailed {
		return errors.New("payment_status applies only to status FAILED")
	}
	switch o.Fault {
	case "", BillFault500, BillFault500AfterCommit:
	default:
		return fmt.Errorf("fault %q is not %s or %s", o.Fault, BillFault500, BillFault500AfterCommit)
	}
	return nil
}

// saveBills is the BBPS part of the saved state (the caller holds s.mu).
func (s *Server) saveBills() (json.RawMessage, error) {
	if len(s.bills.Bills) == 0 && len(s.bills.Fetched) == 0 && len(s.bills.Faulted) == 0 {
		return nil, nil
	}
	return json.Marshal(s.bills)
}

// loadBills rebuilds the BBPS state from its saved JSON, checking that it holds together.
func loadBills(raw json.RawMessage) (*billBook, error) {
	bb := newBillBook()
	if len(raw) == 0 || string(raw) == "null" {
		return bb, nil
	}
	var saved billBook
	if err := json.Unmarshal(raw, &saved); err != nil {
		return nil, fmt.Errorf("bills: %w", err)
	}
	for i, b := range saved.Bills {
		switch {
		case b == nil || b.Ref == "" || b.ID == "":
			return nil, fmt.Errorf("bills[%d]: no reference or id", i)
		case bb.byRef[b.Ref] != nil || bb.byID[b.ID] != nil:
			return nil, fmt.Errorf("bills[%d] (%s): reference or id appears twice", i, b.Ref)
		case b.Sent < 0 || b.Amount < 0 || b.Polls < 0 || b.Created.IsZero() || b.Final == "":
			return nil, fmt.Errorf("bills[%d] (%s): negative amount or polls, no creation time or no outcome", i, b.Ref)
		}
		bb.add(b)
	}
	for k, v := range saved.Fetched {
		bb.Fetched[k] = v
	}
	for k, v := range saved.Faulted {
		bb.Faulted[k] = v
	}
	return bb, nil
}
