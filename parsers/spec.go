// Package parsers turns the bytes of a finance file (CSV or XLSX) into validated, typed rows
// and row errors a finance user can act on. It does no I/O beyond the reader it is given and
// knows nothing of the ledger, HTTP or reports.
//
// Each file kind is one Spec (its columns and how a row becomes a record) in a file of its own,
// e.g. payouts.go; adding a kind is adding such a file and naming its spec in specs (spec.go).
package parsers

import (
	"path"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"enkashbatch/domain"
)

// Column is one column of a kind's input layout.
type Column struct {
	// Name is the canonical snake_case name, e.g. "account_number".
	Name string
	// Aliases are other headers people write for it, e.g. "A/c No". Matching ignores case,
	// spaces, '_', '-', '.', '/', '*' and parenthesised currency markers such as "(₹)".
	Aliases []string
	// Required columns must be in the file's header, or the file is unusable.
	Required bool
	// Title is the friendly header the templates write, e.g. "Account Number".
	Title string
	// Help explains the column in the template's "How to fill" sheet.
	Help string
	// Text columns are formatted as text in the XLSX template, so that spreadsheets keep
	// leading zeros and long digit strings.
	Text bool
	// Cell is the type of workbook cell the column takes (CellText unless set; a Text column
	// is a CellIdentifier): see CellType.
	Cell CellType
	// Width is the column width in the XLSX template (0: a default).
	Width float64
	// Choices, if any, are the allowed values, offered as a drop-down in the XLSX template.
	Choices []string
}

// ruleRejectedRows is the last line of every kind's Rules: how rows with errors come back.
const ruleRejectedRows = "Rows with errors are returned in a file of rejected rows: fix them there and drop that file again."

// Spec describes one file kind: its columns and how a row becomes a record.
type Spec struct {
	Kind    domain.Kind
	Columns []Column
	// Reference is the canonical name of the column that carries a row's reference, the one
	// no two live rows may share (default "reference").
	Reference string
	// AnyOf lists groups of columns of which at least one group must be present in full,
	// e.g. {{"account_number", "ifsc"}, {"vpa"}}. Empty: no such condition.
	AnyOf [][]string
	// Rules are lines of advice for the template's "How to fill" sheet.
	Rules []string
	// Build validates one row (cells by canonical column name via *Cells) and returns its
	// record (e.g. a domain.Payout) as far as the row could be read, and all broken rules of
	// the row (not just the first). The record's reference and amount (0 if unparseable) locate
	// and count a rejected row too; a record with errors is never sent. Build records errors
	// with c.Add and returns c.Errors(); what the reader itself found (formula cells, extra
	// cells) is added to them.
	Build func(c *Cells) (domain.Record, []domain.RowError)

	once   sync.Once
	index  map[string]int // normalized header or alias -> column index
	byName map[string]int // canonical name -> column index
}

// specs are the kinds this package reads, listed here rather than added by each kind's file at
// initialisation: the one place where a kind is made known to SpecFor, DetectKind and Open with
// a nil spec. Each is prepared at once, so a broken spec fails every test. Messages that list
// the kinds (kindMessage) list them in this order, by name.
var specs = prepared(Bills, Customers, Invoices, Payouts)

func prepared(ss ...*Spec) []*Spec {
	for _, s := range ss {
		s.prepare()
	}
	return ss
}

// Specs returns the spec of every kind this package reads, by kind name.
func Specs() []*Spec { return slices.Clone(specs) }

// prepare builds the spec's lookup tables once. A Spec made outside the package (a kind under
// test, say) is prepared on first use.
func (s *Spec) prepare() { s.once.Do(s.build) }

func (s *Spec) build() {
	if len(s.Columns) > maxColumns {
		panic("parsers: " + string(s.Kind) + ": more than 64 columns")
	}
	s.index = make(map[string]int)
	s.byName = make(map[string]int)
	for i, c := range s.Columns {
		s.byName[c.Name] = i
		for _, a := range append([]string{c.Name, c.Title}, c.Aliases...) {
			n := normalizeHeader(a)
			if n == "" {
				continue
			}
			if j, dup := s.index[n]; dup && j != i {
				panic("parsers: " + string(s.Kind) + ": alias " + a + " names two columns")
			}
			s.index[n] = i
		}
	}
}

// SpecFor returns the spec of kind k.
func SpecFor(k domain.Kind) (*Spec, bool) {
	for _, s := range specs {
		if s.Kind == k {
			return s, true
		}
	}
	return nil, false
}

// Column returns the column named canonical.
func (s *Spec) Column(canonical string) (Column, bool) {
	s.prepare()
	i, ok := s.byName[canonical]
	if !ok {
		return Column{}, false
	}
	return s.Columns[i], true
}

// col returns the index of the canonical column, or -1. A scan beats a map here: a kind has
// few columns, and comparing a name with itself (the same literal) is a pointer check.
func (s *Spec) col(canonical string) int {
	for i := range s.Columns {
		if s.Columns[i].Name == canonical {
			return i
		}
	}
	return -1
}

