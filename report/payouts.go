package report

import (
	"encoding/json"

	"enkashbatch/domain"
)

func init() { registerLayout(domain.KindPayouts, payoutLayout) }

// payoutLayout shows the payee and the rail of a payout: the beneficiary name as the file
// wrote it, beside the name Enkash received (letters and spaces only, e.g. "Sharma and Sons
// Pvt Ltd" for "Sharma & Sons Pvt. Ltd.").
var payoutLayout = kindLayout{
	cols: []column{
		{name: "Beneficiary", width: 28, typ: colInput},
		{name: "Name sent to Enkash", width: 28, typ: colInput},
		{name: "Mode", width: 7, typ: colInput, center: true},
	},
	fill: func(payload json.RawMessage, dst []any) error {
		// Only the shown fields: decoding into a small struct keeps this cheap.
		var p struct {
			BeneficiaryName          string `json:"beneficiary_name"`
			BeneficiaryNameAsWritten string `json:"beneficiary_name_as_written"`
			Mode                     string `json:"mode"`
		}
		if err := json.Unmarshal(payload, &p); err != nil {
			return err
		}
		written := domain.Payout{BeneficiaryName: p.BeneficiaryName, BeneficiaryNameAsWritten: p.BeneficiaryNameAsWritten}.NameAsWritten()
		dst[0], dst[1], dst[2] = orNil(written), orNil(p.BeneficiaryName), orNil(p.Mode)
		return nil
	},
}
