package report

import "enkashbatch/domain"

// payoutLayout shows the payee and the rail of a payout: the beneficiary name as the file
// wrote it, beside the name Enkash received (letters and spaces only, e.g. "Sharma and Sons
// Pvt Ltd" for "Sharma & Sons Pvt. Ltd.").
var payoutLayout = layoutOf([]column{
	{name: "Beneficiary", width: 28, typ: colInput},
	{name: "Name sent to Enkash", width: 28, typ: colInput},
	{name: "Mode", width: 7, typ: colInput, center: true},
}, func(p domain.Payout, dst []any) {
	dst[0], dst[1], dst[2] = orNil(p.NameAsWritten()), orNil(p.BeneficiaryName), orNil(p.Mode)
})
