package parsers

import (
	"fmt"
	"strings"
	"time"

	"enkashbatch/domain"
)

// Indexes of the invoice columns in Invoices.Columns.
const (
	colInvNumber = iota
	colInvCustomerRef
	colInvCustomerID
	colInvDate
	colInvDueDate
	colInvBase
	colInvCGST
	colInvSGST
	colInvIGST
	colInvTDS
	colInvNet
	colInvDescription
	colInvPO
)

// MinInvoiceBase is Enkash's smallest invoice base amount (D: baseAmount ≥ 0.1).
const MinInvoiceBase domain.Paise = 10

// Invoices is the spec of bulk invoice files (Enkash accounts receivable).
var Invoices = &Spec{
	Kind:      domain.KindInvoices,
	Reference: "invoice_number",
	Columns: []Column{
		colInvNumber: {Name: "invoice_number", Title: "Invoice Number", Required: true, Text: true, Width: 18,
			Aliases: []string{"Invoice No", "Invoice #", "Inv No", "Bill No", "Invoice Ref", "Invoice Reference"},
			Help:    "Your invoice number, unique among all your invoices: up to 40 letters, digits, - or _."},
		colInvCustomerRef: {Name: "customer_reference", Title: "Customer Reference", Text: true, Width: 20,
			Aliases: []string{"Customer Ref", "Customer Code", "Unique Ref No", "Party Code"},
			Help:    "The reference of the customer in your customer file. Give this or the Enkash customer id."},
		colInvCustomerID: {Name: "customer_id", Title: "Customer ID", Text: true, Width: 20,
			Aliases: []string{"Enkash Customer ID", "KC ID"},
			Help:    "Enkash's customer id (KC followed by 14 letters or digits), when you know it."},
		colInvDate: {Name: "invoice_date", Cell: CellDate, Title: "Invoice Date", Width: 13,
			Aliases: []string{"Inv Date", "Bill Date", "Date"},
			Help:    "Optional date of the invoice, dd-mm-yyyy; not after the due date."},
		colInvDueDate: {Name: "due_date", Cell: CellDate, Title: "Due Date", Required: true, Width: 13,
			Aliases: []string{"Payment Due Date", "Due By", "Due On"},
			Help:    "The date payment is due, dd-mm-yyyy."},
		colInvBase: {Name: "base_amount", Cell: CellMoney, Title: "Base Amount", Required: true, Width: 15,
			Aliases: []string{"Taxable Value", "Taxable Amount", "Amount Before Tax", "Base Value", "Amount"},
			Help:    "Amount before taxes in rupees, at least 0.10, at most 2 decimals."},
		colInvCGST: {Name: "cgst", Cell: CellMoney, Title: "CGST", Width: 12, Aliases: []string{"CGST Amount"},
			Help: "CGST in rupees; with SGST for a sale within the state. Leave empty with IGST."},
		colInvSGST: {Name: "sgst", Cell: CellMoney, Title: "SGST", Width: 12, Aliases: []string{"SGST Amount", "UTGST"},
			Help: "SGST (or UTGST) in rupees, with CGST."},
		colInvIGST: {Name: "igst", Cell: CellMoney, Title: "IGST", Width: 12, Aliases: []string{"IGST Amount"},
			Help: "IGST in rupees, for a sale to another state; never together with CGST and SGST."},
		colInvTDS: {Name: "tds", Cell: CellMoney, Title: "TDS", Width: 12, Aliases: []string{"TDS Amount", "Tax Deducted At Source"},
			Help: "Tax the customer deducts at source, in rupees; at most the base amount."},
		colInvNet: {Name: "net_amount", Cell: CellMoney, Title: "Net Amount", Width: 15,
			Aliases: []string{"Total", "Invoice Total", "Total Amount", "Net Payable", "Invoice Amount", "Grand Total"},
			Help:    "Optional: base + CGST + SGST + IGST − TDS. When given it must tie out to the paisa."},
		colInvDescription: {Name: "description", Title: "Description", Width: 30,
			Aliases: []string{"Narration", "Particulars", "Remarks", "Remark"},
			Help:    "Optional description shown on the invoice."},
		colInvPO: {Name: "po_number", Title: "PO Number", Text: true, Width: 16,
			Aliases: []string{"PO No", "Purchase Order", "Purchase Order No"},
			Help:    "Optional purchase order number of the customer."},
	},
	AnyOf: [][]string{{"customer_reference"}, {"customer_id"}},
	Rules: []string{
		"One row per invoice; the first row is the header.",
		"Name the customer by your customer reference (created by a customer file, earlier or in the same drop) or by its Enkash id (KC...).",
		"Taxes are CGST + SGST (within the state) or IGST (between states), never both.",
		"Net amount, when given, must equal base + taxes − TDS.",
		ruleRejectedRows,
	},
	Build: buildInvoice,
}

