package parsers

import (
	"fmt"
	"strings"

	"enkashbatch/domain"
)

// Bill limits (docs/enkash.md, "BBPS bill payments": a bill's net amount is at least ₹1).
const (
	MinBill              domain.Paise = 100
	maxBillerIDLen                    = 18 // billerId is an integer on the wire
	maxConsumerNumberLen              = 50
	maxBillParamLen                   = 100
)

// Indexes of the bill columns in Bills.Columns.
const (
	billColReference = iota
	billColBillerID
	billColConsumerNumber
	billColAD1
	billColAD2
	billColAmount
	billColDueDate
	billColBillDate
	billColCircle
	billColRemarks
)

// BillCircles are the telecom circles BBPS billers (prepaid and postpaid mobile, DTH) name a
// region by, as a finance user writes them.
var BillCircles = []string{
	"Andhra Pradesh", "Assam", "Bihar Jharkhand", "Chennai", "Delhi NCR", "Gujarat", "Haryana",
	"Himachal Pradesh", "Jammu Kashmir", "Karnataka", "Kerala", "Kolkata", "Madhya Pradesh Chhattisgarh",
	"Maharashtra Goa", "Mumbai", "North East", "Odisha", "Punjab", "Rajasthan", "Tamil Nadu",
	"Uttar Pradesh East", "Uttar Pradesh West", "West Bengal",
}

// circleByKey maps a circle name reduced to its letters (lower case) to its canonical name.
var circleByKey = func() map[string]string {
	m := make(map[string]string, len(BillCircles)+8)
	for _, c := range BillCircles {
		m[circleKey(c)] = c
	}
	// The usual other spellings.
	for alias, c := range map[string]string{
		"Delhi": "Delhi NCR", "Bihar": "Bihar Jharkhand", "Jharkhand": "Bihar Jharkhand", "Orissa": "Odisha",
		"Jammu and Kashmir": "Jammu Kashmir", "Madhya Pradesh": "Madhya Pradesh Chhattisgarh",
		"Chhattisgarh": "Madhya Pradesh Chhattisgarh", "Maharashtra": "Maharashtra Goa", "Goa": "Maharashtra Goa",
		"UP East": "Uttar Pradesh East", "UP West": "Uttar Pradesh West", "Tamilnadu": "Tamil Nadu",
	} {
		m[circleKey(alias)] = c
	}
	return m
}()

// circleKey keeps the letters of s, lower-cased, and drops "and": "Jammu & Kashmir" and
// "jammu-kashmir" meet.
func circleKey(s string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r < 'a' || r > 'z' }) {
		if w != "and" {
			b.WriteString(w)
		}
	}
	return b.String()
}

// Bills is the spec of bulk bill details files (BBPS bill payments).
var Bills = &Spec{
	Kind: domain.KindBills,
	Columns: []Column{
		billColReference: {Name: "reference", Title: "Reference", Required: true, Text: true, Width: 22,
			Aliases: []string{"Ref", "Reference No", "Reference ID", "Ref No", "Bill Reference", "Payment Reference", "Txn Ref", "Transaction ID", "Unique Reference"},
			Help:    "Your unique reference for the bill payment, e.g. BILL-20261123-0001: up to 40 letters, digits, - or _. It identifies the payment at Enkash, so a bill is never paid twice: never reuse one."},
		billColBillerID: {Name: "biller_id", Title: "Biller ID", Required: true, Text: true, Width: 12,
			Aliases: []string{"Biller", "Biller Code", "Biller No", "Enkash Biller ID"},
			Help:    "Enkash's numeric id of the biller (electricity board, telecom operator, gas or water utility...), as shown in the Enkash biller list."},
		billColConsumerNumber: {Name: "consumer_number", Title: "Consumer Number", Required: true, Text: true, Width: 20,
			Aliases: []string{"Consumer No", "Consumer ID", "Customer Number", "Customer ID", "CA Number", "CA No", "K Number", "Service Number", "Subscriber ID", "Account ID", "CN"},
			Help:    "The number the biller knows you by (consumer, CA, K or subscriber number), exactly as on the bill. Keep this column formatted as Text so that long numbers keep their digits."},
		billColAD1: {Name: "ad1", Cell: CellIdentifier, Title: "AD1", Width: 16,
			Aliases: []string{"Additional Info 1", "Additional Parameter 1", "Param 1", "AD 1"},
			Help:    "Optional first extra detail some billers ask for (e.g. a billing unit or a date of birth)."},
		billColAD2: {Name: "ad2", Cell: CellIdentifier, Title: "AD2", Width: 16,
			Aliases: []string{"Additional Info 2", "Additional Parameter 2", "Param 2", "AD 2"},
			Help:    "Optional second extra detail some billers ask for."},
		billColAmount: {Name: "amount", Cell: CellMoney, Title: "Amount", Width: 14,
			Aliases: []string{"Bill Amount", "Amount (INR)", "Amount Due", "Amt", "Payable Amount", "Net Amount"},
			Help:    "Amount to pay in rupees, at least 1.00, with at most 2 decimals. Leave it empty to pay the amount the biller says is due: the bill is then fetched from the biller first."},
		billColDueDate: {Name: "due_date", Cell: CellDate, Title: "Due Date", Width: 13,
			Aliases: []string{"Bill Due Date", "Payment Due Date", "Due On"},
			Help:    "Optional due date of the bill, dd-mm-yyyy."},
		billColBillDate: {Name: "bill_date", Cell: CellDate, Title: "Bill Date", Width: 13,
			Aliases: []string{"Billing Date", "Bill Generation Date", "Bill Issue Date"},
			Help:    "Optional date of the bill, dd-mm-yyyy; on or before the due date."},
		billColCircle: {Name: "circle", Title: "Circle", Width: 20,
			Aliases: []string{"Telecom Circle", "Operator Circle", "Region"},
			Help:    "Telecom circle, for mobile and DTH billers only, e.g. Karnataka, Mumbai, Delhi NCR."},
		billColRemarks: {Name: "remarks", Title: "Remarks", Width: 30,
			Aliases: []string{"Remark", "Narration", "Note", "Description", "Comment", "Comments"},
			Help:    "Optional note kept with the payment. Only letters, digits and spaces are kept, at most 50 characters."},
	},
	Rules: []string{
		"One row per bill; the first row is the header. Do not merge cells or add totals rows.",
		"Every reference must be unique: a reference already paid is never paid again.",
		"Give the Amount to pay a known amount; leave it empty to pay what the biller says is due.",
		"Circle is needed only by mobile and DTH billers.",
		ruleRejectedRows,
	},
	Build: buildBill,
}

