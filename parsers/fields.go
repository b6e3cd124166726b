package parsers

import (
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
)

// ValueError is a cell value that breaks a rule. Rule is a stable snake_case name and Message
// is plain English for a finance user.
type ValueError struct {
	Rule    string
	Message string
}

// Error returns the message.
func (e *ValueError) Error() string { return e.Message }

func valueErr(rule, msg string) error { return &ValueError{Rule: rule, Message: msg} }

// ruleOf returns the rule of a *ValueError, or fallback for any other error.
func ruleOf(err error, fallback string) string {
	if ve, ok := err.(*ValueError); ok {
		return ve.Rule
	}
	return fallback
}

// maxAmountDigits bounds the rupee part of an amount: twelve digits is ₹9,99,99,99,99,999,
// far beyond any single payment; longer numbers are typing or export errors.
const maxAmountDigits = 12

// ParseAmount reads a rupee amount as written by people and spreadsheets into paise:
// "1,23,456.50", "123456.5", "₹ 1,250", "INR 1250.00", "Rs. 1250", "1250/-", with spaces
// around. Commas must group digits (threes, or Indian twos before the last three): "12,34"
// is refused because it may be a decimal comma. More than two decimals are refused even when
// they are zeros ("1.000" may be a thousand written the European way). Zero is accepted (tax
// columns hold it); a minimum is a rule of the kind. Negatives, letters, scientific notation
// and more than twelve rupee digits are refused. It does not allocate unless it fails.
func ParseAmount(s string) (domain.Paise, error) {
	v := trimAmount(s)
	if v == "" {
		if strings.TrimSpace(s) == "" {
			return 0, valueErr("amount_required", "the amount is empty")
		}
		return 0, valueErr("amount_format", "amount "+quote(s)+" has no digits")
	}
	if v[0] == '-' || v[0] == '(' || v[len(v)-1] == '-' {
		return 0, valueErr("amount_negative", "amount "+quote(s)+" is negative; payouts need a positive amount")
	}
	var (
		rupees     int64
		digits     int // rupee digits, leading zeros excluded
		group      = -1
		firstGroup = true
		sawComma   bool
		i          int
	)
	for ; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			if rupees > 0 || c != '0' {
				digits++
			}
			if digits > maxAmountDigits {
				return 0, valueErr("amount_format", "amount "+quote(s)+" is too large")
			}
			rupees = rupees*10 + int64(c-'0')
			group++
		case c == ',':
			// The group just closed: the first may hold 1-3 digits, later ones 2 or 3.
			if group < 0 || (firstGroup && group > 2) || (!firstGroup && group != 1 && group != 2) {
				return 0, badGrouping(s)
			}
			firstGroup, sawComma, group = false, true, -1
		case c == '.':
			goto fraction
		default:
			return 0, badChar(s, c)
		}
	}
fraction:
	if sawComma && group != 2 {
		return 0, badGrouping(s)
	}
	intLen := i
	var paise int64
	if i < len(v) { // v[i] == '.'
		frac := v[i+1:]
		if intLen == 0 && frac == "" {
			return 0, valueErr("amount_format", "amount "+quote(s)+" has no digits")
		}
		if len(frac) > 2 {
			for j := 0; j < len(frac); j++ {
				if frac[j] < '0' || frac[j] > '9' {
					return 0, badChar(s, frac[j])
				}
			}
			return 0, valueErr("amount_decimals", "amount "+quote(s)+" has more than 2 decimal places")
		}
		for j := 0; j < 2; j++ {
			paise *= 10
			if j < len(frac) {
				c := frac[j]
				if c < '0' || c > '9' {
					return 0, badChar(s, c)
				}
				paise += int64(c - '0')
			}
		}
	}
	return domain.Paise(rupees*100 + paise), nil
}

// trimAmount strips spaces, a currency marker (₹, INR, Rs, Rs.) before or after the number
// and a trailing "/-".
func trimAmount(s string) string {
	v := trimSpaces(s)
	for range 2 { // a marker and spaces, at most twice ("Rs. 1,250/- INR" is not worth more)
		switch {
		case strings.HasPrefix(v, "₹"):
			v = v[len("₹"):]
		case hasPrefixFold(v, "INR"):
			v = v[3:]
		case hasPrefixFold(v, "Rs."):
			v = v[3:]
		case hasPrefixFold(v, "Rs"):
			v = v[2:]
		}
		switch {
		case strings.HasSuffix(v, "/-"):
			v = v[:len(v)-2]
		case strings.HasSuffix(v, "₹"):
			v = v[:len(v)-len("₹")]
		case hasSuffixFold(v, "INR"):
			v = v[:len(v)-3]
		}
		v = trimSpaces(v)
	}
	return v
}

