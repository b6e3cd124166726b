package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"enkashbatch/domain"
)

// The sandbox's own reading of Enkash's wire format, written from the public pages (the request
// and answer examples kept in testdata/, each with its page's address) and not shared with the
// client in package enkash: a field the client gets wrong must fail against the sandbox, so the
// two may not decode with the same structs. Where the pages are silent the sandbox follows the
// assumptions listed in docs/enkash.md, marked "Assumption" here.

// Endpoint paths (D unless marked).
const (
	pathToken          = "/oauth/token"
	pathBatchTransfer  = "/api/v0/payout-transaction/batch"
	pathSingleTransfer = "/api/v0/payout-transaction"
	pathSearchPayouts  = "/api/v0/payout-transaction/search" // Assumption: the search path was not captured
	pathBalance        = "/api/v0/payout-account/balance"
	pathStatement      = "/api/v0/payout-account/statement"

	pathCustomerBulk       = "/api/v0/customer/bulk"
	pathCustomerBulkUpdate = "/api/v0/customer/bulk/update"
	pathCustomerSearch     = "/api/v0/customer/search"
	pathInvoiceBulkCreate  = "/api/v0/invoice/bulk/create"
	pathInvoiceSearch      = "/api/v0/invoice/search"
	pathInvoice            = "/api/v0/invoice/" // + invoiceId

	pathFetchBill       = "/api/v2/biller/fetchOrAddBill"
	pathCreateBill      = "/api/v2/utilityPayment"
	pathAddBill         = "/api/v2/biller/addBill"
	pathConfirmDebit    = "/api/v0/utilityPayment/status"
	pathBillByReference = "/api/v2/utilityPayment/referenceId/" // + referenceId
	pathSearchBills     = "/api/v1/utilityPayment/search"
)

// Response codes (D): 0 success, 1 failure; the payout codes 403, 409, 412 and 422 are sent both
// as the HTTP status and as response_code (the pages do not say which; the sandbox does both).
// BBPS: 38 is a duplicate referenceId.
const (
	codeSuccess      = 0
	codeFailure      = 1
	codeForbidden    = 403
	codeExists       = 409
	codePrecondition = 412
	codeInvalid      = 422
	codeDuplicateRef = 38
)

// Documented messages of the payout response code table (D).
const (
	msgInvalidFormat    = "Invalid request format."
	msgInvalidEncrypted = "Invalid encrypted request."
	msgMissingParameter = "Invalid or missing parameter in the request."
	msgInvalidClientID  = "Invalid Client ID."
	msgInvalidCompanyID = "Invalid Company ID."
	msgInvalidChecksum  = "Invalid checksum in the request."
	msgAPIsNotEnabled   = "APIs not enabled."
	msgEncryptionFailed = "Encryption failed for response."
	msgTxnExists        = "Transaction ID already exists."
	msgBatchExists      = "Batch Transaction ID already exists."
	msgNoUtilityPayment = "No utility payment found" // D: BBPS, in payload, with HTTP 400
)

// Payout statuses (D).
const (
	statusPending    = "PENDING"
	statusProcessing = "PROCESSING"
	statusSuccess    = "SUCCESS"
	statusFailed     = "FAILED"
	statusRejected   = "REJECTED"
	statusReversed   = "REVERSED"
)

// Bill statuses (D).
const (
	billpaySuccess    = "SUCCESS"
	billpayFailed     = "FAILED"
	billpayInProgress = "IN_PROGRESS"
	billpayPending    = "PENDING"
	paymentInit       = "INIT"
	paymentSuccess    = "SUCCESS"
	paymentFailed     = "FAILED"
	paymentRefunded   = "REFUNDED"
	approvalMaker     = "MAKER_APPROVAL_PENDING"
	approvalChecker   = "CHECKER_APPROVED"
)

// Statement line types (D).
const (
	lineDebit  = "DEBIT"
	lineCredit = "CREDIT"
)

// maxSearchLimit is the most records one search answers (D for Enkash's searches: 5,000).
const maxSearchLimit = 5000

// maxConfirmIDs is the most ids one confirm-debit call takes (D: 1 to 1,000).
const maxConfirmIDs = 1000

// envelope is the answer of the payout and BBPS families (D): payload is null on errors, or
// the BBPS error text (D: "No utility payment found").
type envelope struct {
	ResponseCode    int    `json:"response_code"`
	ResponseMessage string `json:"response_message"`
	Payload         any    `json:"payload"`
}

