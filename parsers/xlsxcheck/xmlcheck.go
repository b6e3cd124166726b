package xlsxcheck

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits the XML check holds a workbook part to. encoding/xml keeps a whole text node,
// attribute value or comment in memory, so a sheet made of one 200 MB "cell" (or 200 MB of
// spaces) would cost that much memory and more; no real workbook comes near these.
const (
	maxXMLText  = 1 << 20 // one text node, attribute value, comment or CDATA section
	maxXMLName  = 1 << 10 // one element or attribute name
	maxXMLDepth = 256     // elements open at once
)

// xmlFacts is what checkXML noticed in a part on its way through.
type xmlFacts struct {
	formulas bool     // some cell holds a formula (an <f> element)
	last     RowFacts // the facts of the sheet's last row (row 0 when it has none)
}

// RowFacts is what the check of a sheet noticed of one row: whether Excel hides it, and the
// cells that are not plain text (text cells, the usual case, are left out to keep it small).
type RowFacts struct {
	Row    int  // sheet row number; 0 when the row holds only text
	Hidden bool // <row hidden="1">: hidden by hand or filtered out by an AutoFilter
	Cells  []CellFact
}

// CellFact is one cell of a row that is not plain text: a number, a boolean, an error, an
// ISO date, or any cell holding a formula.
type CellFact struct {
	Col     int32 // 1-based column
	Style   int32 // the cell's s attribute: an index into styles.xml's cellXfs
	Type    byte  // the cell's t attribute: 'n' number, 'b', 'e', 'd', 's' text of any kind
	Formula byte  // FormulaCell bits
}

// Bits of CellFact.Formula.
const (
	FormulaCell     = 1 << iota // the cell holds a formula
	FormulaNoValue              // ... whose result was not saved
	FormulaExternal             // ... that reads another workbook ([1]Sheet1!A1)
)

// ColRange is a range of 1-based columns, as a <col> element of a sheet gives them.
type ColRange struct{ Min, Max int }

// xmlProblem says why a part would not be read whole; rule is a Problem rule.
type xmlProblem struct {
	rule   string
	row    int // sheet row number of the last row started, 0 before the first
	col    int // 1-based column of the offending cell (too_many_columns, cell_order)
	detail string
}

func (p *xmlProblem) Error() string { return p.rule + ": " + p.detail }

// checkXML reads an XML part once and fails unless encoding/xml can read all of it within
// the limits above: tags nested and closed properly, attributes quoted, entities known,
// UTF-8 text without control characters, no DOCTYPE. excelize's row iterator stops without
// an error at the first syntax error of a sheet, which would silently lose every row after
// it. The check keeps ahead of excelize (SheetCheck) so that a broken sheet is refused whole;
// it reads ~60 MB/s on one core, about a sixth of excelize's time over the same sheet.
// With sheet set it also refuses cells beyond MaxColumns: excelize materialises every
// empty cell up to the last one of a row, 16,384 cells a row for a sparse hostile sheet.
// Of a sheet it also notes the facts the reader needs beside excelize's values (RowFacts:
// cell types, styles, formulas without a saved value or reading other workbooks, hidden rows
// and columns) and refuses rows or cells out of order, which excelize would misplace.
// rowStarted, if not nil, is called with the number of every <row> of a sheet as it starts,
// that is once every row before it has been checked whole, with the facts of the row before
// it (row 0 before the first; the callee copies what it keeps) and the sheet's hidden
// columns. A read error of r is returned as is.
func checkXML(r io.Reader, sheet bool, rowStarted func(row int, done *RowFacts, hiddenCols []ColRange)) (xmlFacts, error) {
	s := &xmlScan{r: r, buf: make([]byte, 64<<10), sheet: sheet, rowStarted: rowStarted}
	err := s.document()
	var p *xmlProblem
	if errors.As(err, &p) {
		p.row = s.row
	}
	if err == nil && sheet {
		s.facts.last = s.cur
	}
	return s.facts, err
}

