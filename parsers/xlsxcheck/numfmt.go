package xlsxcheck

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// FormatClass is what a number format does to a number, as far as the reader cares.
type FormatClass byte

const (
	FormatGeneral    FormatClass = iota // General, or "@" (text) applied to a number: shown as is, up to 11 digits
	FormatNumber                        // digits, decimals, grouping, currency, literal text
	FormatDate                          // a date (with or without a time of day)
	FormatTime                          // a time of day or a duration only
	FormatPercent                       // shown multiplied by 100
	FormatScientific                    // shown as 1.25E+05
	FormatOther                         // fractions, scaling by thousands, anything else
)

// NumFormat is a cell style's number format, classified.
type NumFormat struct {
	Class    FormatClass
	Code     string // the format code, for messages ("" for General)
	Decimals int    // digits shown after the decimal point (FormatNumber)
	Zeros    int    // for a code of zeros only ("000000"): the digits always shown; else 0
	Plain    bool   // the code shows an integer's digits as they are: "0", "#", "000000" (Zeros pads)
}

var generalFormat = &NumFormat{Class: FormatGeneral}

// builtInFormats are the codes of the built-in number formats that are not dates or times
// (ECMA-376 Part 1, 18.8.30).
var builtInFormats = map[int]string{
	1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 5: `"₹"#,##0_);("₹"#,##0)`, 6: `"₹"#,##0_);[Red]("₹"#,##0)`,
	7: `"₹"#,##0.00_);("₹"#,##0.00)`, 8: `"₹"#,##0.00_);[Red]("₹"#,##0.00)`, 9: "0%", 10: "0.00%", 11: "0.00E+00",
	12: "# ?/?", 13: "# ??/??", 37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)",
	40: "#,##0.00;[Red](#,##0.00)", 41: `_(* #,##0_);_(* (#,##0);_(* "-"_);_(@_)`, 42: `_("₹"* #,##0_);_("₹"* (#,##0);_("₹"* "-"_);_(@_)`,
	43: `_(* #,##0.00_);_(* (#,##0.00);_(* "-"??_);_(@_)`, 44: `_("₹"* #,##0.00_);_("₹"* (#,##0.00);_("₹"* "-"??_);_(@_)`,
	48: "##0.0E+0", 49: "@",
}

// builtInDateFormat classifies the built-in date and time formats: 14-17 and 22 (dates), 18-21
// and 45-47 (times), and the East Asian date formats 27-36 and 50-58.
func builtInDateFormat(id int) (FormatClass, string, bool) {
	switch {
	case id >= 14 && id <= 17, id == 22, id >= 27 && id <= 36, id >= 50 && id <= 58:
		return FormatDate, "dd-mm-yyyy", true
	case id >= 18 && id <= 21, id >= 45 && id <= 47:
		return FormatTime, "h:mm", true
	}
	return 0, "", false
}

// ClassifyFormat classifies a format code by its first section (the one for positive
// numbers): date and time tokens outside quotes, brackets and escapes make it a date or a
// time; "%" a percentage; "E+" scientific; "/" a fraction; a "," after the last digit
// placeholder scales by thousands.
func ClassifyFormat(code string) *NumFormat {
	f := &NumFormat{Class: FormatNumber, Code: code}
	var date, clock, mOrMin, percent, sci, frac, scale, text, seenPoint bool
	digits := 0
	lastDigit := -1
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch c {
		case ';':
			i = len(code) // only the first section
			continue
		case '"':
			j := strings.IndexByte(code[i+1:], '"')
			if j < 0 {
				i = len(code)
			} else {
				i += j + 1
			}
			continue
		case '\\', '_', '*':
			i++
			continue
		case '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				i = len(code)
				continue
			}
			inner := strings.ToLower(code[i+1 : i+j])
			if inner != "" && strings.Trim(inner, "hms") == "" {
				clock = true // [h]:mm, an elapsed time
			}
			i += j
			continue
		}
		switch {
		case hasPrefixFold(code[i:], "general"):
			i += len("general") - 1
			if digits == 0 {
				f.Class = FormatGeneral
			}
			continue
		case (c == 'E' || c == 'e') && i+1 < len(code) && (code[i+1] == '+' || code[i+1] == '-'):
			sci = true
			seenPoint = false // the exponent's digits are not decimals
			i++
		case c == 'y' || c == 'Y' || c == 'd' || c == 'D':
			date = true
		case c == 'm' || c == 'M':
			mOrMin = true // a month, or minutes next to hours or seconds
		case c == 'h' || c == 'H' || c == 's' || c == 'S':
			clock = true
		case hasPrefixFold(code[i:], "AM/PM"):
			clock = true
			i += len("AM/PM") - 1
		case hasPrefixFold(code[i:], "A/P"):
			clock = true
			i += len("A/P") - 1
		case c == '@':
			text = true
		case c == '%':
			percent = true
		case c == '0' || c == '#' || c == '?':
			digits++
			lastDigit = i
			if seenPoint {
				f.Decimals++
			}
		case c == '.':
			seenPoint = true
		case c == '/':
			frac = true
		case c == ',':
			// A comma with no digit placeholder after it (before the section ends) scales.
			rest := code[i+1:]
			if k := strings.IndexByte(rest, ';'); k >= 0 {
				rest = rest[:k]
			}
			if !strings.ContainsAny(rest, "0#?") && lastDigit >= 0 {
				scale = true
			}
		}
	}
	date = date || mOrMin && !clock
	switch {
	case text && digits == 0 && !date && !clock:
		return &NumFormat{Class: FormatGeneral, Code: code}
	case date:
		f.Class = FormatDate
	case clock:
		f.Class = FormatTime
	case percent:
		f.Class = FormatPercent
	case sci:
		f.Class = FormatScientific
	case frac || scale:
		f.Class = FormatOther
	case f.Class == FormatGeneral:
		return &NumFormat{Class: FormatGeneral, Code: code}
	}
	f.Zeros = 0
	if f.Class == FormatNumber {
		first := code
		if k := strings.IndexByte(first, ';'); k >= 0 {
			first = first[:k]
		}
		for strings.HasPrefix(first, "[") && strings.IndexByte(first, ']') > 0 {
			first = first[strings.IndexByte(first, ']')+1:] // a colour or a condition
		}
		if first != "" && strings.Trim(first, "0#") == "" {
			f.Plain, f.Zeros = true, strings.Count(first, "0")
		}
	}
	return f
}

