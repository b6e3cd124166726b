package sandbox

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"enkashbatch/domain"
)

// customerRow is one row of a customer upload. Assumption: the upload is a CSV whose columns
// are the single-create call's JSON names (legalName, customerCompanyId, panOrGstin,
// contactName, contactNumber, email, address, state, pinCode, accountNumber, ifsc,
// uniqueRefNo, and customerId for an update). Its Go field names are those of the saved state.
type customerRow struct {
	LegalName, CustomerCompanyID, PANOrGSTIN, ContactName, ContactNumber, Email string
	Address, State, PinCode, AccountNumber, IFSC, UniqueRefNo, CustomerID       string
}

// reCustomerID is the documented shape of a customer id (D).
var reCustomerID = regexp.MustCompile(`^KC[A-Z0-9]{14}$`)

// uploadField is the multipart field of a bulk upload (D).
const uploadField = "file"

// checkCompany refuses a company id not of the documented shape (D: 412 Invalid Company ID).
func checkCompany(name, v string) *apiError {
	switch {
	case v == "":
		return errMissing(name)
	case !reCompanyID.MatchString(v):
		return &apiError{http.StatusPreconditionFailed, codePrecondition, msgInvalidCompanyID, nil}
	}
	return nil
}

// Call kinds of the AR family in the call log.
const (
	KindCustomer = "customer" // one customer, by uniqueRefNo
	KindInvoice  = "invoice"  // one invoice, by invoiceNumber
)

// minInvoiceBase is Enkash's smallest invoice base amount (D: ≥ 0.1).
const minInvoiceBase = domain.Paise(10)

var reMobile = regexp.MustCompile(`^[6-9][0-9]{9}$`)

// arState is what the sandbox holds of accounts receivable: customers and invoices, in
// creation order. Its fields are exported for the saved state (state.go).
type arState struct {
	Customers []*arCustomer `json:"customers"`
	Invoices  []*arInvoice  `json:"invoices"`

	byRef    map[string]*arCustomer // uniqueRefNo → customer
	byID     map[string]*arCustomer // customerId → customer
	byNumber map[string]*arInvoice  // invoiceNumber → invoice (unique per seller)
	byInvID  map[string]*arInvoice  // invoiceId → invoice
}

type arCustomer struct {
	ID      string      `json:"id"`
	Ref     string      `json:"ref"`
	Row     customerRow `json:"row"`
	Status  string      `json:"status"`
	Drop    bool        `json:"drop,omitempty"`
	Updates int         `json:"updates,omitempty"`
	Created time.Time   `json:"created"`
	Updated time.Time   `json:"updated"`
}

type arInvoice struct {
	ID         string       `json:"id"`
	Number     string       `json:"number"`
	ExternalID string       `json:"external_id,omitempty"`
	CustomerID string       `json:"customer_id"`
	Base       domain.Paise `json:"base_paise"`
	Net        domain.Paise `json:"net_paise"` // what Enkash records (a scenario may change it)
	DueDate    string       `json:"due_date"`
	Status     string       `json:"status"`
	Drop       bool         `json:"drop,omitempty"`
	Created    time.Time    `json:"created"`
}

func newARState() *arState {
	return &arState{byRef: map[string]*arCustomer{}, byID: map[string]*arCustomer{},
		byNumber: map[string]*arInvoice{}, byInvID: map[string]*arInvoice{}}
}

// index rebuilds the lookup maps, checking that the saved state holds together.
func (a *arState) index() error {
	a.byRef, a.byID = map[string]*arCustomer{}, map[string]*arCustomer{}
	a.byNumber, a.byInvID = map[string]*arInvoice{}, map[string]*arInvoice{}
	for i, c := range a.Customers {
		if c == nil || c.ID == "" || c.Ref == "" || a.byRef[c.Ref] != nil || a.byID[c.ID] != nil {
			return fmt.Errorf("ar customers[%d]: empty or repeated id or reference", i)
		}
		a.byRef[c.Ref], a.byID[c.ID] = c, c
	}
	for i, v := range a.Invoices {
		if v == nil || v.ID == "" || v.Number == "" || a.byNumber[v.Number] != nil || a.byInvID[v.ID] != nil {
			return fmt.Errorf("ar invoices[%d]: empty or repeated id or number", i)
		}
		a.byNumber[v.Number], a.byInvID[v.ID] = v, v
	}
	return nil
}

