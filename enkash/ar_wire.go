package enkash

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"

	"github.com/gocarina/gocsv"
)

// The wire format of the accounts receivable (AR) family: bulk customers and bulk invoices
// (docs/enkash.md, "Accounts receivable"). AR calls are not encrypted (D). Facts marked "Assumption" are
// not on Enkash's portal.

// AR endpoint paths (D).
const (
	PathCustomerBulk       = "/api/v0/customer/bulk"        // ?companyId=CEK...
	PathCustomerBulkUpdate = "/api/v0/customer/bulk/update" // ?parentCompanyId=...
	PathCustomerSearch     = "/api/v0/customer/search"
	PathInvoiceBulkCreate  = "/api/v0/invoice/bulk/create" // ?sellerId=CEK...
	PathInvoiceSearch      = "/api/v0/invoice/search"
	PathInvoice            = "/api/v0/invoice/" // GET /api/v0/invoice/{invoiceId}
)

// UploadField is the multipart form field of a bulk upload (D).
const UploadField = "file"

// CustomerUploadColumns is the header of a customer bulk upload file. Assumption: the layout is
// not documented; the columns are the JSON names of the single-create call (docs/enkash.md),
// plus contactName (the key contact's name, which the single call requires) and customerId
// (which customer a bulk update row changes).
var CustomerUploadColumns = []string{"legalName", "customerCompanyId", "panOrGstin", "contactName", "contactNumber", "email",
	"address", "state", "pinCode", "accountNumber", "ifsc", "uniqueRefNo", "customerId"}

// InvoiceUploadColumns is the header of an invoice bulk upload file. Assumption: as for
// customers, the JSON names of the single-create call; amounts are decimal rupees, dates
// yyyy-MM-dd. A row names its customer by customerId (KC...) or by uniqueRefNo.
var InvoiceUploadColumns = []string{"invoiceNumber", "customerId", "uniqueRefNo", "invoiceDate", "dueDate", "baseAmount",
	"cgst", "sgst", "igst", "tds", "netAmount", "description", "externalId", "poNumber"}

// CustomerRow is one row of a customer bulk upload; its csv tags are the upload's columns
// (CustomerUploadColumns, in that order).
type CustomerRow struct {
	LegalName         string `csv:"legalName"`
	CustomerCompanyID string `csv:"customerCompanyId"`
	PANOrGSTIN        string `csv:"panOrGstin"`
	ContactName       string `csv:"contactName"`
	ContactNumber     string `csv:"contactNumber"`
	Email             string `csv:"email"`
	Address           string `csv:"address"`
	State             string `csv:"state"`
	PinCode           string `csv:"pinCode"`
	AccountNumber     string `csv:"accountNumber"`
	IFSC              string `csv:"ifsc"`
	UniqueRefNo       string `csv:"uniqueRefNo"`
	CustomerID        string `csv:"customerId"`
}

// InvoiceRow is one row of an invoice bulk upload; its csv tags are the upload's columns
// (InvoiceUploadColumns, in that order). Dates are yyyy-MM-dd; amounts are written as in
// Enkash's JSON (Amount.MarshalCSV).
type InvoiceRow struct {
	InvoiceNumber string `csv:"invoiceNumber"`
	CustomerID    string `csv:"customerId"`
	UniqueRefNo   string `csv:"uniqueRefNo"`
	InvoiceDate   string `csv:"invoiceDate"`
	DueDate       string `csv:"dueDate"`
	BaseAmount    Amount `csv:"baseAmount"`
	CGST          Amount `csv:"cgst"`
	SGST          Amount `csv:"sgst"`
	IGST          Amount `csv:"igst"`
	TDS           Amount `csv:"tds"`
	NetAmount     Amount `csv:"netAmount"`
	Description   string `csv:"description"`
	ExternalID    string `csv:"externalId"`
	PONumber      string `csv:"poNumber"`
}

// MarshalCSV writes an amount in an upload file as Enkash's JSON writes it: decimal rupees.
func (a Amount) MarshalCSV() (string, error) {
	b, err := a.MarshalJSON()
	return string(b), err
}

// RenderCustomers renders the upload file of a customer bulk create or update: the one place
// that knows its layout.
func RenderCustomers(rows []CustomerRow) ([]byte, error) { return renderCSV(rows) }

// RenderInvoices renders the upload file of an invoice bulk create.
func RenderInvoices(rows []InvoiceRow) ([]byte, error) { return renderCSV(rows) }

// renderCSV writes typed rows, header first, with gocsv: the columns are the rows' csv tags.
func renderCSV[T any](rows []T) ([]byte, error) {
	b, err := gocsv.MarshalBytes(rows)
	if err != nil {
		return nil, fmt.Errorf("render upload file: %w", err)
	}
	return b, nil
}

// BulkResponse is the synchronous answer of a bulk upload (D: field names and casing as
// documented). Assumption: customer bulk create, customer bulk update and invoice bulk create
// all answer it.
type BulkResponse struct {
	SuccessRequests []BulkRow `json:"successRequests"`
	FailureRequests []BulkRow `json:"failureRequests"`
	SuccessCount    int       `json:"success_count"`
	FailureCount    int       `json:"failure_count"`
	WarnCount       int       `json:"warn_count"`
	TotalCount      int       `json:"total_count"`
	TotalAmount     Amount    `json:"total_amount"`
	SuccessFileURL  string    `json:"success_file_url,omitempty"`
	FailureFileURL  string    `json:"failure_file_url,omitempty"`
	SuccessFileName string    `json:"success_file_name,omitempty"`
	FailureFileName string    `json:"failure_file_name,omitempty"`
}