// xmlScan is checkXML's state: a buffer over r whose bytes buf[i:n] are unread and known to
// be valid UTF-8 (an incomplete rune at the end of a read waits in buf[n:end]).
type xmlScan struct {
	r         io.Reader
	buf       []byte
	i, n, end int
	rerr      error // the read error that ends the input (io.EOF at its end)
	sheet     bool
	facts     xmlFacts
	row       int    // sheet row number of the last <row> started
	col       int    // column of the last cell of that row
	stack     []byte // names of the open elements, back to back
	ends      []int  // where each open element's name ends in stack
	name      []byte // the name being read
	val       [16]byte
	nval      int // bytes of the last attribute value kept in val
	// rowStarted, if set, is called as each <row> starts (see checkXML).
	rowStarted func(row int, done *RowFacts, hiddenCols []ColRange)

	// The facts of a sheet, gathered on the way.
	cur        RowFacts // the row being read
	cell       CellFact // the cell being read
	inCell     bool
	cellValue  bool // the cell has a non-blank <v> or an <is>
	inV, inF   bool // inside the cell's <v> or <f>
	fText      bool // the <f> has text (a formula of its own, not a shared one's follower)
	fShared    int  // the shared formula's si, -1 for none
	fBracket   byte // state of the search for a "[1]" book reference in the <f> text
	sharedExt  map[int]bool
	noValue    int // formulas without a saved value so far
	hiddenCols []ColRange
	attrT      byte // attribute values of the element being started
	attrS      int
	attrHidden bool
	attrMin    int
	attrMax    int
	attrSI     int
	attrShared bool
	prevCol    int // the column of the cell before the one being started
}

// maxFormulaCells bounds the formula cells without a saved value before the sheet is refused.
const maxFormulaCells = 10000

// maxHiddenCols bounds the <col hidden="1"> ranges kept of a sheet.
const maxHiddenCols = 4096

// watch follows one byte of the text of a cell's <v> or <f>.
func (s *xmlScan) watch(c byte) {
	if s.inV {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			s.cellValue = true
		}
		return
	}
	if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
		s.fText = true
	}
	// A reference to another workbook is written [n]Sheet!A1 (or '[n]Sheet'!A1): a digit
	// run in square brackets.
	switch {
	case c == '[':
		s.fBracket = 1
	case isDigit(c) && s.fBracket >= 1:
		s.fBracket = 2
	case c == ']' && s.fBracket == 2:
		s.cell.Formula |= FormulaExternal
		s.fBracket = 0
	default:
		s.fBracket = 0
	}
}

func (s *xmlScan) fail(rule, format string, args ...any) error {
	return &xmlProblem{rule: rule, detail: fmt.Sprintf(format, args...)}
}

func (s *xmlScan) broken(format string, args ...any) error {
	return s.fail("damaged_xlsx", format, args...)
}

// fill reads more input after everything before buf[n] was consumed; it returns false at
// the end of the input (s.rerr says why).
func (s *xmlScan) fill() (bool, error) {
	for s.rerr == nil {
		carry := copy(s.buf, s.buf[s.n:s.end])
		k, err := s.r.Read(s.buf[carry:])
		s.i, s.end, s.rerr = 0, carry+k, err
		s.n = s.end
		if err == nil {
			s.n = completeRunes(s.buf[:s.end]) // the rest waits for the next read
		}
		if s.n == 0 {
			continue
		}
		chunk := s.buf[:s.n]
		if !utf8.Valid(chunk) {
			return false, s.broken("the text is not UTF-8")
		}
		// U+FFFE and U+FFFF are valid UTF-8 but not XML characters.
		for rest := chunk; ; {
			k := bytes.Index(rest, []byte("\xef\xbf"))
			if k < 0 || k+2 >= len(rest) {
				break
			}
			if rest[k+2] >= 0xbe {
				return false, s.broken("the text holds the character U+FFFE or U+FFFF, which XML does not allow")
			}
			rest = rest[k+2:]
		}
		return true, nil
	}
	return false, nil
}

// completeRunes returns the length of b without an incomplete rune at its end.
func completeRunes(b []byte) int {
	for back := 1; back <= utf8.UTFMax && back <= len(b); back++ {
		if utf8.RuneStart(b[len(b)-back]) {
			if !utf8.FullRune(b[len(b)-back:]) {
				return len(b) - back
			}
			break
		}
	}
	return len(b)
}

