package enkash

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
)

// The AR endpoints: plain JSON (not encrypted, D), with the bulk uploads as multipart files.
var (
	epCustomerBulk       = endpoint{method: http.MethodPost, path: PathCustomerBulk, policy: retryCreate, plain: true}
	epCustomerBulkUpdate = endpoint{method: http.MethodPost, path: PathCustomerBulkUpdate, policy: retryCreate, plain: true}
	epCustomerSearch     = endpoint{method: http.MethodPost, path: PathCustomerSearch, policy: retryRead, plain: true}
	epInvoiceBulkCreate  = endpoint{method: http.MethodPost, path: PathInvoiceBulkCreate, policy: retryCreate, plain: true}
	epInvoiceSearch      = endpoint{method: http.MethodPost, path: PathInvoiceSearch, policy: retryRead, plain: true}
	epInvoiceGet         = endpoint{method: http.MethodGet, path: PathInvoice, route: PathInvoice + "{invoiceId}", policy: retryRead, plain: true}
)

// DefaultUploadRows is the most rows the processor puts in one AR upload. Assumption: Enkash
// documents no limit; 1,000 rows.
const DefaultUploadRows = 1000

// maxARSearchIDs is the most references one AR search filters on. Assumption: as for payouts,
// 1,000.
const maxARSearchIDs = 1000

// ARService is the accounts receivable family: bulk customers and bulk invoices, and their
// searches.
type ARService service

// CreateCustomers uploads rows as a customer bulk create (companyId: Config.CompanyID). Like
// every create, it is retried only when Enkash provably did not process it; an ambiguous
// failure must be resolved by searching customers by uniqueRefNo.
func (s *ARService) CreateCustomers(ctx context.Context, rows []CustomerRow) (*BulkResponse, error) {
	q := url.Values{"companyId": {s.companyID()}}
	file, err := RenderCustomers(rows)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", epCustomerBulk, err)
	}
	return s.upload(ctx, epCustomerBulk, q, "customers.csv", file, len(rows))
}

// UpdateCustomers uploads rows (each naming its customerId) as a customer bulk update
// (parentCompanyId: Config.CompanyID).
func (s *ARService) UpdateCustomers(ctx context.Context, rows []CustomerRow) (*BulkResponse, error) {
	for i, r := range rows {
		if r.CustomerID == "" {
			return nil, fmt.Errorf("update customers: row %d (%s) names no customerId", i+1, r.UniqueRefNo)
		}
	}
	q := url.Values{"parentCompanyId": {s.companyID()}}
	file, err := RenderCustomers(rows)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", epCustomerBulkUpdate, err)
	}
	return s.upload(ctx, epCustomerBulkUpdate, q, "customers.csv", file, len(rows))
}

// CreateInvoices uploads rows as an invoice bulk create (sellerId: Config.CompanyID).
func (s *ARService) CreateInvoices(ctx context.Context, rows []InvoiceRow) (*BulkResponse, error) {
	q := url.Values{"sellerId": {s.companyID()}}
	file, err := RenderInvoices(rows)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", epInvoiceBulkCreate, err)
	}
	return s.upload(ctx, epInvoiceBulkCreate, q, "invoices.csv", file, len(rows))
}

// companyID is the company the AR calls name: Config.CompanyID, or, when it is empty, the
// client id. Assumption: a company's clientId is its company id (both are CEK..., D).
func (s *ARService) companyID() string {
	if s.client.cfg.CompanyID != "" {
		return s.client.cfg.CompanyID
	}
	return s.client.cfg.ClientID
}

// upload sends file as the multipart field "file" and returns Enkash's row-by-row answer.
func (s *ARService) upload(ctx context.Context, ep endpoint, q url.Values, name string, file []byte, rows int) (*BulkResponse, error) {
	if rows == 0 {
		return nil, fmt.Errorf("%s: nothing to upload", ep)
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	part, err := mw.CreateFormFile(UploadField, name)
	if err == nil {
		_, err = part.Write(file)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: build upload: %w", ep, err)
	}
	var out BulkResponse
	if err := s.client.do(ctx, ep, q, rawBody{data: b.Bytes(), contentType: mw.FormDataContentType()}, &out); err != nil {
		return nil, fmt.Errorf("upload %d rows: %w", rows, err)
	}
	return &out, nil
}

// SearchCustomers returns one page of customers matching req: at most limit (1 to
// MaxSearchLimit) from offset.
func (s *ARService) SearchCustomers(ctx context.Context, req SearchCustomersRequest, offset, limit int) (*SearchCustomersResponse, error) {
	return searchPage[SearchCustomersResponse](ctx, s.client, epCustomerSearch, "customers", req, offset, limit)
}

// SearchAllCustomers returns every customer matching req, paging with MaxSearchLimit and
// splitting a long UniqueRefNos filter.
func (s *ARService) SearchAllCustomers(ctx context.Context, req SearchCustomersRequest) ([]CustomerRecord, error) {
	var all []CustomerRecord
	seen := map[string]bool{}
	for _, refs := range chunkIDs(req.UniqueRefNos, maxARSearchIDs) {
		q := req
		q.UniqueRefNos = refs
		err := pageAll(MaxSearchLimit, func(offset int) (int, int, error) {
			page, err := s.SearchCustomers(ctx, q, offset, MaxSearchLimit)
			if err != nil {
				return 0, 0, err
			}
			for _, r := range page.Customers {
				if !seen[r.CustomerID] {
					seen[r.CustomerID] = true
					all = append(all, r)
				}
			}
			return len(page.Customers), page.TotalCount, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return all, nil
}

// SearchInvoices returns one page of invoices matching req (D: offset, limit ≤ 5,000, orderBy
// and direction are query parameters).
func (s *ARService) SearchInvoices(ctx context.Context, req SearchInvoicesRequest, offset, limit int) (*SearchInvoicesResponse, error) {
	return searchPage[SearchInvoicesResponse](ctx, s.client, epInvoiceSearch, "invoices", req, offset, limit)
}

// SearchAllInvoices returns every invoice matching req, paging with MaxSearchLimit and
// splitting a long ExternalIDs filter.
func (s *ARService) SearchAllInvoices(ctx context.Context, req SearchInvoicesRequest) ([]InvoiceRecord, error) {
	var all []InvoiceRecord
	seen := map[string]bool{}
	for _, ids := range chunkIDs(req.ExternalIDs, maxARSearchIDs) {
		q := req
		q.ExternalIDs = ids
		err := pageAll(MaxSearchLimit, func(offset int) (int, int, error) {
			page, err := s.SearchInvoices(ctx, q, offset, MaxSearchLimit)
			if err != nil {
				return 0, 0, err
			}
			for _, r := range page.Invoices {
				if !seen[r.InvoiceID] {
					seen[r.InvoiceID] = true
					all = append(all, r)
				}
			}
			return len(page.Invoices), page.TotalCount, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return all, nil
}
