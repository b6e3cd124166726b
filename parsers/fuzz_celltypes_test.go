package parsers_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
)

// cellFormats are the number formats the fuzz target applies: built-in ids (0 General, 1 "0",
// 2 "0.00", 3 "#,##0", 4 "#,##0.00", 9 "0%", 11 "0.00E+00", 14 a date, 20 a time, 49 "@")
// and custom codes.
var cellFormats = []any{0, 1, 2, 3, 4, 9, 11, 14, 20, 49, "000000000000", "[Red]#,##0.00", `"₹"#,##0.00`, "dd/mm/yyyy", "#,##0,", "# ?/?", "0.0", "[h]:mm"}

// fuzzCell turns two bytes of fuzz input and a text into a typed value for a cell.
func fuzzCell(kind byte, n int64, text string) any {
	switch kind % 7 {
	case 0:
		return text
	case 1:
		return n
	case 2:
		return float64(n) / 100
	case 3:
		return kind&8 != 0
	case 4:
		return time.Date(2020+int(n%10), time.Month(1+n%12), 1+int(n%28), 0, 0, 0, 0, time.UTC)
	case 5:
		return float64(n) / 1000
	}
	return fmt.Sprint(n)
}

// FuzzXLSXCellTypes builds small payout workbooks with excelize from the fuzz input, cells of
// every type with every kind of number format, and checks that nothing panics and that every
// row is either a record whose values are what Excel shows in its cells, or a row error.
func FuzzXLSXCellTypes(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0}, int64(150000), "PAY-1")
	f.Add([]byte{1, 1, 2, 2, 3, 3, 4, 4}, int64(302145678901), "1E3")
	f.Add([]byte{0, 0, 1, 10, 2, 3, 0, 0}, int64(1405012345), "1e5")
	f.Add([]byte{4, 8, 3, 1, 2, 4, 5, 9}, int64(125075), "00123")
	f.Fuzz(func(t *testing.T, plan []byte, n int64, text string) {
		if len(plan) > 64 || len(text) > 64 || strings.ContainsAny(text, "\x00\r") {
			return
		}
		n %= 1_000_000_000_000_000
		if n < 0 {
			n = -n
		}
		x := excelize.NewFile()
		defer x.Close()
		must(t, x.SetSheetRow("Sheet1", "A1", &[]any{"Reference", "Beneficiary Name", "Account Number", "IFSC", "Amount", "Mode", "Remark"}))
		type written struct{ ref, acct, amount, remark any }
		var rows []written
		for i := 0; i+3 < len(plan); i += 4 {
			row := len(rows) + 2
			w := written{
				ref:    fuzzCell(plan[i], n+int64(i), text),
				acct:   fuzzCell(plan[i+1], n, text),
				amount: fuzzCell(plan[i+2], n+int64(i), text),
				remark: fuzzCell(plan[i+3], n, text),
			}
			cells := []any{w.ref, "Asha Rao", w.acct, "HDFC0001234", w.amount, "NEFT", w.remark}
			must(t, x.SetSheetRow("Sheet1", fmt.Sprintf("A%d", row), &cells))
			for k, col := range []string{"A", "C", "E", "G"} {
				var st excelize.Style
				switch v := cellFormats[int(plan[i+k]>>3)%len(cellFormats)].(type) {
				case int:
					st.NumFmt = v
				case string:
					st.CustomNumFmt = &v
				}
				id, err := x.NewStyle(&st)
				must(t, err)
				must(t, x.SetCellStyle("Sheet1", fmt.Sprintf("%s%d", col, row), fmt.Sprintf("%s%d", col, row), id))
			}
			rows = append(rows, w)
		}
		if len(rows) == 0 {
			return
		}
		res, err := read(t, "payouts.xlsx", xlsxBytes(t, x), nil)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		if res.fatal != nil {
			t.Fatalf("rows: %v", res.fatal)
		}
		for _, r := range res.rows {
			if r.Record == nil || r.Valid() != (len(r.Errors) == 0) {
				t.Fatalf("row %d: record %v with errors %v", r.Line, r.Record, r.Errors)
			}
			if !r.Valid() {
				continue
			}
			p := r.Record.(domain.Payout)
			w := rows[r.Line-2]
			// The reference and the account are the characters shown.
			if s, ok := w.ref.(string); ok && p.Reference != strings.TrimSpace(s) {
				t.Fatalf("row %d: text reference %q read as %q", r.Line, s, p.Reference)
			}
			if v, ok := w.ref.(int64); ok && p.Reference != fmt.Sprint(v) {
				t.Fatalf("row %d: reference %d read as %q", r.Line, v, p.Reference)
			}
			if _, ok := w.ref.(bool); ok {
				t.Fatalf("row %d: a boolean reference was read as %q", r.Line, p.Reference)
			}
			if _, ok := w.ref.(time.Time); ok {
				t.Fatalf("row %d: a date reference was read as %q", r.Line, p.Reference)
			}
			if v, ok := w.acct.(int64); ok && p.AccountNumber != fmt.Sprint(v) {
				t.Fatalf("row %d: account %d read as %q", r.Line, v, p.AccountNumber)
			}
			// The amount is the number written, never a date, a boolean or a percentage.
			switch v := w.amount.(type) {
			case bool, time.Time:
				t.Fatalf("row %d: amount cell %v paid as %d paise", r.Line, v, p.Amount)
			case int64:
				if p.Amount != domain.Paise(v*100) {
					t.Fatalf("row %d: amount %d paid as %d paise", r.Line, v, p.Amount)
				}
			case float64:
				if math.Abs(float64(p.Amount)-v*100) > 0.5 {
					t.Fatalf("row %d: amount %v paid as %d paise", r.Line, v, p.Amount)
				}
			}
		}
	})
}