// BulkRow is one row of a BulkResponse. Assumption: each item carries the row number (1 = the
// first row after the header), the row's own keys (uniqueRefNo; invoiceNumber and externalId),
// the id Enkash gave (customerId, invoiceId) on success, and a message on failure.
type BulkRow struct {
	Row           int    `json:"row"`
	UniqueRefNo   string `json:"uniqueRefNo,omitempty"`
	CustomerID    string `json:"customerId,omitempty"`
	InvoiceNumber string `json:"invoiceNumber,omitempty"`
	ExternalID    string `json:"externalId,omitempty"`
	InvoiceID     string `json:"invoiceId,omitempty"`
	Message       string `json:"message,omitempty"`
}

// AlreadyExists reports whether a failure row of a BulkResponse says that Enkash already holds
// a record under the row's key (a customer's uniqueRefNo, an invoice's number). Assumption: the
// row's message uses the words of the documented 409s, "already exists". Such a row is never a
// refusal: the record is looked up and adopted only if provably ours.
func (r BulkRow) AlreadyExists() bool {
	return strings.Contains(strings.ToLower(r.Message), "already exists")
}

// SearchCustomersRequest filters a customer search. D: accountNumber and assignedAgent are
// filters; Assumption: so are uniqueRefNos, customerIds and createdOnFrom/To
// (yyyy-MM-dd HH:mm:ss, as on the invoice search).
type SearchCustomersRequest struct {
	UniqueRefNos  []string `json:"uniqueRefNos,omitempty"`
	CustomerIDs   []string `json:"customerIds,omitempty"`
	AccountNumber string   `json:"accountNumber,omitempty"`
	CreatedOnFrom string   `json:"createdOnFrom,omitempty"`
	CreatedOnTo   string   `json:"createdOnTo,omitempty"`
}

// CustomerRecord is a customer as a search returns it. Assumption: these field names.
type CustomerRecord struct {
	CustomerID    string `json:"customerId"`
	UniqueRefNo   string `json:"uniqueRefNo"`
	LegalName     string `json:"legalName"`
	PANOrGSTIN    string `json:"panOrGstin,omitempty"`
	ContactNumber string `json:"contactNumber,omitempty"`
	Email         string `json:"email,omitempty"`
	Status        string `json:"status"` // ACTIVE, INACTIVE or DELETED
	CreatedOn     string `json:"createdOn"`
	UpdatedOn     string `json:"updatedOn,omitempty"`
}

// SearchCustomersResponse is one page of a customer search. Assumption: records in
// "customers", the number of matches in "totalCount" (the payout search's shape).
type SearchCustomersResponse struct {
	Customers  []CustomerRecord `json:"customers"`
	TotalCount int              `json:"totalCount"`
}

// Customer statuses. Assumption: a created customer is ACTIVE; deleted ones are DELETED.
const (
	CustomerActive   = "ACTIVE"
	CustomerInactive = "INACTIVE"
	CustomerDeleted  = "DELETED"
)

// SearchInvoicesRequest filters an invoice search (D: customerIds, createdOnFrom/To as
// yyyy-MM-dd HH:mm:ss, dueDateFrom/To, baseAmountFrom/To, dispatched). Assumption: also
// externalIds and invoiceNumbers.
type SearchInvoicesRequest struct {
	ExternalIDs    []string `json:"externalIds,omitempty"`
	InvoiceNumbers []string `json:"invoiceNumbers,omitempty"`
	CustomerIDs    []string `json:"customerIds,omitempty"`
	CreatedOnFrom  string   `json:"createdOnFrom,omitempty"`
	CreatedOnTo    string   `json:"createdOnTo,omitempty"`
}

// Label is a {label, name} pair (D: receivableStatus).
type Label struct {
	Label string `json:"label"`
	Name  string `json:"name"`
}

// InvoiceRecord is an invoice as search and get-invoice return it (D: these fields).
type InvoiceRecord struct {
	InvoiceID        string `json:"invoiceId"`
	InvoiceNumber    string `json:"invoiceNumber"`
	ExternalID       string `json:"externalId,omitempty"`
	CustomerID       string `json:"customerId"`
	BaseAmount       Amount `json:"baseAmount"`
	NetAmount        Amount `json:"netAmount"`
	BalanceAmount    Amount `json:"balanceAmount"`
	TotalReceived    Amount `json:"totalReceived"`
	DueDate          string `json:"dueDate"`
	ReceivableStatus Label  `json:"receivableStatus"`
	CreatedOn        string `json:"createdOn,omitempty"` // Assumption: yyyy-MM-dd HH:mm:ss
}

// SearchInvoicesResponse is one page of an invoice search. Assumption: records in "invoices",
// the number of matches in "totalCount".
type SearchInvoicesResponse struct {
	Invoices   []InvoiceRecord `json:"invoices"`
	TotalCount int             `json:"totalCount"`
}

// Invoice receivable statuses (D: e.g. PAID). Assumption: a new invoice is UNPAID, then
// PARTIALLY_PAID, PAID, or CANCELLED.
const (
	InvoiceUnpaid    = "UNPAID"
	InvoicePartial   = "PARTIALLY_PAID"
	InvoicePaid      = "PAID"
	InvoiceCancelled = "CANCELLED"
)

// ARTimeLayout is the AR family's date-time format (D: yyyy-MM-dd HH:mm:ss).
const ARTimeLayout = "2006-01-02 15:04:05"

// SplitUploadCSV reads an upload file rendered by RenderCustomers or RenderInvoices into its
// header and rows; the sandbox reads uploads with it.
func SplitUploadCSV(data []byte) (header []string, rows [][]string, err error) {
	r := csv.NewReader(bytes.NewReader(data))
	all, err := r.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	if len(all) == 0 {
		return nil, nil, nil
	}
	for i := range all[0] {
		all[0][i] = strings.TrimSpace(all[0][i])
	}
	return all[0], all[1:], nil
}
