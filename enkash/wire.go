package enkash

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"enkashbatch/domain"
)

// This file is the wire format of the Enkash APIs the processor speaks: paths, envelopes and
// bodies. The client and the sandbox both use it, so it is the one place where a documented
// field name lives. Facts marked "Assumption" are not on Enkash's portal (docs/enkash.md, "Assumptions").

// Endpoint paths (docs/enkash.md).
const (
	PathToken          = "/oauth/token"                      // D
	PathBatchTransfer  = "/api/v0/payout-transaction/batch"  // D
	PathSearchPayouts  = "/api/v0/payout-transaction/search" // Assumption: the search path was not captured
	PathBalance        = "/api/v0/payout-account/balance"    // D
	PathStatement      = "/api/v0/payout-account/statement"  // D
	PathSingleTransfer = "/api/v0/payout-transaction"        // D
)

// Response codes in the envelope's response_code (D: 0 success, 1 failure; the others are
// documented as "codes" without saying whether HTTP or body, so both are handled).
const (
	CodeSuccess        = 0
	CodeFailure        = 1
	CodeForbidden      = 403 // APIs not enabled, or encryption failed for the response
	CodeAlreadyExists  = 409 // beneficiary, transaction or batch id already exists
	CodePrecondition   = 412
	CodeInvalidRequest = 422 // invalid encrypted request, invalid format, missing parameter...
	CodeVelocityLimit  = 36  // BBPS: velocity limit breached
	CodeVelocityLimit2 = 37  // BBPS: velocity limit breached
	CodeDuplicateRefID = 38  // BBPS: duplicate referenceId
)

// Code is a response_code, which one old page types as a string: it reads both 0 and "0".
type Code int

// UnmarshalJSON reads a number or a numeric string.
func (c *Code) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*c = 0
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("response_code %s is not a number", b)
	}
	*c = Code(n)
	return nil
}

// Envelope is the payout/BBPS response envelope (D).
type Envelope struct {
	ResponseCode    Code            `json:"response_code"`
	ResponseMessage string          `json:"response_message"`
	Payload         json.RawMessage `json:"payload,omitempty"`
}

// Encrypted is the body of every payout request and response: {"request": "<base64>"} (D).
type Encrypted struct {
	Request string `json:"request"`
}

// TokenResponse reads both documented token shapes: camelCase (payout and AR pages) and
// snake_case (other families).
type TokenResponse struct {
	AccessToken  string
	TokenType    string
	RefreshToken string
	ExpiresIn    int64 // seconds
	Scope        string
}

type tokenCamel struct {
	AccessToken  string      `json:"accessToken"`
	TokenType    string      `json:"tokenType"`
	ExpiresIn    json.Number `json:"expiresIn"`
	RefreshToken string      `json:"refreshToken"`
}

type tokenSnake struct {
	AccessToken  string      `json:"access_token"`
	TokenType    string      `json:"token_type"`
	ExpiresIn    json.Number `json:"expires_in"`
	RefreshToken string      `json:"refresh_token"`
	Scope        string      `json:"scope"`
}

