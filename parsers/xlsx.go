package parsers

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Limits for untrusted workbooks.
const (
	maxXLSXBytes      = 256 << 20 // the file itself
	unzipSizeLimit    = 256 << 20 // everything it unpacks to
	unzipXMLSizeLimit = 16 << 20  // larger parts are unpacked to temporary files, not memory
	maxFormulaCells   = 10000     // formula cells without a saved value before the file is refused
)

// xlsxSource reads the rows of one sheet with excelize's streaming iterator and raw values.
type xlsxSource struct {
	f        *excelize.File
	rows     *excelize.Rows
	n        int         // sheet row number of the last row read
	check    *sheetCheck // the sheet's XML check, running beside the reading
	date1904 bool
}

func openXLSX(name string, r io.Reader, spec *Spec) (*xlsxSource, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxXLSXBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > maxXLSXBytes {
		return nil, &FileError{File: name, Rule: "file_too_large", Message: "the workbook is larger than 256 MiB; split it or save it as CSV"}
	}
	damaged := func(err error) error {
		return &FileError{File: name, Rule: "damaged_xlsx", Message: "the workbook is damaged or incomplete and cannot be read (" + err.Error() + "); save it again from Excel or LibreOffice"}
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, damaged(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{
		RawCellValue: true, UnzipSizeLimit: unzipSizeLimit, UnzipXMLSizeLimit: unzipXMLSizeLimit})
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		if strings.Contains(err.Error(), "unzip size") {
			return nil, &FileError{File: name, Rule: "file_too_large", Message: "the workbook unpacks to more than 256 MiB; split it or save it as CSV"}
		}
		return nil, damaged(err)
	}
	s := &xlsxSource{f: f}
	if err := s.init(zr, spec); err != nil {
		return nil, errors.Join(withFile(err, name), s.close())
	}
	return s, nil
}

func (s *xlsxSource) init(zr *zip.Reader, spec *Spec) error {
	sheet, ok := pickSheet(s.f, spec)
	if !ok {
		return &FileError{Rule: "no_sheet", Message: "the workbook has no visible sheet"}
	}
	if props, err := s.f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		s.date1904 = *props.Date1904
	}
	part, err := sheetPart(zr, sheet)
	if err != nil {
		return &FileError{Rule: "damaged_xlsx", Message: "the workbook is damaged: " + err.Error()}
	}
	s.check = startSheetCheck(zr, part)
	if s.rows, err = s.f.Rows(sheet); err != nil {
		return &FileError{Rule: "damaged_xlsx", Message: "the sheet " + strconv.Quote(sheet) + " cannot be read: " + err.Error()}
	}
	return nil
}

// pickSheet returns the sheet named after the kind (or any known kind when spec is nil),
// else the first visible sheet.
func pickSheet(f *excelize.File, spec *Spec) (string, bool) {
	list := f.GetSheetList()
	for _, name := range list {
		n := normalizeHeader(name)
		for _, sp := range specs {
			if (spec == nil || sp == spec) && (n == string(sp.Kind) || n == strings.TrimSuffix(string(sp.Kind), "s")) {
				return name, true
			}
		}
	}
	for _, name := range list {
		if v, err := f.GetSheetVisible(name); err == nil && v {
			return name, true
		}
	}
	return "", false
}

func (s *xlsxSource) next() (rawRow, error) {
	for s.rows.Next() {
		s.n++
		formulas, err := s.check.wait(s.n)
		if err != nil {
			return rawRow{}, err
		}
		cells, err := s.rows.Columns()
		if err != nil {
			if err := s.check.result(); err != nil {
				return rawRow{}, err
			}
			return rawRow{}, &FileError{Line: s.n, Rule: "damaged_xlsx", Message: "the sheet cannot be read past this row: " + err.Error()}
		}
		if len(formulas) == 0 && blank(cells) {
			continue
		}
		var sci []int
		for i, v := range cells {
			if norm, exp, ok := normalizeNumber(v); ok {
				cells[i] = norm
				if exp {
					sci = append(sci, i)
				}
			}
		}
		return rawRow{line: s.n, cells: cells, formulas: formulas, sci: sci}, nil
	}
	// excelize stops without an error at broken XML: the check says whether the sheet ended.
	if err := s.check.result(); err != nil {
		return rawRow{}, err
	}
	if err := s.rows.Error(); err != nil {
		return rawRow{}, &FileError{Line: s.n + 1, Rule: "damaged_xlsx", Message: "the sheet cannot be read past this row: " + err.Error()}
	}
	return rawRow{}, io.EOF
}

