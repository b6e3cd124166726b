package enkash_test

import (
	"slices"
	"strings"
	"testing"

	"enkashbatch/enkash"
)

// TestRenderUploads: the upload files are written from the typed rows (gocsv, by their csv
// tags) with exactly the documented header, and read back cell for cell by the sandbox's reader.
func TestRenderUploads(t *testing.T) {
	t.Parallel()
	cust := enkash.CustomerRow{LegalName: `Sharma & Sons, "Pune"`, PANOrGSTIN: "27AAPFU0939F1ZV", ContactName: "Ravi", ContactNumber: "9876543210",
		Address: "Flat 4B\nTower 2", State: "Maharashtra", PinCode: "411001", UniqueRefNo: "CUST-1", CustomerID: "KC00000000000001"}
	b, err := enkash.RenderCustomers([]enkash.CustomerRow{cust, {UniqueRefNo: "CUST-2"}})
	if err != nil {
		t.Fatal(err)
	}
	header, rows, err := enkash.SplitUploadCSV(b)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(header, enkash.CustomerUploadColumns) || len(rows) != 2 {
		t.Fatalf("header %v, %d rows; want %v", header, len(rows), enkash.CustomerUploadColumns)
	}
	want := []string{cust.LegalName, "", cust.PANOrGSTIN, "Ravi", "9876543210", "", cust.Address, "Maharashtra", "411001", "", "", "CUST-1", "KC00000000000001"}
	if !slices.Equal(rows[0], want) {
		t.Errorf("customer row = %q\nwant %q", rows[0], want)
	}

	inv := enkash.InvoiceRow{InvoiceNumber: "INV-1", UniqueRefNo: "CUST-1", InvoiceDate: "2026-11-01", DueDate: "2026-12-01",
		BaseAmount: 100050, CGST: 9005, SGST: 9005, TDS: 2000, NetAmount: 116060, Description: "=SUM(A1)", ExternalID: "INV-1", PONumber: "PO-9"}
	b, err = enkash.RenderInvoices([]enkash.InvoiceRow{inv})
	if err != nil {
		t.Fatal(err)
	}
	header, rows, err = enkash.SplitUploadCSV(b)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(header, enkash.InvoiceUploadColumns) || len(rows) != 1 {
		t.Fatalf("header %v, %d rows; want %v", header, len(rows), enkash.InvoiceUploadColumns)
	}
	want = []string{"INV-1", "", "CUST-1", "2026-11-01", "2026-12-01", "1000.50", "90.05", "90.05", "0.00", "20.00", "1160.60", "=SUM(A1)", "INV-1", "PO-9"}
	if !slices.Equal(rows[0], want) {
		t.Errorf("invoice row = %q\nwant %q", rows[0], want)
	}
	if !strings.HasPrefix(string(b), strings.Join(enkash.InvoiceUploadColumns, ",")+"\n") {
		t.Errorf("file starts %q", string(b)[:40])
	}
}