func badGrouping(s string) error {
	return valueErr("amount_format", "amount "+quote(s)+" has commas in the wrong places; write it like 1,23,456.50 or 123456.50")
}

func badChar(s string, c byte) error {
	if c == 'e' || c == 'E' {
		return valueErr("amount_format", "amount "+quote(s)+" is in scientific notation; write the full number")
	}
	return valueErr("amount_format", "amount "+quote(s)+" is not a number")
}

// trimSpaces trims ASCII spaces and tabs and the no-break space spreadsheets like to export.
func trimSpaces(s string) string {
	for len(s) > 0 {
		switch {
		case s[0] == ' ' || s[0] == '\t':
			s = s[1:]
		case strings.HasPrefix(s, "\u00a0"):
			s = s[2:]
		default:
			goto right
		}
	}
right:
	for len(s) > 0 {
		switch {
		case s[len(s)-1] == ' ' || s[len(s)-1] == '\t':
			s = s[:len(s)-1]
		case strings.HasSuffix(s, "\u00a0"):
			s = s[:len(s)-2]
		default:
			return s
		}
	}
	return s
}

func hasPrefixFold(s, p string) bool { return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) }
func hasSuffixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[len(s)-len(p):], p)
}

// quote quotes a value for a message, cutting very long ones.
func quote(s string) string {
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return strconv.Quote(s)
}

// maxSerial is 9999-12-31 as a spreadsheet serial number.
const maxSerial = 2958465

// ParseDate reads a date written as dd-mm-yyyy, dd/mm/yyyy (day and month may have one
// digit), yyyy-mm-dd, or as a spreadsheet serial number (what an XLSX date cell holds; date1904
// is the workbook's 1904 flag). The result is midnight UTC of that day, or the serial's exact
// time if it has a fraction.
func ParseDate(s string, date1904 bool) (time.Time, error) {
	v := trimSpaces(s)
	if v == "" {
		return time.Time{}, valueErr("date_required", "the date is empty")
	}
	if isSerial(v) {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 1 || f > maxSerial {
			return time.Time{}, badDate(s)
		}
		t, err := excelize.ExcelDateToTime(f, date1904)
		if err != nil || t.Year() > 9999 {
			return time.Time{}, badDate(s)
		}
		return t, nil
	}
	p1, rest, ok1 := leadingInt(v, 4)
	if !ok1 || rest == "" || (rest[0] != '-' && rest[0] != '/' && rest[0] != '.') {
		return time.Time{}, badDate(s)
	}
	sep := rest[0]
	p2, rest, ok2 := leadingInt(rest[1:], 2)
	if !ok2 || rest == "" || rest[0] != sep {
		return time.Time{}, badDate(s)
	}
	p3, rest, ok3 := leadingInt(rest[1:], 4)
	if !ok3 || rest != "" {
		return time.Time{}, badDate(s)
	}
	len1, len3 := strings.IndexByte(v, sep), len(v)-strings.LastIndexByte(v, sep)-1
	var day, month, year int
	switch {
	case len1 <= 2 && len3 == 4: // dd-mm-yyyy, dd/mm/yyyy, dd.mm.yyyy
		day, month, year = p1, p2, p3
	case len1 == 4 && len3 <= 2 && sep != '.': // yyyy-mm-dd
		day, month, year = p3, p2, p1
	default:
		return time.Time{}, badDate(s)
	}
	if year < 1900 || month < 1 || month > 12 || day < 1 {
		return time.Time{}, badDate(s)
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day {
		return time.Time{}, valueErr("date_format", "date "+quote(s)+" does not exist")
	}
	return t, nil
}

func badDate(s string) error {
	return valueErr("date_format", "date "+quote(s)+" is not a date; write it as dd-mm-yyyy")
}

// isSerial reports whether v is a plain decimal number (digits with at most one point).
func isSerial(v string) bool {
	dot := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '.' && !dot && i > 0:
			dot = true
		case c < '0' || c > '9':
			return false
		}
	}
	return true
}

// leadingInt reads 1..max leading digits of s.
func leadingInt(s string, max int) (n int, rest string, ok bool) {
	i := 0
	for i < len(s) && i < max+1 && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + int(s[i]-'0')
		i++
	}
	if i == 0 || i > max {
		return 0, s, false
	}
	return n, s[i:], true
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return isUpper(c) || (c >= 'a' && c <= 'z') }

