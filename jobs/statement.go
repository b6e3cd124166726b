package jobs

import (
	"fmt"
	"strings"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
)

// Match bases: how a statement line was tied to what we know.
const (
	BasisReference  = "reference"       // the line carries the payout's transactionId or UTR
	BasisAmountDate = "amount and date" // same amount, dated within the tolerance
	BasisReversal   = "reversal"        // a credit that returns a reversed payout
	BasisFee        = "fee"             // a charge Enkash or the bank levied
	BasisCredit     = "credit"          // money in: a top-up or a refund
	BasisNoDebit    = "no debit on statement"
)

// Match is one statement line (or one payout) and what it was tied to.
type Match struct {
	Kind      domain.Kind
	Reference string // our reference, when a payout is involved
	File      string
	Line      int
	Amount    domain.Paise
	// LineRef is the statement line's reference (UTR) and LineDate its date.
	LineRef  string
	LineDate time.Time
	Type     string // DEBIT or CREDIT
	Basis    string
	Remarks  string
}

// BalanceCheck is opening − debits + credits = closing, against what Enkash says.
type BalanceCheck struct {
	Opening, Debits, Credits, Closing domain.Paise
	// Reported is Enkash's own closing balance: the last line's running balance, or the balance
	// endpoint's answer when the window ends now.
	Reported domain.Paise
	// Lines counts the statement's lines, DebitLines and CreditLines each side.
	Lines, DebitLines, CreditLines int
	Ties                           bool
}

// Difference is how far the computed closing balance is from Enkash's.
func (b BalanceCheck) Difference() domain.Paise { return b.Closing - b.Reported }

// feeWords mark a statement line as a charge.
var feeWords = []string{"fee", "charge", "gst on", "commission"}

// matchStatement ties the statement lines of a window to the payouts that succeeded or were
// reversed in it: by reference first, then by amount and date within tolerance for lines
// without our reference. Fees and other credits are classified, not raised. It returns what
// matched, the exceptions (a debit no payout explains, a payout with no debit, an amount that
// differs) and the balance check.
func matchStatement(lines []enkash.StatementLine, payouts []domain.Item, tolerance time.Duration) ([]Match, []domain.Exception, BalanceCheck) {
	var matches []Match
	var excs []domain.Exception
	byRef := map[string]int{}
	for i, it := range payouts {
		byRef[it.Reference] = i
		if it.Provider.UTR != "" {
			byRef[it.Provider.UTR] = i
		}
	}
	debited := make([]bool, len(payouts))
	credited := make([]bool, len(payouts))
	var check BalanceCheck
	var unreferenced []enkash.StatementLine
	for i, l := range lines {
		amount := domain.Paise(l.TransactionAmount)
		debit := strings.EqualFold(l.TransactionType, enkash.StatementDebit)
		if i == 0 {
			check.Opening = domain.Paise(l.RunningBalance) + amount
			if !debit {
				check.Opening = domain.Paise(l.RunningBalance) - amount
			}
		}
		check.Reported = domain.Paise(l.RunningBalance)
		check.Lines++
		if debit {
			check.Debits += amount
			check.DebitLines++
		} else {
			check.Credits += amount
			check.CreditLines++
		}
		idx, ok := byRef[l.TransactionID]
		if !ok {
			idx, ok = byRef[l.TransactionReferenceNumber]
		}
		m := matchOf(l)
		switch {
		case ok && debit:
			it := payouts[idx]
			debited[idx] = true
			m.Reference, m.File, m.Line, m.Basis = it.Reference, it.File, it.Line, BasisReference
			if amount != it.Amount {
				excs = append(excs, raiseFor(it, domain.CategoryAmountMismatch, it.Amount.Rupees(), amount.Rupees(),
					fmt.Sprintf("the statement debits %s for this payout where the file said %s", amount.Money(), it.Amount.Money())))
			}
		case ok && !debit:
			it := payouts[idx]
			credited[idx] = true
			m.Reference, m.File, m.Line, m.Basis = it.Reference, it.File, it.Line, BasisReversal
		case isFee(l.Remarks):
			m.Basis = BasisFee
		case !debit:
			m.Basis = BasisCredit
		default:
			unreferenced = append(unreferenced, l)
			continue
		}
		matches = append(matches, m)
	}
	check.Closing = check.Opening - check.Debits + check.Credits
	check.Ties = check.Closing == check.Reported

	// Debits without our reference: same amount, dated within the tolerance of a payout that
	// has no debit yet.
	for _, l := range unreferenced {
		amount := domain.Paise(l.TransactionAmount)
		date := lineDate(l)
		found := -1
		for i, it := range payouts {
			if !debited[i] && it.Status != domain.StatusFailed && it.Amount == amount && absDuration(date.Sub(it.UpdatedAt)) <= tolerance {
				found = i
				break
			}
		}
		m := matchOf(l)
		if found < 0 {
			excs = append(excs, domain.Exception{Category: domain.CategoryUnknownAtProvider, Kind: domain.KindPayouts,
				Reference: firstNonEmpty(l.TransactionReferenceNumber, l.TransactionID, l.TransactionDate), Expected: "a payout of ours", Actual: "debit ₹" + amount.Rupees(),
				Detail: fmt.Sprintf("the statement debits %s on %s (%q) and no payout of ours explains it", amount.Money(), date.Format("02-01-2006"), l.Remarks)})
			continue
		}
		it := payouts[found]
		debited[found] = true
		m.Reference, m.File, m.Line, m.Basis = it.Reference, it.File, it.Line, BasisAmountDate
		matches = append(matches, m)
	}
	for i, it := range payouts {
		if debited[i] || it.Status != domain.StatusSuccess && it.Status != domain.StatusReversed {
			continue
		}
		excs = append(excs, raiseFor(it, domain.CategoryStatusMismatch, "a debit on the statement", "none",
			"Enkash reports this payout "+strings.ToLower(it.Provider.Status)+" but the statement shows no debit for it"))
	}
	for i, it := range payouts {
		if it.Status == domain.StatusReversed && debited[i] && !credited[i] {
			excs = append(excs, raiseFor(it, domain.CategoryStatusMismatch, "a reversal credit", "none",
				"Enkash reports this payout reversed but the statement shows no credit returning it"))
		}
	}
	return matches, excs, check
}

func matchOf(l enkash.StatementLine) Match {
	return Match{Kind: domain.KindPayouts, Amount: domain.Paise(l.TransactionAmount), LineRef: firstNonEmpty(l.TransactionReferenceNumber, l.TransactionID),
		LineDate: lineDate(l), Type: strings.ToUpper(l.TransactionType), Remarks: l.Remarks}
}

func isFee(remarks string) bool {
	r := strings.ToLower(remarks)
	for _, w := range feeWords {
		if strings.Contains(r, w) {
			return true
		}
	}
	return false
}

// lineDate is when a statement line happened: its transaction date, else its value date.
func lineDate(l enkash.StatementLine) time.Time {
	if t, err := time.Parse(time.RFC3339, l.TransactionDate); err == nil {
		return t
	}
	t, _ := time.Parse("2006-01-02", l.ValueDate)
	return t
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