// UnmarshalJSON accepts either shape, bare or inside a response envelope's payload.
func (t *TokenResponse) UnmarshalJSON(b []byte) error {
	var env struct {
		Payload json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(b, &env) == nil && len(env.Payload) > 0 && env.Payload[0] == '{' {
		b = env.Payload
	}
	var c tokenCamel
	var s tokenSnake
	if err := json.Unmarshal(b, &c); err != nil {
		return fmt.Errorf("token response: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("token response: %w", err)
	}
	*t = TokenResponse{AccessToken: c.AccessToken, TokenType: c.TokenType, RefreshToken: c.RefreshToken}
	exp := c.ExpiresIn
	if t.AccessToken == "" {
		*t = TokenResponse{AccessToken: s.AccessToken, TokenType: s.TokenType, RefreshToken: s.RefreshToken, Scope: s.Scope}
		exp = s.ExpiresIn
	}
	if exp != "" {
		n, err := strconv.ParseFloat(string(exp), 64)
		if err != nil {
			return fmt.Errorf("token response: expires_in %q: %w", exp, err)
		}
		t.ExpiresIn = int64(n)
	}
	return nil
}

// Amount is a rupee amount on the wire: a JSON decimal number such as 1250.50 (D: "rupees as a
// decimal number"). It is read from a number or a numeric string straight into paise, never
// through a float.
type Amount domain.Paise

// MarshalJSON writes the amount as a decimal number with two places.
func (a Amount) MarshalJSON() ([]byte, error) {
	return []byte(domain.Paise(a).Decimal()), nil
}

// UnmarshalJSON reads 1250.5, 1250.50, "1250.50" or 1250 exactly.
func (a *Amount) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "null" || s == "" {
		*a = 0
		return nil
	}
	p, err := ParseDecimalPaise(s)
	if err != nil {
		return err
	}
	*a = Amount(p)
	return nil
}

// ParseDecimalPaise reads a plain decimal rupee amount ("1250.5", "-3", "1e3" is refused) as paise.
// More than two decimals are refused unless they are zeros.
func ParseDecimalPaise(s string) (domain.Paise, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	if whole == "" || len(frac) > 2 || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" || len(whole) > 15 {
		return 0, fmt.Errorf("amount %q is not a decimal rupee amount", s)
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	p := domain.Paise(w*100 + f)
	if neg {
		p = -p
	}
	return p, nil
}

// Beneficiary is an inline payee of a transfer (D: beneficiaryDetail). Its ID is filled by
// SubmitBatch when empty (see InlineBeneficiaryID).
type Beneficiary struct {
	ID            string `json:"beneficiaryId"`
	Name          string `json:"beneficiaryName"`
	AccountNumber string `json:"beneficiaryAccountNumber,omitempty"`
	IFSC          string `json:"beneficiaryIfsc,omitempty"`
	VPA           string `json:"vpaHandle,omitempty"`
	Email         string `json:"beneficiaryEmail,omitempty"` // Assumption: the e-mail and phone field names were not captured
	Phone         string `json:"beneficiaryPhone,omitempty"`
}

// Transfer is one payout request item (D: PayoutTransactionCreateRequest). It names its payee
// either by BeneficiaryID or by Beneficiary (Assumption: one of the two). The checksum is
// omitted (Assumption: how to compute it is not documented).
type Transfer struct {
	TransactionID string       `json:"transactionId"`
	Amount        Amount       `json:"transferAmount"`
	Mode          string       `json:"transferMode"`
	BeneficiaryID string       `json:"beneficiaryId,omitempty"`
	Beneficiary   *Beneficiary `json:"beneficiaryDetail,omitempty"`
	Remark        string       `json:"transferRemark,omitempty"`
	Reference     string       `json:"reference,omitempty"`
	FundSourceID  string       `json:"fundSourceId,omitempty"`
}

// BatchTransferRequest is the body of a batch transfer (D), before encryption.
type BatchTransferRequest struct {
	BatchTransactionID string     `json:"batchTransactionId"`
	Transfers          []Transfer `json:"transfers"`
}

// TransferResult is one accepted item of a batch (D in part: PayoutTransactionCreateResponse).
type TransferResult struct {
	TransactionID       string `json:"transactionId"`
	EnkashTransactionID string `json:"enkashTransactionId"`
	PayoutStatus        string `json:"payoutStatus"`
}

// TransferFailure is one refused item of a batch. Assumption: the batch answer lists refused
// items beside the accepted ones, each with its transactionId and a reason code.
type TransferFailure struct {
	TransactionID string `json:"transactionId"`
	Reason        string `json:"reason"`
	Message       string `json:"message,omitempty"`
}

// BatchTransferResponse is the decrypted payload of a batch transfer answer.
type BatchTransferResponse struct {
	BatchTransactionID string            `json:"batchTransactionId"`
	Successful         []TransferResult  `json:"successfulPayoutTransactionCreateResponses"`
	Failed             []TransferFailure `json:"failedPayoutTransactionCreateResponses"` // Assumption (see TransferFailure)
}

// SearchTransfersRequest filters a payout search. Assumption: the path, these filters and the
// offset/limit/orderBy/direction query parameters follow Enkash's other search endpoints.
type SearchTransfersRequest struct {
	TransactionIDs     []string `json:"transactionIds,omitempty"`
	BatchTransactionID string   `json:"batchTransactionId,omitempty"`
	FromDate           string   `json:"fromDate,omitempty"`
	ToDate             string   `json:"toDate,omitempty"`
	Statuses           []string `json:"statuses,omitempty"`
}

// MaxSearchLimit is the most records one search call returns (D for other searches: 5,000).
const MaxSearchLimit = 5000

// TransferRecord is one transfer as the search reports it. Assumption: at least these fields.
type TransferRecord struct {
	TransactionID       string `json:"transactionId"`
	BatchTransactionID  string `json:"batchTransactionId,omitempty"`
	EnkashTransactionID string `json:"enkashTransactionId"`
	Amount              Amount `json:"transferAmount"`
	Mode                string `json:"transferMode,omitempty"`
	PayoutStatus        string `json:"payoutStatus"`
	FailureReason       string `json:"failureReason,omitempty"`
	UTR                 string `json:"utr,omitempty"`
	CreatedAt           string `json:"createdAt,omitempty"`
	UpdatedAt           string `json:"updatedAt,omitempty"`
}

// SearchTransfersResponse is the decrypted payload of a payout search. Assumption: the records
// come in "transfers" with the total number of matches in "totalCount".
type SearchTransfersResponse struct {
	Transfers  []TransferRecord `json:"transfers"`
	TotalCount int              `json:"totalCount"`
}

// Payout statuses (D).
const (
	PayoutPending    = "PENDING"
	PayoutProcessing = "PROCESSING"
	PayoutSuccess    = "SUCCESS"
	PayoutFailed     = "FAILED"
	PayoutRejected   = "REJECTED"
	PayoutReversed   = "REVERSED"
)

// PayoutStatus maps Enkash's payout status word to our item state. The older words
// IMPS_CALL_MADE, NEFT_CALL_MADE and UPI_CALL_MADE mean PROCESSING (D). REJECTED counts as
// failed: Enkash refused it before the bank, and it may be sent again once fixed.
func PayoutStatus(s string) domain.Status {
	switch strings.ToUpper(s) {
	case PayoutPending:
		return domain.StatusPending
	case PayoutProcessing, "IMPS_CALL_MADE", "NEFT_CALL_MADE", "UPI_CALL_MADE", "RTGS_CALL_MADE":
		return domain.StatusProcessing
	case PayoutSuccess:
		return domain.StatusSuccess
	case PayoutFailed, PayoutRejected:
		return domain.StatusFailed
	case PayoutReversed:
		return domain.StatusReversed
	}
	return domain.StatusUnknown
}

// StatementRequest is the body of a payout account statement call (docs/enkash.md,
// "Statement": fundSourceId, debitAccountNumber, fromDate and toDate, all required, the dates
// in RFC 3339). Assumption: both dates are
// inclusive, to the second, and one call answers the whole window (no paging is documented).
type StatementRequest struct {
	FundSourceID       string `json:"fundSourceId"`
	DebitAccountNumber string `json:"debitAccountNumber"`
	FromDate           string `json:"fromDate"`
	ToDate             string `json:"toDate"`
}

// Statement transaction types (D).
const (
	StatementDebit  = "DEBIT"
	StatementCredit = "CREDIT"
)

// StatementLine is one line of the payout account statement (D: the field names).
// Assumptions: transactionDate is RFC 3339 (the format of the request's dates) and valueDate a
// bare yyyy-MM-dd; transactionAmount is positive, its direction given by transactionType
// (DEBIT or CREDIT); runningBalance is the account's balance just after the line; a payout's
// debit carries the payout's transactionId and its UTR as transactionReferenceNumber.
type StatementLine struct {
	TransactionID              string `json:"transactionId"`
	TransactionDate            string `json:"transactionDate"`
	ValueDate                  string `json:"valueDate"`
	TransactionType            string `json:"transactionType"`
	Remarks                    string `json:"remarks"`
	TransactionReferenceNumber string `json:"transactionReferenceNumber"`
	TransactionMode            string `json:"transactionMode"`
	TransactionAmount          Amount `json:"transactionAmount"`
	RunningBalance             Amount `json:"runningBalance"`
}

// StatementResponse is a statement answer (docs/enkash.md, "Statement"): the lines are in
// "data" at the top level of the answer, beside response_code and requestId, not in
// "payload". Assumption: an answer with "data" inside "payload" is read too; one with a data
// list in neither place is an error. The lines are oldest first, with no opening or closing
// balance beside them: the balance before a line is its runningBalance less its own effect.
type StatementResponse struct {
	ResponseCode    Code            `json:"response_code"`
	ResponseMessage string          `json:"response_message"`
	RequestID       string          `json:"requestId,omitempty"`
	Data            []StatementLine `json:"data"`
}

// decodeTop reads a statement answer from its whole plaintext.
func (r *StatementResponse) decodeTop(plain []byte) error {
	var top struct {
		ResponseCode    Code            `json:"response_code"`
		ResponseMessage string          `json:"response_message"`
		RequestID       string          `json:"requestId"`
		Data            json.RawMessage `json:"data"`
		Payload         json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(plain, &top); err != nil {
		return fmt.Errorf("decode statement: %w", err)
	}
	data := top.Data
	if len(data) == 0 || string(data) == "null" {
		var inner struct {
			Data json.RawMessage `json:"data"`
		}
		if len(top.Payload) > 0 && top.Payload[0] == '{' && json.Unmarshal(top.Payload, &inner) == nil {
			data = inner.Data
		}
	}
	if len(data) == 0 || string(data) == "null" {
		return errors.New(`statement answer has no "data" list (neither beside response_code nor in payload)`)
	}
	*r = StatementResponse{ResponseCode: top.ResponseCode, ResponseMessage: top.ResponseMessage, RequestID: top.RequestID}
	if err := json.Unmarshal(data, &r.Data); err != nil {
		return fmt.Errorf("decode statement lines: %w", err)
	}
	return nil
}

// InlineBeneficiaryID is the beneficiaryId an inline payee carries when the file names none.
// Assumption (docs/enkash.md, "Assumptions"): beneficiaryDetail is a
// BeneficiaryDetailCreateRequest, whose beneficiaryId is required and alphanumeric, so an
// inline payee needs one too; it is derived from the payee alone (account and IFSC, or VPA),
// so that the same payee always carries the same id and two payees never share one.
func InlineBeneficiaryID(b Beneficiary) string {
	key := strings.ToUpper(strings.TrimSpace(b.AccountNumber)) + "|" + strings.ToUpper(strings.TrimSpace(b.IFSC)) +
		"|" + strings.ToLower(strings.TrimSpace(b.VPA))
	sum := sha256.Sum256([]byte(key))
	return "BEN" + strings.ToUpper(hex.EncodeToString(sum[:10]))
}
