package report

import (
	"encoding/json"

	"enkashbatch/domain"
)

func init() { registerLayout(domain.KindCustomers, customerLayout) }

// customerLayout shows who a customer is and how to reach them.
var customerLayout = kindLayout{
	cols: []column{
		{name: "Legal name", width: 28, typ: colInput},
		{name: "GSTIN / PAN", width: 18, typ: colInput},
		{name: "Mobile", width: 12, typ: colInput},
	},
	fill: func(payload json.RawMessage, dst []any) error {
		var c struct {
			LegalName string `json:"legal_name"`
			GSTIN     string `json:"gstin"`
			PAN       string `json:"pan"`
			Mobile    string `json:"mobile"`
		}
		if err := json.Unmarshal(payload, &c); err != nil {
			return err
		}
		id := c.GSTIN
		if id == "" {
			id = c.PAN
		}
		dst[0], dst[1], dst[2] = orNil(c.LegalName), orNil(id), orNil(c.Mobile)
		return nil
	},
}
