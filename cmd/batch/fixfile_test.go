package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
)

// TestFixAndRedrop is the fix-and-redrop cycle of one day as a finance user goes through it:
// the run's fix workbook for the sample XLSX of payouts is laid out as the payouts template
// (sheet name, identifier columns formatted as text, the Mode drop-down, a "How to fill"
// sheet), the cells to correct are shaded with a note, and the Error column names the row of
// the fix file; the CSV original's fix file stays CSV. Correcting the shaded cells and
// dropping the workbook again pays those rows, once each; the day's workbook then counts them
// as corrected and re-sent, not as rejections, and still ties out.
func TestFixAndRedrop(t *testing.T) {
	b := setup(t, "")
	_, out := b.runJSON(t)
	var fixXLSX, fixCSV string
	for _, p := range out.FixFiles {
		switch {
		case strings.Contains(p, "payouts_vendors_"):
			fixXLSX = p
		case strings.Contains(p, "-payouts_2026"):
			fixCSV = p
		}
	}
	if filepath.Ext(fixXLSX) != ".xlsx" || filepath.Ext(fixCSV) != ".csv" {
		t.Fatalf("fix files = %v, want one XLSX for the XLSX original and one CSV for the CSV one", out.FixFiles)
	}

	// The CSV fix file: the Error column names the row of this file first.
	raw, err := os.ReadFile(fixCSV)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(raw), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if last := recs[1][len(recs[1])-1]; !strings.HasPrefix(last, "row 2 of this file (line ") || !strings.Contains(last, " of payouts_2026-11-23.csv): ") {
		t.Errorf("Error of the CSV fix file's first row = %q", last)
	}

	f, err := excelize.OpenFile(fixXLSX)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Payouts", "How to fill"}) {
		t.Fatalf("sheets = %q, want the template's: Payouts, How to fill", got)
	}
	const sheet = "Payouts"
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	header := rows[0]
	col := func(name string) int {
		i := slices.Index(header, name)
		if i < 0 {
			t.Fatalf("no column %q in %q", name, header)
		}
		return i + 1
	}
	cell := func(c, r int) string {
		name, _ := excelize.CoordinatesToCellName(c, r)
		return name
	}
	styleOf := func(ref string) *excelize.Style {
		id, err := f.GetCellStyle(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, name := range []string{"Txn Ref", "A/c No", "IFSC Code", "Mobile"} {
		if s := styleOf(cell(col(name), 2)); s.NumFmt != 49 {
			t.Errorf("%s: number format %d, want 49 (text)", name, s.NumFmt)
		}
	}
	dvs, err := f.GetDataValidations(sheet)
	if err != nil {
		t.Fatal(err)
	}
	mode, _ := excelize.ColumnNumberToName(col("Payment Mode"))
	if len(dvs) != 1 || !strings.HasPrefix(dvs[0].Sqref, mode+"2:") || !strings.Contains(dvs[0].Formula1, "NEFT") {
		t.Errorf("data validations = %+v, want the Mode drop-down on column %s", dvs, mode)
	}
	if help, err := f.GetRows("How to fill"); err != nil || len(help) < 10 {
		t.Errorf("How to fill: %d rows, %v", len(help), err)
	}
	errCol := col("Error")
	for r := 2; r <= len(rows); r++ {
		if v, _ := f.GetCellValue(sheet, cell(errCol, r)); !strings.HasPrefix(v, "row "+strconv.Itoa(r)+" of this file (row ") {
			t.Errorf("Error of row %d = %q", r, v)
		}
	}

	// Correct each shaded cell, as its note asks, and drop the file again.
	fixes := map[string]string{"A/c No": "123456789012", "IFSC Code": "HDFC0001234", "Mobile": "9876543210"}
	notes, err := f.GetComments(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != len(rows)-1 {
		t.Fatalf("%d notes for %d rows to fix", len(notes), len(rows)-1)
	}
	var refs []string
	for _, n := range notes {
		c, r, err := excelize.CellNameToCoordinates(n.Cell)
		if err != nil {
			t.Fatal(err)
		}
		if s := styleOf(n.Cell); s.Fill.Pattern != 1 || len(s.Fill.Color) == 0 {
			t.Errorf("%s has a note but no fill", n.Cell)
		}
		v, ok := fixes[header[c-1]]
		if !ok {
			t.Fatalf("note on %s (%s), a column this test does not correct", n.Cell, header[c-1])
		}
		if err := f.SetCellStr(sheet, n.Cell, v); err != nil {
			t.Fatal(err)
		}
		ref, _ := f.GetCellValue(sheet, cell(col("Txn Ref"), r))
		refs = append(refs, ref)
	}
	redrop := filepath.Join(b.home, "inbox", "payouts", filepath.Base(fixXLSX))
	if err := f.SaveAs(redrop); err != nil {
		t.Fatal(err)
	}
	_, out = b.runJSON(t)
	if len(out.Files) != 1 || out.Files[0].Tally.Success.Count != len(refs) || out.Files[0].Tally.Rejected.Count != 0 {
		t.Fatalf("re-dropped file: %+v, want its %d rows paid", out.Files, len(refs))
	}
	sent := map[string]int{}
	for _, c := range b.calls(t) {
		sent[c.Reference] += c.Creates
	}
	for _, ref := range refs {
		if sent[ref] != 1 {
			t.Errorf("%s reached Enkash %d times, want once", ref, sent[ref])
		}
	}

	// The day's workbook counts them once, as corrected and re-sent.
	if code, stdout, stderr := b.run(t, "reconcile", "--home", b.home); code != exitOK && code != exitAttention {
		t.Fatalf("reconcile: exit %d\n%s\n%s", code, stdout, stderr)
	}
	twins, _ := filepath.Glob(filepath.Join(b.home, "reports", "daily-*.summary.json"))
	if len(twins) != 1 {
		t.Fatalf("daily summaries = %v", twins)
	}
	raw, err = os.ReadFile(twins[0])
	if err != nil {
		t.Fatal(err)
	}
	var day struct {
		Kinds []struct {
			Kind    domain.Kind  `json:"kind"`
			Tally   domain.Tally `json:"tally"`
			TiesOut bool         `json:"ties_out"`
		} `json:"kinds"`
		Checks map[string]struct {
			OK   bool   `json:"ok"`
			Text string `json:"text"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(raw, &day); err != nil {
		t.Fatal(err)
	}
	if c := day.Checks["corrected"]; !c.OK || !strings.HasPrefix(c.Text, "Payouts: 3 rows corrected and re-sent (₹") {
		t.Errorf("corrected check = %+v", c)
	}
	for name, c := range day.Checks {
		if name != "enkash_amounts" && !c.OK && (name == "rows" || name == "amount" || name == "listed") {
			t.Errorf("check %s does not tie out: %s", name, c.Text)
		}
	}
	// What the rejected_row exceptions of the corrected rows asked for is done: they are closed.
	code, stdout, _ := b.run(t, "exceptions", "--home", b.home, "--json")
	if code != exitOK && code != exitAttention {
		t.Fatalf("exceptions: exit %d", code)
	}
	var excs []domain.Exception
	if err := json.Unmarshal([]byte(stdout), &excs); err != nil {
		t.Fatalf("exceptions --json: %v\n%s", err, stdout)
	}
	closed := map[string]string{}
	for _, e := range excs {
		if e.Category == domain.CategoryRejectedRow && e.File == "payouts_vendors_2026-11-23.xlsx" {
			if e.ResolvedAt != nil {
				closed[e.Reference] = e.Note
			} else {
				t.Errorf("rejected_row exception of %s still open after it was corrected and paid", e.Reference)
			}
		}
	}
	for _, ref := range refs {
		if !strings.HasPrefix(closed[ref], "corrected and re-sent: row ") {
			t.Errorf("exception of %s: note %q", ref, closed[ref])
		}
	}
	for _, k := range day.Kinds {
		if k.Kind != domain.KindPayouts {
			continue
		}
		// 60 sample rows (10 rejected) and 3 rows re-sent: the 3 first rejections are netted.
		if k.Tally.In.Count != 60 || k.Tally.Rejected.Count != 7 || !k.TiesOut {
			t.Errorf("payouts of the day: %+v (ties out %v), want 60 rows in, 7 rejected", k.Tally, k.TiesOut)
		}
	}
}