// buildInvoice validates one invoice row and reports every rule it breaks.
func buildInvoice(c *Cells) (domain.Record, []domain.RowError) {
	var inv domain.Invoice

	num, _, _ := c.At(colInvNumber)
	inv.InvoiceNumber = num
	checkReference(c, "invoice_number", num, "invoice")

	custRef, _, _ := c.At(colInvCustomerRef)
	custID, _, _ := c.At(colInvCustomerID)
	custID = upperASCII(custID)
	inv.CustomerReference, inv.CustomerID = custRef, custID
	switch {
	case custRef == "" && custID == "":
		c.Add("customer_reference", "customer_required", "the invoice names no customer; give the customer reference or the Enkash customer id")
	case custID != "" && !validCustomerID(custID):
		c.Add("customer_id", "customer_id_format", fmt.Sprintf("customer id %s is not an Enkash customer id (KC followed by 14 capitals or digits)", quote(custID)))
	case custRef != "" && firstBad(custRef, refChar) >= 0:
		c.Add("customer_reference", "customer_reference_format", fmt.Sprintf("customer reference %s holds characters other than letters, digits, - and _", quote(custRef)))
	}

	var haveDates bool
	due, dueErr := c.date(colInvDueDate, "due_date")
	inv.DueDate = due
	if dateText, _, _ := c.At(colInvDate); dateText != "" {
		d, err := c.date(colInvDate, "invoice_date")
		inv.InvoiceDate = d
		haveDates = err == nil && dueErr == nil
	}
	if haveDates && inv.InvoiceDate.After(inv.DueDate) {
		c.Add("due_date", "due_before_invoice_date", fmt.Sprintf("the due date %s is before the invoice date %s", inv.DueDate.Format("02-01-2006"), inv.InvoiceDate.Format("02-01-2006")))
	}

	base, baseOK := c.money(colInvBase, "base_amount", true)
	inv.BaseAmount = base
	if baseOK && base < MinInvoiceBase {
		c.Add("base_amount", "base_amount_minimum", fmt.Sprintf("base amount ₹%s is below Enkash's minimum of ₹0.10", base.Rupees()))
	}
	cgst, okC := c.money(colInvCGST, "cgst", false)
	sgst, okS := c.money(colInvSGST, "sgst", false)
	igst, okI := c.money(colInvIGST, "igst", false)
	tds, okT := c.money(colInvTDS, "tds", false)
	inv.CGST, inv.SGST, inv.IGST, inv.TDS = cgst, sgst, igst, tds
	taxesOK := true
	switch {
	case !okC || !okS || !okI:
		taxesOK = false
	case igst > 0 && (cgst > 0 || sgst > 0):
		taxesOK = false
		c.Add("igst", "igst_with_cgst_sgst", "the invoice has IGST and CGST/SGST; charge CGST + SGST within the state or IGST between states, never both")
	case (cgst > 0) != (sgst > 0):
		taxesOK = false
		c.Add("cgst", "cgst_sgst_pair", fmt.Sprintf("CGST (₹%s) and SGST (₹%s) come in pairs; give both or neither", cgst.Rupees(), sgst.Rupees()))
	}
	if baseOK && okT && tds > base {
		c.Add("tds", "tds_above_base", fmt.Sprintf("TDS ₹%s is more than the base amount ₹%s", tds.Rupees(), base.Rupees()))
	}
	net := base + cgst + sgst + igst - tds
	inv.NetAmount = net
	allOK := baseOK && okC && okS && okI && okT
	if text, _, _ := c.At(colInvNet); text != "" {
		given, ok := c.money(colInvNet, "net_amount", false)
		if ok && allOK && taxesOK && given != net {
			c.Add("net_amount", "net_amount_mismatch", fmt.Sprintf("net amount ₹%s does not tie out: base + taxes − TDS is ₹%s", given.Rupees(), net.Rupees()))
		}
	}
	if v, _, _ := c.At(colInvDescription); v != "" {
		inv.Description = v
	}
	inv.PONumber, _, _ = c.At(colInvPO)

	if errs := c.Errors(); len(errs) > 0 {
		if !allOK {
			inv.NetAmount = 0
		}
		return inv, errs
	}
	return inv, nil
}

// validCustomerID reports whether s is an Enkash customer id: KC and 14 capitals or digits (D).
func validCustomerID(s string) bool {
	if len(s) != 16 || !strings.HasPrefix(s, "KC") {
		return false
	}
	for i := 2; i < len(s); i++ {
		if !isUpper(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// money reads an amount column in rupees; an empty optional column is zero. It records the
// broken rule and returns ok false when the cell cannot be read.
func (c *Cells) money(i int, canonical string, required bool) (domain.Paise, bool) {
	text, _, _ := c.At(i)
	if text == "" && !required {
		return 0, true
	}
	p, err := ParseAmount(text)
	if err != nil {
		rule := ruleOf(err, "amount_format")
		c.Add(canonical, strings.Replace(rule, "amount", canonical, 1), titleOf(c.spec.Columns[i])+": "+err.Error())
		return 0, false
	}
	return p, true
}

// date reads a required date column, recording the broken rule.
func (c *Cells) date(i int, canonical string) (time.Time, error) {
	text, _, _ := c.At(i)
	t, err := ParseDate(text, c.date1904)
	if err != nil {
		rule := ruleOf(err, "date_format")
		c.Add(canonical, strings.Replace(rule, "date", canonical, 1), titleOf(c.spec.Columns[i])+": "+err.Error())
		return t, err
	}
	return t, nil
}
