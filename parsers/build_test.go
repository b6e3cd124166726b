package parsers_test

import (
	"testing"

	"enkashbatch/domain"
	"enkashbatch/parsers"
)

// buildRow runs spec's Build on one row at line of a file with header; cells gives the value
// under each header title (a title it does not name is an empty cell). It returns the record
// (nil when the row broke a rule), the reference and amount the record gives, and the errors.
func buildRow(t testing.TB, spec *parsers.Spec, header []string, line int, cells map[string]string) (any, string, domain.Paise, []domain.RowError) {
	t.Helper()
	c, err := parsers.NewCells(spec, header)
	if err != nil {
		t.Fatal(err)
	}
	row := make([]string, len(header))
	for i, h := range header {
		row[i] = cells[h]
	}
	c.Reset(line, row)
	rec, errs := spec.Build(c)
	if rec == nil {
		t.Fatal("Build returned no record")
	}
	if rec.Kind() != spec.Kind {
		t.Fatalf("Build of a %s row returned a %s record", spec.Kind, rec.Kind())
	}
	// The record as read carries the reference and amount that locate and count a rejected
	// row; it is the sendable record only when the row broke no rule.
	ref, amount := rec.ItemReference(), rec.ItemAmount()
	if len(errs) > 0 {
		return nil, ref, amount, errs
	}
	return rec, ref, amount, nil
}
