package report

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"enkashbatch/domain"
	"enkashbatch/internal/ahead"
)

// Layout is what a file kind adds to its detail sheet: columns taken from the item's
// validated record, shown between Reference and Amount. Adding a file kind means adding one
// layout (in a file of its own, as payoutLayout is) and naming it in layouts.
type Layout struct {
	// cols are the kind's own columns.
	cols []column
	// fill writes the record's cells into dst, which has len(cols) cells; a nil cell stays
	// empty. The cell of a colAmount column holds a domain.Paise.
	fill func(rec domain.Record, dst []any) error
}

// layoutOf makes the layout of the kind whose records are T: fill reads the typed record.
func layoutOf[T domain.Record](cols []column, fill func(rec T, dst []any)) Layout {
	return Layout{cols: cols, fill: func(rec domain.Record, dst []any) error {
		v, ok := rec.(T)
		if !ok {
			var want T
			return fmt.Errorf("a %s record on the %s sheet", rec.Kind(), want.Kind())
		}
		fill(v, dst)
		return nil
	}}
}

// layouts holds the layout of every kind, listed here rather than added by each kind's file at
// initialisation; the kinds table of the pipeline (jobs.Kinds) checks at start that every kind
// has one. A kind without one would still get its sheet, with the common columns only.
var layouts = map[domain.Kind]Layout{
	domain.KindCustomers: customerLayout,
	domain.KindInvoices:  invoiceLayout,
	domain.KindPayouts:   payoutLayout,
	domain.KindBills:     billLayout,
}

// Layouts returns the detail sheet layout of every kind the reports know.
func Layouts() map[domain.Kind]Layout { return maps.Clone(layouts) }

// kindSheetName returns the name of the detail sheet of kind k: the kind, capitalised, within
// the 31 characters and the character set a sheet name allows.
func kindSheetName(k domain.Kind) string {
	name := strings.Map(func(r rune) rune {
		switch r {
		case ':', '\\', '/', '?', '*', '[', ']':
			return '_'
		}
		return r
	}, strings.TrimSpace(string(k)))
	if name == "" {
		name = "Unnamed kind"
	}
	r, size := utf8.DecodeRuneInString(name)
	name = string(unicode.ToUpper(r)) + name[size:]
	for utf8.RuneCountInString(name) > 31 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	switch name {
	case sheetSummary, sheetExceptions, sheetRejected, sheetMatched, sheetAudit:
		name += " items"
	}
	return name
}

// itemSheet is the detail sheet of one kind: every item of that kind that was not rejected.
type itemSheet struct {
	*tableSheet
	layout Layout
}

// itemColumns returns the columns of the detail sheet of a kind with layout l.
func itemColumns(l Layout) []column {
	cols := []column{
		{name: "File", width: 30, typ: colInput},
		{name: "Line", width: 6, typ: colNumber, center: true},
		{name: "Reference", width: 20, typ: colInput},
	}
	cols = append(cols, l.cols...)
	return append(cols,
		column{name: "Amount ₹", width: 15, typ: colAmount},
		column{name: "Status", width: 12, typ: colPlain, center: true},
		column{name: "Enkash status", width: 14, typ: colPlain, center: true},
		column{name: "Enkash txn id", width: 18, typ: colPlain},
		column{name: "Batch id", width: 18, typ: colPlain},
		column{name: "UTR", width: 16, typ: colPlain},
		column{name: "Enkash amount ₹", width: 17, typ: colAmount},
		column{name: "Reason", width: 44, typ: colPlain, indent: true, wrap: true},
	)
}

// listedItem is an item to list with its record, decoded beforehand (withRecords); nil for a
// row without one (a rejected row).
type listedItem struct {
	domain.Item
	rec domain.Record
}

// withRecords yields each item with its record, decoded on a goroutine of its own a bounded
// number of items ahead: the workbook's writer, the slower step, then only writes
// (docs/performance.md). It stops at the first item it cannot read or decode.
func withRecords(items iter.Seq2[domain.Item, error]) iter.Seq2[listedItem, error] {
	decode := func(yield func(listedItem, error) bool) {
		for it, err := range items {
			if err != nil {
				yield(listedItem{}, err)
				return
			}
			li := listedItem{Item: it}
			if len(it.Payload) > 0 {
				if li.rec, err = it.Record(); err != nil {
					yield(listedItem{}, err)
					return
				}
			}
			if !yield(li, nil) {
				return
			}
		}
	}
	return ahead.Seq(context.Background(), decode)
}

// write adds item as the next row.
func (s *itemSheet) write(it listedItem) error {
	row := s.buf
	clear(row)
	row[0], row[1], row[2] = orNil(it.File), lineValue(it.Line), orNil(it.Reference)
	i := 3
	if n := len(s.layout.cols); n > 0 {
		if rec := it.rec; rec != nil {
			if err := s.layout.fill(rec, row[i:i+n]); err != nil {
				return fmt.Errorf("item %s (%s line %d): %w", it.Reference, it.File, it.Line, err)
			}
			for j, c := range s.layout.cols {
				if p, ok := row[i+j].(domain.Paise); ok && c.typ == colAmount {
					row[i+j] = s.st.amountValue(p)
				}
			}
		}
		i += n
	}
	row[i] = s.st.amountValue(it.Amount)
	row[i+1] = string(it.Status)
	row[i+2] = orNil(it.Provider.Status)
	row[i+3] = orNil(it.Provider.ProviderID)
	row[i+4] = orNil(it.Provider.BatchID)
	row[i+5] = orNil(it.Provider.UTR)
	if it.Provider.Amount != 0 {
		row[i+6] = s.st.amountValue(it.Provider.Amount)
	}
	row[i+7] = orNil(joinReasons(it.Reason, it.Provider.Reason))
	return s.writeRow(row)
}

// joinReasons shows our reason and Enkash's code together when both are known.
func joinReasons(ours, provider string) string {
	switch {
	case provider == "" || strings.Contains(ours, provider):
		return ours
	case ours == "":
		return provider
	}
	return ours + " (" + provider + ")"
}

// lineValue is the cell of a line number: empty when unknown.
func lineValue(line int) any {
	if line <= 0 {
		return nil
	}
	return line
}

// rejectedColumns are the columns of the Rejected rows sheet.
var rejectedColumns = []column{
	{name: "File", width: 30, typ: colInput},
	{name: "Line", width: 6, typ: colNumber, center: true},
	{name: "Reference", width: 20, typ: colInput},
	{name: "Amount as read ₹", width: 17, typ: colAmount},
	{name: "Reason", width: 44, typ: colPlain, indent: true, wrap: true},
	{name: "Original row", width: 70, typ: colInput, wrap: true},
}

// writeRejected adds a rejected item to the Rejected rows sheet.
func writeRejected(t *tableSheet, it domain.Item) error {
	row := t.buf
	clear(row)
	row[0], row[1], row[2] = orNil(it.File), lineValue(it.Line), orNil(it.Reference)
	if it.Amount != 0 {
		row[3] = t.st.amountValue(it.Amount)
	}
	row[4] = orNil(it.Reason)
	row[5] = orNil(strings.Join(it.Raw, " | "))
	return t.writeRow(row)
}

// dayValue is the cell of a calendar date written as "2006-01-02", as a bill's dates are: a
// date, shown as dd-mm-yyyy by the column's format. Anything else is shown as the text it is;
// an empty s leaves the cell empty.
func dayValue(s string) any {
	if s == "" {
		return nil
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d
	}
	return s
}

// dateValue is the cell of the calendar date of t (its day where t was read, at midnight UTC,
// as dayValue gives): empty when t is zero.
func dateValue(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