// peek returns the next byte without consuming it; ok is false at the end of the input.
func (s *xmlScan) peek() (byte, bool, error) {
	if s.i < s.n {
		return s.buf[s.i], true, nil
	}
	return s.peekSlow()
}

func (s *xmlScan) peekSlow() (byte, bool, error) {
	ok, err := s.fill()
	if !ok || err != nil {
		return 0, false, err
	}
	return s.buf[s.i], true, nil
}

// byte consumes the next byte; the end of the input is an error (the part is cut short).
func (s *xmlScan) byte() (byte, error) {
	if s.i < s.n {
		c := s.buf[s.i]
		s.i++
		return c, nil
	}
	return s.byteSlow()
}

func (s *xmlScan) byteSlow() (byte, error) {
	c, ok, err := s.peekSlow()
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, s.cutShort()
	}
	s.i++
	return c, nil
}

func (s *xmlScan) cutShort() error {
	if s.rerr != nil && !errors.Is(s.rerr, io.EOF) {
		return s.rerr
	}
	return s.broken("it is cut short")
}

// document checks a whole part.
func (s *xmlScan) document() error {
	root := false
	for {
		if err := s.text(); err != nil {
			return err
		}
		_, ok, err := s.peek()
		if err != nil {
			return err
		}
		if !ok {
			if len(s.ends) > 0 || !root {
				return s.cutShort()
			}
			return nil
		}
		s.i++ // text stops only before a '<'
		opened, err := s.markup()
		if err != nil {
			return err
		}
		root = root || opened
	}
}

// text consumes character data up to the next '<' or the end of the input.
func (s *xmlScan) text() error {
	run, brackets := 0, 0
	watch := s.inV || s.inF
	for {
		for s.i < s.n {
			c := s.buf[s.i]
			switch {
			case c == '<':
				return nil
			case c == '&':
				s.i++
				if err := s.entity(); err != nil {
					return err
				}
				if watch {
					s.watch('&')
				}
				run++
				brackets = 0
				continue
			case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
				return s.broken("the text holds the control character 0x%02X", c)
			case c == ']':
				brackets++
			case c == '>' && brackets >= 2:
				return s.broken(`"]]>" appears in text`)
			default:
				brackets = 0
			}
			if watch {
				s.watch(c)
			}
			s.i++
			if run++; run > maxXMLText {
				return s.fail("cell_too_large", "a text of more than %d MiB", maxXMLText>>20)
			}
		}
		ok, err := s.fill()
		if !ok || err != nil {
			return err
		}
	}
}

// entity consumes an entity reference after its '&'.
func (s *xmlScan) entity() error {
	var ref [16]byte
	n := 0
	for {
		c, err := s.byte()
		if err != nil {
			return err
		}
		if c == ';' {
			break
		}
		if n == len(ref) || !isNameByte(c) && c != '#' {
			return s.broken("a stray & (an entity reference is not closed by ';')")
		}
		ref[n] = c
		n++
	}
	name := string(ref[:n])
	switch name {
	case "lt", "gt", "amp", "apos", "quot":
		return nil
	}
	if len(name) > 1 && name[0] == '#' {
		num, base := name[1:], 10
		if num[0] == 'x' {
			num, base = num[1:], 16
		}
		if v, err := strconv.ParseUint(num, base, 64); err == nil && xmlChar(v) {
			return nil
		}
	}
	return s.broken("unknown entity &%s;", name)
}

// markup consumes what follows a '<' and reports whether it opened an element.
func (s *xmlScan) markup() (bool, error) {
	c, err := s.byte()
	if err != nil {
		return false, err
	}
	switch c {
	case '/':
		return false, s.endTag()
	case '?':
		return false, s.procInst()
	case '!':
		return false, s.declaration()
	}
	s.i--
	return true, s.startTag()
}

