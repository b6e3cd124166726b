package parsers_test

import (
	"bytes"
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
		checkFuzzedRows(t, string(kind)+".csv", append(slices.Clone(headers[kind]), body...), spec, true)
	})
}
