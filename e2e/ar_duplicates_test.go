package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/ledger"
)

// The AR files of these tests: three customers, and two invoices naming the first.
const (
	arCustomersCSV = "Customer Reference,Legal Name,GSTIN,Contact Person,Mobile No,Email ID,State,PIN Code\n" +
		"E2E-C-0001,Umbrella Traders LLP,27AAPFU0939F1ZV,Anita Desai,9820011223,accounts@umbrella.example,Maharashtra,400021\n" +
		"E2E-C-0002,Kaveri Agro Foods Pvt Ltd,29AAGCK7383J1ZV,Suresh Gowda,9845012345,ap@kaveri.example,Karnataka,560025\n" +
		"E2E-C-0003,Shree Ganesh Textiles,24AAQFS1206D1ZK,Bhavesh Patel,9825098250,bhavesh@sgt.example,Gujarat,395002\n"
	arInvoicesCSV = "Invoice No,Customer Ref,Invoice Date,Due Date,Taxable Value,Description\n" +
		"E2E-INV-0001,E2E-C-0001,23-11-2026,23-12-2026,10500.00,Supplies\n" +
		"E2E-INV-0002,E2E-C-0001,23-11-2026,23-12-2026,20500.00,Supplies\n"
)

// arCalls returns the sandbox's call log of customers and invoices, by reference.
func (h *harness) arCalls() map[string][2]int {
	h.t.Helper()
	out := map[string][2]int{}
	for _, c := range h.calls() {
		if c.Kind == "customer" || c.Kind == "invoice" {
			out[c.Reference] = [2]int{c.Creates, c.Duplicates}
		}
	}
	return out
}

// kindStates returns the item counts of one kind by state.
func (h *harness) kindStates(kind domain.Kind) map[domain.Status]int {
	h.t.Helper()
	out := map[domain.Status]int{}
	for _, c := range h.status().States {
		if c.Kind == kind {
			out[c.Status] += c.Count
		}
	}
	return out
}

// TestDuplicateAnswer_ARRecordsAreNotOurs gives the sandbox a customer under one of our
// uniqueRefNos and an invoice (of another amount) under one of our invoice numbers, both
// created before any run: the "already exists" rows of the bulk answers hold those rows with a
// high-severity reference_conflict each, never count them as created, never release their
// references, and no later run sends them again.
func TestDuplicateAnswer_ARRecordsAreNotOurs(t *testing.T) {
	t.Parallel()
	h := setup(t, setupOptions{Scenario: "ar_conflict.yaml", Rows: 1})
	writeInboxFile(t, h, "customers", "customers_e2e.csv", arCustomersCSV)
	writeInboxFile(t, h, "invoices", "invoices_e2e.csv", arInvoicesCSV)
	if o := h.run(nil, h.runArgs()...); o.Code != 1 {
		t.Fatalf("batch run: %s; want exit 1 (exceptions to look at)\n%s", o, tail(o.Stderr, 20))
	}
	conflicts := map[string]domain.Exception{}
	for _, e := range h.exceptions() {
		switch {
		case e.Category == domain.CategoryReferenceConflict:
			conflicts[e.Reference] = e
		case e.Kind == domain.KindCustomers || e.Kind == domain.KindInvoices:
			t.Errorf("unexpected %s on %s %s: %s", e.Category, e.Kind, e.Reference, e.Detail)
		}
	}
	for ref, kind := range map[string]domain.Kind{"E2E-C-0002": domain.KindCustomers, "E2E-INV-0002": domain.KindInvoices} {
		e, ok := conflicts[ref]
		if !ok || e.Kind != kind || e.Severity != domain.SeverityHigh || e.ResolvedAt != nil {
			t.Errorf("%s: want one open high-severity reference_conflict of %s; got %+v", ref, kind, e)
		}
	}
	if len(conflicts) != 2 {
		t.Errorf("%d reference_conflict exceptions; want 2: %v", len(conflicts), conflicts)
	}
	if st := h.kindStates(domain.KindCustomers); st[domain.StatusHeld] != 1 || st[domain.StatusSuccess] != 2 || len(st) != 2 {
		t.Errorf("customers %v; want 1 held, 2 successful, nothing else", st)
	}
	if st := h.kindStates(domain.KindInvoices); st[domain.StatusHeld] != 1 || st[domain.StatusSuccess] != 1 || len(st) != 2 {
		t.Errorf("invoices %v; want 1 held, 1 successful, nothing else", st)
	}
	h.assertFilesTieOut()
	if n := len(h.status().Files); n != 3 {
		t.Errorf("status lists %d files; want 3", n)
	}
	want := map[string][2]int{"E2E-C-0001": {1, 0}, "E2E-C-0002": {1, 1}, "E2E-C-0003": {1, 0}, "E2E-INV-0001": {1, 0}, "E2E-INV-0002": {1, 1}}
	calls := h.arCalls()
	for ref, w := range want {
		if calls[ref] != w {
			t.Errorf("%s: creates, duplicates = %v; want %v", ref, calls[ref], w)
		}
	}

	// A later run sends neither reference again, and both rows stay held.
	if o := h.run(nil, h.runArgs()...); o.Signal != 0 || (o.Code != 0 && o.Code != 1) {
		t.Errorf("second run: %s; want it to finish\n%s", o, tail(o.Stderr, 20))
	}
	calls = h.arCalls()
	for ref, w := range want {
		if calls[ref][0] != w[0] {
			t.Errorf("%s sent again by the second run: creates %d, want %d", ref, calls[ref][0], w[0])
		}
	}
	if st := h.kindStates(domain.KindCustomers); st[domain.StatusHeld] != 1 {
		t.Errorf("customers after the second run %v; want the row still held", st)
	}
}