// declaration consumes a comment or a CDATA section after "<!"; anything else (a DOCTYPE)
// has no place in a workbook.
func (s *xmlScan) declaration() error {
	var head [2]byte
	for k := range head {
		c, err := s.byte()
		if err != nil {
			return err
		}
		head[k] = c
	}
	if head == [2]byte{'-', '-'} {
		return s.comment()
	}
	if head != [2]byte{'[', 'C'} {
		return s.broken("unexpected <!%s (a DOCTYPE or another declaration)", head[:])
	}
	for _, want := range []byte("DATA[") {
		c, err := s.byte()
		if err != nil {
			return err
		}
		if c != want {
			return s.broken("unexpected <![C%c", c)
		}
	}
	// CDATA text must be made of XML characters, as any text.
	run, brackets := 0, 0
	for {
		c, err := s.byte()
		if err != nil {
			return err
		}
		if s.inV || s.inF {
			s.watch(c)
		}
		switch {
		case c == '>' && brackets >= 2:
			return nil
		case c == ']':
			brackets++
		default:
			brackets = 0
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return s.broken("the text holds the control character 0x%02X", c)
			}
		}
		if run++; run > maxXMLText {
			return s.fail("cell_too_large", "a text of more than %d MiB", maxXMLText>>20)
		}
	}
}

// comment consumes a comment after "<!--"; as encoding/xml, it refuses "--" inside one.
func (s *xmlScan) comment() error {
	dashes := 0
	for run := 0; ; run++ {
		c, err := s.byte()
		if err != nil {
			return err
		}
		switch {
		case dashes >= 2 && c == '>':
			return nil
		case dashes >= 2:
			return s.broken(`"--" inside a comment`)
		case c == '-':
			dashes++
		default:
			dashes = 0
		}
		if run > maxXMLText {
			return s.fail("cell_too_large", "a comment of more than %d MiB", maxXMLText>>20)
		}
	}
}

// procInst consumes a processing instruction after "<?". As encoding/xml, it wants a target
// name, and of an XML declaration version 1.0; it also wants UTF-8, the only encoding this
// check reads.
func (s *xmlScan) procInst() error {
	if err := s.readName(); err != nil {
		return err
	}
	if string(s.name) != "xml" {
		return s.skipTo("?>", "a processing instruction")
	}
	var decl []byte
	for prev := byte(0); ; {
		c, err := s.byte()
		if err != nil {
			return err
		}
		if prev == '?' && c == '>' {
			break
		}
		if len(decl) == maxXMLName {
			return s.broken("an XML declaration longer than %d bytes", maxXMLName)
		}
		decl = append(decl, c)
		prev = c
	}
	if v := declParam("version", decl); v != "" && v != "1.0" {
		return s.broken("XML version %q", v)
	}
	if enc := declParam("encoding", decl); enc != "" && !strings.EqualFold(enc, "utf-8") {
		return s.broken("the part declares the encoding %q; only UTF-8 is read", enc)
	}
	return nil
}

// declParam finds a parameter of an XML declaration the way encoding/xml does.
func declParam(param string, decl []byte) string {
	d := string(decl[:max(0, len(decl)-1)]) // without the '?' of "?>"
	param += "="
	for i := 0; i < len(d); {
		k := strings.Index(d[i:], param)
		if k < 0 || i+k+len(param) >= len(d) {
			return ""
		}
		i += k + len(param)
		if c := d[i]; c == '\'' || c == '"' {
			if j := strings.IndexByte(d[i+1:], c); j >= 0 {
				return d[i+1 : i+1+j]
			}
			return ""
		}
		i++
	}
	return ""
}

// skipTo consumes everything up to and including end.
func (s *xmlScan) skipTo(end, what string) error {
	matched, run := 0, 0
	for matched < len(end) {
		c, err := s.byte()
		if err != nil {
			return err
		}
		switch {
		case c == end[matched]:
			matched++
		case c == end[0]:
			matched = 1
		default:
			matched = 0
		}
		if run++; run > maxXMLText {
			return s.fail("cell_too_large", "%s of more than %d MiB", what, maxXMLText>>20)
		}
	}
	return nil
}

