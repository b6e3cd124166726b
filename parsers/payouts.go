package parsers

import (
	"fmt"
	"strconv"
	"strings"

	"enkashbatch/domain"
)

// Payout limits (docs/enkash.md, "Batch transfer" and "Limits of the rails": transfers of at
// least ₹1.00; IMPS up to ₹2,00,000).
const (
	MinPayout       domain.Paise = 100
	MaxIMPS         domain.Paise = 2_00_000_00
	maxReferenceLen              = 40
	maxNameLen                   = 100
	maxRemarkLen                 = 50
)

// Indexes of the payout columns in Payouts.Columns.
const (
	colReference = iota
	colBeneficiaryName
	colAccountNumber
	colIFSC
	colVPA
	colAmount
	colMode
	colRemark
	colEmail
	colPhone
	colBeneficiaryID
)

// Payouts is the spec of batch payout files.
var Payouts = &Spec{
	Kind: domain.KindPayouts,
	Columns: []Column{
		colReference: {Name: "reference", Title: "Reference", Required: true, Text: true, Width: 22,
			Aliases: []string{"Ref", "Reference No", "Reference Number", "Ref No", "Txn Ref", "Transaction Reference", "Transaction ID", "Txn ID", "Payment Reference", "Payment Ref", "Unique Reference", "Transfer ID"},
			Help:    "Your unique reference for the payment, e.g. PAY-20261123-0001: up to 40 letters, digits, - or _. It identifies the payment at Enkash, so a payment is never made twice: never reuse one."},
		colBeneficiaryName: {Name: "beneficiary_name", Title: "Beneficiary Name", Required: true, Width: 28,
			Aliases: []string{"Beneficiary", "Name", "Payee", "Payee Name", "Vendor Name", "Account Holder Name", "Account Name", "Bene Name", "Beneficiary Full Name"},
			Help:    "Name of the account holder, up to 100 characters, in English letters as the bank account shows it. Enkash takes letters and spaces only: & is sent as \"and\" and . ' - are left out (Sharma & Sons Pvt. Ltd. is sent as Sharma and Sons Pvt Ltd); digits and other marks such as / , ( ) are refused."},
		colAccountNumber: {Name: "account_number", Title: "Account Number", Text: true, Width: 22,
			Aliases: []string{"A/c No", "A/c Number", "Account No", "Acc No", "Acct No", "Bank Account", "Bank Account Number", "Bank Account No", "Beneficiary Account Number", "Beneficiary Account No", "Account"},
			Help:    "Bank account number, 9 to 18 digits. Needed for IMPS, NEFT and RTGS; leave empty for UPI. Keep this column formatted as Text so that the spreadsheet does not round long numbers."},
		colIFSC: {Name: "ifsc", Title: "IFSC", Text: true, Width: 14,
			Aliases: []string{"IFSC Code", "IFS Code", "Bank IFSC", "Beneficiary IFSC", "IFSC No"},
			Help:    "IFSC of the account's branch, 11 characters like HDFC0001234 (the fifth is a zero). Needed with the account number."},
		colVPA: {Name: "vpa", Cell: CellIdentifier, Title: "VPA", Width: 24,
			Aliases: []string{"UPI ID", "UPI", "UPI Handle", "VPA Handle", "UPI Address", "Virtual Payment Address"},
			Help:    "UPI ID like name@okhdfcbank. Needed for UPI; leave empty for the other modes."},
		colAmount: {Name: "amount", Cell: CellMoney, Title: "Amount", Required: true, Width: 16,
			Aliases: []string{"Amount (INR)", "Amount (₹)", "Amount Rs", "Amount In Rs", "Amount In Rupees", "Amt", "Payment Amount", "Transfer Amount", "Payout Amount", "Net Amount", "Value"},
			Help:    "Amount in rupees with at most 2 decimals, e.g. 1,25,000.50 or 125000.5; at least 1.00. IMPS allows at most 2,00,000.00 per transfer."},
		colMode: {Name: "mode", Title: "Mode", Required: true, Width: 10, Choices: []string{"IMPS", "NEFT", "RTGS", "UPI"},
			Aliases: []string{"Payment Mode", "Transfer Mode", "Pay Mode", "Transaction Mode", "Txn Mode", "Payout Mode"},
			Help:    "IMPS, NEFT, RTGS or UPI."},
		colRemark: {Name: "remark", Title: "Remark", Width: 30,
			Aliases: []string{"Remarks", "Narration", "Description", "Purpose", "Transfer Remark", "Payment Remark", "Comment", "Comments", "Note"},
			Help:    "Optional note for the beneficiary's statement, in English letters and digits. Only letters, digits and spaces reach the bank: & is sent as \"and\", other marks are left out, and it is cut to 50 characters."},
		colEmail: {Name: "email", Title: "Email", Width: 26,
			Aliases: []string{"Email ID", "E-mail", "Email Address", "Mail", "Beneficiary Email"},
			Help:    "Optional e-mail of the beneficiary, at most 200 characters."},
		colPhone: {Name: "phone", Title: "Phone", Text: true, Width: 16,
			Aliases: []string{"Mobile", "Mobile No", "Mobile Number", "Phone No", "Phone Number", "Contact", "Contact No", "Contact Number", "Beneficiary Mobile"},
			Help:    "Optional Indian mobile number, 10 digits starting 6-9; +91 or 0 before it is fine."},
		colBeneficiaryID: {Name: "beneficiary_id", Title: "Beneficiary ID", Text: true, Width: 18,
			Aliases: []string{"Bene ID", "Beneficiary Code", "Vendor Code", "Vendor ID", "Payee ID", "Payee Code"},
			Help:    "Optional id of a beneficiary registered with Enkash."},
	},
	AnyOf: [][]string{{"account_number", "ifsc"}, {"vpa"}},
	Rules: []string{
		"One row per payment; the first row is the header. Do not merge cells or add totals rows.",
		"Every reference must be unique: a reference already paid is never paid again.",
		"IMPS, NEFT and RTGS need Account Number and IFSC (and no VPA); UPI needs a VPA (and no account).",
		"IMPS allows at most ₹2,00,000.00 per transfer; use NEFT or RTGS above that.",
		ruleRejectedRows,
	},
	Build: buildPayout,
}

