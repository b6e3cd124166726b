package sandbox

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
)

// Sandbox rules of the batch transfer (enkash-api.md, section 3).
const (
	// MaxBatchTransfers is the most transfers the sandbox takes in one batch. Enkash does not
	// document one; peers allow 1,000 to 5,000.
	MaxBatchTransfers = 5000
	// DefaultSearchLimit is the page size of a search that names no limit.
	DefaultSearchLimit = 100

	minTransfer = domain.Paise(1_00)        // ₹1.00 (D)
	maxIMPS     = domain.Paise(2_00_000_00) // ₹2,00,000.00 (D)

	defaultRejectReason  = "REJECT_BENEF_DET_ID"
	defaultFailReason    = "BANK_DECLINED"
	defaultReverseReason = "REVERSED_BY_BANK"
)

// ist is India Standard Time, in which the sandbox stamps records and reads bare dates.
var ist = time.FixedZone("IST", 5*3600+1800)

var transferModes = map[string]bool{"IMPS": true, "NEFT": true, "RTGS": true, "UPI": true}

var (
	reIFSC    = regexp.MustCompile(`^[A-Z]{4}0[A-Z0-9]{6}$`)
	reAccount = regexp.MustCompile(`^[0-9]{9,18}$`)
	reVPA     = regexp.MustCompile(`^[A-Za-z0-9._-]{2,256}@[A-Za-z][A-Za-z0-9]{1,63}$`)
	reRemark  = regexp.MustCompile(`^[A-Za-z0-9 ]*$`)
)

// transfer is one payout as the sandbox holds it.
type transfer struct {
	id, batch, enkashID, mode, utr string
	sent, amount                   domain.Paise // what the client asked for, what Enkash records
	created                        time.Time
	polls                          int    // searches that returned it
	fixed                          string // a status that never changes (REJECTED at batch time, extras)
	final, then, reason            string // where it settles, and what follows
	drop                           bool
	shown                          string    // the status a search last showed
	updated                        time.Time // when shown last changed
	noDebit                        bool      // succeeds without a statement debit
	debited, credited              bool      // its statement lines are posted
}

// callKey names one reference of one kind in the call log.
type callKey struct{ kind, ref string }

// callRecord counts the create requests for one reference.
type callRecord struct {
	creates, duplicates int
	amount              domain.Paise
	hasAmount           bool
	status              string // for batches; payouts report their transfer's status
}

// Call kinds in the call log.
const (
	KindPayout      = "payout"       // one transfer, by transactionId
	KindPayoutBatch = "payout_batch" // one batch, by batchTransactionId
)

// Call is one reference the sandbox received, with the create requests it processed for it
// (DESIGN.md, "Sandbox inspection"). After any run, with any faults, every reference should
// have Creates = 1 and Duplicates = 0.
type Call struct {
	Kind       string `json:"kind"`       // KindPayout or KindPayoutBatch
	Reference  string `json:"reference"`  // transactionId or batchTransactionId
	Creates    int    `json:"creates"`    // create requests processed, duplicates included
	Duplicates int    `json:"duplicates"` // of which refused because the reference existed
	Amount     string `json:"amount"`     // the amount last sent, e.g. "1250.50"; a batch's total
	Status     string `json:"status"`     // the transfer's status now; ACCEPTED for a batch
}

// Calls returns the call log, sorted by kind then reference.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := make([]Call, 0, len(s.calls))
	for k, c := range s.calls {
		call := Call{Kind: k.kind, Reference: k.ref, Creates: c.creates, Duplicates: c.duplicates, Status: c.status}
		if c.hasAmount {
			call.Amount = c.amount.Decimal()
		}
		if t, ok := s.transfers[k.ref]; ok && k.kind == KindPayout {
			call.Status = s.current(t, now)
		}
		out = append(out, call)
	}
	slices.SortFunc(out, func(a, b Call) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Reference, b.Reference))
	})
	return out
}

func (s *Server) call(kind, ref string) *callRecord {
	k := callKey{kind, ref}
	c, ok := s.calls[k]
	if !ok {
		c = &callRecord{}
		s.calls[k] = c
	}
	return c
}

