package report

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
)

// Number formats. Excel has no Indian digit grouping of its own and a format holds at most
// two conditions, so no one format groups every amount the Indian way: the grouping of a
// large amount is picked in Go (see amountCell). Every rupee format shows a negative amount
// with a minus sign, in red, from a section of its own: LibreOffice drops the minus sign of
// a negative number shown by a section chosen by a condition unless the section writes it.
const (
	// fmtRupees is the format of rupee columns: lakhs grouped from ₹1,00,000.00 up to
	// ₹99,99,999.99, and negative amounts down to −₹99,999.99. Larger amounts are given one of
	// rupeesBigFormats instead (see magnitude).
	fmtRupees   = `[>=100000]##\,##\,##0.00;[>=0]##,##0.00;[Red]-##,##0.00`
	fmtCount    = `[>=10000000]##\,##\,##\,##0;[>=100000]##\,##\,##0;##,##0`
	fmtDateTime = `dd-mm-yyyy hh:mm`
	fmtDate     = `dd-mm-yyyy`
	fmtDuration = `[h]:mm:ss`
)

// rupeesBigFormats are the formats of amounts fmtRupees does not group right: by the number
// of commas the integer part needs, from 2 (lakhs) to 5 (lakh crores). Each has one section
// for positive amounts and one for negative ones, with no condition.
var rupeesBigFormats = func() []string {
	var out []string
	for commas := 2; commas <= 5; commas++ {
		digits := "##" + strings.Repeat(`\,##`, commas-1) + `\,##0.00`
		out = append(out, digits+";[Red]-"+digits)
	}
	return out
}()

const (
	colorHeaderFill = "DCE6F1"
	colorTotalFill  = "F2F2F2"
	colorBad        = "C00000"
	colorGood       = "006100"
	colorSandbox    = "FFF2CC"
	colorBorder     = "8EA9C1"
)

// styles holds the style ids of one workbook.
type styles struct {
	title, titleSandbox       int
	banner                    int // the SANDBOX banner under a title
	label                     int // bold labels on the summary
	header                    int
	text                      int
	amount                    int
	amountBig                 []int // by rupeesBigFormats: see amountCell
	totalAmountBig            []int
	headerRight, headerCenter int
	headerIndent, indented    int
	textIndented              int
	left                      int
	textCenter, numberCenter  int
	count                     int
	dateTime                  int
	total, totalAmount        int
	totalCenter               int // a word in a Total row, centred as its column's values
	totalCount                int
	bad, good                 int
	dateTimeLeft              int
	conservation, badVerdict  int
	verdictOK, verdictBad     int // conservation and badVerdict, wrapped across a merged row
	date, dateLeft            int
	duration                  int
	section                   int // a heading inside a sheet
	right                     int
	// printAcross names the sheets printed across pages at a fixed scale (see setupPrint):
	// not a style, but per workbook like the styles.
	printAcross map[string]bool
	// Wrapped text: long words in a narrow column, readable on paper.
	wrap, indentedWrap, textWrap, textIndentedWrap int
}