// buildPayout validates one payout row and reports every rule it breaks.
func buildPayout(c *Cells) (domain.Record, []domain.RowError) {
	var p domain.Payout

	ref, _, _ := c.At(colReference)
	p.Reference = ref
	checkReference(c, "reference", ref, "payment")

	name, _, _ := c.At(colBeneficiaryName)
	p.BeneficiaryName = name
	if checkName(c, "beneficiary_name", "beneficiary name", name) {
		p.BeneficiaryName, p.BeneficiaryNameAsWritten = sendableName(c, name)
	}

	mode, _, _ := c.At(colMode)
	switch m := strings.ToUpper(mode); m {
	case "IMPS", "NEFT", "RTGS", "UPI":
		p.Mode = m
	case "":
		c.Add("mode", "mode_required", "the mode is empty; write IMPS, NEFT, RTGS or UPI")
	default:
		c.Add("mode", "mode_invalid", fmt.Sprintf("mode %s is not IMPS, NEFT, RTGS or UPI", quote(mode)))
	}

	acct, _, _ := c.At(colAccountNumber)
	if strings.IndexByte(acct, ' ') >= 0 {
		acct = strings.ReplaceAll(acct, " ", "")
	}
	ifsc, _, _ := c.At(colIFSC)
	ifsc = upperASCII(ifsc)
	vpa, _, _ := c.At(colVPA)
	bank := acct != "" || ifsc != ""
	switch {
	case bank && vpa != "":
		c.Add("vpa", "account_and_vpa", "the row has both a bank account and a VPA; give the account and IFSC for IMPS, NEFT or RTGS, or only the VPA for UPI")
	case p.Mode == "UPI" && vpa == "":
		c.Add("vpa", "vpa_required", "UPI transfers need a VPA (UPI ID like name@bank); for a bank account use IMPS, NEFT or RTGS")
	case p.Mode != "UPI" && p.Mode != "" && !bank:
		if vpa != "" {
			c.Add("account_number", "account_number_required", p.Mode+" transfers need an account number and IFSC; for a VPA use mode UPI")
		} else {
			c.Add("account_number", "account_number_required", p.Mode+" transfers need an account number and IFSC")
		}
	case p.Mode != "UPI" && p.Mode != "" && acct == "":
		c.Add("account_number", "account_number_required", "the account number is empty; "+p.Mode+" transfers need one")
	case p.Mode != "UPI" && p.Mode != "" && ifsc == "":
		c.Add("ifsc", "ifsc_required", "the IFSC is empty; "+p.Mode+" transfers need the branch's IFSC")
	}
	if acct != "" {
		p.AccountNumber = acct
		switch {
		case c.Scientific("account_number"):
			c.Add("account_number", "account_number_lost_digits", "account number was stored as a number and lost digits; format the column as Text and re-enter it")
		case !allDigits(acct):
			c.Add("account_number", "account_number_format", "the account number must hold digits only (it holds "+describeChar(acct, firstBad(acct, isDigit))+")")
		case len(acct) < 9 || len(acct) > 18:
			c.Add("account_number", "account_number_length", fmt.Sprintf("account number %s has %d digits; it needs 9 to 18", maskAccount(acct), len(acct)))
		}
	}
	p.IFSC = ifsc
	checkIFSC(c, ifsc)
	if vpa != "" {
		p.VPA = vpa
		if !ValidVPA(vpa) {
			c.Add("vpa", "vpa_format", fmt.Sprintf("VPA %s is not a UPI ID like name@bank", quote(vpa)))
		}
	}

	amtText, _, _ := c.At(colAmount)
	amount, err := ParseAmount(amtText)
	if err != nil {
		c.Add("amount", ruleOf(err, "amount_format"), err.Error())
	} else {
		p.Amount = amount
		switch {
		case amount < MinPayout:
			c.Add("amount", "amount_minimum", fmt.Sprintf("amount ₹%s is below Enkash's minimum of ₹1.00", amount.Rupees()))
		case p.Mode == "IMPS" && amount > MaxIMPS:
			c.Add("amount", "imps_limit", fmt.Sprintf("amount ₹%s: IMPS allows at most ₹2,00,000.00 per transfer; use NEFT or RTGS", amount.Rupees()))
		}
	}

	p.Email = checkEmail(c, colEmail)
	if p.Email != "" && ValidEmail(p.Email) && !domain.ValidBeneficiaryEmail(p.Email) {
		c.Add("email", "email_length", fmt.Sprintf("e-mail %s is %d characters long; Enkash takes at most %d", quote(p.Email), len(p.Email), domain.MaxBeneficiaryEmail))
	}
	if phone, _, _ := c.At(colPhone); phone != "" {
		if m, ok := NormalizeMobile(phone); ok && domain.PhonePattern.MatchString(m) {
			p.Phone = m
		} else {
			c.Add("phone", "phone_format", fmt.Sprintf("phone %s is not an Indian mobile number (10 digits starting 6-9, optionally with +91 or 0)", quote(phone)))
		}
	}
	remark, _, _ := c.At(colRemark)
	p.Remark, p.RemarkAsWritten = sendableRemark(c, remark)
	p.BeneficiaryID, _, _ = c.At(colBeneficiaryID)

	if errs := c.Errors(); len(errs) > 0 {
		return p, errs
	}
	return p, nil
}

