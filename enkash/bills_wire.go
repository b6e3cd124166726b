package enkash

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"enkashbatch/domain"
)

// This file is the wire format of the BBPS family (docs/enkash.md, "BBPS"): paths, bodies
// and statuses. BBPS bodies and answers are plain JSON in the payout envelope, not encrypted.

// BBPS endpoint paths (D). The two lookups take an id or our referenceId after the prefix.
const (
	PathFetchBill         = "/api/v2/biller/fetchOrAddBill"
	PathCreateBill        = "/api/v2/utilityPayment"
	PathAddBill           = "/api/v2/biller/addBill"
	PathConfirmDebit      = "/api/v0/utilityPayment/status"
	PathBillByID          = "/api/v2/utilityPayment/"             // + utilityEnkashId
	PathBillByReference   = "/api/v2/utilityPayment/referenceId/" // + referenceId
	PathSearchBills       = "/api/v1/utilityPayment/search"
	MaxConfirmIDs         = 1000 // D: 1 to 1,000 ids per confirm debit call
	BillSearchLimit       = 99   // D: limit below 100 is recommended (at most 5,000 a call)
	ApprovalCheckerOK     = "CHECKER_APPROVED"
	ApprovalMakerPending  = "MAKER_APPROVAL_PENDING"
	NoUtilityPaymentFound = "No utility payment found" // D: the 400 of the by-reference lookup for an unknown referenceId
)

// Bill statuses (D): billpayStatus, read with paymentStatus when it is FAILED.
const (
	BillpaySuccess      = "SUCCESS"
	BillpayFailed       = "FAILED"
	BillpayInProgress   = "IN_PROGRESS"
	BillpayPending      = "PENDING"
	BillpayOnHold       = "ON_HOLD"
	BillpayReinitiate   = "REINITIATE"
	BillpayAgencyFailed = "AGENCY_FAILED"

	PaymentInit     = "INIT"
	PaymentSuccess  = "SUCCESS"
	PaymentFailed   = "FAILED"
	PaymentRefunded = "REFUNDED"
)

// FlexID is an identifier of the BBPS family (utilityEnkashId, companyBillerId, billId,
// utilityPaymentIds). The pages type them as strings (docs/enkash.md, "BBPS"), and they are
// always written as JSON strings. Assumption: an answer may still carry one as a number, so
// both are read.
type FlexID string

// UnmarshalJSON reads a number or a string.
func (f *FlexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("id %s: %w", b, err)
		}
		*f = FlexID(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("id %s is neither a number nor a string", b)
		}
		*f = FlexID(n.String())
	}
	return nil
}

// MarshalJSON writes the id as a JSON string.
func (f FlexID) MarshalJSON() ([]byte, error) { return json.Marshal(string(f)) }

// BillParams are the biller's parameters of a bill (D: cn required, ad1 and ad2 optional).
type BillParams struct {
	CN  string `json:"cn"`
	AD1 string `json:"ad1,omitempty"`
	AD2 string `json:"ad2,omitempty"`
}

// FetchBillRequest asks the biller for the current bill (D).
type FetchBillRequest struct {
	BillerID   int64      `json:"billerId"`
	BillParams BillParams `json:"billParams"`
	Circle     string     `json:"circle,omitempty"`
}

// FetchedBill is the biller's current bill (D: the field names, billnetamount in lower case).
type FetchedBill struct {
	CompanyBillerID FlexID `json:"companyBillerId"`
	BillAmount      Amount `json:"billAmount"`
	BillNetAmount   Amount `json:"billnetamount"`
	DueDate         string `json:"dueDate,omitempty"`
	BillDate        string `json:"billDate,omitempty"` // D: "billdate" (JSON names match regardless of case)
	BillNumber      string `json:"billNumber,omitempty"`
	ValidationID    string `json:"validationId,omitempty"`
	BillID          FlexID `json:"billId,omitempty"`
}

