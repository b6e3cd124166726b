package domain

import "time"

// Invoice is one validated row of a bulk invoices file (Enkash accounts receivable). Its item
// amount is NetAmount: what the customer owes once taxes are added and TDS withheld.
type Invoice struct {
	InvoiceNumber     string    `json:"invoice_number"`               // unique per seller; our reference
	CustomerReference string    `json:"customer_reference,omitempty"` // our reference of the customer
	CustomerID        string    `json:"customer_id,omitempty"`        // or Enkash's KC... id
	InvoiceDate       time.Time `json:"invoice_date,omitzero"`
	DueDate           time.Time `json:"due_date"`
	BaseAmount        Paise     `json:"base_amount"`
	CGST              Paise     `json:"cgst,omitempty"`
	SGST              Paise     `json:"sgst,omitempty"`
	IGST              Paise     `json:"igst,omitempty"`
	TDS               Paise     `json:"tds,omitempty"`
	NetAmount         Paise     `json:"-"` // base + taxes − TDS; stored in the ledger's amount column
	Description       string    `json:"description,omitempty"`
	PONumber          string    `json:"po_number,omitempty"`
}
