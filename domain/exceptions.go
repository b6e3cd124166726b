package domain

// Severity ranks exceptions: what to look at first.
type Severity string

// The severities, most urgent first.
const (
	SeverityHigh   Severity = "high"   // money may be wrong: stop and check before paying more
	SeverityMedium Severity = "medium" // a payment did not happen and needs a decision
	SeverityLow    Severity = "low"    // input to correct; nothing was paid
)

// Rank orders severities: 0 for the most urgent.
func (s Severity) Rank() int {
	switch s {
	case SeverityHigh:
		return 0
	case SeverityMedium:
		return 1
	}
	return 2
}

// categoryInfo is what a person needs to know of a category.
type categoryInfo struct {
	severity Severity
	action   string
}

var categories = map[Category]categoryInfo{
	CategoryRejectedRow:       {SeverityLow, "Correct the row in the fix-and-redrop file and drop it again"},
	CategoryDuplicateFile:     {SeverityLow, "Nothing to do: this file was already processed and was not paid again"},
	CategoryProviderRejected:  {SeverityMedium, "Correct the details Enkash refused and drop a corrected row (the same reference may be used); nothing was paid"},
	CategoryProviderFailed:    {SeverityMedium, "Check the beneficiary details with the payee and drop a corrected row with a new reference"},
	CategoryAmountMismatch:    {SeverityHigh, "Compare with Enkash's statement before paying anything else"},
	CategoryStatusMismatch:    {SeverityHigh, "Check the payment on Enkash and the bank statement before acting on it"},
	CategoryMissingAtProvider: {SeverityHigh, "Do not re-send by hand: ask Enkash support whether they received it"},
	CategoryUnknownAtProvider: {SeverityHigh, "Find out who created this at Enkash: it came from no file of ours"},
	CategoryStuckPending:      {SeverityMedium, "Wait for the next run; if it stays pending, ask Enkash support with the reference"},
	CategoryReferenceConflict: {SeverityHigh, "Do not re-send by hand: ask Enkash who created the transfer under this reference. " +
		"This row is held and its reference stays blocked; resolving the exception counts the row as not paid, and a corrected row needs a new reference"},
	CategoryInsufficientBalance: {SeverityHigh, "Top up the Enkash account (or reduce the batch): the held rows are sent by the next run once the balance covers them"},
}

// The exception categories added after the first vocabulary (README, "What the exceptions
// mean").
const (
	// CategoryReferenceConflict: Enkash answered that it already holds a record under our
	// reference (409 / REJECT_TXN_ID, BBPS code 38), and that record is not provably ours.
	CategoryReferenceConflict Category = "reference_conflict"
	// CategoryInsufficientBalance: approved work held because Enkash's balance, less what is
	// in flight, cannot cover it.
	CategoryInsufficientBalance Category = "insufficient_balance"
)

// StatusHeld is the state of an item whose reference Enkash already holds under a record that
// is not provably ours (a reference_conflict). Nothing sends, polls or adopts a held item; it
// counts as open until a person resolves the conflict, after which it counts as failed (not
// paid by this row) and its reference stays blocked.
const StatusHeld Status = "held"

// Severity returns how urgent an exception of category c is.
func (c Category) Severity() Severity {
	if i, ok := categories[c]; ok {
		return i.severity
	}
	return SeverityMedium
}

// Action returns the suggested next step for an exception of category c, in plain English.
func (c Category) Action() string {
	if i, ok := categories[c]; ok {
		return i.action
	}
	return "Review with the finance team"
}
