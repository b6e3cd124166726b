package report

import (
	"encoding/json"

	"enkashbatch/domain"
)

func init() { registerLayout(domain.KindInvoices, invoiceLayout) }

// invoiceLayout shows whom an invoice bills and when it falls due; its Amount is the net amount.
var invoiceLayout = kindLayout{
	cols: []column{
		{name: "Customer", width: 18, typ: colInput},
		{name: "Due date", width: 11, typ: colDay},
		{name: "Base ₹", width: 15, typ: colAmount},
	},
	fill: func(payload json.RawMessage, dst []any) error {
		var v struct {
			CustomerReference string       `json:"customer_reference"`
			CustomerID        string       `json:"customer_id"`
			DueDate           string       `json:"due_date"`
			BaseAmount        domain.Paise `json:"base_amount"`
		}
		if err := json.Unmarshal(payload, &v); err != nil {
			return err
		}
		cust := v.CustomerReference
		if cust == "" {
			cust = v.CustomerID
		}
		dst[0], dst[1] = orNil(cust), dayValue(v.DueDate)
		dst[2] = v.BaseAmount
		return nil
	},
}