// Match returns the index in s.Columns of the column a header cell names.
func (s *Spec) Match(header string) (int, bool) {
	s.prepare()
	i, ok := s.index[normalizeHeader(header)]
	return i, ok
}

// DetectKind decides the kind of a file that no inbox folder names: a name that starts with a
// kind and '_' ("payouts_nov.csv", "payout_nov.csv") or is the kind ("payouts.csv") decides;
// otherwise the header does: the one kind whose required columns are all present. A word
// elsewhere in the name ("Customer refunds Dec 2026.csv") never decides. A header that fits no
// kind, or more than one, gives no kind (kindMessage says why).
func DetectKind(fileName string, header []string) (domain.Kind, bool) {
	if k, ok := prefixKind(fileName); ok {
		return k, true
	}
	fits := fittingKinds(header)
	if len(fits) != 1 {
		return "", false
	}
	return fits[0].Kind, true
}

// prefixKind returns the kind a file's name starts with, followed by '_' or the extension.
func prefixKind(fileName string) (domain.Kind, bool) {
	base := strings.ToLower(path.Base(strings.ReplaceAll(fileName, `\`, "/")))
	stem := strings.TrimSuffix(base, path.Ext(base))
	for _, s := range specs {
		for _, word := range []string{string(s.Kind), strings.TrimSuffix(string(s.Kind), "s")} {
			if stem == word || strings.HasPrefix(base, word+"_") {
				return s.Kind, true
			}
		}
	}
	return "", false
}

// fittingKinds returns the kinds whose required columns all appear in header.
func fittingKinds(header []string) []*Spec {
	var fits []*Spec
	for _, s := range specs {
		if len(s.missingRequired(header)) == 0 {
			fits = append(fits, s)
		}
	}
	return fits
}

// missingRequired returns the titles of the required columns of s that header lacks.
func (s *Spec) missingRequired(header []string) []string {
	s.prepare()
	seen := make([]bool, len(s.Columns))
	for _, h := range header {
		if i, ok := s.Match(h); ok {
			seen[i] = true
		}
	}
	var missing []string
	for i, c := range s.Columns {
		if c.Required && !seen[i] {
			missing = append(missing, c.Title)
		}
	}
	return missing
}

// kindMessage explains why DetectKind found no kind for a file: the columns its header has,
// and each kind's required columns with those missing.
func kindMessage(header []string) string {
	var found []string
	for _, h := range header {
		if h != "" {
			found = append(found, h)
		}
	}
	var b strings.Builder
	if fits := fittingKinds(header); len(fits) > 1 {
		names := make([]string, len(fits))
		for i, s := range fits {
			names[i] = string(s.Kind)
		}
		b.WriteString("cannot tell the kind of file: its header fits more than one kind (" + strings.Join(names, " and ") + ")")
	} else {
		b.WriteString("cannot tell the kind of file: its header fits no kind")
	}
	b.WriteString("; the header has " + orNone(strings.Join(found, ", ")) + ". Each kind's required columns:")
	for _, s := range specs {
		var req []string
		for _, c := range s.Columns {
			if c.Required {
				req = append(req, c.Title)
			}
		}
		b.WriteString(" " + string(s.Kind) + ": " + strings.Join(req, ", "))
		if m := s.missingRequired(header); len(m) > 0 && len(m) < len(req) {
			b.WriteString(" (missing " + strings.Join(m, ", ") + ")")
		}
		b.WriteString(";")
	}
	b.WriteString(" put the file in the inbox folder of its kind (e.g. inbox/payouts/), name it after its kind" +
		" (e.g. payouts_2026-11-23.csv), or start from a template")
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "no column names"
	}
	return s
}

// currencyMarkers are parenthesised header suffixes that say only "in rupees".
var currencyMarkers = map[string]bool{"inr": true, "rs": true, "₹": true, "rupees": true, "ininr": true, "inrs": true, "in₹": true, "inrupees": true}

// normalizeHeader lower-cases h and drops spaces, '_', '-', '.', '/', '*', '₹', a leading BOM
// and parenthesised currency markers, so "Amount (₹)", "amount" and "A M O U N T" meet.
func normalizeHeader(h string) string {
	h = strings.TrimPrefix(h, "\ufeff")
	var b strings.Builder
	b.Grow(len(h))
	for i := 0; i < len(h); {
		c := h[i]
		if c == '(' {
			if end := strings.IndexByte(h[i:], ')'); end > 0 {
				if inner := normalizeHeader(h[i+1 : i+end]); currencyMarkers[inner] || inner == "" {
					i += end + 1
					continue
				}
			}
		}
		if c < utf8.RuneSelf {
			switch {
			case c >= 'A' && c <= 'Z':
				b.WriteByte(c + 'a' - 'A')
			case c == ' ' || c == '_' || c == '-' || c == '.' || c == '/' || c == '*' || c == '\t' || c == '(' || c == ')':
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(h[i:])
		if r != '\u00a0' && r != '₹' {
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}