// readName reads an XML name into s.name.
func (s *xmlScan) readName() error {
	s.name = s.name[:0]
	for {
		// Fast path: the name within the buffer.
		for s.i < s.n && len(s.name) < maxXMLName {
			c := s.buf[s.i]
			if c < utf8.RuneSelf && !isNameByte(c) || len(s.name) == 0 && (c >= '0' && c <= '9' || c == '.' || c == '-') {
				break
			}
			s.name = append(s.name, c)
			s.i++
		}
		c, ok, err := s.peek()
		if err != nil {
			return err
		}
		if !ok {
			return s.cutShort()
		}
		if c < utf8.RuneSelf && !isNameByte(c) {
			break
		}
		if len(s.name) == 0 && (c >= '0' && c <= '9' || c == '.' || c == '-') {
			break
		}
		if len(s.name) == maxXMLName {
			return s.broken("a name longer than %d bytes", maxXMLName)
		}
		s.name = append(s.name, c)
		s.i++
	}
	if len(s.name) == 0 {
		return s.broken("a '<' that starts no tag")
	}
	for _, c := range s.name {
		if c >= utf8.RuneSelf {
			// Names beyond ASCII (never seen in a workbook) are left to encoding/xml's own
			// rules, which follow Unicode tables it does not export.
			if _, err := xml.NewDecoder(bytes.NewReader(append(append([]byte("<"), s.name...), "/>"...))).Token(); err != nil {
				return s.broken("the name %q is not an XML name", s.name)
			}
			break
		}
	}
	return nil
}

// nsName reads the name of an element or an attribute: at most one ':' in it.
func (s *xmlScan) nsName() error {
	if err := s.readName(); err != nil {
		return err
	}
	if bytes.Count(s.name, []byte(":")) > 1 {
		return s.broken("the name %q has more than one ':'", s.name)
	}
	return nil
}

// local returns the part of a name after its namespace prefix.
func local(name []byte) []byte {
	if k := bytes.IndexByte(name, ':'); k > 0 && k < len(name)-1 {
		return name[k+1:]
	}
	return name
}

func (s *xmlScan) space() error {
	for {
		for s.i < s.n && (s.buf[s.i] == ' ' || s.buf[s.i] == '\n' || s.buf[s.i] == '\t' || s.buf[s.i] == '\r') {
			s.i++
		}
		c, ok, err := s.peek()
		if err != nil {
			return err
		}
		if !ok || c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return nil
		}
		s.i++
	}
}

func (s *xmlScan) endTag() error {
	if err := s.nsName(); err != nil {
		return err
	}
	if err := s.space(); err != nil {
		return err
	}
	c, err := s.byte()
	if err != nil {
		return err
	}
	if c != '>' {
		return s.broken("the end tag </%s> is not closed by '>'", s.name)
	}
	if len(s.ends) == 0 {
		return s.broken("</%s> closes no element", s.name)
	}
	if open := s.stack[s.top():]; !bytes.Equal(open, s.name) {
		return s.broken("<%s> is closed by </%s>", open, s.name)
	}
	s.pop()
	if s.sheet {
		return s.ended(sheetElem(local(s.name)))
	}
	return nil
}

// top returns where the innermost open element's name starts in s.stack.
func (s *xmlScan) top() int {
	if len(s.ends) < 2 {
		return 0
	}
	return s.ends[len(s.ends)-2]
}

func (s *xmlScan) pop() {
	s.stack = s.stack[:s.top()]
	s.ends = s.ends[:len(s.ends)-1]
}

// Elements of a sheet whose facts the scan gathers.
const (
	elemOther = iota
	elemRow
	elemCell
	elemF
	elemV
	elemIS
	elemCol
)

func sheetElem(name []byte) int {
	switch string(name) {
	case "row":
		return elemRow
	case "c":
		return elemCell
	case "f":
		return elemF
	case "v":
		return elemV
	case "is":
		return elemIS
	case "col":
		return elemCol
	}
	return elemOther
}

