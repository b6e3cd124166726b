package parsers_test

import (
	"testing"

	"enkashbatch/domain"
	"enkashbatch/parsers"
)

// buildRow runs spec's Build on one row at line of a file with header; cells gives the value
// under each header title (a title it does not name is an empty cell).
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
	return spec.Build(c)
}