// addExtras records the scenario's extra transfers, created at server start.
func (s *Server) addExtras(extras []Extra, now time.Time) {
	for _, e := range extras {
		if e.Kind != "payout" && e.Kind != "payouts" {
			continue // another family's record
		}
		t := &transfer{
			id: e.Reference, mode: cmp.Or(e.Mode, "IMPS"),
			sent: domain.Paise(e.Amount), amount: domain.Paise(e.Amount),
			created: now, fixed: cmp.Or(e.Status, enkash.PayoutSuccess), reason: e.Reason,
		}
		t.enkashID = s.ident("EKT", 12, alnum, "extra", t.id)
		t.utr = s.ident("UTR", 12, digits, "extra", t.id)
		s.store(t)
	}
}

// store adds t, replacing a REJECTED transfer of the same id in place, and posts the statement
// lines its first status owes (an extra that is SUCCESS, a transfer settling after 0 polls).
func (s *Server) store(t *transfer) {
	t.shown, t.updated = s.statusAt(t, t.created), t.created
	s.book = append(s.book, s.owed(t, t.shown, t.created, t.created)...)
	if old, ok := s.transfers[t.id]; ok {
		i := slices.Index(s.order, old)
		s.order[i] = t
	} else {
		s.order = append(s.order, t)
	}
	s.transfers[t.id] = t
	if t.batch != "" {
		s.byBatch[t.batch] = append(s.byBatch[t.batch], t.id)
	}
}

// statusAt is t's status at now, before the search under way counts its poll: PENDING until a
// search has returned it, then PROCESSING, then final once settled (after settle polls, or
// once the settle duration has passed), then REVERSED after another settle period if the
// outcome says so.
func (s *Server) statusAt(t *transfer, now time.Time) string {
	if t.fixed != "" {
		return t.fixed
	}
	if t.final == enkash.PayoutPending {
		return enkash.PayoutPending
	}
	settled, reversed := s.settled(t.created, t.polls, now)
	switch {
	case !settled && t.polls == 0:
		return enkash.PayoutPending
	case !settled:
		return enkash.PayoutProcessing
	case t.then == enkash.PayoutReversed && reversed:
		return enkash.PayoutReversed
	}
	return t.final
}

// settled reports whether something the world began settling at since (a transfer's
// creation, a bill's approval) and searched polls times has settled by now, and whether it
// would have been reversed by now: after settle polls or the settle duration, and reversed
// after another settle period.
func (s *Server) settled(since time.Time, polls int, now time.Time) (settled, reversed bool) {
	if s.settle.After > 0 {
		age := now.Sub(since)
		return age >= s.settle.After, age >= 2*s.settle.After
	}
	return polls >= s.settle.Polls, polls >= s.settle.Polls+max(s.settle.Polls, 1)
}

// current is t's status as the world knows it at now, for the call log: with
// settling by polls, the status the last search showed (a transfer never searched is still
// PENDING); with settling by time, its status at now.
func (s *Server) current(t *transfer, now time.Time) string {
	if s.settle.After > 0 {
		return s.statusAt(t, now)
	}
	return t.shown
}

// outcome returns the first outcome matching ref, or the default (success).
func (s *Server) outcome(ref string) Outcome {
	for _, o := range s.outcomes {
		if o.Matches(ref) {
			return o
		}
	}
	return Outcome{}
}