func (s *xmlScan) startTag() error {
	if err := s.nsName(); err != nil {
		return err
	}
	if len(s.ends) == maxXMLDepth {
		return s.broken("elements nested more than %d deep", maxXMLDepth)
	}
	s.stack = append(s.stack, s.name...)
	s.ends = append(s.ends, len(s.stack))
	elem := elemOther
	if s.sheet {
		elem = sheetElem(local(s.name))
		if elem == elemF {
			s.facts.formulas = true
		}
		s.attrT, s.attrS, s.attrHidden, s.attrMin, s.attrMax, s.attrSI, s.attrShared = 'n', 0, false, 0, 0, -1, false
		s.prevCol = s.col
	}
	rowRef, cellRef := false, false
	for {
		if err := s.space(); err != nil {
			return err
		}
		c, err := s.byte()
		if err != nil {
			return err
		}
		switch c {
		case '>':
			return s.started(elem, rowRef, cellRef, false)
		case '/':
			if c, err = s.byte(); err != nil {
				return err
			}
			if c != '>' {
				return s.broken("a '/' inside a tag")
			}
			s.pop()
			if err := s.started(elem, rowRef, cellRef, true); err != nil {
				return err
			}
			return s.ended(elem)
		}
		s.i--
		if err := s.nsName(); err != nil {
			return err
		}
		var attr string
		if elem != elemOther {
			switch n := local(s.name); string(n) {
			case "r", "t", "s", "hidden", "min", "max", "si":
				attr = string(n)
			}
		}
		if err := s.space(); err != nil {
			return err
		}
		if c, err = s.byte(); err != nil {
			return err
		}
		if c != '=' {
			return s.broken("the attribute %s has no value", s.name)
		}
		if err := s.space(); err != nil {
			return err
		}
		quote, err := s.byte()
		if err != nil {
			return err
		}
		if quote != '"' && quote != '\'' {
			return s.broken("the value of the attribute %s is not quoted", s.name)
		}
		if err := s.attrValue(quote); err != nil {
			return err
		}
		if attr != "" {
			s.sheetAttr(elem, attr, s.val[:s.nval], &rowRef, &cellRef)
		}
	}
}

// sheetAttr notes the value v of the attribute attr of a sheet element.
func (s *xmlScan) sheetAttr(elem int, attr string, v []byte, rowRef, cellRef *bool) {
	num := func() int {
		n, err := strconv.Atoi(string(v))
		if err != nil || n < 0 {
			return -1
		}
		return n
	}
	switch {
	case elem == elemRow && attr == "r":
		*rowRef = true
		if n, err := strconv.Atoi(string(v)); err == nil {
			s.row = n
		} else {
			s.row++ // left to excelize to refuse
		}
	case elem == elemRow && attr == "hidden", elem == elemCol && attr == "hidden":
		s.attrHidden = string(v) == "1" || string(v) == "true"
	case elem == elemCell && attr == "r":
		*cellRef = true
		s.col = column(v)
	case elem == elemCell && attr == "t":
		switch string(v) {
		case "b":
			s.attrT = 'b'
		case "e":
			s.attrT = 'e'
		case "d":
			s.attrT = 'd'
		case "s", "str", "inlineStr":
			s.attrT = 's'
		default:
			s.attrT = 'n'
		}
	case elem == elemCell && attr == "s":
		s.attrS = num()
	case elem == elemCol && attr == "min":
		s.attrMin = num()
	case elem == elemCol && attr == "max":
		s.attrMax = num()
	case elem == elemF && attr == "t":
		s.attrShared = string(v) == "shared"
	case elem == elemF && attr == "si":
		s.attrSI = num()
	}
}

// started updates the row and column after a start tag and checks the column; closed says
// the tag was an empty element.
func (s *xmlScan) started(elem int, rowRef, cellRef, closed bool) error {
	switch elem {
	case elemRow:
		if !rowRef {
			s.row++
		}
		if s.cur.Row > 0 && s.row <= s.cur.Row {
			return s.broken("row %d comes after row %d; rows must be in order", s.row, s.cur.Row)
		}
		s.col = 0
		if s.rowStarted != nil {
			s.rowStarted(s.row, &s.cur, s.hiddenCols)
		}
		s.cur = RowFacts{Row: s.row, Hidden: s.attrHidden, Cells: s.cur.Cells[:0]}
	case elemCell:
		prev := s.prevCol
		if !cellRef {
			s.col++
		} else if s.col <= prev && s.cur.Row > 0 {
			return &xmlProblem{rule: "damaged_xlsx", col: s.col, detail: fmt.Sprintf(
				"in row %d a cell of column %d comes after one of column %d; cells must be in order", s.row, s.col, prev)}
		}
		if s.col > MaxColumns {
			return &xmlProblem{rule: "too_many_columns", col: s.col, detail: fmt.Sprintf("a cell in column %d", s.col)}
		}
		s.inCell, s.cellValue = true, false
		s.cell = CellFact{Col: int32(s.col), Style: int32(max(s.attrS, 0)), Type: s.attrT}
	case elemF:
		if s.inCell {
			s.cell.Formula |= FormulaCell
			s.inF, s.fText, s.fBracket, s.fShared = !closed, false, 0, -1
			if s.attrShared {
				s.fShared = s.attrSI
			}
		}
	case elemV:
		s.inV = s.inCell && !closed
	case elemIS:
		if s.inCell {
			s.cellValue = true
		}
	case elemCol:
		if s.attrHidden && s.attrMin > 0 && s.attrMin <= MaxColumns && len(s.hiddenCols) < maxHiddenCols {
			s.hiddenCols = append(s.hiddenCols, ColRange{s.attrMin, max(s.attrMin, s.attrMax)})
		}
	}
	return nil
}