// CreateBillRequest creates a bill after a fetch (D, dates yyyy-MM-dd included). Assumption:
// its answer is shaped like addBill's (the page shows none).
type CreateBillRequest struct {
	CompanyBillerID FlexID `json:"companyBillerId"`
	BillNetAmount   Amount `json:"billNetAmount"`
	BillAmount      Amount `json:"billAmount"`
	ReferenceID     string `json:"referenceId"`
	BillNumber      string `json:"billNumber,omitempty"`
	ValidationID    string `json:"validationId,omitempty"`
	BillID          FlexID `json:"billId,omitempty"`
	BillDate        string `json:"billDate,omitempty"`
	BillDueDate     string `json:"billDueDate,omitempty"`
}

// AddBillRequest creates a bill without a fetch (D: circle and the yyyy-MM-dd dates included).
type AddBillRequest struct {
	ReferenceID string     `json:"referenceId"`
	BillerID    int64      `json:"billerId"`
	BillParams  BillParams `json:"billParams"`
	BillAmount  Amount     `json:"billAmount"`
	BillDueDate string     `json:"billDueDate,omitempty"`
	BillDate    string     `json:"billDate,omitempty"`
	Circle      string     `json:"circle,omitempty"`
	Remarks     string     `json:"remarks,omitempty"`
}

// ConfirmDebitRequest approves the debit of bills (D). Assumption: utilityPaymentIds are the
// bills' utilityEnkashIds.
type ConfirmDebitRequest struct {
	UtilityPaymentIDs []FlexID `json:"utilityPaymentIds"`
	ApprovalStatus    string   `json:"approvalStatus"`
	Remarks           string   `json:"remarks,omitempty"`
}

// BillRecord is one bill as Enkash reports it (D: the field names). The create calls answer a
// part of it (utilityEnkashId, amount, consumerNumber, referenceId, paymentStatus).
type BillRecord struct {
	UtilityEnkashID FlexID `json:"utilityEnkashId"`
	ReferenceID     string `json:"referenceId"`
	Amount          Amount `json:"amount"`
	ConsumerNumber  string `json:"consumerNumber,omitempty"`
	ConsumerName    string `json:"consumerName,omitempty"`
	BillNumber      string `json:"billNumber,omitempty"`
	BillDate        string `json:"billDate,omitempty"`
	BillDueDate     string `json:"billDueDate,omitempty"`
	CreatedDate     string `json:"createdDate,omitempty"`
	ApprovalStatus  string `json:"approvalStatus,omitempty"`
	PaymentStatus   string `json:"paymentStatus,omitempty"`
	BillpayStatus   string `json:"billpayStatus,omitempty"`
	FailureReason   string `json:"failureReason,omitempty"`
	FailureCode     string `json:"failureCode,omitempty"`
	BillReferenceID string `json:"billReferenceId,omitempty"` // the BBPS reference
	BillpayDate     string `json:"billpayDate,omitempty"`
	RefundDate      string `json:"refundDate,omitempty"`
	PaymentMode     string `json:"paymentMode,omitempty"`
	// CompanyBiller is the biller and consumer the bill was created for (D: on the bill status,
	// by-reference and webhook pages, companyBiller.biller.billerId); nil when not shown.
	CompanyBiller *CompanyBiller `json:"companyBiller,omitempty"`
}

// CompanyBiller is a company's biller registration as a bill record shows it (D).
type CompanyBiller struct {
	CompanyBillerID FlexID `json:"companyBillerId,omitempty"`
	Biller          struct {
		BillerID   FlexID `json:"billerId,omitempty"`
		Name       string `json:"name,omitempty"`
		BillerType string `json:"billerType,omitempty"`
	} `json:"biller"`
	ConsumerNumber string `json:"consumerNumber,omitempty"`
}

// BillerID is the biller a bill record shows, or "" when it shows none.
func (r BillRecord) BillerID() string {
	if r.CompanyBiller == nil {
		return ""
	}
	return string(r.CompanyBiller.Biller.BillerID)
}

