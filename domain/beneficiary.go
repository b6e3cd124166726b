package domain

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Enkash's rules for a payee and a transfer (docs/enkash.md, "Beneficiary"): a beneficiary
// name is letters and spaces only, at most 100 characters; an e-mail contains '.' and '@', at
// most 200 characters; a phone matches PhonePattern; a transfer remark is letters, digits and
// spaces. "Letters" is read as the letters A to Z: nothing says Enkash or the banks behind it
// take any other script, so a name in another script (or with accents) is refused with a
// message rather than sent to be refused by Enkash.
const (
	MaxBeneficiaryName  = 100
	MaxBeneficiaryEmail = 200
)

// PhonePattern is Enkash's documented pattern for a beneficiary phone.
var PhonePattern = regexp.MustCompile(`^((\+|00)(\d{1,3})[\s-]?)?(\d{10})$`)

// ValidBeneficiaryEmail reports whether s passes Enkash's e-mail rule: it contains '.' and
// '@' and is at most MaxBeneficiaryEmail characters long.
func ValidBeneficiaryEmail(s string) bool {
	return strings.Contains(s, ".") && strings.Contains(s, "@") && utf8.RuneCountInString(s) <= MaxBeneficiaryEmail
}

// SendableName returns the beneficiary name Enkash receives for a name as written: '&'
// becomes "and"; apostrophes are dropped ("D'Souza" → "DSouza"); '.' and '-' (and typographic
// dashes) separate words; spaces are collapsed and trimmed. "Sharma & Sons Pvt. Ltd." is sent
// as "Sharma and Sons Pvt Ltd".
//
// ok is false when the name cannot be sent: bad is then the first character that cannot be
// adapted, or 0 when nothing is left. Digits and other marks (/ , ( ) @ ...) are refused, not
// dropped: "M/s", "S/O" or "(Prop)" carry meaning no rule can keep, and the name sent must be
// the account holder's as the bank knows it. A name that is already sendable is returned as it
// is.
func SendableName(name string) (sent string, bad rune, ok bool) {
	return sendable(name, false)
}

// SendableRemark returns the transfer remark Enkash receives for a remark as written, by the
// rules of SendableName except that digits are kept and any punctuation or symbol separates
// words (a remark is free text; "Invoice #1187 - Nov" is sent as "Invoice 1187 Nov"). ok is
// false, with bad the character, when the remark holds a letter or digit outside A to Z and 0
// to 9. A remark with no letter or digit at all (such as "-" written for "none") is sent as
// no remark: sent is empty and ok is true.
func SendableRemark(remark string) (sent string, bad rune, ok bool) {
	sent, bad, ok = sendable(remark, true)
	if !ok && bad == 0 {
		return "", 0, true
	}
	return sent, bad, ok
}

// sendable is SendableName (remark false) and SendableRemark (remark true).
func sendable(s string, remark bool) (string, rune, bool) {
	if plainWords(s, remark) {
		return s, 0, s != ""
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	gap := false // a word break is pending
	word := func(w string) {
		if gap && b.Len() > 0 {
			b.WriteByte(' ')
		}
		gap = false
		b.WriteString(w)
	}
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf && (isASCIILetter(byte(r)) || (remark && r >= '0' && r <= '9')):
			if gap && b.Len() > 0 {
				b.WriteByte(' ')
			}
			gap = false
			b.WriteRune(r)
		case r == '&':
			gap = true
			word("and")
			gap = true
		case r == '\'' || r == '‘' || r == '’' || (remark && (r == '"' || r == '`' || r == '“' || r == '”')):
			// dropped: "D'Souza" is one word
		case unicode.IsSpace(r) || strings.ContainsRune(".-‐‑–—", r):
			gap = true
		case remark && r < utf8.RuneSelf && unicode.IsPrint(r):
			gap = true // any other ASCII mark in a remark
		case remark && (unicode.IsPunct(r) || unicode.IsSymbol(r)):
			gap = true // ₹, •, … in a remark
		default:
			return "", r, false
		}
	}
	if b.Len() == 0 {
		return "", 0, false
	}
	return b.String(), 0, true
}

// plainWords reports whether s is already what Enkash takes: words of A-Z letters (and digits
// in a remark) separated by single spaces, with none at either end.
func plainWords(s string, digits bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isASCIILetter(c) || (digits && c >= '0' && c <= '9'):
		case c == ' ' && i > 0 && i < len(s)-1 && s[i-1] != ' ':
		default:
			return false
		}
	}
	return true
}

func isASCIILetter(c byte) bool { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') }
