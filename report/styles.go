package report

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
)

// Number formats. Excel has no Indian digit grouping of its own, so the rupee formats pick
// the grouping by magnitude with conditions. A section chosen by a condition shows no minus
// sign in LibreOffice (and its sign in Excel is version dependent), so negative amounts get
// formats without conditions instead (see amountCell).
const (
	fmtRupees = `[>=10000000]##\,##\,##\,##0.00;[>=100000]##\,##\,##0.00;##,##0.00`
	// Negative amounts: the grouping is chosen in Go by magnitude, and a format of one
	// section gets its minus sign from Excel and LibreOffice alike.
	fmtRupeesNegThousands = `#,##0.00`
	fmtRupeesNegLakhs     = `##\,##\,##0.00`
	fmtRupeesNegCrores    = `##\,##\,##\,##0.00`
	fmtCount              = `[>=10000000]##\,##\,##\,##0;[>=100000]##\,##\,##0;##,##0`
	fmtDateTime           = `dd-mm-yyyy hh:mm`
	fmtDate               = `dd-mm-yyyy`
	fmtDuration           = `[h]:mm:ss`
)

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
	amountNeg                 [3]int // thousands, lakhs, crores
	totalAmountNeg            [3]int
	headerRight, headerCenter int
	headerIndent, indented    int
	textIndented              int
	left                      int
	textCenter, numberCenter  int
	count                     int
	dateTime                  int
	total, totalAmount        int
	totalCount                int
	bad, good                 int
	dateTimeLeft              int
	conservation, badVerdict  int
	date, dateLeft            int
	duration                  int
	section                   int // a heading inside a sheet
	right                     int
}

// newStyles registers every style the package uses in f.
func newStyles(f *excelize.File) (*styles, error) {
	var s styles
	var err error
	add := func(dst *int, st *excelize.Style) {
		if err != nil {
			return
		}
		*dst, err = f.NewStyle(st)
	}
	rupees, count, dateTime, date, duration := fmtRupees, fmtCount, fmtDateTime, fmtDate, fmtDuration
	negFormats := [3]string{fmtRupeesNegThousands, fmtRupeesNegLakhs, fmtRupeesNegCrores}
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
	add(&s.left, &excelize.Style{Alignment: &excelize.Alignment{Horizontal: "left"}})
	add(&s.right, &excelize.Style{Alignment: &excelize.Alignment{Horizontal: "right"}})
	center := &excelize.Alignment{Horizontal: "center"}
	add(&s.text, &excelize.Style{NumFmt: 49}) // "@": text
	add(&s.textCenter, &excelize.Style{NumFmt: 49, Alignment: center})
	add(&s.numberCenter, &excelize.Style{Alignment: center})
	add(&s.amount, &excelize.Style{CustomNumFmt: &rupees})
	for i := range negFormats {
		add(&s.amountNeg[i], &excelize.Style{CustomNumFmt: &negFormats[i]})
		add(&s.totalAmountNeg[i], &excelize.Style{Font: &excelize.Font{Bold: true}, Border: top, Fill: totalFill, CustomNumFmt: &negFormats[i]})
	}
	add(&s.count, &excelize.Style{CustomNumFmt: &count})
	add(&s.dateTime, &excelize.Style{CustomNumFmt: &dateTime})
	add(&s.dateTimeLeft, &excelize.Style{CustomNumFmt: &dateTime, Alignment: &excelize.Alignment{Horizontal: "left"}})
	add(&s.total, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: top, Fill: totalFill})
	add(&s.totalAmount, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: top, Fill: totalFill, CustomNumFmt: &rupees})
	add(&s.totalCount, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: top, Fill: totalFill, CustomNumFmt: &count})
	add(&s.bad, &excelize.Style{Font: &excelize.Font{Bold: true, Color: colorBad}, Alignment: center})
	add(&s.good, &excelize.Style{Font: &excelize.Font{Color: colorGood}, Alignment: center})
	add(&s.conservation, &excelize.Style{Font: &excelize.Font{Bold: true}})
	add(&s.badVerdict, &excelize.Style{Font: &excelize.Font{Bold: true, Color: colorBad}})
	add(&s.date, &excelize.Style{CustomNumFmt: &date})
	add(&s.dateLeft, &excelize.Style{CustomNumFmt: &date, Alignment: &excelize.Alignment{Horizontal: "left"}})
	add(&s.duration, &excelize.Style{CustomNumFmt: &duration})
	add(&s.section, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 12}, Border: bottom})
	if err != nil {
		return nil, fmt.Errorf("create styles: %w", err)
	}
	return &s, nil
}

// amountCell returns the cell of a rupee amount, with the negative format when p < 0.
func (s *styles) amountCell(p domain.Paise) excelize.Cell {
	if p < 0 {
		return excelize.Cell{StyleID: s.amountNeg[magnitude(p)], Value: p.Float()}
	}
	return excelize.Cell{StyleID: s.amount, Value: p.Float()}
}

// totalAmountCell is amountCell for a Total row.
func (s *styles) totalAmountCell(p domain.Paise) excelize.Cell {
	if p < 0 {
		return excelize.Cell{StyleID: s.totalAmountNeg[magnitude(p)], Value: p.Float()}
	}
	return excelize.Cell{StyleID: s.totalAmount, Value: p.Float()}
}

// amountValue is the value of a rupee amount in a column whose default style is the rupee
// format: a bare number, or a styled cell when p is negative.
func (s *styles) amountValue(p domain.Paise) any {
	if p < 0 {
		return s.amountCell(p)
	}
	return p.Float()
}

// magnitude says which grouping a negative amount p needs: 0 below a lakh of rupees, 1 below
// a crore, 2 from a crore up.
func magnitude(p domain.Paise) int {
	switch {
	case p > -100000_00:
		return 0
	case p > -10000000_00:
		return 1
	}
	return 2
}
