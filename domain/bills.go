package domain

// Bill is one validated row of a bulk bill details file: a utility bill to pay through BBPS.
// When Amount is zero the file gave none, and the bill is fetched from the biller before it is
// paid (the amount due is then the biller's, not ours).
type Bill struct {
	Reference      string `json:"reference"` // our referenceId at Enkash
	BillerID       string `json:"biller_id"` // Enkash's numeric biller id, as digits
	ConsumerNumber string `json:"consumer_number"`
	AD1            string `json:"ad1,omitempty"` // the biller's additional parameters
	AD2            string `json:"ad2,omitempty"`
	Amount         Paise  `json:"-"`                   // 0: fetch the bill and pay what it says; stored in the ledger's amount column
	DueDate        string `json:"due_date,omitempty"`  // yyyy-mm-dd
	BillDate       string `json:"bill_date,omitempty"` // yyyy-mm-dd
	Circle         string `json:"circle,omitempty"`    // telecom circle / region, e.g. "Karnataka"
	Remarks        string `json:"remarks,omitempty"`
}

// Fetch reports whether the bill must be fetched from the biller first: the file gave no amount.
func (b Bill) Fetch() bool { return b.Amount == 0 }