func refChar(c byte) bool { return isAlpha(c) || isDigit(c) || c == '-' || c == '_' }

// sendableName returns the beneficiary name Enkash receives (domain.SendableName) and the name
// as written when the two differ, recording beneficiary_name_format when the name cannot be
// sent and beneficiary_name_length when what is sent is too long.
func sendableName(c *Cells, name string) (sent, asWritten string) {
	sent, bad, ok := domain.SendableName(name)
	switch {
	case !ok && bad == 0:
		c.Add("beneficiary_name", "beneficiary_name_format", fmt.Sprintf("beneficiary name %s has no letters; Enkash needs the account holder's name in letters A to Z", quote(name)))
		return name, ""
	case !ok:
		c.Add("beneficiary_name", "beneficiary_name_format", fmt.Sprintf("beneficiary name %s contains %s; Enkash accepts only letters A to Z and spaces "+
			"(& is sent as \"and\"; . ' - are left out): write the name as the bank account shows it, in English letters, without digits or other marks",
			quote(name), describeRune(bad)))
		return name, ""
	case len(sent) > domain.MaxBeneficiaryName:
		c.Add("beneficiary_name", "beneficiary_name_length", fmt.Sprintf("beneficiary name %s would be sent as %d characters; Enkash takes at most %d", quote(name), len(sent), domain.MaxBeneficiaryName))
	}
	if sent == name {
		return sent, ""
	}
	return sent, name
}