// loadAR reads a saved AR state; none (a state saved before AR existed) is an empty one.
func loadAR(raw json.RawMessage) (*arState, error) {
	a := newARState()
	if len(raw) == 0 || string(raw) == "null" {
		return a, nil
	}
	if err := json.Unmarshal(raw, a); err != nil {
		return nil, fmt.Errorf("ar: %w", err)
	}
	if err := a.index(); err != nil {
		return nil, err
	}
	return a, nil
}

// addARExtras records the scenario's customers and invoices that no file asked for.
func (s *Server) addARExtras(extras []Extra, now time.Time) {
	for _, e := range extras {
		if e.Kind == KindCustomer || e.Kind == KindInvoice {
			s.addARExtra(e, now)
		}
	}
}

// addARExtra records a customer or invoice that no file asked for.
func (s *Server) addARExtra(e Extra, now time.Time) {
	if e.Kind == KindCustomer {
		c := &arCustomer{ID: s.ident("KC", 14, alnum, "customer", e.Reference, "extra"), Ref: e.Reference,
			Row:    customerRow{LegalName: "Unknown customer " + e.Reference, UniqueRefNo: e.Reference},
			Status: customerActive, Created: now, Updated: now}
		s.ar.Customers = append(s.ar.Customers, c)
		s.ar.byRef[c.Ref], s.ar.byID[c.ID] = c, c
		return
	}
	v := &arInvoice{ID: s.ident("INV", 12, alnum, "invoice", e.Reference, "extra"), Number: e.Reference, ExternalID: e.Reference,
		Base: domain.Paise(e.Amount), Net: domain.Paise(e.Amount), Status: invoiceUnpaid, Created: now}
	s.ar.Invoices = append(s.ar.Invoices, v)
	s.ar.byNumber[v.Number], s.ar.byInvID[v.ID] = v, v
}

// readUpload reads the multipart "file" of a bulk call into a header index and rows.
func readUpload(r *http.Request) (map[string]int, [][]string, *apiError) {
	f, _, err := r.FormFile(uploadField)
	if err != nil {
		return nil, nil, errInvalid("Missing parameter: file (" + err.Error() + ")")
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, nil, errInvalid("Invalid file: " + err.Error())
	}
	all, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(all) == 0 {
		return nil, nil, errInvalid("Invalid file: not a CSV with a header")
	}
	header, rows := all[0], all[1:]
	if len(rows) == 0 {
		return nil, nil, errInvalid("Invalid file: no rows")
	}
	idx := make(map[string]int, len(header))
	for i, h := range header {
		idx[strings.TrimSpace(h)] = i
	}
	return idx, rows, nil
}

// cell returns the named column of a row, or "".
func cell(idx map[string]int, row []string, name string) string {
	if i, ok := idx[name]; ok && i < len(row) {
		return strings.TrimSpace(row[i])
	}
	return ""
}

func customerRowOf(idx map[string]int, row []string) customerRow {
	g := func(n string) string { return cell(idx, row, n) }
	return customerRow{LegalName: g("legalName"), CustomerCompanyID: g("customerCompanyId"), PANOrGSTIN: g("panOrGstin"),
		ContactName: g("contactName"), ContactNumber: g("contactNumber"), Email: g("email"), Address: g("address"),
		State: g("state"), PinCode: g("pinCode"), AccountNumber: g("accountNumber"), IFSC: g("ifsc"),
		UniqueRefNo: g("uniqueRefNo"), CustomerID: g("customerId")}
}

// checkCustomer applies Enkash's rules to a customer row and returns the message of the first
// one broken, or "".
func checkCustomer(c customerRow) string {
	switch {
	case c.LegalName == "":
		return "legalName is required"
	case !reMobile.MatchString(c.ContactNumber):
		return "contactNumber must be a 10-digit mobile number"
	case len(c.PANOrGSTIN) != 10 && len(c.PANOrGSTIN) != 15:
		return "panOrGstin must be a PAN or a GSTIN"
	case c.AccountNumber != "" && (!reAccount.MatchString(c.AccountNumber) || !reIFSC.MatchString(c.IFSC)):
		return "accountNumber and ifsc are invalid"
	}
	return ""
}

