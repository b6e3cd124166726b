package report

import (
	"fmt"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
)

// exceptionColumns are the columns of the Exceptions sheet of both workbooks. ID is the
// number `batch exceptions resolve` takes.
var exceptionColumns = []column{
	{name: "ID", width: 6, typ: colNumber, center: true},
	{name: "Status", width: 14, typ: colPlain, center: true}, // fits "Reopened (2x)"
	{name: "Severity", width: 9, typ: colPlain, center: true},
	{name: "Age (days)", width: 7, typ: colNumber, center: true},
	{name: "Category", width: 20, typ: colPlain, wrap: true},
	{name: "Kind", width: 10, typ: colPlain, center: true},
	{name: "File", width: 30, typ: colInput, wrap: true},
	{name: "Line", width: 6, typ: colNumber, center: true},
	{name: "Reference", width: 20, typ: colInput, wrap: true},
	{name: "Expected", width: 14, typ: colInput},
	{name: "Actual", width: 14, typ: colInput},
	{name: "Detail", width: 36, typ: colInput, wrap: true},
	{name: "Action", width: 44, typ: colPlain, wrap: true},
	{name: "Raised at", width: 16, typ: colDate},
	{name: "Resolved at", width: 16, typ: colDate},
	{name: "Note", width: 28, typ: colInput, indent: true, wrap: true},
}

// action returns the suggested next step for e: the domain's, one wording for every report
// and command (a row already sent is never told to be corrected and dropped again).
func action(e domain.Exception) string { return e.SuggestedAction() }

// writeException adds e as the next row of an Exceptions sheet, its age counted up to now,
// and reports whether it is open and its severity.
func writeException(t *tableSheet, e ExceptionRow, now time.Time, loc *time.Location) (open bool, sev domain.Severity, err error) {
	row := t.buf
	clear(row)
	st := t.st
	sev = e.severity()
	row[0] = idValue(e.ID)
	switch {
	case e.ResolvedAt != nil:
		row[1] = excelize.Cell{StyleID: st.good, Value: "Resolved"}
	case e.Reopened > 0:
		open = true
		row[1] = fmt.Sprintf("Reopened (%dx)", e.Reopened)
	default:
		open = true
		row[1] = "Open"
	}
	if sev == domain.SeverityHigh {
		row[2] = excelize.Cell{StyleID: st.bad, Value: string(sev)}
	} else {
		row[2] = string(sev)
	}
	if days, ok := e.age(now); ok {
		row[3] = days
	}
	row[4], row[5], row[6] = string(e.Category), orNil(string(e.Kind)), orNil(e.File)
	row[7], row[8] = lineValue(e.Line), orNil(e.Reference)
	row[9], row[10], row[11] = amountOrText(st, e.Expected), amountOrText(st, e.Actual), orNil(e.Detail)
	row[12] = e.action()
	row[13] = timeValue(e.CreatedAt, loc)
	if e.ResolvedAt != nil {
		row[14] = timeValue(*e.ResolvedAt, loc)
	}
	row[15] = orNil(e.Note)
	return open, sev, t.writeRow(row)
}

// idValue is the cell of a ledger id: empty when unknown.
func idValue(id int64) any {
	if id <= 0 {
		return nil
	}
	return id
}

// amountOrText is the cell of an exception's expected or actual value: a rupee amount when it
// is one, written with two decimals ("7000.00", "-250.50"), so that it can be added up; else
// the text as it is.
func amountOrText(st *styles, s string) any {
	if s == "" {
		return nil
	}
	digits := s
	if s[0] == '-' || s[0] == '+' {
		digits = s[1:]
	}
	if !isDecimal(digits) {
		return s
	}
	if _, frac, ok := cutDot(digits); !ok || len(frac) != 2 {
		// Amounts are written with two decimals; anything else (an account number, a
		// phone number, a cell as the user typed it) is left as written.
		return s
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return st.amountCell(domain.Paise(roundHalfAway(v * 100)))
}

// cutDot splits s at its decimal point.
func cutDot(s string) (whole, frac string, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// roundHalfAway rounds v to the nearest whole number, halves away from zero.
func roundHalfAway(v float64) int64 {
	if v < 0 {
		return -int64(-v + 0.5)
	}
	return int64(v + 0.5)
}

// timeValue is the cell of a point in time, shown as wall-clock time in loc; empty when zero.
func timeValue(t time.Time, loc *time.Location) any {
	if t.IsZero() {
		return nil
	}
	return t.In(loc)
}