// arEnvelope is the AR family's answer (D): the envelope plus errorResponse on errors.
type arEnvelope struct {
	ResponseCode    int         `json:"response_code"`
	ResponseMessage string      `json:"response_message"`
	Payload         any         `json:"payload"`
	ErrorResponse   *arErrorOut `json:"errorResponse,omitempty"`
}

// arErrorOut is the AR errorResponse (D: the field names; errorType from a closed list).
type arErrorOut struct {
	ErrorType    string   `json:"errorType"`
	ErrorMessage string   `json:"errorMessage"`
	RequestID    string   `json:"requestId"`
	Timestamp    string   `json:"timestamp"` // yyyy-MM-dd HH:mm:ss
	APISubErrors []string `json:"apiSubErrors"`
}

// sealed is the body of every payout request and answer (D): {"request": "<base64>"}.
type sealed struct {
	Request string `json:"request"`
}

// tokenCamelOut and tokenSnakeOut are the two documented token answers (D).
type tokenCamelOut struct {
	AccessToken  string `json:"accessToken"`
	TokenType    string `json:"tokenType"`
	ExpiresIn    int64  `json:"expiresIn"`
	RefreshToken string `json:"refreshToken"`
}

type tokenSnakeOut struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope"`
}

// rupees is an amount on the wire: a JSON number of rupees with at most two decimals (D:
// "number"; "decimal values are permitted"). A string, an exponent or a third decimal is not
// an amount: the request is refused as malformed.
type rupees domain.Paise

// MarshalJSON writes the amount with two decimals.
func (r rupees) MarshalJSON() ([]byte, error) { return []byte(domain.Paise(r).Decimal()), nil }

// UnmarshalJSON reads a JSON number.
func (r *rupees) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		return fmt.Errorf("amount %s is a string, not a number", s)
	}
	p, err := parseRupees(s)
	if err != nil {
		return err
	}
	*r = rupees(p)
	return nil
}

// parseRupees reads "1250", "1250.5" or "-3.00" as paise: digits, at most two decimals (more
// only if they are zeros), no exponent, no grouping.
func parseRupees(s string) (domain.Paise, error) {
	text := s
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasDot := strings.Cut(s, ".")
	isDigits := func(v string) bool { return v != "" && strings.Trim(v, "0123456789") == "" }
	if !isDigits(whole) || len(whole) > 15 || (hasDot && !isDigits(frac)) {
		return 0, fmt.Errorf("amount %q is not a decimal rupee amount", text)
	}
	if frac = strings.TrimRight(frac, "0"); len(frac) > 2 {
		return 0, fmt.Errorf("amount %q has more than two decimals", text)
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	frac += strings.Repeat("0", 2-len(frac))
	f, _ := strconv.ParseInt(frac, 10, 64)
	p := domain.Paise(w*100 + f)
	if neg {
		p = -p
	}
	return p, nil
}

// strictJSON decodes one JSON value from data into v, refusing unknown fields, wrong types and
// anything after the value.
func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON value")
	}
	return nil
}

// Payout request bodies (D: PayoutTransactionCreateRequest, BeneficiaryDetailCreateRequest),
// decrypted.

type transferIn struct {
	TransactionID      string           `json:"transactionId"`
	TransferAmount     *rupees          `json:"transferAmount"`
	TransferMode       string           `json:"transferMode"`
	BeneficiaryID      string           `json:"beneficiaryId"`
	BeneficiaryDetail  *beneficiaryWire `json:"beneficiaryDetail"`
	TransferRemark     string           `json:"transferRemark"`
	Reference          string           `json:"reference"`
	FundSourceID       string           `json:"fundSourceId"`
	DebitAccountNumber string           `json:"debitAccountNumber"`
	Checksum           string           `json:"checksum"`
}

// beneficiaryWire is an inline payee (D: the field names, except e-mail and phone, whose names
// are an assumption: beneficiaryEmail, beneficiaryPhone). The search answers it too.
type beneficiaryWire struct {
	BeneficiaryID            string `json:"beneficiaryId,omitempty"`
	BeneficiaryName          string `json:"beneficiaryName,omitempty"`
	BeneficiaryAccountNumber string `json:"beneficiaryAccountNumber,omitempty"`
	BeneficiaryIfsc          string `json:"beneficiaryIfsc,omitempty"`
	VpaHandle                string `json:"vpaHandle,omitempty"`
	BeneficiaryEmail         string `json:"beneficiaryEmail,omitempty"`
	BeneficiaryPhone         string `json:"beneficiaryPhone,omitempty"`
	BeneficiaryAddress       string `json:"beneficiaryAddress,omitempty"`
	BeneficiaryCity          string `json:"beneficiaryCity,omitempty"`
	BeneficiaryState         string `json:"beneficiaryState,omitempty"`
	BeneficiaryPincode       string `json:"beneficiaryPincode,omitempty"`
	Checksum                 string `json:"checksum,omitempty"`
}