// customerBulk answers POST /api/v0/customer/bulk?companyId=: one BulkResponse row per row.
func (s *Server) customerBulk(r *http.Request) (any, *apiError) {
	if e := checkCompany("companyId", r.URL.Query().Get("companyId")); e != nil {
		return nil, e
	}
	idx, rows, e := readUpload(r)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	resp := newBulkResponse(len(rows))
	for i, row := range rows {
		cr := customerRowOf(idx, row)
		res := bulkRowOut{Row: i + 1, UniqueRefNo: cr.UniqueRefNo}
		if cr.UniqueRefNo == "" {
			res.Message = "uniqueRefNo is required"
			resp.fail(res)
			continue
		}
		call := s.call(KindCustomer, cr.UniqueRefNo)
		call.creates++
		if _, ok := s.ar.byRef[cr.UniqueRefNo]; ok {
			call.duplicates++
			res.Message = "Customer with uniqueRefNo " + cr.UniqueRefNo + " already exists"
			resp.fail(res)
			continue
		}
		o := s.outcome(cr.UniqueRefNo)
		msg := checkCustomer(cr)
		if msg == "" && o.Status == statusRejected {
			msg = cmp.Or(o.Reason, "Customer rejected")
		}
		if msg != "" {
			call.status = "REJECTED"
			res.Message = msg
			resp.fail(res)
			continue
		}
		c := &arCustomer{ID: s.ident("KC", 14, alnum, "customer", cr.UniqueRefNo, fmt.Sprint(call.creates)), Ref: cr.UniqueRefNo,
			Row: cr, Status: customerActive, Drop: o.Drop, Created: now, Updated: now}
		c.Row.CustomerID = ""
		s.ar.Customers = append(s.ar.Customers, c)
		s.ar.byRef[c.Ref], s.ar.byID[c.ID] = c, c
		call.status = customerActive
		res.CustomerID = c.ID
		resp.ok(res, 0)
	}
	return *resp.bulkOut, nil
}

// customerBulkUpdate answers POST /api/v0/customer/bulk/update?parentCompanyId=. An update is
// not a create: it is not counted in the call log.
func (s *Server) customerBulkUpdate(r *http.Request) (any, *apiError) {
	if e := checkCompany("parentCompanyId", r.URL.Query().Get("parentCompanyId")); e != nil {
		return nil, e
	}
	idx, rows, e := readUpload(r)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	resp := newBulkResponse(len(rows))
	for i, row := range rows {
		cr := customerRowOf(idx, row)
		res := bulkRowOut{Row: i + 1, UniqueRefNo: cr.UniqueRefNo, CustomerID: cr.CustomerID}
		c, ok := s.ar.byID[cr.CustomerID]
		switch {
		case !reCustomerID.MatchString(cr.CustomerID):
			res.Message = "Invalid customerId " + cr.CustomerID + ": KC followed by 14 letters or digits"
		case !ok || c.Status == customerDeleted:
			res.Message = "Customer " + cr.CustomerID + " not found"
		case cr.UniqueRefNo != "" && cr.UniqueRefNo != c.Ref:
			res.Message = "uniqueRefNo does not match customer " + cr.CustomerID
		default:
			res.Message = checkCustomer(cr)
		}
		if res.Message != "" {
			resp.fail(res)
			continue
		}
		cr.CustomerID = ""
		c.Row, c.Updates, c.Updated = cr, c.Updates+1, now
		resp.ok(res, 0)
	}
	return *resp.bulkOut, nil
}

