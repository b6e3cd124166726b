package report_test

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
	"enkashbatch/report"
)

// shownAs returns v as a spreadsheet shows it in number format format, following what
// LibreOffice does (testdata/amounts.lo.csv, rendered by LibreOffice, keeps this honest): the
// section is the first whose condition v meets, else the third; a section chosen by a
// condition other than the first shows no minus sign of its own; without conditions a
// negative number takes the second section if there is one, else the first with a minus
// sign. Digits fill "#" and "0" from the right, the leftmost takes what is left; an escaped
// comma is written where it stands, a bare one groups by thousands.
func shownAs(format string, v float64) string {
	sections := strings.Split(format, ";")
	type section struct {
		cond    string
		limit   float64
		pattern string
	}
	parsed := make([]section, len(sections))
	conditional := false
	for i, s := range sections {
		for strings.HasPrefix(s, "[") {
			end := strings.Index(s, "]")
			tok := s[1:end]
			s = s[end+1:]
			for _, op := range []string{">=", "<=", ">", "<", "="} {
				if strings.HasPrefix(tok, op) {
					parsed[i].cond = op
					parsed[i].limit, _ = strconv.ParseFloat(tok[len(op):], 64)
					conditional = true
					break
				}
			}
		}
		parsed[i].pattern = s
	}
	meets := func(s section) bool {
		switch s.cond {
		case ">=":
			return v >= s.limit
		case "<=":
			return v <= s.limit
		case ">":
			return v > s.limit
		case "<":
			return v < s.limit
		case "=":
			return v == s.limit
		}
		return false
	}
	var chosen section
	autoMinus := false
	switch {
	case conditional:
		chosen = parsed[len(parsed)-1]
		for i, s := range parsed {
			if s.cond != "" && meets(s) {
				chosen, autoMinus = s, i == 0
				break
			}
			if s.cond == "" && i >= 2 {
				chosen = s
				break
			}
		}
	case v < 0 && len(parsed) > 1:
		chosen = parsed[1]
	default:
		chosen, autoMinus = parsed[0], true
	}
	abs := strconv.FormatFloat(math.Abs(v), 'f', 2, 64)
	intDigits, decimals, _ := strings.Cut(abs, ".")
	pat := chosen.pattern
	prefix := ""
	if i := strings.IndexAny(pat, "#0"); i > 0 {
		prefix, pat = pat[:i], pat[i:]
	}
	intPat, _, _ := strings.Cut(pat, ".")
	var out string
	if strings.Contains(intPat, `\,`) {
		// Placeholders and literal commas, filled from the right.
		var b []string
		d := intDigits
		toks := []string{}
		for i := 0; i < len(intPat); i++ {
			if intPat[i] == '\\' {
				toks = append(toks, string(intPat[i+1]))
				i++
				continue
			}
			toks = append(toks, string(intPat[i]))
		}
		firstPlaceholder := 0
		for i, t := range toks {
			if t == "#" || t == "0" {
				firstPlaceholder = i
				break
			}
		}
		for i := len(toks) - 1; i >= 0; i-- {
			switch t := toks[i]; t {
			case "#", "0":
				switch {
				case i == firstPlaceholder:
					b = append([]string{d}, b...)
					d = ""
				case d != "":
					b = append([]string{d[len(d)-1:]}, b...)
					d = d[:len(d)-1]
				case t == "0":
					b = append([]string{"0"}, b...)
				}
			default:
				b = append([]string{t}, b...)
			}
		}
		out = strings.Join(b, "")
	} else {
		var b strings.Builder
		for i, c := range intDigits {
			if i > 0 && strings.Contains(intPat, ",") && (len(intDigits)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		out = b.String()
	}
	out = prefix + out + "." + decimals
	if autoMinus && v < 0 {
		out = "-" + out
	}
	return out
}

// amountsRun is a run whose items hold amounts of every size, of both signs.
func amountsRun(t testing.TB) report.Run {
	amounts := []domain.Paise{0, 5, 99_99, 1234_50, 99999_99, 100000_00, 123456_78, 99_99999_99, 1_00_00000_00,
		25_00_00000_00, 1234_56_78901_23, -5, -1234_50, -99999_99, -100000_00, -123456_78, -99_99999_99, -1_00_00000_00,
		-25_00_00000_00}
	var items []domain.Item
	for i, p := range amounts {
		items = append(items, domain.Item{FileID: 1, File: "amounts.csv", Kind: domain.KindPayouts, Line: i + 2,
			Reference: "A-" + strconv.Itoa(i), Amount: p, Status: domain.StatusSuccess,
			Provider: domain.ProviderState{Status: "SUCCESS", Amount: -p}})
	}
	return report.Run{Info: report.RunInfo{ID: 1, Location: ist}, Items: seq(items, nil),
		Files: []domain.FileSummary{{ID: 1, Name: "amounts.csv", Kind: domain.KindPayouts, Status: "accepted"}}}
}

// indian is p as an accountant in India writes it, with a minus sign when negative.
func indian(p domain.Paise) string { return p.Rupees() }

// TestMoneyFormats_ShownAsLibreOfficeShowsThem checks the model shownAs against what
// LibreOffice showed for the amounts of testdata/amounts.xlsx (see testdata/render-amounts.sh),
// that the committed workbook's formats are today's, and that every amount of it shows with
// Indian grouping and its sign.
func TestMoneyFormats_ShownAsLibreOfficeShowsThem(t *testing.T) {
	committed := filepath.Join("testdata", "amounts.xlsx")
	if *update {
		if err := report.WriteRunWorkbook(committed, amountsRun(t)); err != nil {
			t.Fatal(err)
		}
		t.Log("now run testdata/render-amounts.sh to render it with LibreOffice")
	}
	f, err := excelize.OpenFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fresh, _ := writeWorkbook(t, amountsRun(t))
	lo, err := os.Open(filepath.Join("testdata", "amounts.lo.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer lo.Close()
	r := csv.NewReader(lo)
	r.FieldsPerRecord = -1
	shown, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	const sheet = "Payouts"
	header := rawRows(t, f, sheet)[1]
	checked := 0
	for _, col := range []string{"Amount ₹", "Enkash amount ₹"} {
		c := slicesIndex(header, col)
		if c < 0 {
			t.Fatalf("no column %q in %q", col, header)
		}
		for row := 3; row <= len(shown); row++ {
			ref, _ := excelize.CoordinatesToCellName(c+1, row)
			if cell(t, f, sheet, ref) == "" {
				continue
			}
			v := number(t, f, sheet, ref)
			format := numFmt(t, f, sheet, ref)
			if now := numFmt(t, fresh, sheet, ref); now != format {
				t.Fatalf("%s!%s: format %q, today %q: run the test with -update, then testdata/render-amounts.sh", sheet, ref, format, now)
			}
			got, want := shownAs(format, v), shown[row-1][c]
			if got != want {
				t.Errorf("%s!%s = %v in %q: the model shows %q, LibreOffice showed %q", sheet, ref, v, format, got, want)
			}
			if w := indian(domain.Paise(math.Round(v * 100))); want != w {
				t.Errorf("%s!%s = %v: LibreOffice shows %q, want %q", sheet, ref, v, want, w)
			}
			checked++
		}
	}
	if checked < 30 {
		t.Errorf("checked %d amounts, want every one of the fixture's", checked)
	}
}

func slicesIndex(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// TestMoneyFormats_EveryAmountShowsItsSign reads every rupee amount of a run workbook and of
// a daily workbook whose statement does not tie (a negative Difference) as LibreOffice shows
// it: Indian grouping, and a minus sign on every negative amount.
func TestMoneyFormats_EveryAmountShowsItsSign(t *testing.T) {
	run, _ := writeWorkbook(t, newFixture(t, true).run)
	amounts, _ := writeWorkbook(t, amountsRun(t))
	fx := newDailyFixture(t)
	fx.daily.Statement.Balance -= 1234567_89
	daily, _ := writeDaily(t, fx.daily)
	negatives := 0
	for _, f := range []*excelize.File{run, amounts, daily} {
		for _, sheet := range f.GetSheetList() {
			for r, row := range rawRows(t, f, sheet) {
				for c, v := range row {
					ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
					format := numFmt(t, f, sheet, ref)
					x, err := strconv.ParseFloat(v, 64)
					if err != nil || !strings.Contains(format, "0.00") {
						continue
					}
					p := domain.Paise(math.Round(x * 100))
					if got, want := shownAs(format, x), indian(p); got != want {
						t.Errorf("%s!%s = %v shows as %q in %q, want %q", sheet, ref, x, got, format, want)
					}
					if p < 0 {
						negatives++
					}
					// Were the amount negative (a user's correction, a formula's result), the
					// format would still show its sign.
					if x != 0 {
						if neg := shownAs(format, -math.Abs(x)); !strings.HasPrefix(neg, "-") {
							t.Errorf("%s!%s: %q shows -%v as %q, without its sign", sheet, ref, format, math.Abs(x), neg)
						}
					}
				}
			}
		}
	}
	if negatives < 10 {
		t.Errorf("%d negative amounts seen, want the fixtures' (the statement's Difference among them)", negatives)
	}
}
