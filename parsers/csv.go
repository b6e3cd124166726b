package parsers

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"enkashbatch/domain"
)

// csvSource reads a CSV file with encoding/csv. Records are not reused: each row's cells
// become its Row.Raw.
type csvSource struct {
	cr  *csv.Reader
	br  *bufio.Reader // what cr reads from (csv.NewReader keeps a *bufio.Reader as it is)
	lim *rowLimiter   // what br reads from
	bom int64         // bytes of a BOM skipped before cr's first byte

	// Where the row being read starts, for the row_too_large message: the last line of the
	// previous record is prevLine plus the line breaks inside its cells, then skip blank lines.
	prevLine int
	prevRec  []string
	skip     int
}

// errRowTooLarge is what the rowLimiter answers once a row has gone past maxRowBytes.
var errRowTooLarge = errors.New("row too large")

// rowLimiter stops the reading of a CSV row that goes past maxRowBytes: encoding/csv holds a
// whole row in memory, however large (one 50 MB cell, or a quote never closed). Before each
// row the csvSource arms it at the offset where the row starts; a zero limit (XLSX) lets
// everything through.
type rowLimiter struct {
	r     io.Reader
	read  int64 // bytes delivered
	limit int64 // no byte past this offset is delivered; 0 for none
}

func (l *rowLimiter) Read(p []byte) (int, error) {
	if l.limit > 0 {
		if l.read >= l.limit {
			return 0, errRowTooLarge
		}
		p = p[:min(int64(len(p)), l.limit-l.read)]
	}
	n, err := l.r.Read(p)
	l.read += int64(n)
	return n, err
}

var utf8BOM = []byte("\xef\xbb\xbf")

// openCSV checks that br holds UTF-8 text, skips a BOM and picks the delimiter (',', ';' or
// tab) that occurs most in the first line.
func openCSV(name string, br *bufio.Reader, lim *rowLimiter) (*csvSource, error) {
	head, err := br.Peek(br.Size())
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, &FileError{File: name, Line: 1, Rule: "not_utf8",
			Message: `the file is saved as UTF-16 ("Unicode text"); save it as "CSV UTF-8"`}
	case bytes.IndexByte(head, 0) >= 0:
		return nil, &FileError{File: name, Rule: "not_text", Message: "the file is not a CSV text file (it holds binary data)"}
	}
	s := &csvSource{br: br, lim: lim}
	if bytes.HasPrefix(head, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM))
		head = head[len(utf8BOM):]
		s.bom = int64(len(utf8BOM))
	}
	s.cr = csv.NewReader(br)
	s.cr.Comma = sniffDelimiter(head)
	s.cr.FieldsPerRecord = -1
	return s, nil
}

// arm sets the limiter for the row about to be read: it may take maxRowBytes from where it
// starts, plus what br may have read ahead.
func (s *csvSource) arm() {
	s.lim.limit = s.bom + s.cr.InputOffset() + maxRowBytes + int64(s.br.Size())
	s.skip = 0
	if b, err := s.br.Peek(1); err == nil && (b[0] == '\n' || b[0] == '\r') {
		// Blank lines before the row (rare): count them while they are still buffered.
		b, _ = s.br.Peek(s.br.Buffered())
		for len(b) > 0 {
			switch {
			case b[0] == '\n':
				b = b[1:]
			case len(b) > 1 && b[0] == '\r' && b[1] == '\n':
				b = b[2:]
			default:
				return
			}
			s.skip++
		}
	}
}

// startLine returns the line where the row being read starts.
func (s *csvSource) startLine() int {
	line := s.prevLine
	for _, f := range s.prevRec {
		line += strings.Count(f, "\n")
	}
	return line + 1 + s.skip
}

// sniffDelimiter counts ',', ';' and tabs outside quotes in the first non-blank line.
func sniffDelimiter(head []byte) rune {
	head = bytes.TrimLeft(head, "\r\n")
	var n [3]int
	quoted := false
	for _, c := range head {
		if c == '\n' && !quoted {
			break
		}
		switch c {
		case '"':
			quoted = !quoted
		case ',':
			n[0]++
		case ';':
			n[1]++
		case '\t':
			n[2]++
		}
	}
	switch {
	case n[1] > n[0] && n[1] >= n[2]:
		return ';'
	case n[2] > n[0] && n[2] > n[1]:
		return '\t'
	}
	return ','
}

func (s *csvSource) next() (rawRow, error) {
	for {
		s.arm()
		rec, err := s.cr.Read()
		if errors.Is(err, io.EOF) {
			return rawRow{}, io.EOF
		}
		if errors.Is(err, errRowTooLarge) {
			return rawRow{}, &FileError{Line: s.startLine(), Rule: "row_too_large", Message: fmt.Sprintf(
				"the row starting on line %d holds more than %d MiB of text; no payment detail is that long: look for text pasted by mistake or a double quote (\") that is never closed",
				s.startLine(), maxRowBytes>>20)}
		}
		var problem *domain.RowError
		var line int
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return rawRow{}, fmt.Errorf("read csv: %w", err)
			}
			if pe.StartLine != pe.Line {
				// A quote opened on StartLine runs over later lines: where rows begin and end
				// can no longer be known, so no row of the file can be trusted.
				return rawRow{}, &FileError{Line: pe.StartLine, Rule: "csv_quote", Message: fmt.Sprintf(
					"a quoted cell starting on line %d is not closed properly (parsing stopped on line %d); check the double quotes (\") on line %d",
					pe.StartLine, pe.Line, pe.StartLine)}
			}
			line = pe.StartLine
			s.prevLine, s.prevRec = pe.Line, nil
			problem = &domain.RowError{Line: line, Rule: "csv_quote", Message: "the line has a stray double quote (\"); put the cell in quotes and double any quote inside it, or remove it"}
		} else {
			line, _ = s.cr.FieldPos(0)
			s.prevLine, s.prevRec = line, rec
		}
		for i, f := range rec {
			if !utf8.ValidString(f) {
				l := line
				if problem == nil {
					l, _ = s.cr.FieldPos(i)
				}
				return rawRow{}, &FileError{Line: l, Rule: "not_utf8", Message: fmt.Sprintf(
					"line %d is not UTF-8 text (the file was probably saved as ANSI or Windows-1252); save it as \"CSV UTF-8\"", l)}
			}
			if strings.IndexByte(f, 0) >= 0 {
				return rawRow{}, &FileError{Line: line, Rule: "not_text", Message: "the file is not a CSV text file (it holds binary data)"}
			}
		}
		if problem == nil && blank(rec) {
			continue
		}
		return rawRow{line: line, cells: rec, problem: problem}, nil
	}
}

func (s *csvSource) close() error { return nil }
