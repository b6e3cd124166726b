package parsers

import (
	"fmt"
	"strings"

	"enkashbatch/domain"
)

// Indexes of the customer columns in Customers.Columns.
const (
	colCustReference = iota
	colCustLegalName
	colCustGSTIN
	colCustPAN
	colCustContactName
	colCustMobile
	colCustEmail
	colCustAddress
	colCustState
	colCustPIN
	colCustAccount
	colCustIFSC
)

const maxAddressLen = 250

// Customers is the spec of bulk customer files (Enkash accounts receivable).
var Customers = &Spec{
	Kind: domain.KindCustomers,
	Columns: []Column{
		colCustReference: {Name: "reference", Title: "Customer Reference", Required: true, Text: true, Width: 20,
			Aliases: []string{"Reference", "Ref", "Customer Ref", "Customer Code", "Customer ID", "Unique Ref No", "Unique Reference", "Party Code"},
			Help:    "Your unique reference for the customer, e.g. CUST-0001: up to 40 letters, digits, - or _. Invoices name the customer by it. A later file with the same reference updates the customer."},
		colCustLegalName: {Name: "legal_name", Title: "Legal Name", Required: true, Width: 32,
			Aliases: []string{"Customer Name", "Company Name", "Business Name", "Party Name", "Registered Name", "Name"},
			Help:    "The customer's registered legal name, up to 100 characters."},
		colCustGSTIN: {Name: "gstin", Title: "GSTIN", Text: true, Width: 18,
			Aliases: []string{"GST No", "GST Number", "GSTIN No", "GST", "GSTIN Number"},
			Help:    "15-character GSTIN, e.g. 27AAPFU0939F1ZV; its check character is verified. Give a GSTIN or a PAN."},
		colCustPAN: {Name: "pan", Title: "PAN", Text: true, Width: 13,
			Aliases: []string{"PAN No", "PAN Number", "Income Tax PAN"},
			Help:    "10-character PAN like AAACR5055K. When a GSTIN is given too, the PAN must be the one inside it (characters 3 to 12)."},
		colCustContactName: {Name: "contact_name", Title: "Contact Name", Required: true, Width: 24,
			Aliases: []string{"Contact", "Contact Person", "Key Contact", "Contact Person Name"},
			Help:    "The person Enkash sends invoices and reminders to."},
		colCustMobile: {Name: "mobile", Title: "Mobile", Required: true, Text: true, Width: 16,
			Aliases: []string{"Mobile No", "Mobile Number", "Phone", "Phone No", "Phone Number", "Contact Number", "Contact No"},
			Help:    "Indian mobile number, 10 digits starting 6-9; +91 or 0 before it is fine."},
		colCustEmail: {Name: "email", Title: "Email", Width: 26,
			Aliases: []string{"Email ID", "E-mail", "Email Address", "Mail"},
			Help:    "Optional e-mail of the contact."},
		colCustAddress: {Name: "address", Title: "Address", Width: 36,
			Aliases: []string{"Billing Address", "Registered Address", "Address Line"},
			Help:    "Optional billing address, up to 250 characters."},
		colCustState: {Name: "state", Title: "State", Width: 16,
			Aliases: []string{"State Name", "State Code", "Place Of Supply"},
			Help:    "Optional state name (e.g. Karnataka) or its two-digit GST code (29). It must agree with the GSTIN's first two digits."},
		colCustPIN: {Name: "pincode", Title: "PIN Code", Text: true, Width: 10,
			Aliases: []string{"PIN", "Pincode", "Postal Code", "Zip", "Zip Code"},
			Help:    "Optional 6-digit PIN code."},
		colCustAccount: {Name: "account_number", Title: "Account Number", Text: true, Width: 22,
			Aliases: []string{"A/c No", "Account No", "Bank Account", "Bank Account Number", "Acc No"},
			Help:    "Optional bank account of the customer, 9 to 18 digits, with its IFSC."},
		colCustIFSC: {Name: "ifsc", Title: "IFSC", Text: true, Width: 14,
			Aliases: []string{"IFSC Code", "Bank IFSC", "IFS Code"},
			Help:    "IFSC of the account's branch, like HDFC0001234; needed with the account number."},
	},
	AnyOf: [][]string{{"gstin"}, {"pan"}},
	Rules: []string{
		"One row per customer; the first row is the header.",
		"Every customer needs a GSTIN or a PAN; a GSTIN's check character, its PAN and its state code are verified.",
		"A reference already created at Enkash by an earlier file updates that customer; within one file each reference appears once.",
		ruleRejectedRows,
	},
	Build: buildCustomer,
}

