package parsers_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/parsers"
)

// TestFidelity_Corpus reads every workbook of testdata/fidelity (written by LibreOffice and
// edited with openpyxl, or by excelize: see its README) and checks that what would be paid is
// what a person sees in Excel: the rows read, the rows refused and why, and the values.
func TestFidelity_Corpus(t *testing.T) {
	t.Parallel()
	// The four rows of src/payouts.csv, as paid when nothing is wrong with them.
	base := map[int]string{2: "FID-0001 125050 50100234567891", 3: "FID-0002 450000 30214567890",
		4: "FID-0003 250000 001405012345", 5: "FID-0004 1500000 20198765432"}
	except := func(line int, paid ...string) map[int]string {
		out := map[int]string{}
		for k, v := range base {
			if k != line {
				out[k] = v
			}
		}
		for _, p := range paid {
			var l int
			var rest string
			fmt.Sscanf(p, "%d", &l)
			rest = p[strings.IndexByte(p, ' ')+1:]
			out[l] = rest
		}
		return out
	}
	cases := []struct {
		file     string
		paid     map[int]string // line -> "reference paise account"
		errs     []loc
		messages []string // substrings of the row errors' messages, in order
	}{
		{file: "base_libreoffice.xlsx", paid: base},
		{file: "date_in_amount.xlsx", paid: except(3), errs: []loc{{3, "Amount", "amount_cell_type"}},
			messages: []string{"cell E3 holds the date 23-11-2026, not an amount"}},
		{file: "true_in_amount.xlsx", paid: except(3), errs: []loc{{3, "Amount", "amount_cell_type"}},
			messages: []string{"cell E3 holds the true/false value TRUE"}},
		{file: "error_in_amount.xlsx", paid: except(3), errs: []loc{{3, "Amount", "amount_cell_type"}},
			messages: []string{"cell E3 shows the error #N/A"}},
		// Text "1e5" is read by the CSV rules, which refuse scientific notation.
		{file: "text_1e5_amount.xlsx", paid: except(3), errs: []loc{{3, "Amount", "amount_format"}},
			messages: []string{`amount "1e5" is in scientific notation`}},
		{file: "amount_hidden_decimals.xlsx", paid: except(3), errs: []loc{{3, "Amount", "amount_cell_type"}},
			messages: []string{"cell E3 holds 1250.75 but its format shows 0 decimal places"}},
		// A text reference is never rewritten: "1E3" stays "1E3".
		{file: "text_1e3_reference.xlsx", paid: except(2, "2 1E3 125050 50100234567891")},
		{file: "account_leading_zeros_number.xlsx", paid: except(4), errs: []loc{{4, "Account Number", "account_number_not_text"}},
			messages: []string{"cell C4 holds the number 1405012345, which Excel shows as 001405012345"}},
		// 12 digits in General show as 3.02146E+11; 11 digits show as they are.
		{file: "account_12_digits_general.xlsx", paid: except(3), errs: []loc{{3, "Account Number", "account_number_not_text"}},
			messages: []string{"cell C3 holds the number 302145678901, which Excel shows as 3.02146E+11; format the column as Text and re-enter it"}},
		// The very hidden "Payouts" sheet is never read, though it is named after the kind.
		{file: "veryhidden_kind_sheet.xlsx", paid: base},
		{file: "hidden_row.xlsx", paid: except(3), errs: []loc{{3, "", "hidden_row"}},
			messages: []string{"row 3 is hidden in Excel"}},
		{file: "filtered_rows.xlsx", paid: map[int]string{2: base[2], 5: base[5]}, errs: []loc{{3, "", "hidden_row"}, {4, "", "hidden_row"}},
			messages: []string{"filtered out", "filtered out"}},
		{file: "external_link.xlsx", paid: except(3), errs: []loc{{3, "Amount", "external_link"}},
			messages: []string{"cell E3 holds a formula that takes its value from another workbook"}},
		{file: "excelize_types.xlsx",
			paid: map[int]string{2: "EXL-0002 150000 50100234567891", 7: "1E3 70000 50100234567896", 10: "EXL-0010 125075 50100234567899"},
			errs: []loc{{3, "Amount", "amount_cell_type"}, {4, "Amount", "amount_cell_type"}, {5, "Amount", "amount_cell_type"},
				{6, "Account Number", "account_number_not_text"}, {8, "Amount", "amount_format"}, {9, "Account Number", "account_number_not_text"}},
			messages: []string{"cell E3 holds the date 23-11-2026", "cell E4 holds the true/false value TRUE", "cell E5 is formatted as a percentage (it shows 50%)",
				"Excel shows as 001405012345", "scientific notation", "Excel shows as 3.02146E+11"}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			res := readFile(t, filepath.Join("testdata", "fidelity", c.file))
			if res.fatal != nil {
				t.Fatal(res.fatal)
			}
			if res.reader.Kind() != domain.KindPayouts {
				t.Fatalf("kind %q", res.reader.Kind())
			}
			paid := map[int]string{}
			var messages []string
			for _, r := range res.rows {
				if p, ok := r.Record.(domain.Payout); ok && r.Valid() {
					paid[r.Line] = fmt.Sprintf("%s %d %s", p.Reference, p.Amount, p.AccountNumber)
				}
				for _, e := range r.Errors {
					messages = append(messages, e.Message)
				}
			}
			if fmt.Sprint(paid) != fmt.Sprint(c.paid) {
				t.Errorf("paid\n got %v\nwant %v", paid, c.paid)
			}
			if got := locs(res.rows); !slices.Equal(got, c.errs) {
				t.Errorf("errors\n got %v\nwant %v", got, c.errs)
			}
			for i, want := range c.messages {
				if i >= len(messages) || !strings.Contains(messages[i], want) {
					t.Errorf("message %d = %q; want it to contain %q", i, messages[i:min(i+1, len(messages))], want)
				}
			}
		})
	}
}

