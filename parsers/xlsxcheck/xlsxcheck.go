// Package xlsxcheck checks a workbook's parts before and while the sheet is read: the
// structure's cost (PreScan), the XML of the shared strings and the sheet, with the facts of
// each row that excelize's values lack (StartSheetCheck), and the number formats of the cell
// styles (ReadNumFormats). A workbook it refuses comes back as a *Problem, worded for a
// finance user; the parsers package turns it into a FileError naming the file.
package xlsxcheck

import (
	"archive/zip"
	"encoding/xml"
	"strconv"
	"strings"
)

// MaxColumns is the most columns a sheet may use: a cell beyond it refuses the sheet, because
// excelize materialises every empty cell up to the last one of a row.
const MaxColumns = 512

// Problem says why a workbook is refused: a stable snake_case rule and a message in plain
// English, with the sheet row when it is about one.
type Problem struct {
	Line    int    // XLSX sheet row number, 0 when not about a row
	Rule    string // e.g. "damaged_xlsx", "too_many_columns"
	Message string
}

func (p *Problem) Error() string {
	if p.Line > 0 {
		return "line " + strconv.Itoa(p.Line) + ": " + p.Rule + ": " + p.Message
	}
	return p.Rule + ": " + p.Message
}

// FindPart returns the zip entry of the part name, whatever the case of its name and the
// slashes it is written with; nil when there is none.
func FindPart(zr *zip.Reader, name string) *zip.File {
	for _, zf := range zr.File {
		if strings.EqualFold(strings.TrimPrefix(strings.ReplaceAll(zf.Name, `\`, "/"), "/"), name) {
			return zf
		}
	}
	return nil
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func hasPrefixFold(s, p string) bool { return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