type batchIn struct {
	BatchTransactionID string       `json:"batchTransactionId"`
	Transfers          []transferIn `json:"transfers"`
}

// transferCreated is one accepted transfer (D in part: PayoutTransactionCreateResponse).
type transferCreated struct {
	TransactionID       string `json:"transactionId"`
	EnkashTransactionID string `json:"enkashTransactionId"`
	PayoutStatus        string `json:"payoutStatus"`
}

// transferRefused is one refused item of a batch. Assumption: listed beside the accepted
// ones, with the transactionId, the REJECT_* code as reason, and a message.
type transferRefused struct {
	TransactionID string `json:"transactionId"`
	Reason        string `json:"reason"`
	Message       string `json:"message"`
}

type batchOut struct {
	BatchTransactionID string            `json:"batchTransactionId"`
	Successful         []transferCreated `json:"successfulPayoutTransactionCreateResponses"`
	Failed             []transferRefused `json:"failedPayoutTransactionCreateResponses"` // Assumption
}

// searchTransfersIn filters a payout search. Assumption: these filters, the pattern of
// Enkash's other searches; dates RFC 3339, "yyyy-MM-dd HH:mm:ss" or "yyyy-MM-dd".
type searchTransfersIn struct {
	TransactionIDs     []string `json:"transactionIds"`
	BatchTransactionID string   `json:"batchTransactionId"`
	FromDate           string   `json:"fromDate"`
	ToDate             string   `json:"toDate"`
	Statuses           []string `json:"statuses"`
}

// transferOut is one transfer as the search reports it. Assumption: these fields; the payee
// is reported as sent (beneficiaryId or beneficiaryDetail), so that a caller can tell its own
// transfer from another holding the same transactionId.
type transferOut struct {
	TransactionID       string           `json:"transactionId"`
	BatchTransactionID  string           `json:"batchTransactionId,omitempty"`
	EnkashTransactionID string           `json:"enkashTransactionId"`
	TransferAmount      rupees           `json:"transferAmount"`
	TransferMode        string           `json:"transferMode"`
	PayoutStatus        string           `json:"payoutStatus"`
	FailureReason       string           `json:"failureReason,omitempty"`
	UTR                 string           `json:"utr,omitempty"`
	BeneficiaryID       string           `json:"beneficiaryId,omitempty"`
	BeneficiaryDetail   *beneficiaryWire `json:"beneficiaryDetail,omitempty"`
	CreatedAt           string           `json:"createdAt"`
	UpdatedAt           string           `json:"updatedAt"`
}

// searchTransfersOut is a page of the payout search. Assumption: "transfers" and "totalCount".
type searchTransfersOut struct {
	Transfers  []transferOut `json:"transfers"`
	TotalCount int           `json:"totalCount"`
}

// statementIn is the statement request (D: all four fields required, dates date-time).
type statementIn struct {
	FundSourceID       string `json:"fundSourceId"`
	DebitAccountNumber string `json:"debitAccountNumber"`
	FromDate           string `json:"fromDate"`
	ToDate             string `json:"toDate"`
}

// statementOut is the statement answer (D): data at the top level beside response_code, which
// the page types as a string; no payload.
type statementOut struct {
	ResponseCode    string          `json:"response_code"`
	ResponseMessage string          `json:"response_message"`
	RequestID       string          `json:"requestId"`
	Data            []statementWire `json:"data"`
}

// statementWire is one statement line (D: the field names). Assumption: transactionAmount is
// positive, its direction in transactionType; runningBalance is the balance just after it.
type statementWire struct {
	TransactionID              string `json:"transactionId"`
	TransactionDate            string `json:"transactionDate"`
	ValueDate                  string `json:"valueDate"`
	TransactionType            string `json:"transactionType"`
	Remarks                    string `json:"remarks"`
	TransactionReferenceNumber string `json:"transactionReferenceNumber"`
	TransactionMode            string `json:"transactionMode"`
	TransactionAmount          rupees `json:"transactionAmount"`
	RunningBalance             rupees `json:"runningBalance"`
}

// balanceOut is the balance payload (D).
type balanceOut struct {
	TotalBalance rupees `json:"totalBalance"`
}

// BBPS bodies (D). Ids of bills and billers are strings; billerId is an integer.

type billParamsIn struct {
	CN  string `json:"cn"`
	AD1 string `json:"ad1"`
	AD2 string `json:"ad2"`
}