// ended updates the facts after an end tag.
func (s *xmlScan) ended(elem int) error {
	switch elem {
	case elemV:
		s.inV = false
	case elemF:
		if !s.inCell {
			return nil
		}
		s.inF = false
		if s.fShared >= 0 {
			if s.fText {
				if s.sharedExt == nil {
					s.sharedExt = map[int]bool{}
				}
				if len(s.sharedExt) < maxFormulaCells {
					s.sharedExt[s.fShared] = s.cell.Formula&FormulaExternal != 0
				}
			} else if s.sharedExt[s.fShared] {
				s.cell.Formula |= FormulaExternal
			}
		}
	case elemCell:
		if !s.inCell {
			return nil
		}
		s.inCell, s.inV, s.inF = false, false, false
		f := s.cell
		if f.Formula != 0 && !s.cellValue {
			f.Formula |= FormulaNoValue
			if s.noValue++; s.noValue > maxFormulaCells {
				return s.fail("formula_without_value", "more than %d cells hold formulas whose results were not saved", maxFormulaCells)
			}
		}
		if f.Formula != 0 || f.Type != 's' && s.cellValue {
			s.cur.Cells = append(s.cur.Cells, f)
		}
	}
	return nil
}

// attrValue consumes an attribute value up to its closing quote, keeping its first bytes in
// s.val.
func (s *xmlScan) attrValue(quote byte) error {
	s.nval = 0
	run := 0
	for {
		for s.i < s.n {
			c := s.buf[s.i]
			s.i++
			switch {
			case c == quote:
				return nil
			case c == '<':
				return s.broken("a '<' inside an attribute value")
			case c == '&':
				if err := s.entity(); err != nil {
					return err
				}
				continue
			case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
				return s.broken("an attribute value holds the control character 0x%02X", c)
			}
			if run++; run > maxXMLText {
				return s.fail("cell_too_large", "an attribute value of more than %d MiB", maxXMLText>>20)
			}
			if s.nval < len(s.val) {
				s.val[s.nval] = c
				s.nval++
			}
		}
		ok, err := s.fill()
		if err != nil {
			return err
		}
		if !ok {
			return s.cutShort()
		}
	}
}

// column returns the 1-based column of a cell reference such as "AB12" (0 when it has none).
func column(ref []byte) int {
	col := 0
	for _, c := range ref {
		switch {
		case c >= 'A' && c <= 'Z':
			col = col*26 + int(c-'A') + 1
		case c >= 'a' && c <= 'z':
			col = col*26 + int(c-'a') + 1
		default:
			return col
		}
		if col > 1<<20 {
			return col
		}
	}
	return col
}

// xmlChar reports whether a character reference names a character XML allows.
func xmlChar(r uint64) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func isNameByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' ||
		'0' <= c && c <= '9' || c == '_' || c == ':' || c == '.' || c == '-'
}

// CheckXML reads an XML part once and fails unless encoding/xml can read all of it within
// the check's limits (see checkXML); sheet applies a sheet's rules as well.
func CheckXML(r io.Reader, sheet bool) error {
	_, err := checkXML(r, sheet, nil)
	return err
}