// normalizeNumber rewrites a spreadsheet number that is not in its shortest form: scientific
// notation (exp is true: 1.23456789012346E+17 becomes 123456789012346000) and the 17-digit
// renderings of binary fractions (1250.0999999999999 becomes 1250.1). Plain integers and
// short decimals are left alone so that text such as "000123" keeps its zeros.
func normalizeNumber(v string) (norm string, exp, ok bool) {
	if len(v) == 0 || len(v) > 32 || !isDigit(v[0]) && v[0] != '-' && v[0] != '.' {
		return "", false, false
	}
	e := strings.IndexAny(v, "eE")
	dot := strings.IndexByte(v, '.')
	if e < 0 && (dot < 0 || len(v)-dot-1 <= 10) {
		return "", false, false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !isDigit(c) && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-' {
			return "", false, false
		}
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return "", false, false
	}
	return strconv.FormatFloat(f, 'f', -1, 64), e >= 0, true
}

func (s *xlsxSource) close() error {
	var errs []error
	if s.check != nil {
		s.check.cancel()
		s.check = nil
	}
	if s.rows != nil {
		errs = append(errs, s.rows.Close())
		s.rows = nil
	}
	if s.f != nil {
		errs = append(errs, s.f.Close())
		s.f = nil
	}
	return errors.Join(errs...)
}

// sheetPart finds the zip part holding the named sheet, following the package and workbook
// relationships as the format prescribes.
func sheetPart(zr *zip.Reader, sheet string) (string, error) {
	type rel struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	}
	type rels struct {
		Rels []rel `xml:"Relationship"`
	}
	readXML := func(name string, v any) error {
		for _, zf := range zr.File {
			if strings.EqualFold(strings.TrimPrefix(zf.Name, "/"), name) {
				rc, err := zf.Open()
				if err != nil {
					return fmt.Errorf("open %s: %w", name, err)
				}
				defer rc.Close()
				if err := xml.NewDecoder(io.LimitReader(rc, unzipXMLSizeLimit)).Decode(v); err != nil {
					return fmt.Errorf("read %s: %w", name, err)
				}
				return nil
			}
		}
		return fmt.Errorf("no part %s", name)
	}
	resolve := func(base, target string) string {
		if strings.HasPrefix(target, "/") {
			return strings.TrimPrefix(target, "/")
		}
		return path.Join(base, target)
	}
	workbook := "xl/workbook.xml"
	var root rels
	if readXML("_rels/.rels", &root) == nil {
		for _, r := range root.Rels {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				workbook = resolve("", r.Target)
			}
		}
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := readXML(workbook, &wb); err != nil {
		return "", err
	}
	var wbRels rels
	dir, file := path.Split(workbook)
	if err := readXML(dir+"_rels/"+file+".rels", &wbRels); err != nil {
		return "", err
	}
	for _, sh := range wb.Sheets {
		if sh.Name != sheet {
			continue
		}
		for _, r := range wbRels.Rels {
			if r.ID == sh.RID {
				return resolve(dir, r.Target), nil
			}
		}
	}
	return "", fmt.Errorf("sheet %q has no part", sheet)
}