type fetchBillIn struct {
	BillerID   int64        `json:"billerId"`
	BillParams billParamsIn `json:"billParams"`
	Circle     string       `json:"circle"`
}

type fetchedBillOut struct {
	CompanyBillerID string `json:"companyBillerId"`
	BillAmount      rupees `json:"billAmount"`
	BillNetAmount   rupees `json:"billnetamount"`
	DueDate         string `json:"dueDate"`
	BillDate        string `json:"billDate"` // Assumption: the fetch gives the bill's date too
	BillNumber      string `json:"billNumber"`
	ValidationID    string `json:"validationId"`
	BillID          string `json:"billId"`
}

type createBillIn struct {
	CompanyBillerID string  `json:"companyBillerId"`
	BillNetAmount   *rupees `json:"billNetAmount"`
	BillAmount      *rupees `json:"billAmount"`
	ReferenceID     string  `json:"referenceId"`
	BillNumber      string  `json:"billNumber"`
	ValidationID    string  `json:"validationId"`
	BillID          string  `json:"billId"`
	BillDate        string  `json:"billDate"`    // Assumption: yyyy-MM-dd
	BillDueDate     string  `json:"billDueDate"` // Assumption: yyyy-MM-dd
}

type addBillIn struct {
	ReferenceID string       `json:"referenceId"`
	BillerID    int64        `json:"billerId"`
	BillParams  billParamsIn `json:"billParams"`
	BillAmount  *rupees      `json:"billAmount"`
	BillDueDate string       `json:"billDueDate"`
	BillDate    string       `json:"billDate"`
	Circle      string       `json:"circle"` // Assumption: accepted here as on the fetch
	Remarks     string       `json:"remarks"`
}

type confirmDebitIn struct {
	UtilityPaymentIDs []string `json:"utilityPaymentIds"` // D: array[string]
	ApprovalStatus    string   `json:"approvalStatus"`
	Remarks           string   `json:"remarks"`
}

// billOut is a bill record (D: the field names; utilityEnkashId a string).
type billOut struct {
	UtilityEnkashID string `json:"utilityEnkashId"`
	ReferenceID     string `json:"referenceId"`
	Amount          rupees `json:"amount"`
	ConsumerNumber  string `json:"consumerNumber"`
	ConsumerName    string `json:"consumerName,omitempty"`
	BillNumber      string `json:"billNumber,omitempty"`
	BillDate        string `json:"billDate,omitempty"`
	BillDueDate     string `json:"billDueDate,omitempty"`
	CreatedDate     string `json:"createdDate,omitempty"`
	ApprovalStatus  string `json:"approvalStatus"`
	PaymentStatus   string `json:"paymentStatus"`
	BillpayStatus   string `json:"billpayStatus,omitempty"`
	FailureReason   string `json:"failureReason,omitempty"`
	FailureCode     string `json:"failureCode,omitempty"`
	BillReferenceID string `json:"billReferenceId,omitempty"`
	BillpayDate     string `json:"billpayDate,omitempty"`
	RefundDate      string `json:"refundDate,omitempty"`
	PaymentMode     string `json:"paymentMode,omitempty"`
	// CompanyBiller names the biller and consumer of the bill (D: the bill status,
	// by-reference and webhook pages show companyBiller.biller.billerId as a number).
	CompanyBiller *companyBillerOut `json:"companyBiller,omitempty"`
}

// companyBillerOut is a bill record's companyBiller (D).
type companyBillerOut struct {
	Biller         billerOut `json:"biller"`
	ConsumerNumber string    `json:"consumerNumber"`
}

// billerOut is the biller of a companyBiller (D).
type billerOut struct {
	BillerID int64 `json:"billerId"`
}

// searchBillsIn is fetch bulk bill details (D: AND-combined filters, ids as strings, dates
// yyyy-MM-dd, offset and limit in the body).
type searchBillsIn struct {
	UtilityEnkashIDs []string `json:"utilityEnkashIds"`
	ConsumerNumbers  []string `json:"consumerNumbers"`
	BillerType       string   `json:"billerType"`
	BillpayStatus    string   `json:"billpayStatus"`
	BillPayStatuses  []string `json:"billPayStatuses"`
	Statuses         []string `json:"statuses"`
	CreatedDateFrom  string   `json:"createdDateFrom"`
	CreatedDateTo    string   `json:"createdDateTo"`
	BillDueDateFrom  string   `json:"billDueDateFrom"`
	BillDueDateTo    string   `json:"billDueDateTo"`
	BillpayDateFrom  string   `json:"billpayDateFrom"`
	BillpayDateTo    string   `json:"billpayDateTo"`
	BillReferenceID  string   `json:"billReferenceId"`
	Offset           int      `json:"offset"`
	Limit            int      `json:"limit"`
}

