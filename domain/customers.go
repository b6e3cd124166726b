package domain

// Customer is one validated row of a bulk customers file (Enkash accounts receivable).
type Customer struct {
	Reference     string `json:"reference"` // our unique reference for the customer (Enkash's uniqueRefNo)
	LegalName     string `json:"legal_name"`
	GSTIN         string `json:"gstin,omitempty"`
	PAN           string `json:"pan,omitempty"`
	ContactName   string `json:"contact_name"`
	Mobile        string `json:"mobile"` // ten digits
	Email         string `json:"email,omitempty"`
	Address       string `json:"address,omitempty"`
	State         string `json:"state,omitempty"`
	PIN           string `json:"pincode,omitempty"`
	AccountNumber string `json:"account_number,omitempty"`
	IFSC          string `json:"ifsc,omitempty"`
}

// Updatable reports whether a later row with the reference of an item Enkash already holds is
// an update of that record rather than a duplicate: true for customers, whose details change
// (a new address, a new contact), false for everything that moves or claims money.
func (k Kind) Updatable() bool { return k == KindCustomers }
