package parsers_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"enkashbatch/parsers"
)

// The seed corpora live in testdata/fuzz/<Name>/ (see testdata/README.md).

// FuzzCSV checks that no input panics and that no row is lost: with a known header, every
// non-blank record that encoding/csv sees comes out as a row (a record or errors) on the same
// line, unless the file is declared unusable, and then the rows before are all there.
func FuzzCSV(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte, withHeader bool) {
		content := body
		if withHeader {
			content = append([]byte("Reference,Beneficiary Name,Account Number,IFSC,VPA,Amount,Mode,Remark,Email,Phone\n"), body...)
		}
		checkFuzzedRows(t, "payouts.csv", content, nil, withHeader)
	})
}

// checkFuzzedRows reads content and checks what every fuzz target of a CSV reader promises:
// no panic; an unusable file is a *FileError; every row is either a record or has well-formed
// errors; and, when the header is known (knownHeader), no row is lost.
func checkFuzzedRows(t *testing.T, name string, content []byte, spec *parsers.Spec, knownHeader bool) {
	t.Helper()
	res, err := read(t, name, content, spec)
	if err != nil {
		var fe *parsers.FileError
		if !errors.As(err, &fe) {
			t.Fatalf("Open error %v is not a *FileError", err)
		}
		return
	}
	for _, r := range res.rows {
		if r.Record == nil || r.Valid() != (len(r.Errors) == 0) {
			t.Fatalf("line %d: record %v with errors %v", r.Line, r.Record, r.Errors)
		}
		for _, e := range r.Errors {
			if e.Line != r.Line || e.Rule == "" || e.Message == "" {
				t.Fatalf("line %d: bad error %+v", r.Line, e)
			}
		}
	}
	if !knownHeader {
		return
	}
	want := csvLines(content)
	got := make([]int, len(res.rows))
	for i, r := range res.rows {
		got[i] = r.Line
	}
	if res.fatal != nil {
		if len(got) > len(want) || !slices.Equal(got, want[:len(got)]) {
			t.Fatalf("before the fatal error %v: rows on lines %v; want a prefix of %v", res.fatal, got, want)
		}
		return
	}
	if !slices.Equal(got, want) {
		t.Fatalf("rows on lines %v; want %v", got, want)
	}
}

// csvLines lists the starting lines of the non-blank data records of a comma-separated file.
func csvLines(content []byte) []int {
	cr := csv.NewReader(bytes.NewReader(content))
	cr.FieldsPerRecord = -1
	var lines []int
	header := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return lines
		}
		line := 0
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			if pe.StartLine != pe.Line {
				return lines // the reader must stop here
			}
			line = pe.StartLine
		case err != nil:
			return lines
		default:
			line, _ = cr.FieldPos(0)
			if isBlank(rec) {
				continue
			}
		}
		if header {
			header = false
			continue
		}
		lines = append(lines, line)
	}
}

func isBlank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// FuzzXLSX checks that no workbook, however broken, panics, and that every row is a record or
// errors.
func FuzzXLSX(f *testing.F) {
	f.Fuzz(func(t *testing.T, content []byte) {
		res, err := read(t, "payouts.xlsx", content, nil)
		if err != nil {
			var fe *parsers.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Open error %v is not a *FileError", err)
			}
			return
		}
		last := 0
		for _, r := range res.rows {
			if r.Record == nil || r.Valid() != (len(r.Errors) == 0) {
				t.Fatalf("row %d: record %v with errors %v", r.Line, r.Record, r.Errors)
			}
			if r.Line <= last {
				t.Fatalf("row %d after row %d", r.Line, last)
			}
			last = r.Line
		}
	})
}

// FuzzParseAmount checks that amounts never panic and that what is accepted reads back the
// same from both of our own renderings.
func FuzzParseAmount(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsers.ParseAmount(s)
		if err != nil {
			var ve *parsers.ValueError
			if !errors.As(err, &ve) || ve.Rule == "" {
				t.Fatalf("ParseAmount(%q) error %v is not a ValueError", s, err)
			}
			return
		}
		if p < 0 || p > 999999999999_99 {
			t.Fatalf("ParseAmount(%q) = %d", s, p)
		}
		for _, again := range []string{p.Decimal(), p.Rupees(), "₹ " + p.Rupees()} {
			if q, err := parsers.ParseAmount(again); err != nil || q != p {
				t.Fatalf("ParseAmount(%q) = %d but ParseAmount(%q) = %d, %v", s, p, again, q, err)
			}
		}
	})
}

// FuzzParseDate checks that dates never panic and that what is accepted is a real day that
// reads back the same when written as dd-mm-yyyy.
func FuzzParseDate(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string, date1904 bool) {
		d, err := parsers.ParseDate(s, date1904)
		if err != nil {
			return
		}
		if d.Year() < 1900 || d.Year() > 9999 {
			t.Fatalf("ParseDate(%q) = %v", s, d)
		}
		day := d.Truncate(24 * time.Hour)
		if again, err := parsers.ParseDate(day.Format("02-01-2006"), false); err != nil || !again.Equal(day) {
			t.Fatalf("ParseDate(%q) = %v but %s reads as %v, %v", s, d, day.Format("02-01-2006"), again, err)
		}
	})
}
