package report

import (
	"encoding/json"

	"enkashbatch/domain"
)

func init() { registerLayout(domain.KindPayouts, payoutLayout) }

// payoutLayout shows the payee and the rail of a payout.
var payoutLayout = kindLayout{
	cols: []column{
		{name: "Beneficiary", width: 28, typ: colInput},
		{name: "Mode", width: 7, typ: colInput, center: true},
	},
	fill: func(payload json.RawMessage, dst []any) error {
		// Only the shown fields: decoding into a small struct keeps this cheap.
		var p struct {
			BeneficiaryName string `json:"beneficiary_name"`
			Mode            string `json:"mode"`
		}
		if err := json.Unmarshal(payload, &p); err != nil {
			return err
		}
		dst[0], dst[1] = orNil(p.BeneficiaryName), orNil(p.Mode)
		return nil
	},
}
