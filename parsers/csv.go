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
	cr *csv.Reader
}

var utf8BOM = []byte("\xef\xbb\xbf")

// openCSV checks that br holds UTF-8 text, skips a BOM and picks the delimiter (',', ';' or
// tab) that occurs most in the first line.
func openCSV(name string, br *bufio.Reader) (*csvSource, error) {
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
	if bytes.HasPrefix(head, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM))
		head = head[len(utf8BOM):]
	}
	cr := csv.NewReader(br)
	cr.Comma = sniffDelimiter(head)
	cr.FieldsPerRecord = -1
	return &csvSource{cr: cr}, nil
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
		rec, err := s.cr.Read()
		if errors.Is(err, io.EOF) {
			return rawRow{}, io.EOF
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
			problem = &domain.RowError{Line: line, Rule: "csv_quote", Message: "the line has a stray double quote (\"); put the cell in quotes and double any quote inside it, or remove it"}
		} else {
			line, _ = s.cr.FieldPos(0)
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