// customerSearch answers POST /api/v0/customer/search?offset=&limit=.
func (s *Server) customerSearch(r *http.Request) (any, *apiError) {
	offset, limit, desc, e := pageParams(r.URL.Query())
	if e != nil {
		return nil, e
	}
	var req searchCustomersIn
	if e := decodeAR(r, &req); e != nil {
		return nil, e
	}
	from, to, e := dateRange("createdOnFrom", req.CreatedOnFrom, "createdOnTo", req.CreatedOnTo)
	if e != nil {
		return nil, e
	}
	refs, ids := setOf(req.UniqueRefNos), setOf(req.CustomerIDs)
	s.mu.Lock()
	defer s.mu.Unlock()
	var hits []*arCustomer
	for _, c := range s.ar.Customers {
		if c.Drop || (refs != nil && !refs[c.Ref]) || (ids != nil && !ids[c.ID]) || !inRange(c.Created, from, to) ||
			(req.AccountNumber != "" && c.Row.AccountNumber != req.AccountNumber) {
			continue
		}
		hits = append(hits, c)
	}
	if desc {
		slices.Reverse(hits)
	}
	out := searchCustomersOut{TotalCount: len(hits), Customers: []customerOut{}}
	for _, c := range pageOf(hits, offset, limit) {
		out.Customers = append(out.Customers, customerOut{CustomerID: c.ID, UniqueRefNo: c.Ref, LegalName: c.Row.LegalName,
			PANOrGSTIN: c.Row.PANOrGSTIN, ContactNumber: c.Row.ContactNumber, Email: c.Row.Email, Status: c.Status,
			CreatedOn: c.Created.In(ist).Format(arTimeLayout), UpdatedOn: c.Updated.In(ist).Format(arTimeLayout)})
	}
	return out, nil
}

// invoiceBulkCreate answers POST /api/v0/invoice/bulk/create?sellerId=.
func (s *Server) invoiceBulkCreate(r *http.Request) (any, *apiError) {
	if e := checkCompany("sellerId", r.URL.Query().Get("sellerId")); e != nil {
		return nil, e
	}
	idx, rows, e := readUpload(r)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	resp := newBulkResponse(len(rows))
	for i, row := range rows {
		g := func(n string) string { return cell(idx, row, n) }
		num := g("invoiceNumber")
		res := bulkRowOut{Row: i + 1, InvoiceNumber: num, ExternalID: g("externalId")}
		if num == "" {
			res.Message = "invoiceNumber is required"
			resp.fail(res)
			continue
		}
		call := s.call(KindInvoice, num)
		call.creates++
		if _, ok := s.ar.byNumber[num]; ok {
			call.duplicates++
			res.Message = "Invoice number " + num + " already exists"
			resp.fail(res)
			continue
		}
		amounts := map[string]domain.Paise{}
		var msg string
		for _, f := range []string{"baseAmount", "cgst", "sgst", "igst", "tds", "netAmount"} {
			p, err := parseRupees(cmp.Or(g(f), "0"))
			if err != nil || p < 0 {
				msg = "Invalid " + f
			}
			amounts[f] = p
		}
		cust := s.ar.byID[g("customerId")]
		if g("customerId") == "" {
			cust = s.ar.byRef[g("uniqueRefNo")]
		}
		o := s.outcome(num)
		switch {
		case msg != "":
		case g("customerId") != "" && !reCustomerID.MatchString(g("customerId")):
			msg = "Invalid customerId " + g("customerId") + ": KC followed by 14 letters or digits"
		case cust == nil || cust.Status == customerDeleted:
			msg = "Customer not found: " + cmp.Or(g("customerId"), "uniqueRefNo "+g("uniqueRefNo"))
		case amounts["baseAmount"] < minInvoiceBase:
			msg = "baseAmount must be at least 0.1"
		case g("dueDate") == "":
			msg = "dueDate is required"
		case amounts["igst"] > 0 && (amounts["cgst"] > 0 || amounts["sgst"] > 0):
			msg = "igst cannot be combined with cgst and sgst"
		case o.Status == statusRejected:
			msg = cmp.Or(o.Reason, "Invoice rejected")
		}
		if msg != "" {
			call.status = "REJECTED"
			res.Message = msg
			resp.fail(res)
			continue
		}
		net := amounts["baseAmount"] + amounts["cgst"] + amounts["sgst"] + amounts["igst"] - amounts["tds"]
		call.amount, call.hasAmount = net, true
		if o.Amount != nil {
			net = domain.Paise(*o.Amount)
		}
		v := &arInvoice{ID: s.ident("INV", 12, alnum, "invoice", num, fmt.Sprint(call.creates)), Number: num, ExternalID: g("externalId"),
			CustomerID: cust.ID, Base: amounts["baseAmount"], Net: net, DueDate: g("dueDate"), Status: invoiceUnpaid,
			Drop: o.Drop, Created: now}
		s.ar.Invoices = append(s.ar.Invoices, v)
		s.ar.byNumber[v.Number], s.ar.byInvID[v.ID] = v, v
		call.status = invoiceUnpaid
		res.InvoiceID = v.ID
		resp.ok(res, net)
	}
	return *resp.bulkOut, nil
}

