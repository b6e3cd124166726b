package parsers_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/parsers"
)

// fuzzKinds are the kinds FuzzKindRows reads rows of, each with its template's header.
var fuzzKinds = []domain.Kind{domain.KindCustomers, domain.KindInvoices, domain.KindBills}

// FuzzKindRows is FuzzCSV for the other kinds' specs: under the kind's own header, no input
// panics, every row is either a record or has well-formed errors, and no row is lost.
func FuzzKindRows(f *testing.F) {
	headers := map[domain.Kind][]byte{}
	for i, k := range fuzzKinds {
		tmpl, err := os.ReadFile(filepath.Join("..", "templates", string(k)+".csv"))
		if err != nil {
			f.Fatal(err)
		}
		headers[k] = append(bytes.TrimRight(bytes.TrimPrefix(tmpl, []byte("\xef\xbb\xbf")), "\r\n"), '\n')
		// Seeds: a few data rows of each sample file (small seeds keep minimizing quick).
		samples, _ := filepath.Glob(filepath.Join("..", "samples", "inbox", string(k), "*.csv"))
		for _, path := range samples {
			body, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			lines := bytes.SplitAfter(body, []byte("\n"))
			for start := 1; start < len(lines); start += 3 {
				f.Add(bytes.Join(lines[start:min(start+3, len(lines))], nil), uint8(i))
			}
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		kind := fuzzKinds[int(which)%len(fuzzKinds)]
		spec, ok := parsers.SpecFor(kind)
		if !ok {
			t.Fatalf("no spec for %s", kind)
		}
		content := append(slices.Clone(headers[kind]), body...)
		res, err := read(t, string(kind)+".csv", content, spec)
		if err != nil {
			var fe *parsers.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Open error %v is not a *FileError", err)
			}
			return
		}
		for _, r := range res.rows {
			if (r.Record == nil) == (len(r.Errors) == 0) {
				t.Fatalf("line %d: record %v with errors %v", r.Line, r.Record, r.Errors)
			}
			for _, e := range r.Errors {
				if e.Line != r.Line || e.Rule == "" || e.Message == "" {
					t.Fatalf("line %d: bad error %+v", r.Line, e)
				}
			}
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
	})
}

