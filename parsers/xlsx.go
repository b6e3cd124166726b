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

	"enkashbatch/parsers/xlsxcheck"
)

// Limits for untrusted workbooks.
const (
	maxXLSXBytes      = 256 << 20 // the file itself
	unzipSizeLimit    = 256 << 20 // everything it unpacks to
	unzipXMLSizeLimit = 16 << 20  // larger parts are unpacked to temporary files, not memory
)

// helpSheet is the name of the template's help sheet (parsers/template.go): never data.
const helpSheet = "How to fill"

// xlsxSource reads the rows of one sheet with excelize's streaming iterator and raw values;
// the sheet's XML check, running beside it, gives each row's cell types, styles and whether
// Excel hides it.
type xlsxSource struct {
	f        *excelize.File
	rows     *excelize.Rows
	n        int                   // sheet row number of the last row read
	check    *xlsxcheck.SheetCheck // the sheet's XML check, running beside the reading
	sheet    string                // the sheet read
	date1904 bool
	styles   *xlsxcheck.NumFormats // the workbook's number formats, by cell style
	linked   bool                  // the workbook has links to other workbooks (xl/externalLinks)
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
	// Before excelize holds anything in memory: a workbook whose shared strings are out of
	// all proportion to its sheets is refused here, in a fraction of a second.
	sharedStrings, sstBytes, err := xlsxcheck.PreScan(zr)
	if err != nil {
		return nil, withFile(err, name)
	}
	xmlLimit := int64(unzipXMLSizeLimit)
	if (sharedStrings > xlsxcheck.InMemorySharedStrings || sstBytes > xlsxcheck.InMemorySharedStringBytes) && sstBytes > 0 {
		xmlLimit = min(xmlLimit, int64(sstBytes)-1) // many strings: excelize keeps them in a file
	}
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{
		RawCellValue: true, UnzipSizeLimit: unzipSizeLimit, UnzipXMLSizeLimit: xmlLimit})
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

func (s *xlsxSource) init(zr *zip.Reader, _ *Spec) error {
	sheet, part, err := pickSheet(s.f, zr)
	if err != nil {
		return err
	}
	s.sheet = sheet
	if props, err := s.f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		s.date1904 = *props.Date1904
	}
	if s.styles, err = xlsxcheck.ReadNumFormats(zr); err != nil {
		return fileError(err)
	}
	for _, zf := range zr.File {
		if strings.HasPrefix(strings.ToLower(strings.TrimPrefix(zf.Name, "/")), "xl/externallinks/") {
			s.linked = true
		}
	}
	s.check = xlsxcheck.StartSheetCheck(zr, part)
	if s.rows, err = s.f.Rows(sheet); err != nil {
		return &FileError{Rule: "damaged_xlsx", Message: "the sheet " + strconv.Quote(sheet) + " cannot be read: " + err.Error()}
	}
	return nil
}

// pickSheet returns the sheet to read and its zip part: the one visible sheet that holds
// data. Hidden and very hidden sheets are never read, whatever their names; the template's
// help sheet is never data. A workbook with more than one visible sheet of data is refused,
// naming them, so that no sheet a person sees is ever left out in silence. With no visible
// sheet of data, the first visible sheet is read (and found empty).
func pickSheet(f *excelize.File, zr *zip.Reader) (sheet, part string, err error) {
	var visible, withData []string
	parts := map[string]string{}
	for _, name := range f.GetSheetList() {
		if v, err := f.GetSheetVisible(name); err != nil || !v {
			continue
		}
		visible = append(visible, name)
		if strings.EqualFold(strings.TrimSpace(name), helpSheet) {
			continue
		}
		p, err := sheetPart(zr, name)
		if err != nil {
			return "", "", &FileError{Rule: "damaged_xlsx", Message: "the workbook is damaged: " + err.Error()}
		}
		parts[name] = p
		has, err := sheetHasData(zr, p)
		if err != nil {
			return "", "", &FileError{Rule: "damaged_xlsx", Message: fmt.Sprintf(
				"the workbook is damaged: its sheet %q cannot be read (%v); save it again from Excel or LibreOffice", name, err)}
		}
		if has {
			withData = append(withData, name)
		}
	}
	switch {
	case len(withData) == 1:
		return withData[0], parts[withData[0]], nil
	case len(withData) > 1:
		quoted := make([]string, len(withData))
		for i, n := range withData {
			quoted[i] = strconv.Quote(n)
		}
		return "", "", &FileError{Rule: "several_sheets", Message: fmt.Sprintf(
			"the workbook has %d visible sheets with data (%s) and only one is read; put all rows on one sheet, or hide or delete the others, and drop the file again",
			len(withData), strings.Join(quoted, ", "))}
	case len(visible) == 0:
		return "", "", &FileError{Rule: "no_sheet", Message: "the workbook has no visible sheet"}
	}
	name := visible[0]
	p, ok := parts[name]
	if !ok {
		if p, err = sheetPart(zr, name); err != nil {
			return "", "", &FileError{Rule: "damaged_xlsx", Message: "the workbook is damaged: " + err.Error()}
		}
	}
	return name, p, nil
}