// sendableRemark returns the transfer remark Enkash receives (domain.SendableRemark, cut at a
// word to maxRemarkLen characters) and the remark as written when the two differ, recording
// remark_format when the remark holds letters or digits Enkash cannot take.
func sendableRemark(c *Cells, remark string) (sent, asWritten string) {
	sent, bad, ok := domain.SendableRemark(remark)
	if !ok {
		c.Add("remark", "remark_format", fmt.Sprintf("remark %s contains %s; Enkash accepts only letters A to Z, digits and spaces in a remark: write it in English letters or leave it empty",
			quote(remark), describeRune(bad)))
		return "", ""
	}
	if len(sent) > maxRemarkLen {
		cut := strings.LastIndexByte(sent[:maxRemarkLen+1], ' ')
		if cut <= 0 {
			cut = maxRemarkLen
		}
		sent = sent[:cut]
	}
	if sent == remark {
		return sent, ""
	}
	return sent, remark
}

// describeRune names r for a message.
func describeRune(r rune) string {
	switch {
	case r >= '0' && r <= '9':
		return "the digit " + strconv.QuoteRune(r)
	case r == '\n' || r == '\r':
		return "a line break"
	case r == '\t':
		return "a tab"
	}
	return strconv.QuoteRune(r)
}

// firstBad returns the index of the first byte of s that ok refuses, or -1.
func firstBad(s string, ok func(byte) bool) int {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return i
		}
	}
	return -1
}

// describeChar names the character at byte i of s for a message.
func describeChar(s string, i int) string {
	if i < 0 || i >= len(s) {
		return "a character that is not allowed"
	}
	switch s[i] {
	case '\n', '\r':
		return "a line break"
	case '\t':
		return "a tab"
	case ' ':
		return "a space"
	}
	r := []rune(s[i:])[0]
	return strconv.QuoteRune(r)
}

// upperASCII upper-cases ASCII letters, allocating only when there is one to change.
func upperASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'a' && s[i] <= 'z' {
			return strings.ToUpper(s)
		}
	}
	return s
}

// CleanRemark keeps what Enkash accepts in a transfer remark: letters, digits and single
// spaces, at most 50 characters. Other characters are dropped, not refused.
func CleanRemark(s string) string {
	clean := true
	for i := 0; i < len(s) && clean; i++ {
		c := s[i]
		clean = isAlpha(c) || isDigit(c) || (c == ' ' && i > 0 && s[i-1] != ' ' && i < len(s)-1)
	}
	if clean && len(s) <= maxRemarkLen {
		return s
	}
	b := make([]byte, 0, min(len(s), maxRemarkLen))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlpha(c) || isDigit(c) {
			if space && len(b) > 0 {
				if len(b)+2 > maxRemarkLen {
					break
				}
				b = append(b, ' ')
			}
			if len(b) == maxRemarkLen {
				break
			}
			b = append(b, c)
			space = false
		} else if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			space = true
		}
	}
	return strings.TrimRight(string(b), " ")
}