// TestDuplicateAnswer_CustomerIsOurs loses the answer to the first customer upload after the
// sandbox processed it (502), and hides the customers from the first search: the run uploads
// them again, the sandbox answers that each already exists, and the run looks each one up,
// finds the customer its first upload created (same legal name and GSTIN, created after its
// intent) and adopts it: no reference_conflict, every customer created, none sent a third time.
func TestDuplicateAnswer_CustomerIsOurs(t *testing.T) {
	t.Parallel()
	var uploads, searches atomic.Int32
	h := setup(t, setupOptions{Rows: 1, Wrap: loseFirstAnswer(enkash.PathCustomerBulk, enkash.PathCustomerSearch, &uploads, &searches, func(r *http.Request) *http.Request {
		return rewritePlain(t, r, func(f map[string]any) { f["uniqueRefNos"] = []string{"NOT-A-REFERENCE"} })
	})})
	writeInboxFile(t, h, "customers", "customers_e2e.csv", arCustomersCSV)
	o := h.run(nil, h.runArgs()...)
	if o.Code != 0 {
		t.Fatalf("batch run: %s; want exit 0\n%s", o, tail(o.Stderr, 20))
	}
	if uploads.Load() != 2 || searches.Load() < 2 {
		t.Fatalf("%d uploads, %d searches; the test needs the lost upload, the hidden search, the upload again and a search after it", uploads.Load(), searches.Load())
	}
	for _, e := range h.exceptions() {
		if e.Kind == domain.KindCustomers {
			t.Errorf("%s on %s for a customer that is ours: %s", e.Category, e.Reference, e.Detail)
		}
	}
	if st := h.kindStates(domain.KindCustomers); st[domain.StatusSuccess] != 3 || len(st) != 1 {
		t.Errorf("customers %v; want all 3 successful", st)
	}
	for ref, c := range h.arCalls() {
		if c != [2]int{2, 1} {
			t.Errorf("%s: creates, duplicates = %v; want 2 and 1 (the lost upload, then the one answered \"already exists\")", ref, c)
		}
	}
	h.assertFilesTieOut()
}

// rewritePlain lets edit change the fields of a plain JSON request body.
func rewritePlain(t *testing.T, r *http.Request, edit func(map[string]any)) *http.Request {
	t.Helper()
	body, err := io.ReadAll(r.Body)
	var fields map[string]any
	if err == nil {
		err = json.Unmarshal(body, &fields)
	}
	if err != nil {
		t.Errorf("request body is not a JSON object: %v", err)
		return r
	}
	edit(fields)
	body, _ = json.Marshal(fields)
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	return r2
}

