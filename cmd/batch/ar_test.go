package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/ledger"
)

// arExceptions groups the exceptions of the AR kinds by category, references sorted.
func arExceptions(out runOutput) map[domain.Category][]string {
	got := map[domain.Category][]string{}
	for _, e := range out.Exceptions {
		if e.Kind == domain.KindCustomers || e.Kind == domain.KindInvoices {
			got[e.Category] = append(got[e.Category], e.Reference)
		}
	}
	for _, refs := range got {
		slices.Sort(refs)
	}
	return got
}

// TestRun_ARScenario runs the samples against a scenario that gives customers and invoices
// every exception category that applies to them, each on the row meant; customers and the
// invoices naming them arrive together; every reference reaches Enkash exactly once.
func TestRun_ARScenario(t *testing.T) {
	b := setup(t, "testdata/ar.yaml")
	_, out := b.runJSON(t)
	if !out.TiesOut {
		t.Fatalf("conservation line does not tie out: %+v", out.Total)
	}
	got := arExceptions(out)
	want := map[domain.Category][]string{
		// CUST-0014 refused; INV-2026-1114 names it, INV-2026-1122 names a customer nobody created.
		domain.CategoryProviderRejected:  {"CUST-0014", "INV-2026-1112", "INV-2026-1114", "INV-2026-1122"},
		domain.CategoryAmountMismatch:    {"INV-2026-1107"},
		domain.CategoryMissingAtProvider: {"CUST-0019", "INV-2026-1118"},
		domain.CategoryUnknownAtProvider: {"CUST-X900", "INV-2026-X001"},
	}
	for c, refs := range want {
		if !slices.Equal(got[c], refs) {
			t.Errorf("%s on %v, want %v", c, got[c], refs)
		}
	}
	for _, c := range []domain.Category{domain.CategoryProviderFailed, domain.CategoryStatusMismatch, domain.CategoryStuckPending, domain.CategoryDuplicateFile} {
		if len(got[c]) > 0 {
			t.Errorf("%s raised on %v; no row is meant to", c, got[c])
		}
	}
	// Bad sample rows: 5 in the customer CSV, 1 in the XLSX, 4 in the invoice CSV.
	rejected := map[domain.Kind]int{}
	for _, e := range out.Exceptions {
		if e.Category == domain.CategoryRejectedRow {
			rejected[e.Kind]++
		}
	}
	if rejected[domain.KindCustomers] != 6 || rejected[domain.KindInvoices] != 4 {
		t.Errorf("rejected rows: %d customers, %d invoices; want 6 and 4", rejected[domain.KindCustomers], rejected[domain.KindInvoices])
	}
	for _, e := range out.Exceptions {
		if e.Reference == "INV-2026-1122" && !strings.Contains(e.Detail, "customer CUST-0999 is unknown") {
			t.Errorf("unknown customer's invoice: detail %q does not say the customer is unknown", e.Detail)
		}
	}

	// Every valid reference was created once: 22 customers (CUST-0014 refused, still one
	// create) and 22 invoices.
	n := map[string]int{}
	for _, c := range b.calls(t) {
		if c.Kind != "customer" && c.Kind != "invoice" {
			continue
		}
		n[c.Kind]++
		if c.Creates != 1 || c.Duplicates != 0 {
			t.Errorf("%s %s: creates %d, duplicates %d; want 1 and 0", c.Kind, c.Reference, c.Creates, c.Duplicates)
		}
	}
	if n["customer"] != 22 || n["invoice"] != 22 {
		t.Errorf("sandbox received %d customer and %d invoice references, want 22 and 22", n["customer"], n["invoice"])
	}

	// The invoice whose customer came in the XLSX of the same drop was created with its id.
	items := b.items(t, domain.KindInvoices)
	if it := items["INV-2026-1121"]; it.Status != domain.StatusSuccess || !strings.HasPrefix(it.Provider.ProviderID, "INV") {
		t.Errorf("INV-2026-1121 (customer CUST-0101 from the same drop): %+v", it)
	}
}

