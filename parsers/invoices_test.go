package parsers_test

import (
	"slices"
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/parsers"
)

var invoiceHeader = []string{"Invoice Number", "Customer Reference", "Customer ID", "Invoice Date", "Due Date", "Base Amount", "CGST", "SGST", "IGST", "TDS", "Net Amount", "Description", "PO Number"}

func invoiceRow() map[string]string {
	return map[string]string{
		"Invoice Number": "INV-2026-0001", "Customer Reference": "CUST-0001", "Invoice Date": "23-11-2026",
		"Due Date": "23/12/2026", "Base Amount": "1,00,000.00", "CGST": "9000", "SGST": "9,000.00", "TDS": "2000",
		"Net Amount": "₹ 1,16,000.00",
	}
}

func buildInvoice(t testing.TB, cells map[string]string) (any, domain.Paise, []domain.RowError) {
	t.Helper()
	rec, _, amt, errs := buildRow(t, parsers.Invoices, invoiceHeader, 5, cells)
	return rec, amt, errs
}

func TestInvoices_Build(t *testing.T) {
	t.Parallel()
	t.Run("valid", func(t *testing.T) {
		rec, amt, errs := buildInvoice(t, invoiceRow())
		want := domain.Invoice{InvoiceNumber: "INV-2026-0001", CustomerReference: "CUST-0001",
			InvoiceDate: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), DueDate: time.Date(2026, 12, 23, 0, 0, 0, 0, time.UTC),
			BaseAmount: 1_00_000_00, CGST: 9000_00, SGST: 9000_00, TDS: 2000_00, NetAmount: 1_16_000_00}
		if errs != nil || rec != want || amt != want.NetAmount {
			t.Errorf("Build = %+v, %d, %v\nwant %+v", rec, amt, errs, want)
		}
	})
	cases := []struct {
		name  string
		edit  func(map[string]string)
		rules []string
	}{
		{"igst, no net", func(r map[string]string) {
			r["CGST"], r["SGST"], r["IGST"], r["Net Amount"], r["Invoice Date"] = "", "", "18000", "", ""
		}, nil},
		{"customer id instead", func(r map[string]string) { r["Customer Reference"], r["Customer ID"] = "", "KC1A2B3C4D5E6F7G8" }, []string{"customer_id_format"}},
		{"good customer id", func(r map[string]string) { r["Customer Reference"], r["Customer ID"] = "", "KC1A2B3C4D5E6F7G" }, nil},
		{"no customer", func(r map[string]string) { r["Customer Reference"] = "" }, []string{"customer_required"}},
		{"due before invoice", func(r map[string]string) { r["Due Date"] = "22-11-2026" }, []string{"due_before_invoice_date"}},
		{"bad due date", func(r map[string]string) { r["Due Date"] = "31-11-2026" }, []string{"due_date_format"}},
		{"no due date", func(r map[string]string) { r["Due Date"] = "" }, []string{"due_date_required"}},
		{"base minimum", func(r map[string]string) {
			r["Base Amount"], r["CGST"], r["SGST"], r["TDS"], r["Net Amount"] = "0.09", "", "", "", ""
		}, []string{"base_amount_minimum"}},
		{"base ten paise", func(r map[string]string) {
			r["Base Amount"], r["CGST"], r["SGST"], r["TDS"], r["Net Amount"] = "0.10", "", "", "", "0.10"
		}, nil},
		{"both taxes", func(r map[string]string) { r["IGST"] = "18000" }, []string{"igst_with_cgst_sgst"}},
		{"cgst alone", func(r map[string]string) { r["SGST"], r["Net Amount"] = "", "" }, []string{"cgst_sgst_pair"}},
		{"tds above base", func(r map[string]string) { r["TDS"], r["Net Amount"] = "1,00,000.01", "" }, []string{"tds_above_base"}},
		{"net does not tie", func(r map[string]string) { r["Net Amount"] = "1,16,000.01" }, []string{"net_amount_mismatch"}},
		{"bad tax", func(r map[string]string) { r["CGST"] = "9k" }, []string{"cgst_format"}},
		{"bad number", func(r map[string]string) { r["Invoice Number"] = "INV/1" }, []string{"invoice_number_format"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			row := invoiceRow()
			tc.edit(row)
			rec, _, errs := buildInvoice(t, row)
			if got := rules(errs); !slices.Equal(got, tc.rules) {
				t.Errorf("rules = %v, want %v (errors %+v)", got, tc.rules, errs)
			}
			if (rec == nil) != (len(tc.rules) > 0) {
				t.Errorf("record = %+v with %d errors", rec, len(errs))
			}
		})
	}
}
