// Package domain holds the types every layer of the batch processor shares: file kinds, item
// states, money in paise, row errors, exceptions and the per-file tallies behind the
// conservation line. It imports nothing of ours.
package domain

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Kind is the kind of a finance file, and so of every item it holds.
type Kind string

// The file kinds the processor knows.
const (
	KindCustomers Kind = "customers" // bulk customers (Enkash accounts receivable)
	KindInvoices  Kind = "invoices"  // bulk invoices (accounts receivable); they name customers
	KindPayouts   Kind = "payouts"   // batch payouts
	KindBills     Kind = "bills"     // bulk bill details (BBPS)
)

// Kinds lists every kind in processing order: customers before the invoices that name them.
// Each needs a record type here (record.go), a parser spec, an Enkash flow and a report layout:
// the table of kinds (jobs.Kinds) refuses to start without one.
var Kinds = []Kind{KindCustomers, KindInvoices, KindPayouts, KindBills}

// ParseKind returns the Kind named s, and whether s names one.
func ParseKind(s string) (Kind, bool) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, true
		}
	}
	return "", false
}

// Status is where an item stands in its lifecycle (README, "Never pay twice").
type Status string

// The item states.
const (
	StatusReceived   Status = "received"
	StatusValid      Status = "valid"
	StatusRejected   Status = "rejected"
	StatusSubmitting Status = "submitting"
	StatusSubmitted  Status = "submitted"
	StatusPending    Status = "pending"
	StatusProcessing Status = "processing"
	StatusSuccess    Status = "success"
	StatusFailed     Status = "failed"
	StatusReversed   Status = "reversed"
	StatusUnknown    Status = "unknown"
)

// Final reports whether no further change is expected for an item in state s.
// A success can still be reversed later by the bank; reconciliation watches for that.
func (s Status) Final() bool {
	switch s {
	case StatusRejected, StatusSuccess, StatusFailed, StatusReversed:
		return true
	}
	return false
}

// Bucket is one column of the conservation line.
type Bucket string

// The conservation buckets: rows in = rejected + success + failed + reversed + open.
const (
	BucketRejected Bucket = "rejected"
	BucketSuccess  Bucket = "success"
	BucketFailed   Bucket = "failed"
	BucketReversed Bucket = "reversed"
	BucketOpen     Bucket = "open"
)

// Bucket returns the conservation bucket an item in state s counts in.
func (s Status) Bucket() Bucket {
	switch s {
	case StatusRejected:
		return BucketRejected
	case StatusSuccess:
		return BucketSuccess
	case StatusFailed:
		return BucketFailed
	case StatusReversed:
		return BucketReversed
	}
	return BucketOpen
}

// RowError is one broken rule of one input row, located as a person would find it.
type RowError struct {
	Line    int    `json:"line"`   // physical line of a CSV, sheet row number of an XLSX
	Column  string `json:"column"` // the column's header as written in the file
	Rule    string `json:"rule"`   // a short stable rule name, e.g. "ifsc_format"
	Message string `json:"message"`
}