// TestRun_CustomerFileArrivesLater: an invoice whose customer is not known yet is refused with
// a message that says so; once the customer file has come, the corrected invoice goes through;
// a later customer file with the same reference updates the customer instead of creating it
// again, and is not a duplicate.
func TestRun_CustomerFileArrivesLater(t *testing.T) {
	b := setup(t, "")
	inbox := filepath.Join(b.home, "inbox")
	if err := os.RemoveAll(inbox); err != nil {
		t.Fatal(err)
	}
	const custHeader = "Customer Reference,Legal Name,GSTIN,PAN,Contact Name,Mobile,Address\n"
	const invHeader = "Invoice Number,Customer Reference,Invoice Date,Due Date,Base Amount,IGST\n"
	drop := func(kind, name, content string) {
		t.Helper()
		dir := filepath.Join(inbox, kind)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	drop("invoices", "invoices_1.csv", invHeader+"INV-L-1,CUST-L1,01-12-2026,31-12-2026,1000.00,180.00\n")
	_, out := b.runJSON(t)
	got := arExceptions(out)
	if !slices.Equal(got[domain.CategoryProviderRejected], []string{"INV-L-1"}) {
		t.Fatalf("run 1: provider_rejected on %v, want INV-L-1 (exceptions %+v)", got[domain.CategoryProviderRejected], out.Exceptions)
	}

	drop("customers", "customers_1.csv", custHeader+"CUST-L1,Lakeside Traders,27AAPFU0939F1ZV,,Leela Iyer,9820012345,Pune\n")
	// The refused invoice dropped again (its fix-and-redrop file), now that its customer exists.
	drop("invoices", "invoices_2.csv", invHeader+"INV-L-1,CUST-L1,02-12-2026,31-12-2026,1000.00,180.00\n")
	_, out = b.runJSON(t)
	for c, refs := range arExceptions(out) {
		if c != domain.CategoryProviderRejected || !slices.Equal(refs, []string{"INV-L-1"}) { // run 1's, still open
			t.Errorf("run 2 raised %s on %v", c, refs)
		}
	}
	cust := b.items(t, domain.KindCustomers)["CUST-L1"]
	inv := b.items(t, domain.KindInvoices)["INV-L-1"]
	if cust.Status != domain.StatusSuccess || !strings.HasPrefix(cust.Provider.ProviderID, "KC") || inv.Status != domain.StatusSuccess {
		t.Fatalf("run 2: customer %+v, invoice %+v", cust, inv)
	}

	drop("customers", "customers_2.csv", custHeader+"CUST-L1,Lakeside Traders,27AAPFU0939F1ZV,,Leela Iyer,9820099999,Mumbai\n")
	_, out = b.runJSON(t)
	for c, refs := range arExceptions(out) {
		if c != domain.CategoryProviderRejected {
			t.Errorf("run 3 (customer update) raised %s on %v", c, refs)
		}
	}
	upd := b.items(t, domain.KindCustomers)["CUST-L1"]
	if upd.File != "customers_2.csv" || upd.Status != domain.StatusSuccess || upd.Provider.ProviderID != cust.Provider.ProviderID {
		t.Errorf("run 3: update item %+v, want customers_2.csv's row, success, id %s", upd, cust.Provider.ProviderID)
	}
	// The customer was created once (the update is no create); the invoice was sent twice:
	// refused in run 1 (Enkash kept nothing), created in run 2.
	want := map[string]int{"customer CUST-L1": 1, "invoice INV-L-1": 2}
	for _, c := range b.calls(t) {
		if c.Kind != "customer" && c.Kind != "invoice" {
			continue
		}
		if k := c.Kind + " " + c.Reference; c.Creates != want[k] || c.Duplicates != 0 {
			t.Errorf("%s: creates %d, duplicates %d; want %d and 0", k, c.Creates, c.Duplicates, want[k])
		}
	}
}

// items returns the latest item of each reference of kind, read from the run's ledger.
func (b *bundle) items(t *testing.T, kind domain.Kind) map[string]domain.Item {
	t.Helper()
	db, err := ledger.Open(context.Background(), filepath.Join(b.home, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	list, err := db.ItemList(context.Background(), ledger.ItemFilter{Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]domain.Item{}
	for _, it := range list {
		if it.Status != domain.StatusRejected {
			out[it.Reference] = it
		}
	}
	return out
}