// buildCustomer validates one customer row and reports every rule it breaks.
func buildCustomer(c *Cells) (domain.Record, []domain.RowError) {
	var cu domain.Customer

	ref, _, _ := c.At(colCustReference)
	cu.Reference = ref
	checkReference(c, "reference", ref, "customer")

	name, _, _ := c.At(colCustLegalName)
	cu.LegalName = name
	checkName(c, "legal_name", "legal name", name)

	gstin, _, _ := c.At(colCustGSTIN)
	gstin = upperASCII(strings.ReplaceAll(gstin, " ", ""))
	pan, _, _ := c.At(colCustPAN)
	pan = upperASCII(pan)
	state, _, _ := c.At(colCustState)
	cu.GSTIN, cu.PAN, cu.State = gstin, pan, state
	if gstin == "" && pan == "" {
		c.Add("gstin", "gstin_or_pan_required", "the customer needs a GSTIN or a PAN; both are empty")
	}
	if pan != "" && !ValidPAN(pan) {
		c.Add("pan", "pan_format", fmt.Sprintf("PAN %s is not valid; it has 10 characters: 5 letters, 4 digits, 1 letter (e.g. AAACR5055K)", quote(pan)))
	}
	stateCode, stateKnown := "", false
	if state != "" {
		if stateCode, stateKnown = StateCode(state); !stateKnown {
			c.Add("state", "state_unknown", fmt.Sprintf("state %s is not an Indian state or union territory, nor a two-digit GST state code", quote(state)))
		}
	}
	if gstin != "" {
		for _, e := range CheckGSTIN(gstin, pan, stateCode) {
			c.Add(e.column, e.rule, e.message)
		}
	}

	contact, _, _ := c.At(colCustContactName)
	cu.ContactName = contact
	checkName(c, "contact_name", "contact name", contact)

	mobile, _, _ := c.At(colCustMobile)
	if mobile == "" {
		c.Add("mobile", "mobile_required", "the mobile number is empty")
	} else if m, ok := NormalizeMobile(mobile); ok {
		cu.Mobile = m
	} else {
		c.Add("mobile", "mobile_format", fmt.Sprintf("mobile %s is not an Indian mobile number (10 digits starting 6-9, optionally with +91 or 0)", quote(mobile)))
	}

	cu.Email = checkEmail(c, colCustEmail)
	if addr, _, _ := c.At(colCustAddress); addr != "" {
		cu.Address = addr
		if len(addr) > maxAddressLen {
			c.Add("address", "address_length", fmt.Sprintf("the address is %d characters long; at most %d are allowed", len(addr), maxAddressLen))
		}
	}
	if pin, _, _ := c.At(colCustPIN); pin != "" {
		cu.PIN = pin
		if !ValidPIN(pin) {
			c.Add("pincode", "pincode_format", fmt.Sprintf("PIN code %s is not 6 digits (the first not 0)", quote(pin)))
		}
	}

	acct, _, _ := c.At(colCustAccount)
	acct = strings.ReplaceAll(acct, " ", "")
	ifsc, _, _ := c.At(colCustIFSC)
	ifsc = upperASCII(ifsc)
	cu.AccountNumber, cu.IFSC = acct, ifsc
	switch {
	case acct != "" && c.Scientific("account_number"):
		c.Add("account_number", "account_number_lost_digits", "account number was stored as a number and lost digits; format the column as Text and re-enter it")
	case acct != "" && !ValidAccountNumber(acct):
		c.Add("account_number", "account_number_format", fmt.Sprintf("account number %s is not 9 to 18 digits", maskAccount(acct)))
	case acct != "" && ifsc == "":
		c.Add("ifsc", "ifsc_required", "the IFSC is empty; a bank account needs its branch's IFSC")
	case acct == "" && ifsc != "":
		c.Add("account_number", "account_number_required", "the account number is empty; an IFSC alone names no account")
	}
	checkIFSC(c, ifsc)

	if errs := c.Errors(); len(errs) > 0 {
		return cu, errs
	}
	return cu, nil
}

// gstinError is one broken rule of a GSTIN, in the column it concerns.
type gstinError struct{ column, rule, message string }