// buildBill validates one bill row and reports every rule it breaks.
func buildBill(c *Cells) (domain.Record, []domain.RowError) {
	var b domain.Bill

	ref, _, _ := c.At(billColReference)
	b.Reference = ref
	checkReference(c, "reference", ref, "bill payment")

	biller, _, _ := c.At(billColBillerID)
	b.BillerID = biller
	switch {
	case biller == "":
		c.Add("biller_id", "biller_id_required", "the biller id is empty; write Enkash's numeric id of the biller")
	case !allDigits(biller) || len(biller) > maxBillerIDLen || strings.Trim(biller, "0") == "":
		c.Add("biller_id", "biller_id_format", fmt.Sprintf("biller id %s is not Enkash's numeric biller id (digits only, e.g. 1042)", quote(biller)))
	}

	cn, _, _ := c.At(billColConsumerNumber)
	b.ConsumerNumber = cn
	switch {
	case cn == "":
		c.Add("consumer_number", "consumer_number_required", "the consumer number is empty; copy it from the bill")
	case c.Scientific("consumer_number"):
		c.Add("consumer_number", "consumer_number_lost_digits", "consumer number was stored as a number and lost digits; format the column as Text and re-enter it")
	case len(cn) > maxConsumerNumberLen:
		c.Add("consumer_number", "consumer_number_length", fmt.Sprintf("the consumer number is %d characters long; at most %d are allowed", len(cn), maxConsumerNumberLen))
	default:
		if i := firstBad(cn, consumerChar); i >= 0 {
			c.Add("consumer_number", "consumer_number_format", fmt.Sprintf("consumer number %s contains %s; use it exactly as on the bill (letters, digits, - / _ .)", quote(cn), describeChar(cn, i)))
		}
	}

	for _, p := range []struct {
		col  int
		name string
		dst  *string
	}{{billColAD1, "ad1", &b.AD1}, {billColAD2, "ad2", &b.AD2}} {
		v, _, _ := c.At(p.col)
		*p.dst = v
		if len(v) > maxBillParamLen {
			c.Add(p.name, p.name+"_length", fmt.Sprintf("%s is %d characters long; at most %d are allowed", strings.ToUpper(p.name), len(v), maxBillParamLen))
		}
	}

	if amtText, _, _ := c.At(billColAmount); amtText != "" {
		amount, err := ParseAmount(amtText)
		switch {
		case err != nil:
			c.Add("amount", ruleOf(err, "amount_format"), err.Error())
		case amount < MinBill:
			c.Add("amount", "amount_minimum", fmt.Sprintf("amount ₹%s is below the minimum bill payment of ₹1.00; leave it empty to pay what the biller says is due", amount.Rupees()))
		default:
			b.Amount = amount
		}
	}

	due, dueOK := billDate(c, billColDueDate, "due_date", "due date")
	bill, billOK := billDate(c, billColBillDate, "bill_date", "bill date")
	b.DueDate, b.BillDate = due, bill
	if dueOK && billOK && due != "" && bill != "" && bill > due {
		c.Add("bill_date", "bill_date_after_due", fmt.Sprintf("the bill date %s is after the due date %s", dmy(bill), dmy(due)))
	}

	if circle, _, _ := c.At(billColCircle); circle != "" {
		if name, ok := circleByKey[circleKey(circle)]; ok {
			b.Circle = name
		} else {
			c.Add("circle", "circle_unknown", fmt.Sprintf("circle %s is not a telecom circle; write one of %s", quote(circle), strings.Join(BillCircles, ", ")))
		}
	}

	remarks, _, _ := c.At(billColRemarks)
	b.Remarks = CleanRemark(remarks)

	if errs := c.Errors(); len(errs) > 0 {
		return b, errs
	}
	return b, nil
}

// billDate reads an optional date column as yyyy-mm-dd; ok is false when the cell is unreadable
// (and the error is recorded).
func billDate(c *Cells, col int, name, what string) (string, bool) {
	v, _, _ := c.At(col)
	if v == "" {
		return "", true
	}
	t, err := ParseDate(v, c.Date1904())
	if err != nil {
		c.Add(name, name+"_format", fmt.Sprintf("%s %s is not a date; write it as dd-mm-yyyy", what, quote(v)))
		return "", false
	}
	return t.Format("2006-01-02"), true
}

// dmy renders a yyyy-mm-dd date as dd-mm-yyyy for a message.
func dmy(iso string) string {
	if len(iso) != 10 {
		return iso
	}
	return iso[8:10] + "-" + iso[5:7] + "-" + iso[0:4]
}

func consumerChar(c byte) bool {
	return isAlpha(c) || isDigit(c) || c == '-' || c == '/' || c == '_' || c == '.'
}