// ReferenceKey is the form of a reference under which it is unique within its kind: without
// surrounding spaces, letters A to z folded to capitals, so that "DP-3", "Dp-3" and "dp-3 "
// are one reference. Only ASCII letters are folded, exactly as SQLite's upper(), which built
// the keys of items recorded before the key existed (ledger migration 0004).
func ReferenceKey(ref string) string {
	ref = strings.TrimSpace(ref)
	for i := 0; i < len(ref); i++ {
		if c := ref[i]; c >= 'a' && c <= 'z' {
			b := []byte(ref)
			for j := i; j < len(b); j++ {
				if b[j] >= 'a' && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return ref
}

// The rules of a row refused because its reference belongs to a payment already made or
// queued: such a row must never be offered for correcting and sending again.
const (
	// RuleAlreadySent: the reference is held by an item sent to Enkash (in flight or final).
	RuleAlreadySent = "already_sent"
	// RuleAlreadyQueued: the reference is held by a valid item of another file, not yet sent.
	RuleAlreadyQueued = "already_queued"
)

// NeverResendRules are the rules of rows that must stay out of fix-and-redrop files and of any
// advice to correct and drop them again.
var NeverResendRules = []string{RuleAlreadySent, RuleAlreadyQueued}

// NeverResend reports whether a row rejected under rule is one of NeverResendRules.
func NeverResend(rule string) bool { return slices.Contains(NeverResendRules, rule) }

// Payout is one validated row of a batch payouts file.
type Payout struct {
	Reference string `json:"reference"`
	// BeneficiaryName is the name Enkash receives: the name as written, adapted to Enkash's
	// rule by SendableName ("Sharma and Sons Pvt Ltd").
	BeneficiaryName string `json:"beneficiary_name"`
	// BeneficiaryNameAsWritten is the name as the file wrote it, when that differs from the
	// name sent ("Sharma & Sons Pvt. Ltd."); see NameAsWritten.
	BeneficiaryNameAsWritten string `json:"beneficiary_name_as_written,omitempty"`
	AccountNumber            string `json:"account_number,omitempty"`
	IFSC                     string `json:"ifsc,omitempty"`
	VPA                      string `json:"vpa,omitempty"`
	// Amount is not in the stored payload: the ledger's amount column holds it (see
	// EncodeRecord).
	Amount Paise  `json:"-"`
	Mode   string `json:"mode"` // IMPS, NEFT, RTGS or UPI
	// Remark is the transfer remark Enkash receives (SendableRemark, at most 50 characters).
	Remark string `json:"remark,omitempty"`
	// RemarkAsWritten is the remark as the file wrote it, when that differs from Remark.
	RemarkAsWritten string `json:"remark_as_written,omitempty"`
	Email           string `json:"email,omitempty"`
	Phone           string `json:"phone,omitempty"`
	BeneficiaryID   string `json:"beneficiary_id,omitempty"`
}

// NameAsWritten returns the beneficiary name as the file wrote it.
func (p Payout) NameAsWritten() string {
	if p.BeneficiaryNameAsWritten != "" {
		return p.BeneficiaryNameAsWritten
	}
	return p.BeneficiaryName
}

// Category is an exception category (README, "What the exceptions mean"); the vocabulary is fixed.
type Category string

// The exception categories.
const (
	CategoryRejectedRow       Category = "rejected_row"
	CategoryDuplicateFile     Category = "duplicate_file"
	CategoryProviderRejected  Category = "provider_rejected"
	CategoryProviderFailed    Category = "provider_failed"
	CategoryAmountMismatch    Category = "amount_mismatch"
	CategoryStatusMismatch    Category = "status_mismatch"
	CategoryMissingAtProvider Category = "missing_at_provider"
	CategoryUnknownAtProvider Category = "unknown_at_provider"
	CategoryStuckPending      Category = "stuck_pending"
)

// Exception is something a person has to look at.
type Exception struct {
	ID         int64      `json:"id"`
	RunID      int64      `json:"run_id,omitempty"`
	Category   Category   `json:"category"`
	Kind       Kind       `json:"kind"`
	File       string     `json:"file"`
	Line       int        `json:"line"`
	Reference  string     `json:"reference"`
	Expected   string     `json:"expected"`
	Actual     string     `json:"actual"`
	Detail     string     `json:"detail"`
	Severity   Severity   `json:"severity"`
	CreatedAt  time.Time  `json:"created_at"`
	LastSeenAt time.Time  `json:"last_seen_at"` // when its cause was last observed
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	Reopened   int        `json:"reopened,omitempty"` // times its cause came back after it was resolved
	Note       string     `json:"note,omitempty"`
}

// SuggestedAction returns the next step for e in plain English: its category's (see
// Category.Action), except for a row refused because its reference was already sent or
// queued, which must never be corrected and dropped again. Every report and command shows
// this one wording.
func (e Exception) SuggestedAction() string {
	if e.Category == CategoryRejectedRow && NeverResend(e.Actual) {
		return "Do not send this row again: the payment was already made or is on its way under this reference (see the detail). " +
			"Check its status in the workbook or on Enkash; remove the row from your file"
	}
	return e.Category.Action()
}

// Item is one row of one file as the ledger knows it.
type Item struct {
	ID        int64
	FileID    int64
	File      string // the file's original name
	Kind      Kind
	Line      int
	Reference string
	Amount    Paise
	Status    Status
	// Payload is the stored form of the validated record (EncodeRecord), without its reference and amount;
	// empty for rejected rows. Read it with Record (or RecordAs), never by hand.
	Payload json.RawMessage
	// Raw holds the row's original cell values in the file's column order.
	Raw []string
	// Reason explains a rejection or a failure in words a finance user reads.
	Reason string
	// Rule is the first rule a rejected row broke (e.g. RuleAlreadySent); empty otherwise.
	Rule string
	// Provider is what Enkash said of the item, once it said anything.
	Provider  ProviderState
	UpdatedAt time.Time
}

// ProviderState is what Enkash last reported for an item.
type ProviderState struct {
	BatchID    string `json:"batch_id,omitempty"`    // our batchTransactionId
	ProviderID string `json:"provider_id,omitempty"` // enkashTransactionId and the like
	Status     string `json:"status,omitempty"`      // Enkash's own word, e.g. PROCESSING
	Amount     Paise  `json:"amount,omitempty"`      // the amount Enkash recorded
	UTR        string `json:"utr,omitempty"`         // bank reference
	Reason     string `json:"reason,omitempty"`      // failure or rejection code
}

// Money is a count of items and their total amount.
type Money struct {
	Count int   `json:"count"`
	Paise Paise `json:"paise"`
}

// Add counts one item of amount p.
func (m *Money) Add(p Paise) { m.Count++; m.Paise += p }

// Tally is the conservation line of a file, a run or a kind.
type Tally struct {
	In       Money `json:"in"`
	Rejected Money `json:"rejected"`
	Success  Money `json:"success"`
	Failed   Money `json:"failed"`
	Reversed Money `json:"reversed"`
	Open     Money `json:"open"`
}

// Add counts one item of amount p in bucket b. Rows in are counted apart, from what the
// file held when it was read, so that a lost item shows as a line that does not tie out.
func (t *Tally) Add(b Bucket, p Paise) { t.Bucket(b).Add(p) }

// Bucket returns the column of bucket b.
func (t *Tally) Bucket(b Bucket) *Money {
	switch b {
	case BucketRejected:
		return &t.Rejected
	case BucketSuccess:
		return &t.Success
	case BucketFailed:
		return &t.Failed
	case BucketReversed:
		return &t.Reversed
	}
	return &t.Open
}

// Merge adds every column of o to t.
func (t *Tally) Merge(o Tally) {
	for _, p := range [][2]*Money{{&t.In, &o.In}, {&t.Rejected, &o.Rejected}, {&t.Success, &o.Success},
		{&t.Failed, &o.Failed}, {&t.Reversed, &o.Reversed}, {&t.Open, &o.Open}} {
		p[0].Count += p[1].Count
		p[0].Paise += p[1].Paise
	}
}

// Accounted returns the sum of the buckets: rejected + success + failed + reversed + open.
func (t Tally) Accounted() Money {
	var sum Money
	for _, m := range []Money{t.Rejected, t.Success, t.Failed, t.Reversed, t.Open} {
		sum.Count += m.Count
		sum.Paise += m.Paise
	}
	return sum
}

// CountsTieOut reports whether rows in equal the sum of the buckets in count.
func (t Tally) CountsTieOut() bool { return t.Accounted().Count == t.In.Count }

// PaiseTieOut reports whether rows in equal the sum of the buckets in paise.
func (t Tally) PaiseTieOut() bool { return t.Accounted().Paise == t.In.Paise }

// TiesOut reports whether rows in equal the sum of the buckets, in count and in paise.
func (t Tally) TiesOut() bool { return t.Accounted() == t.In }

// KindTally is the conservation line of all the files of one kind.
type KindTally struct {
	Kind  Kind
	Files int
	Tally Tally
}

// TallyByKind adds up files by kind, in the order of CompareKinds.
func TallyByKind(files []FileSummary) []KindTally {
	var out []KindTally
	at := map[Kind]int{}
	for _, f := range files {
		i, ok := at[f.Kind]
		if !ok {
			i = len(out)
			at[f.Kind] = i
			out = append(out, KindTally{Kind: f.Kind})
		}
		out[i].Files++
		out[i].Tally.Merge(f.Tally)
	}
	slices.SortStableFunc(out, func(a, b KindTally) int { return CompareKinds(a.Kind, b.Kind) })
	return out
}

// CompareKinds orders kinds as Kinds does (processing order), kinds this build does not know
// after them by name.
func CompareKinds(a, b Kind) int {
	rank := func(k Kind) int {
		if i := slices.Index(Kinds, k); i >= 0 {
			return i
		}
		return len(Kinds)
	}
	return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
}

// FileSummary is one input file with its conservation line.
type FileSummary struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Kind       Kind      `json:"kind"`
	SHA256     string    `json:"sha256"`
	Status     string    `json:"status"` // accepted, rejected (unusable) or duplicate
	ReceivedAt time.Time `json:"received_at"`
	Tally      Tally     `json:"tally"`
}

// Correction links a rejected row to the row of a later file that carries its reference
// (ReferenceKey: regardless of case and surrounding spaces), of the same kind: the row
// corrected and dropped again, typically from a fix-and-redrop file. The rejected row is then
// counted once, as its correction; it is not a rejection still to be dealt with.
type Correction struct {
	// ItemID, FileID, File, Kind, Line, Reference and Amount are the rejected row's.
	ItemID    int64
	FileID    int64
	File      string
	Kind      Kind
	Line      int
	Reference string
	Amount    Paise
	// ByItemID, ByFileID, ByFile and ByLine are the correcting row's; ByStatus is its status.
	ByItemID int64
	ByFileID int64
	ByFile   string
	ByLine   int
	ByStatus Status
}