// batchTransfer answers POST /api/v0/payout-transaction/batch.
func (s *Server) batchTransfer(r *http.Request) (any, *apiError) {
	var req enkash.BatchTransferRequest
	if e := s.decode(r, &req); e != nil {
		return nil, e
	}
	switch {
	case strings.TrimSpace(req.BatchTransactionID) == "":
		return nil, errInvalid("Missing parameter: batchTransactionId")
	case len(req.Transfers) == 0:
		return nil, errInvalid("Missing parameter: transfers")
	case len(req.Transfers) > MaxBatchTransfers:
		return nil, errInvalid("Too many transfers: at most " + strconv.Itoa(MaxBatchTransfers) + " in a batch")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	batch := s.call(KindPayoutBatch, req.BatchTransactionID)
	batch.creates++
	if s.batches[req.BatchTransactionID] {
		batch.duplicates++
		return nil, &apiError{http.StatusConflict, enkash.CodeAlreadyExists, "Batch Transaction ID already exists"}
	}
	s.batches[req.BatchTransactionID] = true
	batch.status = "ACCEPTED"
	batch.hasAmount = true

	now := s.now()
	resp := enkash.BatchTransferResponse{
		BatchTransactionID: req.BatchTransactionID,
		Successful:         []enkash.TransferResult{},
		Failed:             []enkash.TransferFailure{},
	}
	fail := func(id, reason, message string) {
		resp.Failed = append(resp.Failed, enkash.TransferFailure{TransactionID: id, Reason: reason, Message: message})
	}
	inBatch := make(map[string]bool, len(req.Transfers))
	for _, tr := range req.Transfers {
		batch.amount += domain.Paise(tr.Amount)
		if tr.TransactionID == "" {
			fail("", "REJECT_TXN_ID", "Transaction ID is required")
			continue
		}
		c := s.call(KindPayout, tr.TransactionID)
		c.creates++
		if inBatch[tr.TransactionID] {
			c.duplicates++
			fail(tr.TransactionID, "REJECT_TXN_ID", "Transaction ID repeated in the batch")
			continue
		}
		inBatch[tr.TransactionID] = true
		// A REJECTED transfer may be sent again with the same transactionId (D).
		if old, ok := s.transfers[tr.TransactionID]; ok && old.fixed != enkash.PayoutRejected {
			c.duplicates++
			fail(tr.TransactionID, "REJECT_TXN_ID", "Transaction ID already exists")
			continue
		}
		c.amount, c.hasAmount = domain.Paise(tr.Amount), true

		t := &transfer{
			id: tr.TransactionID, batch: req.BatchTransactionID, mode: tr.Mode,
			sent: domain.Paise(tr.Amount), amount: domain.Paise(tr.Amount), created: now,
		}
		n := strconv.Itoa(c.creates)
		t.enkashID = s.ident("EKT", 12, alnum, "transfer", t.id, n)
		t.utr = s.ident("UTR", 12, digits, "utr", t.id, n)
		if reason, message := checkTransfer(tr); reason != "" {
			t.fixed, t.reason = enkash.PayoutRejected, reason
			s.store(t)
			fail(t.id, reason, message)
			continue
		}
		o := s.outcome(t.id)
		if o.Status == enkash.PayoutRejected {
			t.fixed, t.reason = enkash.PayoutRejected, cmp.Or(o.Reason, defaultRejectReason)
			s.store(t)
			fail(t.id, t.reason, cmp.Or(rejectMessages[t.reason], "Rejected"))
			continue
		}
		t.final, t.then, t.drop, t.noDebit = cmp.Or(o.Status, enkash.PayoutSuccess), o.Then, o.Drop, o.NoDebit
		switch {
		case t.final == enkash.PayoutFailed:
			t.reason = cmp.Or(o.Reason, defaultFailReason)
		case t.then == enkash.PayoutReversed || t.final == enkash.PayoutReversed:
			t.reason = cmp.Or(o.Reason, defaultReverseReason)
		}
		if o.Amount != nil {
			t.amount = domain.Paise(*o.Amount)
		}
		s.store(t)
		resp.Successful = append(resp.Successful, enkash.TransferResult{
			TransactionID: t.id, EnkashTransactionID: t.enkashID, PayoutStatus: enkash.PayoutPending,
		})
	}
	return resp, nil
}

// rejectMessages words the documented REJECTED reason codes.
var rejectMessages = map[string]string{
	"REJECT_BENEF_ID":     "Invalid beneficiary ID",
	"REJECT_TXN_ID":       "Invalid transaction ID",
	"REJECT_TRF_AMT":      "Invalid transfer amount",
	"REJECT_TRF_MODE":     "Invalid transfer mode",
	"REJECT_TRF_RMK":      "Invalid transfer remark",
	"REJECT_FND_SRC_ID":   "Invalid fund source ID",
	"REJECT_BENEF_DET_ID": "Invalid beneficiary details",
	"REJECT_BENEF_NAME":   "Invalid beneficiary name",
	"REJECT_BENEF_ACC":    "Invalid beneficiary account number",
	"REJECT_BENEF_IFSC":   "Invalid beneficiary IFSC",
	"REJECT_BENEF_EMAIL":  "Invalid beneficiary e-mail",
	"REJECT_CHKSUM":       "Invalid checksum",
}

// checkTransfer applies Enkash's per-item rules and returns the REJECT_* reason and message of
// the first one broken, or "" if the transfer is acceptable.
func checkTransfer(t enkash.Transfer) (reason, message string) {
	amount := domain.Paise(t.Amount)
	switch {
	case amount < minTransfer:
		return "REJECT_TRF_AMT", "Transfer amount must be at least 1.00"
	case !transferModes[t.Mode]:
		return "REJECT_TRF_MODE", "Transfer mode must be IMPS, NEFT, RTGS or UPI"
	case t.Mode == "IMPS" && amount > maxIMPS:
		return "REJECT_TRF_AMT", "IMPS transfers are limited to 200000.00"
	case !reRemark.MatchString(t.Remark):
		return "REJECT_TRF_RMK", "Transfer remark may hold letters, digits and spaces only"
	case t.BeneficiaryID == "" && t.Beneficiary == nil:
		return "REJECT_BENEF_ID", "Either beneficiaryId or beneficiaryDetail is required"
	case t.BeneficiaryID != "" && t.Beneficiary != nil:
		return "REJECT_BENEF_DET_ID", "Give beneficiaryId or beneficiaryDetail, not both"
	case t.Beneficiary == nil:
		return "", ""
	}
	b := t.Beneficiary
	hasBank := b.AccountNumber != "" || b.IFSC != ""
	switch {
	case strings.TrimSpace(b.Name) == "" || len(b.Name) > 100:
		return "REJECT_BENEF_NAME", "Beneficiary name is required, at most 100 characters"
	case hasBank && b.VPA != "":
		return "REJECT_BENEF_ACC", "Both bank account and VPA given"
	case !hasBank && b.VPA == "":
		return "REJECT_BENEF_ACC", "Bank account and IFSC, or a VPA, are required"
	case b.VPA != "" && !reVPA.MatchString(b.VPA):
		return "REJECT_BENEF_DET_ID", "Invalid VPA handle"
	case hasBank && !reAccount.MatchString(b.AccountNumber):
		return "REJECT_BENEF_ACC", "Beneficiary account number must be 9 to 18 digits"
	case hasBank && !reIFSC.MatchString(b.IFSC):
		return "REJECT_BENEF_IFSC", "Invalid beneficiary IFSC"
	case b.Email != "" && !strings.Contains(b.Email, "@"):
		return "REJECT_BENEF_EMAIL", "Invalid beneficiary e-mail"
	}
	return "", ""
}

// searchTransfers answers POST /api/v0/payout-transaction/search?offset=&limit=&direction=.
// Every search that returns a transfer counts one poll of it.
func (s *Server) searchTransfers(r *http.Request) (any, *apiError) {
	offset, limit, desc, e := pageParams(r.URL.Query())
	if e != nil {
		return nil, e
	}
	var req enkash.SearchTransfersRequest
	if e := s.decode(r, &req); e != nil {
		return nil, e
	}
	from, before, e := dateRange("fromDate", req.FromDate, "toDate", req.ToDate)
	if e != nil {
		return nil, e
	}
	statuses := make(map[string]bool, len(req.Statuses))
	for _, st := range req.Statuses {
		statuses[strings.ToUpper(st)] = true
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	candidates := s.order
	if len(req.TransactionIDs) > 0 || req.BatchTransactionID != "" {
		ids := req.TransactionIDs
		if len(ids) == 0 {
			ids = s.byBatch[req.BatchTransactionID]
		}
		candidates = make([]*transfer, 0, len(ids))
		seen := make(map[string]bool, len(ids))
		for _, id := range ids {
			if t, ok := s.transfers[id]; ok && !seen[id] {
				seen[id] = true
				candidates = append(candidates, t)
			}
		}
	}
	type hit struct {
		t      *transfer
		status string
	}
	var hits []hit
	for _, t := range candidates {
		if t.drop || (req.BatchTransactionID != "" && t.batch != req.BatchTransactionID) || !inRange(t.created, from, before) {
			continue
		}
		st := s.statusAt(t, now)
		if len(statuses) > 0 && !statuses[st] {
			continue
		}
		hits = append(hits, hit{t, st})
	}
	slices.SortFunc(hits, func(a, b hit) int {
		c := cmp.Or(a.t.created.Truncate(time.Second).Compare(b.t.created.Truncate(time.Second)), cmp.Compare(a.t.id, b.t.id))
		if desc {
			return -c
		}
		return c
	})
	resp := enkash.SearchTransfersResponse{TotalCount: len(hits), Transfers: []enkash.TransferRecord{}}
	for _, h := range pageOf(hits, offset, limit) {
		t := h.t
		if h.status != t.shown {
			t.shown, t.updated = h.status, now
			if s.settle.After <= 0 {
				s.book = append(s.book, s.owed(t, h.status, now, now)...)
			}
		}
		rec := enkash.TransferRecord{
			TransactionID: t.id, BatchTransactionID: t.batch, EnkashTransactionID: t.enkashID,
			Amount: enkash.Amount(t.amount), Mode: t.mode, PayoutStatus: h.status,
			CreatedAt: stampText(t.created), UpdatedAt: stampText(t.updated),
		}
		switch h.status {
		case enkash.PayoutSuccess:
			rec.UTR = t.utr
		case enkash.PayoutReversed:
			rec.UTR, rec.FailureReason = t.utr, t.reason
		case enkash.PayoutFailed, enkash.PayoutRejected:
			rec.FailureReason = t.reason
		}
		resp.Transfers = append(resp.Transfers, rec)
		t.polls++
	}
	return resp, nil
}

// pageParams reads offset, limit (1 to 5,000) and direction (ASC or DESC) from the query.
func pageParams(q url.Values) (offset, limit int, desc bool, e *apiError) {
	offset, limit = 0, DefaultSearchLimit
	var err error
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, false, errInvalid("Invalid offset: " + v)
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > enkash.MaxSearchLimit {
			return 0, 0, false, errInvalid("Invalid limit: " + v + " (1 to " + strconv.Itoa(enkash.MaxSearchLimit) + ")")
		}
	}
	switch strings.ToUpper(q.Get("direction")) {
	case "", "ASC":
	case "DESC":
		desc = true
	default:
		return 0, 0, false, errInvalid("Invalid direction: " + q.Get("direction"))
	}
	return offset, limit, desc, nil
}

// pageOf is the page of hits from offset, at most limit long (empty past the end).
func pageOf[T any](hits []T, offset, limit int) []T {
	return hits[min(offset, len(hits)):min(offset+limit, len(hits))]
}

// dateRange reads a search's lower and upper date filters, named fromName and toName in the
// answer to a bad one (see parseBound).
func dateRange(fromName, from, toName, to string) (time.Time, time.Time, *apiError) {
	f, err := parseBound(from, false)
	if err != nil {
		return f, f, errInvalid("Invalid " + fromName + ": " + from)
	}
	t, err := parseBound(to, true)
	if err != nil {
		return f, t, errInvalid("Invalid " + toName + ": " + to)
	}
	return f, t, nil
}

// inRange reports whether at, to the second, is within [from, before); a zero bound is open.
func inRange(at, from, before time.Time) bool {
	at = at.Truncate(time.Second)
	return (from.IsZero() || !at.Before(from)) && (before.IsZero() || at.Before(before))
}

// parseBound reads a date filter: RFC 3339, "yyyy-MM-dd HH:mm:ss" or "yyyy-MM-dd" (in IST).
// An upper bound is returned exclusive: a bare date includes its whole day, a time includes
// its whole second.
func parseBound(s string, upper bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, ist); err == nil {
		if upper {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if t, err = time.ParseInLocation(time.DateTime, s, ist); err != nil {
			return time.Time{}, err
		}
	}
	t = t.Truncate(time.Second)
	if upper {
		t = t.Add(time.Second)
	}
	return t, nil
}

// stampText renders a record's time as Enkash does (Assumption: RFC 3339, in IST, to the second).
func stampText(t time.Time) string { return t.In(ist).Format(time.RFC3339) }

// decode reads an encrypted request body into v: {"request": "<base64>"} whose plaintext is
// v's JSON. Unknown fields are refused, so a misspelt field shows up in tests.
func (s *Server) decode(r *http.Request, v any) *apiError {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return errInvalid("Invalid request format: " + err.Error())
	}
	var env enkash.Encrypted
	if err := json.Unmarshal(body, &env); err != nil || env.Request == "" {
		return errInvalid("Invalid encrypted request")
	}
	plain, err := s.cipher.Decrypt(env.Request)
	if err != nil {
		return errInvalid("Invalid encrypted request")
	}
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errInvalid("Invalid request format: " + err.Error())
	}
	return nil
}