// TestFidelity_RefusedWorkbooks: workbooks refused whole, with a reason naming what to do.
func TestFidelity_RefusedWorkbooks(t *testing.T) {
	t.Parallel()
	cases := []struct{ file, rule, want string }{
		{"two_visible_sheets.xlsx", "several_sheets", `2 visible sheets with data ("Week 1", "Week 2")`},
		{"hidden_amount_column.xlsx", "hidden_column", "column E (Amount) is hidden in Excel"},
		{"shared_strings_bomb.xlsx", "shared_strings_too_large", "unpacks to 95 MiB"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(filepath.Join("testdata", "fidelity", c.file))
			must(t, err)
			start := time.Now()
			_, err = read(t, "payouts_"+c.file, b, nil)
			var fe *parsers.FileError
			if !errors.As(err, &fe) || fe.Rule != c.rule || !strings.Contains(fe.Message, c.want) {
				t.Fatalf("error = %v; want rule %s saying %q", err, c.rule, c.want)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("refused in %v", d)
			}
		})
	}
}

// TestFidelity_SharedStringCount: a bomb of empty shared strings small enough to pass the
// size bound is refused by the count, long before excelize would load it.
func TestFidelity_SharedStringCount(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/fidelity/base_libreoffice.xlsx")
	must(t, err)
	const n = 8_000_000 // 40 MB of <si/>
	bomb := replacePart(t, b, "xl/sharedStrings.xml", func(x []byte) []byte {
		end := bytes.LastIndex(x, []byte("</sst>"))
		return append(append(x[:end:end], bytes.Repeat([]byte("<si/>"), n)...), "</sst>"...)
	})
	if len(bomb) > 200<<10 {
		t.Fatalf("the bomb is %d bytes", len(bomb))
	}
	start := time.Now()
	_, err = read(t, "payouts.xlsx", bomb, nil)
	var fe *parsers.FileError
	if !errors.As(err, &fe) || fe.Rule != "too_many_shared_strings" || !strings.Contains(fe.Message, "far more than their cells can use") {
		t.Fatalf("error = %v; want too_many_shared_strings", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("refused in %v", d)
	}
}

// TestFidelity_SheetChoice: hidden sheets are never read, whatever their names; the
// template's help sheet is not data; a workbook whose only data sheet is hidden is empty.
func TestFidelity_SheetChoice(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/fidelity/veryhidden_kind_sheet.xlsx")
	must(t, err)
	res, err := read(t, "payouts.xlsx", b, nil)
	must(t, err)
	for _, r := range res.rows {
		if strings.HasPrefix(r.Reference(), "FID-H") {
			t.Errorf("row %d of the very hidden sheet was read: %q", r.Line, r.Reference())
		}
	}
	tmpl, err := os.ReadFile("../templates/payouts.xlsx")
	must(t, err)
	_, err = read(t, "payouts.xlsx", tmpl, nil)
	var fe *parsers.FileError
	if !errors.As(err, &fe) || fe.Rule != "no_rows" {
		t.Errorf("the blank template (data sheet and help sheet): %v; want no_rows", err)
	}
}
