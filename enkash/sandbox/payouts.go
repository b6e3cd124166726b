package sandbox

import (
	"cmp"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"enkashbatch/domain"
)

// Sandbox rules of the batch transfer (docs/enkash.md, payouts).
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

// The documented field rules (D unless marked).
var (
	reIFSC    = regexp.MustCompile(`^[A-Za-z]{4}0[A-Z0-9a-z]{6}$`)
	reAccount = regexp.MustCompile(`^[0-9]{9,18}$`) // Assumption: 9 to 18 digits, as Indian banks issue
	reVPA     = regexp.MustCompile(`^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+$`)
	reRemark  = regexp.MustCompile(`^[A-Za-z0-9 ]*$`)                     // letters, digits and spaces
	reName    = regexp.MustCompile(`^[A-Za-z ]{1,100}$`)                  // letters and spaces, at most 100
	rePhone   = regexp.MustCompile(`^((\+|00)(\d{1,3})[\s-]?)?(\d{10})$`) // D, verbatim
	rePincode = regexp.MustCompile(`^[0-9]{1,6}$`)
	reAlnum   = regexp.MustCompile(`^[A-Za-z0-9]+$`) // beneficiaryId (D: alphanumeric); fundSourceId (Assumption)
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
	shown                          string           // the status a search last showed
	updated                        time.Time        // when shown last changed
	noDebit                        bool             // succeeds without a statement debit
	debited, credited              bool             // its statement lines are posted
	benefID                        string           // the payee by beneficiaryId, or
	benef                          *beneficiaryWire // the payee inline (name, account, IFSC or VPA, id)
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
// (GET /_sandbox/calls, README "Configuration"). After any run, with any faults, every
// reference should have Creates = 1 and Duplicates = 0.
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
			created: e.CreatedAt.resolve(now), fixed: cmp.Or(e.Status, statusSuccess), reason: e.Reason,
			benef: &beneficiaryWire{BeneficiaryID: "EXTRA" + s.ident("", 8, alnum, "extra-benef", e.Reference),
				BeneficiaryName: "Unknown Payee", BeneficiaryAccountNumber: "000000000000", BeneficiaryIfsc: "ENKS0000001"},
		}
		if b := e.Beneficiary; b != nil {
			t.benef = nil
			if b.Name == "" {
				t.benefID = b.ID
			} else {
				t.benef = &beneficiaryWire{BeneficiaryID: b.ID, BeneficiaryName: b.Name,
					BeneficiaryAccountNumber: b.Account, BeneficiaryIfsc: b.IFSC, VpaHandle: b.VPA}
			}
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
	if t.final == statusPending {
		return statusPending
	}
	settled, reversed := s.settled(t.created, t.polls, now)
	switch {
	case !settled && t.polls == 0:
		return statusPending
	case !settled:
		return statusProcessing
	case t.then == statusReversed && reversed:
		return statusReversed
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

// batchTransfer answers POST /api/v0/payout-transaction/batch (D): the batch id must be new
// (409 otherwise); each item is accepted (PENDING) or refused with its REJECT_* reason in the
// failed list (Assumption: that list), a refused item being recorded as REJECTED so that it may
// be sent again with the same transactionId once fixed (D).
func (s *Server) batchTransfer(r *http.Request) (any, *apiError) {
	var req batchIn
	if e := s.decode(r, &req); e != nil {
		return nil, e
	}
	switch {
	case strings.TrimSpace(req.BatchTransactionID) == "":
		return nil, errMissing("batchTransactionId")
	case len(req.Transfers) == 0:
		return nil, errMissing("transfers")
	case len(req.Transfers) > MaxBatchTransfers:
		return nil, errInvalid(msgMissingParameter + " At most " + strconv.Itoa(MaxBatchTransfers) + " transfers in a batch")
	}
	refusal, refused := refusalOf(r)
	checksumItems := refused && refusal.Kind == RefuseChecksumItems

	s.mu.Lock()
	defer s.mu.Unlock()
	batch := s.call(KindPayoutBatch, req.BatchTransactionID)
	batch.creates++
	if s.batches[req.BatchTransactionID] {
		batch.duplicates++
		return nil, &apiError{http.StatusConflict, codeExists, msgBatchExists, nil}
	}
	s.batches[req.BatchTransactionID] = true
	batch.status = "ACCEPTED"
	batch.hasAmount = true

	now := s.now()
	resp := batchOut{BatchTransactionID: req.BatchTransactionID, Successful: []transferCreated{}, Failed: []transferRefused{}}
	inBatch := make(map[string]bool, len(req.Transfers))
	for _, tr := range req.Transfers {
		if tr.TransferAmount != nil {
			batch.amount += domain.Paise(*tr.TransferAmount)
		}
		if strings.TrimSpace(tr.TransactionID) == "" {
			resp.Failed = append(resp.Failed, transferRefused{"", "REJECT_TXN_ID", "Transaction ID is required"})
			continue
		}
		if inBatch[tr.TransactionID] {
			c := s.call(KindPayout, tr.TransactionID)
			c.creates++
			c.duplicates++
			resp.Failed = append(resp.Failed, transferRefused{tr.TransactionID, "REJECT_TXN_ID", "Transaction ID repeated in the batch"})
			continue
		}
		inBatch[tr.TransactionID] = true
		override := ""
		if checksumItems {
			override = "REJECT_CHKSUM"
		}
		created, failure, dup := s.accept(tr, req.BatchTransactionID, now, override)
		switch {
		case dup:
			resp.Failed = append(resp.Failed, transferRefused{tr.TransactionID, "REJECT_TXN_ID", msgTxnExists})
		case failure.Reason != "":
			resp.Failed = append(resp.Failed, failure)
		default:
			resp.Successful = append(resp.Successful, created)
		}
	}
	return resp, nil
}

// singleTransfer answers POST /api/v0/payout-transaction (D): one transfer, refused as a whole
// call when it breaks a rule (422, or 412 for the bank account rules, with the documented
// message) or when its transactionId exists (409).
func (s *Server) singleTransfer(r *http.Request) (any, *apiError) {
	var tr transferIn
	if e := s.decode(r, &tr); e != nil {
		return nil, e
	}
	if strings.TrimSpace(tr.TransactionID) == "" {
		return nil, errMissing("transactionId")
	}
	override := ""
	if refusal, ok := refusalOf(r); ok && refusal.Kind == RefuseChecksumItems {
		override = "REJECT_CHKSUM"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	created, failure, dup := s.accept(tr, "", s.now(), override)
	switch {
	case dup:
		return nil, &apiError{http.StatusConflict, codeExists, msgTxnExists, nil}
	case failure.Reason == "REJECT_CHKSUM":
		return nil, &apiError{http.StatusPreconditionFailed, codePrecondition, msgInvalidChecksum, nil}
	case failure.Reason == "REJECT_BENEF_ACC" || failure.Reason == "REJECT_BENEF_IFSC":
		return nil, &apiError{http.StatusPreconditionFailed, codePrecondition, failure.Message, nil}
	case failure.Reason != "":
		return nil, errInvalid(failure.Message)
	}
	return created, nil
}

// accept records one transfer item: a duplicate of a transfer Enkash holds (not REJECTED) is
// refused; an item breaking a rule (or given override as its reason) is recorded REJECTED;
// any other is recorded with the scenario's outcome. The caller holds s.mu.
func (s *Server) accept(tr transferIn, batchID string, now time.Time, override string) (transferCreated, transferRefused, bool) {
	c := s.call(KindPayout, tr.TransactionID)
	c.creates++
	// A REJECTED transfer may be sent again with the same transactionId (D).
	if old, ok := s.transfers[tr.TransactionID]; ok && old.fixed != statusRejected {
		c.duplicates++
		return transferCreated{}, transferRefused{}, true
	}
	var amount domain.Paise
	if tr.TransferAmount != nil {
		amount = domain.Paise(*tr.TransferAmount)
	}
	c.amount, c.hasAmount = amount, true
	t := &transfer{
		id: tr.TransactionID, batch: batchID, mode: tr.TransferMode,
		sent: amount, amount: amount, created: now, benefID: tr.BeneficiaryID,
	}
	if d := tr.BeneficiaryDetail; d != nil {
		t.benef = &beneficiaryWire{BeneficiaryID: d.BeneficiaryID, BeneficiaryName: d.BeneficiaryName,
			BeneficiaryAccountNumber: d.BeneficiaryAccountNumber, BeneficiaryIfsc: d.BeneficiaryIfsc, VpaHandle: d.VpaHandle}
	}
	n := strconv.Itoa(c.creates)
	t.enkashID = s.ident("EKT", 12, alnum, "transfer", t.id, n)
	t.utr = s.ident("UTR", 12, digits, "utr", t.id, n)
	reason, message := checkTransfer(tr)
	if reason == "" && override != "" {
		reason, message = override, rejectMessages[override]
	}
	if reason != "" {
		t.fixed, t.reason = statusRejected, reason
		s.store(t)
		return transferCreated{}, transferRefused{t.id, reason, message}, false
	}
	o := s.outcome(t.id)
	if o.Status == statusRejected {
		t.fixed, t.reason = statusRejected, cmp.Or(o.Reason, defaultRejectReason)
		s.store(t)
		return transferCreated{}, transferRefused{t.id, t.reason, cmp.Or(rejectMessages[t.reason], "Rejected")}, false
	}
	t.final, t.then, t.drop, t.noDebit = cmp.Or(o.Status, statusSuccess), o.Then, o.Drop, o.NoDebit
	switch {
	case t.final == statusFailed:
		t.reason = cmp.Or(o.Reason, defaultFailReason)
	case t.then == statusReversed || t.final == statusReversed:
		t.reason = cmp.Or(o.Reason, defaultReverseReason)
	}
	if o.Amount != nil {
		t.amount = domain.Paise(*o.Amount)
	}
	s.store(t)
	return transferCreated{TransactionID: t.id, EnkashTransactionID: t.enkashID, PayoutStatus: statusPending}, transferRefused{}, false
}

// rejectMessages words the documented REJECTED reason codes.
var rejectMessages = map[string]string{
	"REJECT_BENEF_ID":     "Please provide a valid Beneficiary ID.",
	"REJECT_TXN_ID":       "Invalid transaction ID",
	"REJECT_TRF_AMT":      "Invalid transfer amount",
	"REJECT_TRF_MODE":     "Invalid transfer mode",
	"REJECT_TRF_RMK":      "Invalid transfer remark",
	"REJECT_FND_SRC_ID":   "Invalid fund source ID",
	"REJECT_BENEF_DET_ID": "Invalid beneficiary details",
	"REJECT_BENEF_NAME":   "Please provide a valid name.",
	"REJECT_BENEF_ACC":    "Invalid beneficiary account number",
	"REJECT_BENEF_IFSC":   "Invalid beneficiary IFSC",
	"REJECT_BENEF_EMAIL":  "Please provide a valid email.",
	"REJECT_CHKSUM":       "Invalid checksum in the request.",
}

// checkTransfer applies Enkash's per-item rules and returns the REJECT_* reason and message of
// the first one broken, or "" if the transfer is acceptable.
func checkTransfer(t transferIn) (reason, message string) {
	var amount domain.Paise
	if t.TransferAmount != nil {
		amount = domain.Paise(*t.TransferAmount)
	}
	switch {
	case t.TransferAmount == nil:
		return "REJECT_TRF_AMT", "Transfer amount is required"
	case amount < minTransfer:
		return "REJECT_TRF_AMT", "Transfer amount must be at least 1.00"
	case !transferModes[t.TransferMode]:
		return "REJECT_TRF_MODE", "Transfer mode must be IMPS, NEFT, RTGS or UPI"
	case t.TransferMode == "IMPS" && amount > maxIMPS:
		return "REJECT_TRF_AMT", "IMPS transfers are limited to 200000.00"
	case !reRemark.MatchString(t.TransferRemark):
		return "REJECT_TRF_RMK", "Transfer remark may hold letters, digits and spaces only"
	case t.FundSourceID != "" && !reAlnum.MatchString(t.FundSourceID):
		return "REJECT_FND_SRC_ID", "Invalid fund source ID"
	case t.Checksum != "":
		// Assumption: the checksum's steps are not published, so no checksum the client
		// computes can be right; the client omits it.
		return "REJECT_CHKSUM", rejectMessages["REJECT_CHKSUM"]
	case t.BeneficiaryID == "" && t.BeneficiaryDetail == nil:
		return "REJECT_BENEF_ID", "No beneficiary details present."
	case t.BeneficiaryID != "" && t.BeneficiaryDetail != nil:
		return "REJECT_BENEF_DET_ID", "Give beneficiaryId or beneficiaryDetail, not both"
	case t.BeneficiaryID != "" && !reAlnum.MatchString(t.BeneficiaryID):
		return "REJECT_BENEF_ID", rejectMessages["REJECT_BENEF_ID"]
	case t.BeneficiaryDetail == nil:
		return "", ""
	}
	return checkBeneficiary(t.BeneficiaryDetail)
}

// checkBeneficiary applies the rules of an inline payee (D: BeneficiaryDetailCreateRequest).
func checkBeneficiary(b *beneficiaryWire) (reason, message string) {
	hasAcc, hasIFSC, hasVPA := b.BeneficiaryAccountNumber != "", b.BeneficiaryIfsc != "", b.VpaHandle != ""
	switch {
	case !reAlnum.MatchString(b.BeneficiaryID):
		// Assumption: the detail's beneficiaryId is required (alphanumeric), as on Create Beneficiary.
		return "REJECT_BENEF_DET_ID", rejectMessages["REJECT_BENEF_ID"]
	case !reName.MatchString(b.BeneficiaryName) || strings.TrimSpace(b.BeneficiaryName) == "":
		return "REJECT_BENEF_NAME", "Please provide a valid name. Only alphabets and whitespaces are allowed, at most 100."
	case (hasAcc || hasIFSC) && hasVPA:
		return "REJECT_BENEF_ACC", "Bank account and VPA both provided. Provide only one to add the beneficiary."
	case !hasAcc && !hasIFSC && !hasVPA:
		return "REJECT_BENEF_ACC", "Bank account and IFSC, or a VPA, are required"
	case hasAcc && !hasIFSC:
		return "REJECT_BENEF_IFSC", "Bank account and IFSC both are required."
	case hasIFSC && !hasAcc:
		return "REJECT_BENEF_ACC", "Bank account and IFSC both are required."
	case hasVPA && !reVPA.MatchString(b.VpaHandle):
		return "REJECT_BENEF_DET_ID", "Please provide a valid Virtual Payee Address (VPA)."
	case hasAcc && !reAccount.MatchString(b.BeneficiaryAccountNumber):
		return "REJECT_BENEF_ACC", "Beneficiary account number must be 9 to 18 digits"
	case hasIFSC && !reIFSC.MatchString(b.BeneficiaryIfsc):
		return "REJECT_BENEF_IFSC", "Invalid beneficiary IFSC"
	case b.BeneficiaryEmail != "" && (len(b.BeneficiaryEmail) > 200 || !strings.Contains(b.BeneficiaryEmail, ".") || !strings.Contains(b.BeneficiaryEmail, "@")):
		return "REJECT_BENEF_EMAIL", rejectMessages["REJECT_BENEF_EMAIL"]
	case b.BeneficiaryPhone != "" && !rePhone.MatchString(b.BeneficiaryPhone):
		return "REJECT_BENEF_DET_ID", "Please provide a valid phone number."
	case b.BeneficiaryPincode != "" && !rePincode.MatchString(b.BeneficiaryPincode):
		return "REJECT_BENEF_DET_ID", "Beneficiary pincode is at most 6 digits"
	case b.Checksum != "":
		return "REJECT_CHKSUM", rejectMessages["REJECT_CHKSUM"]
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
	var req searchTransfersIn
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
	resp := searchTransfersOut{TotalCount: len(hits), Transfers: []transferOut{}}
	for _, h := range pageOf(hits, offset, limit) {
		t := h.t
		if h.status != t.shown {
			t.shown, t.updated = h.status, now
			if s.settle.After <= 0 {
				s.book = append(s.book, s.owed(t, h.status, now, now)...)
			}
		}
		rec := transferOut{
			TransactionID: t.id, BatchTransactionID: t.batch, EnkashTransactionID: t.enkashID,
			TransferAmount: rupees(t.amount), TransferMode: t.mode, PayoutStatus: h.status,
			BeneficiaryID: t.benefID, BeneficiaryDetail: t.benef,
			CreatedAt: stampText(t.created), UpdatedAt: stampText(t.updated),
		}
		switch h.status {
		case statusSuccess:
			rec.UTR = t.utr
		case statusReversed:
			rec.UTR, rec.FailureReason = t.utr, t.reason
		case statusFailed, statusRejected:
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
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxSearchLimit {
			return 0, 0, false, errInvalid("Invalid limit: " + v + " (1 to " + strconv.Itoa(maxSearchLimit) + ")")
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
// v's JSON, decoded strictly (unknown fields, wrong types and trailing data refused: 422
// "Invalid request format."). A body that is not that envelope, or does not decrypt with the
// client secret, is 422 "Invalid encrypted request." (D).
func (s *Server) decode(r *http.Request, v any) *apiError {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return errFormat(err)
	}
	var env sealed
	if err := strictJSON(body, &env); err != nil || env.Request == "" {
		return errInvalid(msgInvalidEncrypted)
	}
	plain, err := s.cipher.open(env.Request)
	if err != nil {
		return errInvalid(msgInvalidEncrypted)
	}
	if err := strictJSON(plain, v); err != nil {
		return errFormat(err)
	}
	return nil
}
