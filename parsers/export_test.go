package parsers

import "io"

// CheckXML exposes checkXML to the external tests.
func CheckXML(r io.Reader, sheet bool) (any, error) { return checkXML(r, sheet, nil) }

// FormatClass exposes the classification of a number format code to the external tests:
// its class name, decimals shown, and whether it shows an integer's own digits.
func FormatClass(code string) (class string, decimals int, plain bool) {
	f := classifyFormat(code)
	names := map[fmtClass]string{fmtGeneral: "general", fmtNumber: "number", fmtDate: "date", fmtTime: "time",
		fmtPercent: "percent", fmtScientific: "scientific", fmtOther: "other"}
	return names[f.class], f.decimals, f.plain
}