// checkPart runs checkXML over one part of the workbook, until stop is closed, calling
// rowStarted as the rows of a sheet start, and words what it finds for a finance user.
func checkPart(zf *zip.File, sheet bool, stop <-chan struct{}, rowStarted func(row int, formulas bool)) (xmlFacts, error) {
	rc, err := zf.Open()
	if err != nil {
		return xmlFacts{}, &FileError{Rule: "damaged_xlsx", Message: "the workbook is damaged: " + err.Error()}
	}
	defer rc.Close()
	facts, err := checkXML(stopReader{rc, stop}, sheet, rowStarted)
	if err == nil {
		return facts, nil
	}
	where := "its shared text (xl/sharedStrings.xml)"
	if sheet {
		where = "its sheet"
	}
	var p *xmlProblem
	if !errors.As(err, &p) {
		// A read error: the zip entry is corrupt, or inflates past its declared size.
		return facts, &FileError{Rule: "damaged_xlsx", Message: "the workbook is damaged or incomplete (" + where + ": " + err.Error() + "); save it again from Excel or LibreOffice"}
	}
	after := ""
	if sheet && p.row > 0 {
		after = fmt.Sprintf(" (after row %d)", p.row)
	}
	switch p.rule {
	case "too_many_columns":
		col := strconv.Itoa(p.col)
		if name, err := excelize.ColumnNumberToName(p.col); err == nil {
			col = name
		}
		return facts, &FileError{Line: p.row, Rule: p.rule, Message: fmt.Sprintf(
			"row %d has a cell in column %s, beyond the %d columns that are read; delete the columns after the last one you use",
			p.row, col, maxFileColumns)}
	case "cell_too_large":
		at := ""
		if sheet && p.row > 0 {
			at = fmt.Sprintf(" at row %d", p.row)
		}
		return facts, &FileError{Line: p.row, Rule: p.rule, Message: fmt.Sprintf(
			"%s holds %s%s; no payment detail is that long: look for text pasted by mistake, delete it and save the file again",
			where, p.detail, at)}
	}
	return facts, &FileError{Rule: "damaged_xlsx", Message: fmt.Sprintf(
		"the workbook is damaged: the XML of %s is broken%s: %s; save it again from Excel or LibreOffice", where, after, p.detail)}
}

func findPart(zr *zip.Reader, name string) *zip.File {
	for _, zf := range zr.File {
		if strings.EqualFold(strings.TrimPrefix(strings.ReplaceAll(zf.Name, `\`, "/"), "/"), name) {
			return zf
		}
	}
	return nil
}

// scanFormulas lists, by sheet row number, the 0-based columns of cells that hold a formula
// but no saved value.
func scanFormulas(zf *zip.File, stop <-chan struct{}) (map[int][]int, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, &FileError{Rule: "damaged_xlsx", Message: "the workbook is damaged: " + err.Error()}
	}
	defer rc.Close()
	dec := xml.NewDecoder(bufio.NewReaderSize(stopReader{rc, stop}, 64<<10))
	out := map[int][]int{}
	count, row, col := 0, 0, 0
	var inCell, hasF, hasV, inV bool
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, &FileError{Rule: "damaged_xlsx", Message: "the workbook's sheet is damaged: " + err.Error()}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				row++
				col = 0
				if r := attr(t, "r"); r != "" {
					if n, err := strconv.Atoi(r); err == nil {
						row = n
					}
				}
			case "c":
				col++
				if r := attr(t, "r"); r != "" {
					if c, rn, err := excelize.CellNameToCoordinates(r); err == nil {
						col, row = c, rn
					}
				}
				inCell, hasF, hasV, inV = true, false, false, false
			case "f":
				hasF = hasF || inCell
			case "v", "is":
				inV = inCell
				hasV = hasV || (t.Name.Local == "is" && inCell)
			}
		case xml.CharData:
			if inV && len(bytes.TrimSpace(t)) > 0 {
				hasV = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v", "is":
				inV = false
			case "c":
				if hasF && !hasV {
					if count++; count > maxFormulaCells {
						return nil, &FileError{Rule: "formula_without_value", Message: fmt.Sprintf(
							"more than %d cells hold formulas whose results were not saved; open the file in Excel or LibreOffice and save it, or paste values instead", maxFormulaCells)}
					}
					out[row] = append(out[row], col-1)
				}
				inCell = false
			}
		}
	}
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
