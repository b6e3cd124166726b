package report

import "enkashbatch/domain"

// invoiceLayout shows whom an invoice bills and when it falls due; its Amount is the net amount.
var invoiceLayout = layoutOf([]column{
	{name: "Customer", width: 18, typ: colInput},
	{name: "Due date", width: 11, typ: colDay},
	{name: "Base ₹", width: 15, typ: colAmount},
}, func(v domain.Invoice, dst []any) {
	cust := v.CustomerReference
	if cust == "" {
		cust = v.CustomerID
	}
	dst[0], dst[1], dst[2] = orNil(cust), dateValue(v.DueDate), v.BaseAmount
})