// invoiceSearch answers POST /api/v0/invoice/search?offset=&limit=&direction=.
func (s *Server) invoiceSearch(r *http.Request) (any, *apiError) {
	offset, limit, desc, e := pageParams(r.URL.Query())
	if e != nil {
		return nil, e
	}
	var req searchInvoicesIn
	if e := decodeAR(r, &req); e != nil {
		return nil, e
	}
	from, to, e := dateRange("createdOnFrom", req.CreatedOnFrom, "createdOnTo", req.CreatedOnTo)
	if e != nil {
		return nil, e
	}
	ext, nums, custs := setOf(req.ExternalIDs), setOf(req.InvoiceNumbers), setOf(req.CustomerIDs)
	s.mu.Lock()
	defer s.mu.Unlock()
	var hits []*arInvoice
	for _, v := range s.ar.Invoices {
		if v.Drop || (ext != nil && !ext[v.ExternalID]) || (nums != nil && !nums[v.Number]) ||
			(custs != nil && !custs[v.CustomerID]) || !inRange(v.Created, from, to) {
			continue
		}
		hits = append(hits, v)
	}
	if desc {
		slices.Reverse(hits)
	}
	out := searchInvoicesOut{TotalCount: len(hits), Invoices: []invoiceOut{}}
	for _, v := range pageOf(hits, offset, limit) {
		out.Invoices = append(out.Invoices, invoiceRecord(v))
	}
	return out, nil
}

// invoiceGet answers GET /api/v0/invoice/{invoiceId}.
func (s *Server) invoiceGet(r *http.Request) (any, *apiError) {
	id := strings.TrimPrefix(r.URL.Path, pathInvoice)
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.ar.byInvID[id]
	if !ok || v.Drop {
		return nil, &apiError{http.StatusNotFound, http.StatusNotFound, "Invoice " + id + " not found", nil}
	}
	return invoiceRecord(v), nil
}

func invoiceRecord(v *arInvoice) invoiceOut {
	return invoiceOut{InvoiceID: v.ID, InvoiceNumber: v.Number, ExternalID: v.ExternalID, CustomerID: v.CustomerID,
		BaseAmount: rupees(v.Base), NetAmount: rupees(v.Net), BalanceAmount: rupees(v.Net),
		DueDate: v.DueDate, ReceivableStatus: labelOut{Label: strings.ReplaceAll(v.Status, "_", " "), Name: v.Status},
		CreatedOn: v.Created.In(ist).Format(arTimeLayout)}
}

// bulkAnswer builds a BulkResponse.
type bulkAnswer struct{ *bulkOut }

func newBulkResponse(total int) bulkAnswer {
	return bulkAnswer{&bulkOut{SuccessRequests: []bulkRowOut{}, FailureRequests: []bulkRowOut{}, TotalCount: total}}
}

func (b bulkAnswer) ok(r bulkRowOut, amount domain.Paise) {
	b.SuccessRequests = append(b.SuccessRequests, r)
	b.SuccessCount++
	b.TotalAmount += rupees(amount)
}

func (b bulkAnswer) fail(r bulkRowOut) {
	b.FailureRequests = append(b.FailureRequests, r)
	b.FailureCount++
}

// decodeAR reads a plain JSON body into v strictly (unknown fields, wrong types and trailing
// data refused: 422); an empty body is no filter.
func decodeAR(r *http.Request, v any) *apiError {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return errFormat(err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := strictJSON(body, v); err != nil {
		return errFormat(err)
	}
	return nil
}

// setOf returns a set of vs, or nil (no filter) when vs is empty.
func setOf(vs []string) map[string]bool {
	if len(vs) == 0 {
		return nil
	}
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}