// ValidIFSC reports whether s is an IFSC: four capital letters, a zero, six capitals or digits.
func ValidIFSC(s string) bool {
	if len(s) != 11 || s[4] != '0' {
		return false
	}
	for i := 0; i < 11; i++ {
		if !(isUpper(s[i]) || (i > 4 && isDigit(s[i]))) && i != 4 {
			return false
		}
	}
	return true
}

// ValidAccountNumber reports whether s is a bank account number: 9 to 18 digits.
func ValidAccountNumber(s string) bool {
	return len(s) >= 9 && len(s) <= 18 && allDigits(s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

// ValidVPA reports whether s is a UPI handle name@bank: the name 2-256 letters, digits, '.',
// '-' or '_'; the bank 2-64 letters or digits starting with a letter.
func ValidVPA(s string) bool {
	at := strings.IndexByte(s, '@')
	if at < 2 || at > 256 || len(s)-at-1 < 2 || len(s)-at-1 > 64 {
		return false
	}
	for i := 0; i < at; i++ {
		c := s[i]
		if !isAlpha(c) && !isDigit(c) && c != '.' && c != '-' && c != '_' {
			return false
		}
	}
	if !isAlpha(s[at+1]) {
		return false
	}
	for i := at + 1; i < len(s); i++ {
		if !isAlpha(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// ValidPAN reports whether s is a PAN: five capitals, four digits, one capital.
func ValidPAN(s string) bool {
	if len(s) != 10 {
		return false
	}
	for i := 0; i < 10; i++ {
		if i >= 5 && i < 9 {
			if !isDigit(s[i]) {
				return false
			}
		} else if !isUpper(s[i]) {
			return false
		}
	}
	return true
}

const gstinChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// ValidGSTIN reports whether s is a GSTIN: 15 capitals or digits starting with a two-digit
// state code, whose last character is the mod-36 check character of the first fourteen.
func ValidGSTIN(s string) bool {
	if len(s) != 15 || !isDigit(s[0]) || !isDigit(s[1]) {
		return false
	}
	c, ok := GSTINCheckChar(s[:14])
	return ok && s[14] == c
}

// GSTINCheckChar computes the check character of the first fourteen characters of a GSTIN
// (the GSTN mod-36 scheme: alternate weights 1 and 2, digits of each product in base 36
// summed). ok is false if s is not fourteen capitals or digits.
func GSTINCheckChar(s string) (c byte, ok bool) {
	if len(s) != 14 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 14; i++ {
		var v int
		switch ch := s[i]; {
		case isDigit(ch):
			v = int(ch - '0')
		case isUpper(ch):
			v = int(ch-'A') + 10
		default:
			return 0, false
		}
		p := v * (1 + i%2)
		sum += p/36 + p%36
	}
	return gstinChars[(36-sum%36)%36], true
}

// NormalizeMobile returns the ten digits of an Indian mobile number written with optional
// +91, 91 or 0 before it and spaces or dashes anywhere; ok is false unless the ten digits
// start with 6, 7, 8 or 9.
func NormalizeMobile(s string) (string, bool) {
	var buf [16]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			if n == len(buf) {
				return "", false
			}
			buf[n] = c
			n++
		case c == ' ' || c == '-':
		case c == '+' && n == 0:
		default:
			return "", false
		}
	}
	d := buf[:n]
	switch {
	case n == 12 && d[0] == '9' && d[1] == '1':
		d = d[2:]
	case n == 11 && d[0] == '0':
		d = d[1:]
	}
	if len(d) != 10 || d[0] < '6' {
		return "", false
	}
	if n == 10 && len(s) == 10 {
		return s, true
	}
	return string(d), true
}

// ValidEmail reports whether s looks like an e-mail address: one '@', a local part and a
// dotted domain, no spaces, at most 254 characters.
func ValidEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at < 1 || len(s) > 254 || at == len(s)-1 {
		return false
	}
	domain := s[at+1:]
	dot := strings.LastIndexByte(domain, '.')
	if dot < 1 || dot == len(domain)-1 || domain[0] == '.' || strings.Contains(domain, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == 0x7f || c == '(' || c == ')' || c == ',' || c == ';' || c == '<' || c == '>' || c == '"' || (c == '@' && i != at) {
			return false
		}
	}
	return true
}

// ValidPIN reports whether s is an Indian PIN code: six digits, the first not zero.
func ValidPIN(s string) bool { return len(s) == 6 && allDigits(s) && s[0] != '0' }

// maskAccount hides all but the last four digits of an account number.
func maskAccount(s string) string {
	if len(s) <= 4 {
		return strings.Repeat("X", len(s))
	}
	return strings.Repeat("X", len(s)-4) + s[len(s)-4:]
}