// TestHeldCustomer_InvoiceNotSent: an invoice naming (by our reference) a customer that is
// held in a reference_conflict is never sent with that reference (Enkash could attach it to
// the other party's customer): it is held, its reason naming the customer and the conflict.
// Once a person resolves the customer's conflict, the next run rejects the invoice for a
// corrected row (never sending it), and the invoice of a clean customer is sent as usual.
func TestHeldCustomer_InvoiceNotSent(t *testing.T) {
	t.Parallel()
	h := setup(t, setupOptions{Scenario: "ar_conflict.yaml", Rows: 1})
	writeInboxFile(t, h, "customers", "customers_e2e.csv", arCustomersCSV)
	writeInboxFile(t, h, "invoices", "invoices_e2e.csv", "Invoice No,Customer Ref,Invoice Date,Due Date,Taxable Value,Description\n"+
		"E2E-INV-0001,E2E-C-0001,23-11-2026,23-12-2026,10500.00,Supplies\n"+
		"E2E-INV-0003,E2E-C-0002,23-11-2026,23-12-2026,30500.00,Supplies to the held customer\n")
	if o := h.run(nil, h.runArgs()...); o.Code != 1 {
		t.Fatalf("batch run: %s; want exit 1 (exceptions to look at)\n%s", o, tail(o.Stderr, 20))
	}
	invoice := func() domain.Item {
		t.Helper()
		db, err := ledger.Open(context.Background(), filepath.Join(h.home, "ledger.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		items, err := db.ItemList(context.Background(), ledger.ItemFilter{Kind: domain.KindInvoices})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.Reference == "E2E-INV-0003" {
				return it
			}
		}
		t.Fatal("no item E2E-INV-0003")
		return domain.Item{}
	}
	var customerConflict domain.Exception
	for _, e := range h.exceptions() {
		if e.Category == domain.CategoryReferenceConflict && e.Reference == "E2E-C-0002" {
			customerConflict = e
		}
	}
	if customerConflict.ID == 0 {
		t.Fatal("no reference_conflict on customer E2E-C-0002: the setup is not what the test needs")
	}
	it := invoice()
	if it.Status != domain.StatusHeld || !strings.Contains(it.Reason, "E2E-C-0002") || !strings.Contains(it.Reason, "reference conflict") ||
		!strings.Contains(it.Reason, "exception "+strconv.FormatInt(customerConflict.ID, 10)) {
		t.Errorf("invoice of the held customer: %s, %q; want held, naming the customer and its conflict", it.Status, it.Reason)
	}
	calls := h.arCalls()
	if _, sent := calls["E2E-INV-0003"]; sent {
		t.Errorf("the invoice of the held customer reached Enkash: %v", calls["E2E-INV-0003"])
	}
	if calls["E2E-INV-0001"] != [2]int{1, 0} {
		t.Errorf("the invoice of a clean customer: creates, duplicates = %v; want 1, 0", calls["E2E-INV-0001"])
	}
	h.assertFilesTieOut()

	// A second run leaves it held and unsent.
	h.run(nil, h.runArgs()...)
	if it := invoice(); it.Status != domain.StatusHeld {
		t.Errorf("after a second run the invoice is %s, want held", it.Status)
	}
	if _, sent := h.arCalls()["E2E-INV-0003"]; sent {
		t.Error("the second run sent the invoice of the held customer")
	}

	// The customer's conflict resolved (not ours): the invoice can never be sent as written.
	if o := h.run(nil, "exceptions", "resolve", strconv.FormatInt(customerConflict.ID, 10), "--note", "another party's customer", "--home", h.home); o.Code != 0 {
		t.Fatalf("resolve: %s\n%s", o, o.Stderr)
	}
	h.run(nil, h.runArgs()...)
	it = invoice()
	if it.Status != domain.StatusRejected || !strings.Contains(it.Reason, "E2E-C-0002") {
		t.Errorf("after the customer's conflict was resolved the invoice is %s, %q; want rejected, naming the customer", it.Status, it.Reason)
	}
	if _, sent := h.arCalls()["E2E-INV-0003"]; sent {
		t.Error("the invoice was sent after its customer's conflict was resolved as not ours")
	}
	var rejected bool
	for _, e := range h.exceptions() {
		if e.Reference == "E2E-INV-0003" && e.Category == domain.CategoryRejectedRow && strings.Contains(e.Detail, "E2E-C-0002") {
			rejected = true
		}
	}
	if !rejected {
		t.Error("no rejected_row exception on E2E-INV-0003 naming its customer")
	}
	h.assertFilesTieOut()
}