// SearchBillsRequest filters fetch bulk bill details (docs/enkash.md, "Bill search": the
// filters are AND-combined, offset and limit are in the body, the date filters are dates,
// yyyy-MM-dd, as BillTime writes them).
type SearchBillsRequest struct {
	UtilityEnkashIDs []FlexID `json:"utilityEnkashIds,omitempty"`
	ConsumerNumbers  []string `json:"consumerNumbers,omitempty"`
	BillerType       string   `json:"billerType,omitempty"`
	BillpayStatus    string   `json:"billpayStatus,omitempty"`
	BillPayStatuses  []string `json:"billPayStatuses,omitempty"`
	Statuses         []string `json:"statuses,omitempty"`
	CreatedDateFrom  string   `json:"createdDateFrom,omitempty"`
	CreatedDateTo    string   `json:"createdDateTo,omitempty"`
	BillDueDateFrom  string   `json:"billDueDateFrom,omitempty"`
	BillDueDateTo    string   `json:"billDueDateTo,omitempty"`
	BillpayDateFrom  string   `json:"billpayDateFrom,omitempty"`
	BillpayDateTo    string   `json:"billpayDateTo,omitempty"`
	BillReferenceID  string   `json:"billReferenceId,omitempty"`
	Offset           int      `json:"offset"`
	Limit            int      `json:"limit"`
}

// SearchBillsResponse is one page of fetch bulk bill details. Assumption: the payload is an
// object with the bills in "utilityPayments" and the number of matches in "totalCount"; a
// bare array of bills is read too.
type SearchBillsResponse struct {
	Bills      []BillRecord `json:"utilityPayments"`
	TotalCount int          `json:"totalCount"`
}

// UnmarshalJSON reads the object or a bare array of bills.
func (r *SearchBillsResponse) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		*r = SearchBillsResponse{}
		return json.Unmarshal(b, &r.Bills)
	}
	type plain SearchBillsResponse
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*r = SearchBillsResponse(p)
	return nil
}

// BillStatus maps a bill's statuses to our item state. billpayStatus SUCCESS is paid and
// FAILED is failed, whatever paymentStatus says (FAILED: the debit failed; REFUNDED: the money
// came back); a bill rejected at approval failed too. Everything else, including no
// billpayStatus yet (approval pending) and AGENCY_FAILED, is not final. Assumption:
// AGENCY_FAILED may still be retried by the agency, so it is followed, not closed.
func BillStatus(r BillRecord) domain.Status {
	switch strings.ToUpper(r.BillpayStatus) {
	case BillpaySuccess:
		return domain.StatusSuccess
	case BillpayFailed:
		return domain.StatusFailed
	case BillpayInProgress, BillpayAgencyFailed, BillpayReinitiate, BillpayOnHold:
		return domain.StatusProcessing
	}
	if strings.Contains(strings.ToUpper(r.ApprovalStatus), "REJECT") {
		return domain.StatusFailed
	}
	return domain.StatusPending
}

// BillFailure words why a bill failed, telling a failed debit from a refund.
func BillFailure(r BillRecord) string {
	var why string
	switch strings.ToUpper(r.PaymentStatus) {
	case PaymentRefunded:
		why = "the biller did not take the payment and the money was refunded (paymentStatus REFUNDED)"
	case PaymentFailed:
		why = "the debit failed, no money left the account (paymentStatus FAILED)"
	default:
		if strings.Contains(strings.ToUpper(r.ApprovalStatus), "REJECT") {
			why = "the debit was not approved (approvalStatus " + r.ApprovalStatus + ")"
		} else {
			why = "paymentStatus " + strconv.Quote(r.PaymentStatus)
		}
	}
	if code := strings.TrimSpace(strings.TrimSpace(r.FailureCode) + " " + strings.TrimSpace(r.FailureReason)); code != "" {
		why += ": " + code
	}
	return why
}

// Fetched reports whether the bill was created after a bill fetch, so that its amount is the
// biller's and not one we gave. Assumption: only a fetch gives a billNumber; a bill added
// without a fetch (addBill) has none.
func (r BillRecord) Fetched() bool { return strings.TrimSpace(r.BillNumber) != "" }