// NumFormats is a workbook's number formats, by cell style index (styles.xml cellXfs).
type NumFormats struct {
	ids    []int          // cellXfs: the numFmtId of each style
	custom map[int]string // numFmts: custom codes by id
	mu     sync.Mutex
	cache  map[int]*NumFormat
}

// Limits on styles.xml: Excel allows 64,000 cell styles.
const (
	maxCellStyles = 65536
	maxNumFmts    = 65536
)

// ReadNumFormats reads the number formats of xl/styles.xml, streaming; a workbook without
// one has only General.
func ReadNumFormats(zr *zip.Reader) (*NumFormats, error) {
	nf := &NumFormats{custom: map[int]string{}, cache: map[int]*NumFormat{}}
	zf := FindPart(zr, "xl/styles.xml")
	if zf == nil {
		return nf, nil
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, &Problem{Rule: "damaged_xlsx", Message: "the workbook is damaged: " + err.Error()}
	}
	defer rc.Close()
	damaged := func(err error) error {
		return &Problem{Rule: "damaged_xlsx", Message: "the workbook is damaged: its styles (xl/styles.xml) cannot be read (" + err.Error() + "); save it again from Excel or LibreOffice"}
	}
	dec := xml.NewDecoder(bufio.NewReaderSize(rc, 64<<10))
	depthXfs := 0 // inside cellXfs: the depth of its children
	depth := 0
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			return nf, nil
		}
		if err != nil {
			return nil, damaged(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch t.Name.Local {
			case "cellXfs":
				depthXfs = depth + 1
			case "xf":
				if depth == depthXfs {
					if len(nf.ids) >= maxCellStyles {
						return nil, &Problem{Rule: "too_many_styles", Message: fmt.Sprintf(
							"the workbook has more than %d cell styles; copy the data into a new workbook and save it", maxCellStyles)}
					}
					id, _ := strconv.Atoi(attr(t, "numFmtId"))
					nf.ids = append(nf.ids, id)
				}
			case "numFmt":
				if len(nf.custom) >= maxNumFmts {
					return nil, damaged(errors.New("too many number formats"))
				}
				if id, err := strconv.Atoi(attr(t, "numFmtId")); err == nil {
					nf.custom[id] = attr(t, "formatCode")
				}
			}
		case xml.EndElement:
			if t.Name.Local == "cellXfs" {
				depthXfs = 0
			}
			depth--
		}
	}
}

// Of returns the number format of the cell style idx (General when there is none).
func (nf *NumFormats) Of(idx int) *NumFormat {
	if idx <= 0 && (len(nf.ids) == 0 || nf.ids[0] == 0) || idx >= len(nf.ids) || idx < 0 {
		return generalFormat
	}
	nf.mu.Lock()
	defer nf.mu.Unlock()
	if f, ok := nf.cache[idx]; ok {
		return f
	}
	f := nf.classify(nf.ids[idx])
	nf.cache[idx] = f
	return f
}

func (nf *NumFormats) classify(id int) *NumFormat {
	if code, ok := nf.custom[id]; ok {
		return ClassifyFormat(code)
	}
	if class, code, ok := builtInDateFormat(id); ok {
		return &NumFormat{Class: class, Code: code}
	}
	if id == 0 {
		return generalFormat
	}
	if code, ok := builtInFormats[id]; ok {
		return ClassifyFormat(code)
	}
	return &NumFormat{Class: FormatOther, Code: fmt.Sprintf("number format %d", id)}
}
