package report

import "enkashbatch/domain"

// customerLayout shows who a customer is and how to reach them.
var customerLayout = layoutOf([]column{
	{name: "Legal name", width: 28, typ: colInput},
	{name: "GSTIN / PAN", width: 18, typ: colInput},
	{name: "Mobile", width: 12, typ: colInput},
}, func(c domain.Customer, dst []any) {
	id := c.GSTIN
	if id == "" {
		id = c.PAN
	}
	dst[0], dst[1], dst[2] = orNil(c.LegalName), orNil(id), orNil(c.Mobile)
})