// newStyles registers every style the package uses in f.
func newStyles(f *excelize.File) (*styles, error) {
	s := styles{printAcross: map[string]bool{}}
	var err error
	add := func(dst *int, st *excelize.Style) {
		if err != nil {
			return
		}
		*dst, err = f.NewStyle(st)
	}
	rupees, count, dateTime, date, duration := fmtRupees, fmtCount, fmtDateTime, fmtDate, fmtDuration
	bottom := []excelize.Border{{Type: "bottom", Color: colorBorder, Style: 2}}
	top := []excelize.Border{{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 6}}
	totalFill := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colorTotalFill}}

	add(&s.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 16}})
	add(&s.titleSandbox, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 16, Color: colorBad}})
	add(&s.banner, &excelize.Style{
		Font: &excelize.Font{Bold: true, Color: colorBad},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colorSandbox}},
	})
	add(&s.label, &excelize.Style{Font: &excelize.Font{Bold: true}})
	headers := []struct {
		dst    *int
		align  string
		indent int
	}{{&s.header, "left", 0}, {&s.headerRight, "right", 0}, {&s.headerCenter, "center", 0}, {&s.headerIndent, "left", 1}}
	for _, h := range headers {
		add(h.dst, &excelize.Style{
			Font:      &excelize.Font{Bold: true},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colorHeaderFill}},
			Border:    bottom,
			Alignment: &excelize.Alignment{Horizontal: h.align, Indent: h.indent, Vertical: "center", WrapText: true},
		})
	}
	add(&s.indented, &excelize.Style{Alignment: &excelize.Alignment{Horizontal: "left", Indent: 1}})
	add(&s.textIndented, &excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{Horizontal: "left", Indent: 1}})
	add(&s.wrap, &excelize.Style{Alignment: &excelize.Alignment{WrapText: true}})
	add(&s.indentedWrap, &excelize.Style{Alignment: &excelize.Alignment{Horizontal: "left", Indent: 1, WrapText: true}})
	add(&s.textWrap, &excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{WrapText: true}})
	add(&s.textIndentedWrap, &excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{Horizontal: "left", Indent: 1, WrapText: true}})
	add(&s.left, &excelize.Style{Alignment: &excelize.Alignment{Horizontal: "left"}})
	add(&s.right, &excelize.Style{Alignment: &excelize.Alignment{Horizontal: "right"}})
	center := &excelize.Alignment{Horizontal: "center"}
	add(&s.text, &excelize.Style{NumFmt: 49}) // "@": text
	add(&s.textCenter, &excelize.Style{NumFmt: 49, Alignment: center})
	add(&s.numberCenter, &excelize.Style{Alignment: center})
	add(&s.amount, &excelize.Style{CustomNumFmt: &rupees})
	s.amountBig, s.totalAmountBig = make([]int, len(rupeesBigFormats)), make([]int, len(rupeesBigFormats))
	for i := range rupeesBigFormats {
		add(&s.amountBig[i], &excelize.Style{CustomNumFmt: &rupeesBigFormats[i]})
		add(&s.totalAmountBig[i], &excelize.Style{Font: &excelize.Font{Bold: true}, Border: top, Fill: totalFill, CustomNumFmt: &rupeesBigFormats[i]})
	}
	add(&s.count, &excelize.Style{CustomNumFmt: &count})
	add(&s.dateTime, &excelize.Style{CustomNumFmt: &dateTime})
	add(&s.dateTimeLeft, &excelize.Style{CustomNumFmt: &dateTime, Alignment: &excelize.Alignment{Horizontal: "left"}})
	add(&s.total, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: top, Fill: totalFill})
	add(&s.totalCenter, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: top, Fill: totalFill, Alignment: center})
	add(&s.totalAmount, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: top, Fill: totalFill, CustomNumFmt: &rupees})
	add(&s.totalCount, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: top, Fill: totalFill, CustomNumFmt: &count})
	add(&s.bad, &excelize.Style{Font: &excelize.Font{Bold: true, Color: colorBad}, Alignment: center})
	add(&s.good, &excelize.Style{Font: &excelize.Font{Color: colorGood}, Alignment: center})
	add(&s.conservation, &excelize.Style{Font: &excelize.Font{Bold: true}})
	add(&s.badVerdict, &excelize.Style{Font: &excelize.Font{Bold: true, Color: colorBad}})
	wrapTop := &excelize.Alignment{WrapText: true, Vertical: "top"}
	add(&s.verdictOK, &excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: wrapTop})
	add(&s.verdictBad, &excelize.Style{Font: &excelize.Font{Bold: true, Color: colorBad}, Alignment: wrapTop})
	add(&s.date, &excelize.Style{CustomNumFmt: &date})
	add(&s.dateLeft, &excelize.Style{CustomNumFmt: &date, Alignment: &excelize.Alignment{Horizontal: "left"}})
	add(&s.duration, &excelize.Style{CustomNumFmt: &duration})
	add(&s.section, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 12}, Border: bottom})
	if err != nil {
		return nil, fmt.Errorf("create styles: %w", err)
	}
	return &s, nil
}

// amountCell returns the cell of a rupee amount in the format that groups it the Indian way.
func (s *styles) amountCell(p domain.Paise) excelize.Cell {
	if m := magnitude(p); m >= 0 {
		return excelize.Cell{StyleID: s.amountBig[m], Value: p.Float()}
	}
	return excelize.Cell{StyleID: s.amount, Value: p.Float()}
}

// totalAmountCell is amountCell for a Total row.
func (s *styles) totalAmountCell(p domain.Paise) excelize.Cell {
	if m := magnitude(p); m >= 0 {
		return excelize.Cell{StyleID: s.totalAmountBig[m], Value: p.Float()}
	}
	return excelize.Cell{StyleID: s.totalAmount, Value: p.Float()}
}

// amountValue is the value of a rupee amount in a column whose default style is fmtRupees:
// a bare number, or a styled cell when fmtRupees does not group it right.
func (s *styles) amountValue(p domain.Paise) any {
	if magnitude(p) >= 0 {
		return s.amountCell(p)
	}
	return p.Float()
}

// magnitude says which format groups p the Indian way: -1 for fmtRupees (from −₹99,999.99 up
// to ₹99,99,999.99), else the index of the format in rupeesBigFormats.
func magnitude(p domain.Paise) int {
	if p > -100000_00 && p < 10000000_00 {
		return -1
	}
	if p < 0 {
		p = -p
	}
	digits := 0
	for r := p / 100; r > 0; r /= 10 {
		digits++
	}
	// 6 or 7 digits need 2 commas (lakhs), 8 or 9 need 3 (crores), and so on.
	return min((digits-2)/2-2, len(rupeesBigFormats)-1)
}
