package report

import "enkashbatch/domain"

// billLayout shows which biller and consumer a bill payment was for, and whether the amount
// was the file's or the biller's (fetched).
var billLayout = layoutOf([]column{
	{name: "Biller", width: 9, typ: colInput, center: true},
	{name: "Consumer number", width: 20, typ: colInput},
	{name: "Due date", width: 11, typ: colDay},
	{name: "Amount from", width: 12, typ: colPlain, center: true},
}, func(b domain.Bill, dst []any) {
	dst[0], dst[1], dst[2] = orNil(b.BillerID), orNil(b.ConsumerNumber), dayValue(b.DueDate)
	dst[3] = "file"
	if b.Fetch() {
		dst[3] = "biller"
	}
})
