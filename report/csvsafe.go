package report

// csvText returns s as a CSV twin writes it for people who open it in a spreadsheet: text
// beginning with "=", "+", "-", "@", a tab or a carriage return is prefixed with a single
// quote, so that Excel or LibreOffice shows it as text instead of running it as a formula.
// A number ("-250.00", "+5") is left as it is, so that programs reading the twin still read
// it as a number. It allocates only for the values it changes.
func csvText(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '-', '+':
		if isDecimal(s[1:]) {
			return s
		}
	case '=', '@', '\t', '\r':
	default:
		return s
	}
	return "'" + s
}

// isDecimal reports whether s is digits with at most one decimal point between them.
func isDecimal(s string) bool {
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && digits > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}