// sheetHasData reports whether a sheet part holds a cell with a value (a non-blank <v>, or
// inline text), reading it only up to the first one.
func sheetHasData(zr *zip.Reader, part string) (bool, error) {
	zf := xlsxcheck.FindPart(zr, part)
	if zf == nil {
		return false, fmt.Errorf("no part %s", part)
	}
	rc, err := zf.Open()
	if err != nil {
		return false, err
	}
	defer rc.Close()
	dec := xml.NewDecoder(bufio.NewReaderSize(rc, 64<<10))
	inCell, inV := false, false
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "c":
				inCell = true
			case "v":
				inV = inCell
			case "t":
				inV = inCell // the text of an inline string
			}
		case xml.CharData:
			if inV && len(bytes.TrimSpace(t)) > 0 {
				return true, nil
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "c":
				inCell, inV = false, false
			case "v", "t":
				inV = false
			}
		}
	}
}

func (s *xlsxSource) next() (rawRow, error) {
	for s.rows.Next() {
		s.n++
		facts, err := s.check.Wait(s.n)
		if err != nil {
			return rawRow{}, fileError(err)
		}
		cells, err := s.rows.Columns()
		if err != nil {
			if err := s.check.Result(); err != nil {
				return rawRow{}, fileError(err)
			}
			return rawRow{}, &FileError{Line: s.n, Rule: "damaged_xlsx", Message: "the sheet cannot be read past this row: " + err.Error()}
		}
		var formulas []int
		for _, fc := range facts.Cells {
			if fc.Formula&xlsxcheck.FormulaNoValue != 0 {
				formulas = append(formulas, int(fc.Col)-1)
			}
		}
		if len(formulas) == 0 && blank(cells) {
			continue
		}
		row := rawRow{line: s.n, cells: cells, formulas: formulas, hidden: facts.Hidden}
		for _, fc := range facts.Cells {
			if fc.Type == 's' && fc.Formula&xlsxcheck.FormulaExternal == 0 && !s.linked {
				continue // text from a formula: read as text
			}
			row.typed = append(row.typed, typedCell{col: int(fc.Col) - 1, typ: fc.Type, format: s.styles.Of(int(fc.Style)),
				external: fc.Formula&xlsxcheck.FormulaExternal != 0 || s.linked && fc.Formula&xlsxcheck.FormulaCell != 0})
		}
		return row, nil
	}
	// excelize stops without an error at broken XML: the check says whether the sheet ended.
	if err := s.check.Result(); err != nil {
		return rawRow{}, fileError(err)
	}
	if err := s.rows.Error(); err != nil {
		return rawRow{}, &FileError{Line: s.n + 1, Rule: "damaged_xlsx", Message: "the sheet cannot be read past this row: " + err.Error()}
	}
	return rawRow{}, io.EOF
}

// hiddenColumns returns the 0-based file columns of the sheet that Excel hides, among the
// first n.
func (s *xlsxSource) hiddenColumns(n int) map[int]bool {
	out := map[int]bool{}
	for _, r := range s.check.HiddenColumns() {
		for c := r.Min; c <= r.Max && c <= n; c++ {
			out[c-1] = true
		}
	}
	return out
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
		s.check.Cancel()
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

// fileError turns a refusal of the workbook check (xlsxcheck.Problem) into a FileError;
// other errors pass as they are.
func fileError(err error) error {
	var p *xlsxcheck.Problem
	if errors.As(err, &p) {
		return &FileError{Line: p.Line, Rule: p.Rule, Message: p.Message}
	}
	return err
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
