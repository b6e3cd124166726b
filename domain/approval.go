package domain

import "time"

// The states of the approval step (README, "Approvals"): for a kind that needs approval, a
// valid row waits in StatusAwaitingApproval until enough named checkers approved its file, then
// is StatusApproved, the only state a submission claims for such a kind. Both count as open.
const (
	StatusAwaitingApproval Status = "awaiting_approval"
	StatusApproved         Status = "approved"
)

// RuleApprovalRejected is the rule of a row whose file a checker rejected. Such a row was
// refused by a person, not by a rule of the file: it is offered for correction (it is in the
// fix-and-redrop file) and its reference is given back, so that a corrected row may use it.
const RuleApprovalRejected = "approval_rejected"

// PacketGroup is the count and total of a file's valid rows sharing one value, for its
// approval packet: a payout mode, a biller.
type PacketGroup struct {
	Name  string
	Count int
	Paise Paise
	// Unpriced counts the rows without an amount (bills whose amount is fetched from the biller).
	Unpriced int
}

// FirstTimePayee is a beneficiary of a file never paid before: no payout of an earlier file
// to the same account and IFSC (or VPA) was sent and did not fail (in flight or paid).
type FirstTimePayee struct {
	// First is the payee's first row in the file.
	First Item
	// Count and Paise are the payee's rows in the file and their total.
	Count int
	Paise Paise
}

// PossibleDuplicate is a valid payout of a file and another payout to the same beneficiary
// (account and IFSC, or VPA) of the same amount under another reference: sent (in flight or
// paid) or waiting to be sent from another file, or an earlier row of the same file.
type PossibleDuplicate struct {
	// Item is the row of the file.
	Item Item
	// Other is the other payout: its reference, file and line, status.
	OtherReference string
	OtherFile      string
	OtherLine      int
	OtherStatus    Status
	// OtherAt is when the other payout was sent, or, not sent yet, when its file was received
	// (the packet's column "Other dated").
	OtherAt time.Time
	// SameFile says the other payout is an earlier row of the same file.
	SameFile bool
}
