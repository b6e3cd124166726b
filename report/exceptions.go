package report

import (
	"time"

	"enkashbatch/domain"
)

// exceptionColumns are the columns of the Exceptions sheet.
var exceptionColumns = []column{
	{name: "Category", width: 20, typ: colPlain},
	{name: "Kind", width: 10, typ: colPlain, center: true},
	{name: "File", width: 24, typ: colInput},
	{name: "Line", width: 6, typ: colNumber, center: true},
	{name: "Reference", width: 16, typ: colInput},
	{name: "Expected", width: 14, typ: colInput},
	{name: "Actual", width: 14, typ: colInput},
	{name: "Detail", width: 44, typ: colInput},
	{name: "Action", width: 72, typ: colPlain},
	{name: "Raised at", width: 17, typ: colDate},
	{name: "Resolved at", width: 17, typ: colDate},
	{name: "Note", width: 30, typ: colInput, indent: true},
}

// action returns the suggested next step for e: the domain's, one wording for every report
// and command (a row already sent is never told to be corrected and dropped again).
func action(e domain.Exception) string { return e.SuggestedAction() }

// writeException adds e as the next row of the Exceptions sheet.
func writeException(t *tableSheet, e domain.Exception, loc *time.Location) error {
	clear(t.buf)
	fillException(t.buf, e, action(e), loc)
	return t.writeRow(t.buf)
}

// fillException fills the len(exceptionColumns) cells of row with e and its suggested action.
func fillException(row []any, e domain.Exception, action string, loc *time.Location) {
	row[0], row[1], row[2] = string(e.Category), orNil(string(e.Kind)), orNil(e.File)
	row[3], row[4] = lineValue(e.Line), orNil(e.Reference)
	row[5], row[6], row[7] = orNil(e.Expected), orNil(e.Actual), orNil(e.Detail)
	row[8] = action
	row[9] = timeValue(e.CreatedAt, loc)
	if e.ResolvedAt != nil {
		row[10] = timeValue(*e.ResolvedAt, loc)
	}
	row[11] = orNil(e.Note)
}

// timeValue is the cell of a point in time, shown as wall-clock time in loc; empty when zero.
func timeValue(t time.Time, loc *time.Location) any {
	if t.IsZero() {
		return nil
	}
	return t.In(loc)
}
