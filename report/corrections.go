package report

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"enkashbatch/domain"
)

// statusCorrected is how a kind sheet and the items CSV show a rejected row that a later file
// corrected and sent again (domain.Correction): not a rejection still to deal with.
const statusCorrected domain.Status = "corrected"

// corrections are the links of a window's rejected rows to the rows that corrected them. Such
// a row is counted once, as its correction: the window's rows in and rejected rows leave it
// out (in count and in rupees, so the conservation line still ties out), its kind sheet lists
// it as corrected, and the Summary says how many there were.
type corrections struct {
	byItem map[int64]domain.Correction
	byFile map[int64]domain.Money
	byKind map[domain.Kind]domain.Money
	kinds  []domain.Kind // in order of first appearance
	pairs  map[domain.Kind][]correctedPair
}

// correctedPair counts the rows of one file corrected by another.
type correctedPair struct {
	file, by string
	lines    []int
}

func newCorrections(cs []domain.Correction) corrections {
	c := corrections{byItem: map[int64]domain.Correction{}, byFile: map[int64]domain.Money{},
		byKind: map[domain.Kind]domain.Money{}, pairs: map[domain.Kind][]correctedPair{}}
	for _, x := range cs {
		if _, dup := c.byItem[x.ItemID]; dup {
			continue
		}
		c.byItem[x.ItemID] = x
		m := c.byFile[x.FileID]
		m.Add(x.Amount)
		c.byFile[x.FileID] = m
		if _, seen := c.byKind[x.Kind]; !seen {
			c.kinds = append(c.kinds, x.Kind)
		}
		m = c.byKind[x.Kind]
		m.Add(x.Amount)
		c.byKind[x.Kind] = m
		pairs := c.pairs[x.Kind]
		if n := len(pairs); n > 0 && pairs[n-1].file == x.File && pairs[n-1].by == x.ByFile {
			pairs[n-1].lines = append(pairs[n-1].lines, x.Line)
		} else {
			pairs = append(pairs, correctedPair{file: x.File, by: x.ByFile, lines: []int{x.Line}})
		}
		c.pairs[x.Kind] = pairs
	}
	return c
}

// net returns t without the corrected rows m: out of rows in and out of rejected.
func net(t domain.Tally, m domain.Money) domain.Tally {
	t.In.Count, t.In.Paise = t.In.Count-m.Count, t.In.Paise-m.Paise
	t.Rejected.Count, t.Rejected.Paise = t.Rejected.Count-m.Count, t.Rejected.Paise-m.Paise
	return t
}

// apply nets the kinds' and the files' lines of d of their corrected rows, on copies.
func (c corrections) apply(d *Daily) {
	if len(c.byItem) == 0 {
		return
	}
	kinds := make([]KindSummary, len(d.Kinds))
	for i, k := range d.Kinds {
		k.Tally = net(k.Tally, c.byKind[k.Kind])
		kinds[i] = k
	}
	files := make([]domain.FileSummary, len(d.Files))
	for i, f := range d.Files {
		f.Tally = net(f.Tally, c.byFile[f.ID])
		files[i] = f
	}
	d.Kinds, d.Files = kinds, files
}

// item returns it as a kind sheet lists it: a corrected row with its status and the row that
// corrected it, and whether it is one.
func (c corrections) item(it domain.Item) (domain.Item, bool) {
	x, ok := c.byItem[it.ID]
	if !ok || it.Status != domain.StatusRejected {
		return it, false
	}
	it.Status = statusCorrected
	it.Reason = "corrected and re-sent: " + rowOf(x.ByFile, x.ByLine) + " (" + string(x.ByStatus) + "); first rejected: " + it.Reason
	return it, true
}

// lines says, kind by kind, how many rows were corrected and re-sent, for how much, and where.
func (c corrections) lines() []verdictLine {
	var out []verdictLine
	for _, k := range c.kinds {
		m := c.byKind[k]
		var where []string
		for _, p := range c.pairs[k] {
			word := lineWord(p.file)
			if len(p.lines) > 1 {
				word += "s"
			}
			where = append(where, fmt.Sprintf("%s %s of %s, re-sent in %s", word, joinInts(p.lines), p.file, p.by))
		}
		text := fmt.Sprintf("%s: %s corrected and re-sent (%s): %s; each counted once, as its re-sent row, not as a rejection — see the %s sheet",
			kindSheetName(k), plural(m.Count, "row", "rows"), m.Paise.Money(), strings.Join(where, "; "), kindSheetName(k))
		out = append(out, verdictLine{text: text, ok: true})
	}
	return out
}

// lineWord is what a place in file name is called: a row of a workbook, a line of a CSV.
func lineWord(name string) string {
	if strings.EqualFold(filepath.Ext(name), ".xlsx") {
		return "row"
	}
	return "line"
}

// rowOf names line n of file name: "line 4 of payouts.csv", "row 4 of payouts.xlsx".
func rowOf(name string, n int) string {
	return lineWord(name) + " " + strconv.Itoa(n) + " of " + name
}

// joinInts lists ns as "4, 9, 12".
func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
