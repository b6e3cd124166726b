package xlsxcheck_test

import (
	"testing"

	"enkashbatch/parsers/xlsxcheck"
)

func TestFormatClass(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code     string
		class    string
		decimals int
		plain    bool
	}{
		{"General", "general", 0, false},
		{"@", "general", 0, false},
		{"0", "number", 0, true},
		{"000000000000", "number", 0, true},
		{"#,##0.00", "number", 2, false},
		{`"₹"#,##0.00;[Red]-"₹"#,##0.00`, "number", 2, false},
		{`[$₹-4009] #,##0.00`, "number", 2, false},
		{`_(* #,##0.00_);_(* (#,##0.00);_(* "-"??_);_(@_)`, "number", 2, false},
		{"DD-MM-YYYY", "date", 0, false},
		{"dd/mm/yyyy hh:mm", "date", 0, false},
		{`[$-409]d-mmm-yy;@`, "date", 0, false},
		{"h:mm AM/PM", "time", 0, false},
		{"[h]:mm:ss", "time", 0, false},
		{"0%", "percent", 0, false},
		{"0.00E+00", "scientific", 2, false},
		{"# ?/?", "other", 0, false},
		{"#,##0,", "other", 0, false},
		{`0" days"`, "number", 0, false},
		{`[Red]0`, "number", 0, true},
	}
	names := map[xlsxcheck.FormatClass]string{xlsxcheck.FormatGeneral: "general", xlsxcheck.FormatNumber: "number",
		xlsxcheck.FormatDate: "date", xlsxcheck.FormatTime: "time", xlsxcheck.FormatPercent: "percent",
		xlsxcheck.FormatScientific: "scientific", xlsxcheck.FormatOther: "other"}
	for _, c := range cases {
		f := xlsxcheck.ClassifyFormat(c.code)
		class, decimals, plain := names[f.Class], f.Decimals, f.Plain
		if class != c.class || decimals != c.decimals || plain != c.plain {
			t.Errorf("%q: %s, %d decimals, plain %v; want %s, %d, %v", c.code, class, decimals, plain, c.class, c.decimals, c.plain)
		}
	}
}
