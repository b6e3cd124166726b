package domain

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