// CheckGSTIN checks a GSTIN as a finance user expects: its format and check character, the PAN
// inside it (characters 3 to 12) against pan when pan is given, and its state code (the first
// two digits) against stateCode when given. It returns nothing for a good GSTIN.
func CheckGSTIN(gstin, pan, stateCode string) []gstinError {
	if len(gstin) != 15 {
		return []gstinError{{"gstin", "gstin_format", fmt.Sprintf("GSTIN %s has %d characters; it has 15 (e.g. 27AAPFU0939F1ZV)", quote(gstin), len(gstin))}}
	}
	code := gstin[:2]
	if _, ok := stateNames[code]; !ok {
		return []gstinError{{"gstin", "gstin_state_code", fmt.Sprintf("GSTIN %s starts with %s, which is not a GST state code", quote(gstin), quote(code))}}
	}
	if !ValidPAN(gstin[2:12]) {
		return []gstinError{{"gstin", "gstin_format", fmt.Sprintf("GSTIN %s does not hold a PAN in characters 3 to 12", quote(gstin))}}
	}
	want, ok := GSTINCheckChar(gstin[:14])
	if !ok {
		return []gstinError{{"gstin", "gstin_format", fmt.Sprintf("GSTIN %s holds characters other than capitals and digits", quote(gstin))}}
	}
	var errs []gstinError
	if gstin[14] != want {
		errs = append(errs, gstinError{"gstin", "gstin_check_digit", fmt.Sprintf("GSTIN %s fails its check: its last character should be %c; a character was probably mistyped", quote(gstin), want)})
	}
	if ValidPAN(pan) && gstin[2:12] != pan {
		errs = append(errs, gstinError{"pan", "gstin_pan_mismatch", fmt.Sprintf("PAN %s is not the PAN inside GSTIN %s (%s)", pan, gstin, gstin[2:12])})
	}
	if stateCode != "" && code != stateCode {
		errs = append(errs, gstinError{"state", "gstin_state_mismatch", fmt.Sprintf("the state is %s (code %s) but GSTIN %s is registered in %s (code %s)", stateNames[stateCode], stateCode, gstin, stateNames[code], code)})
	}
	return errs
}

// StateCode returns the two-digit GST state code of a state or union territory named s (by
// name, case and spacing ignored, or by its code).
func StateCode(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) == 1 && isDigit(s[0]) {
		s = "0" + s
	}
	if _, ok := stateNames[s]; ok {
		return s, true
	}
	key := normalizeHeader(s)
	for code, name := range stateNames {
		if normalizeHeader(name) == key {
			return code, true
		}
	}
	if code, ok := stateAliases[key]; ok {
		return code, true
	}
	return "", false
}

// stateNames are the GST state codes and the states and union territories they stand for.
var stateNames = map[string]string{
	"01": "Jammu and Kashmir", "02": "Himachal Pradesh", "03": "Punjab", "04": "Chandigarh", "05": "Uttarakhand",
	"06": "Haryana", "07": "Delhi", "08": "Rajasthan", "09": "Uttar Pradesh", "10": "Bihar", "11": "Sikkim",
	"12": "Arunachal Pradesh", "13": "Nagaland", "14": "Manipur", "15": "Mizoram", "16": "Tripura", "17": "Meghalaya",
	"18": "Assam", "19": "West Bengal", "20": "Jharkhand", "21": "Odisha", "22": "Chhattisgarh", "23": "Madhya Pradesh",
	"24": "Gujarat", "26": "Dadra and Nagar Haveli and Daman and Diu", "27": "Maharashtra", "29": "Karnataka",
	"30": "Goa", "31": "Lakshadweep", "32": "Kerala", "33": "Tamil Nadu", "34": "Puducherry",
	"35": "Andaman and Nicobar Islands", "36": "Telangana", "37": "Andhra Pradesh", "38": "Ladakh",
	"97": "Other Territory", "99": "Centre Jurisdiction",
}

// stateAliases are other names people write, normalised like headers.
var stateAliases = map[string]string{
	"j&k": "01", "jammukashmir": "01", "uttaranchal": "05", "newdelhi": "07", "nctofdelhi": "07", "up": "09",
	"orissa": "21", "mp": "23", "damananddiu": "26", "dadraandnagarhaveli": "26", "pondicherry": "34",
	"andamanandnicobar": "35", "tn": "33", "ap": "37", "ka": "29", "mh": "27", "wb": "19",
}