// searchBillsOut is a page of bills. Assumption: "utilityPayments" and "totalCount".
type searchBillsOut struct {
	Bills      []billOut `json:"utilityPayments"`
	TotalCount int       `json:"totalCount"`
}

// AR bodies. The bulk calls upload a CSV (Assumption: the columns are the single-create call's
// JSON names; see ar.go); the searches and records below are JSON.

type searchCustomersIn struct {
	UniqueRefNos  []string `json:"uniqueRefNos"`
	CustomerIDs   []string `json:"customerIds"`
	AccountNumber string   `json:"accountNumber"`
	AssignedAgent string   `json:"assignedAgent"`
	CreatedOnFrom string   `json:"createdOnFrom"`
	CreatedOnTo   string   `json:"createdOnTo"`
}

type customerOut struct {
	CustomerID    string `json:"customerId"`
	UniqueRefNo   string `json:"uniqueRefNo"`
	LegalName     string `json:"legalName"`
	PANOrGSTIN    string `json:"panOrGstin,omitempty"`
	ContactNumber string `json:"contactNumber,omitempty"`
	Email         string `json:"email,omitempty"`
	Status        string `json:"status"`
	CreatedOn     string `json:"createdOn"`
	UpdatedOn     string `json:"updatedOn,omitempty"`
}

type searchCustomersOut struct {
	Customers  []customerOut `json:"customers"`
	TotalCount int           `json:"totalCount"`
}

type searchInvoicesIn struct {
	ExternalIDs    []string `json:"externalIds"`
	InvoiceNumbers []string `json:"invoiceNumbers"`
	CustomerIDs    []string `json:"customerIds"`
	CreatedOnFrom  string   `json:"createdOnFrom"`
	CreatedOnTo    string   `json:"createdOnTo"`
	DueDateFrom    string   `json:"dueDateFrom"`
	DueDateTo      string   `json:"dueDateTo"`
	Dispatched     *bool    `json:"dispatched"`
}

type labelOut struct {
	Label string `json:"label"`
	Name  string `json:"name"`
}

type invoiceOut struct {
	InvoiceID        string   `json:"invoiceId"`
	InvoiceNumber    string   `json:"invoiceNumber"`
	ExternalID       string   `json:"externalId,omitempty"`
	CustomerID       string   `json:"customerId"`
	BaseAmount       rupees   `json:"baseAmount"`
	NetAmount        rupees   `json:"netAmount"`
	BalanceAmount    rupees   `json:"balanceAmount"`
	TotalReceived    rupees   `json:"totalReceived"`
	DueDate          string   `json:"dueDate"`
	ReceivableStatus labelOut `json:"receivableStatus"`
	CreatedOn        string   `json:"createdOn,omitempty"`
}

type searchInvoicesOut struct {
	Invoices   []invoiceOut `json:"invoices"`
	TotalCount int          `json:"totalCount"`
}

// bulkRowOut is one row of a bulk answer. Assumption: row number, the row's keys, the new id or
// a message.
type bulkRowOut struct {
	Row           int    `json:"row"`
	UniqueRefNo   string `json:"uniqueRefNo,omitempty"`
	CustomerID    string `json:"customerId,omitempty"`
	InvoiceNumber string `json:"invoiceNumber,omitempty"`
	ExternalID    string `json:"externalId,omitempty"`
	InvoiceID     string `json:"invoiceId,omitempty"`
	Message       string `json:"message,omitempty"`
}

// bulkOut is the BulkResponse (D: the field names and their mixed casing).
type bulkOut struct {
	SuccessRequests []bulkRowOut `json:"successRequests"`
	FailureRequests []bulkRowOut `json:"failureRequests"`
	SuccessCount    int          `json:"success_count"`
	FailureCount    int          `json:"failure_count"`
	WarnCount       int          `json:"warn_count"`
	TotalCount      int          `json:"total_count"`
	TotalAmount     rupees       `json:"total_amount"`
	SuccessFileURL  string       `json:"success_file_url"`
	FailureFileURL  string       `json:"failure_file_url"`
	SuccessFileName string       `json:"success_file_name"`
	FailureFileName string       `json:"failure_file_name"`
}

// AR customer and invoice status words. Assumption: a created customer is ACTIVE; a new
// invoice UNPAID.
const (
	customerActive  = "ACTIVE"
	customerDeleted = "DELETED"
	invoiceUnpaid   = "UNPAID"
	arTimeLayout    = "2006-01-02 15:04:05" // D: yyyy-MM-dd HH:mm:ss
)
