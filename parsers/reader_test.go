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

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
	"enkashbatch/parsers"
)

// result is what a test needs of a whole file.
type result struct {
	reader *parsers.Reader
	rows   []parsers.Row
	fatal  error
}

// read opens and reads a file's content completely.
func read(t testing.TB, name string, content []byte, spec *parsers.Spec) (result, error) {
	t.Helper()
	r, err := parsers.Open(name, bytes.NewReader(content), spec)
	if err != nil {
		return result{}, err
	}
	defer func() {
		if err := r.Close(); err != nil {
			t.Errorf("close %s: %v", name, err)
		}
	}()
	res := result{reader: r}
	for row, err := range r.Rows() {
		if err != nil {
			res.fatal = err
			break
		}
		res.rows = append(res.rows, row)
	}
	return res, nil
}

func readFile(t testing.TB, path string) result {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := read(t, filepath.Base(path), b, nil)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	if res.fatal != nil {
		t.Fatalf("read %s: %v", path, res.fatal)
	}
	return res
}

// loc is where a row error points and which rule it names.
type loc struct {
	Line   int
	Column string
	Rule   string
}

func locs(rows []parsers.Row) []loc {
	var out []loc
	for _, r := range rows {
		for _, e := range r.Errors {
			out = append(out, loc{e.Line, e.Column, e.Rule})
		}
	}
	return out
}

func goodLines(rows []parsers.Row) []int {
	var out []int
	for _, r := range rows {
		if r.Record == nil {
			panic(fmt.Sprintf("row %d has no record, not even as read", r.Line))
		}
		if r.Valid() {
			out = append(out, r.Line)
		}
	}
	return out
}

func TestReader_Fixtures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file    string
		unknown []string
		good    []int
		errs    []loc
	}{
		{
			file: "payouts_bom_crlf.csv",
			good: []int{2, 5},
			errs: []loc{
				{3, "IFSC", "ifsc_format"},
				{6, "Beneficiary Name", "beneficiary_name_required"},
				{6, "Amount", "amount_decimals"},
				{7, "", "extra_cells"},
			},
		},
		{
			file:    "payouts_semicolon.csv",
			unknown: []string{"Branch"},
			good:    []int{3, 6},
			errs: []loc{
				{2, "Amount (INR)", "amount_format"},
				{4, "Payment Mode", "mode_invalid"},
				{4, "Mobile", "phone_format"},
			},
		},
		{
			file: "payouts_multiline.csv",
			good: []int{2, 4, 5},
			errs: []loc{
				{8, "Account Number", "account_number_length"},
				{9, "Beneficiary Name", "beneficiary_name_format"},
				{9, "Amount", "imps_limit"},
				{11, "VPA", "vpa_required"},
				{12, "Amount", "amount_format"},
			},
		},
		{
			// Written by LibreOffice: account numbers stored as numbers, amounts as text.
			// A 15-digit account in General is shown by Excel as 9.17010E+14: refused.
			file: "payouts_numbers.xlsx",
			good: []int{3, 7},
			errs: []loc{
				{2, "Account Number", "account_number_not_text"},
				{4, "Account Number", "account_number_lost_digits"},
				{5, "Account Number", "account_number_not_text"},
				{5, "Amount", "amount_decimals"},
				{8, "Account Number", "account_number_length"},
			},
		},
		{
			// Written by LibreOffice: amounts stored as numbers, a column of dates.
			file:    "payouts_dates.xlsx",
			unknown: []string{"Value Date"},
			good:    []int{2, 3, 4},
		},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			res := readFile(t, filepath.Join("testdata", c.file))
			if res.reader.Kind() != domain.KindPayouts {
				t.Errorf("kind = %q", res.reader.Kind())
			}
			if !slices.Equal(res.reader.Unknown(), c.unknown) {
				t.Errorf("unknown columns = %q; want %q", res.reader.Unknown(), c.unknown)
			}
			if got := goodLines(res.rows); !slices.Equal(got, c.good) {
				t.Errorf("good rows on lines %v; want %v", got, c.good)
			}
			if got := locs(res.rows); !slices.Equal(got, c.errs) {
				t.Errorf("errors\n got %v\nwant %v", got, c.errs)
			}
		})
	}
}

func TestReader_Values(t *testing.T) {
	t.Parallel()
	t.Run("bom crlf", func(t *testing.T) {
		res := readFile(t, "testdata/payouts_bom_crlf.csv")
		if h := res.reader.Header(); h[0] != "Reference" || len(h) != 7 {
			t.Errorf("header = %q (BOM not stripped?)", h)
		}
		p := res.rows[2].Record.(domain.Payout)
		want := domain.Payout{Reference: "PAY-T-0003", BeneficiaryName: "Suresh Patel", AccountNumber: "001405012345",
			IFSC: "ICIC0000123", Amount: 250000, Mode: "IMPS"}
		if p != want {
			t.Errorf("row 5 = %+v\nwant %+v", p, want)
		}
		if raw := res.rows[2].Raw; raw[3] != "icic0000123" || raw[4] != "₹ 2,500" {
			t.Errorf("raw cells changed: %q", raw)
		}
		if r := res.rows[3]; r.Reference() != "PAY-T-0004" || r.Amount() != 0 {
			t.Errorf("rejected row reference/amount = %q/%d", r.Reference(), r.Amount())
		}
	})
	t.Run("multiline", func(t *testing.T) {
		res := readFile(t, "testdata/payouts_multiline.csv")
		p := res.rows[0].Record.(domain.Payout)
		if p.Remark != "Rent Nov flat 4B tower 2" || p.Amount != 12500000 {
			t.Errorf("row 2 = %+v", p)
		}
		if raw := res.rows[0].Raw[7]; raw != "Rent, Nov\nflat 4B, tower 2" {
			t.Errorf("raw remark = %q", raw)
		}
		if p := res.rows[1].Record.(domain.Payout); p.NameAsWritten() != "D'Souza Catering" || p.BeneficiaryName != "DSouza Catering" {
			t.Errorf("name as written %q, as sent %q", p.NameAsWritten(), p.BeneficiaryName)
		}
		if r := res.rows[4]; r.Amount() != 25000000 || r.Reference() != "PAY-M-0005" {
			t.Errorf("rejected IMPS row amount = %d, ref %q; want the amount kept for the totals", r.Amount(), r.Reference())
		}
	})
	t.Run("semicolon", func(t *testing.T) {
		res := readFile(t, "testdata/payouts_semicolon.csv")
		p := res.rows[1].Record.(domain.Payout)
		if p.Phone != "9765432109" || p.Remark != "Courier Nov" || p.Amount != 320000 {
			t.Errorf("row 3 = %+v", p)
		}
		if p := res.rows[3].Record.(domain.Payout); p.Mode != "NEFT" || p.Phone != "9845098450" || p.Amount != 648000 {
			t.Errorf("row 6 = %+v", p)
		}
	})
	t.Run("xlsx numbers", func(t *testing.T) {
		res := readFile(t, "testdata/payouts_numbers.xlsx")
		if msg := res.rows[0].Errors[0].Message; !strings.Contains(msg, "cell C2") || !strings.Contains(msg, "9.17010E+14") || !strings.Contains(msg, "format the column as Text") {
			t.Errorf("row 2: 15-digit account in General: message %q", msg)
		}
		p := res.rows[1].Record.(domain.Payout)
		if p.AccountNumber != "30214567890" || p.Amount != 450000 {
			t.Errorf("row 3 = %+v", p)
		}
		if p := res.rows[4].Record.(domain.Payout); p.Amount != 1500000 {
			t.Errorf("row 7 = %+v", p)
		}
		msg := res.rows[2].Errors[0].Message
		if !strings.Contains(msg, "format the column as Text") || strings.Contains(msg, "12345678901234") {
			t.Errorf("lost digits message = %q", msg)
		}
	})
	t.Run("xlsx dates", func(t *testing.T) {
		res := readFile(t, "testdata/payouts_dates.xlsx")
		if p := res.rows[0].Record.(domain.Payout); p.Amount != 125050 || p.AccountNumber != "50100234567891" {
			t.Errorf("row 2 = %+v", p)
		}
		if p := res.rows[2].Record.(domain.Payout); p.AccountNumber != "001405012345" {
			t.Errorf("text account lost its zeros: %+v", p)
		}
	})
}

// datedSpec is a kind defined outside the package, as a later kind would be, with a date.
var datedSpec = &parsers.Spec{
	Kind: "dated",
	Columns: []parsers.Column{
		{Name: "reference", Required: true},
		{Name: "value_date", Title: "Value Date", Required: true, Aliases: []string{"Date"}},
	},
	// Records are domain's types: a bill's due date stands in for the value date.
	Build: func(c *parsers.Cells) (domain.Record, []domain.RowError) {
		ref, _, _ := c.Get("reference")
		v, _, _ := c.Get("value_date")
		d, err := parsers.ParseDate(v, c.Date1904())
		if err != nil {
			c.Add("value_date", "date_format", err.Error())
			return domain.Bill{Reference: ref}, c.Errors()
		}
		return domain.Bill{Reference: ref, DueDate: d.Format("2006-01-02")}, nil
	},
}

// valueDate returns the value date datedSpec read from a row, or "" for a rejected row.
func valueDate(r parsers.Row) string {
	if !r.Valid() {
		return ""
	}
	return r.Record.(domain.Bill).DueDate
}

func TestReader_Dates(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/payouts_dates.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	res, err := read(t, "payouts_dates.xlsx", b, datedSpec)
	if err != nil || res.fatal != nil {
		t.Fatal(err, res.fatal)
	}
	var got []string
	for _, r := range res.rows {
		got = append(got, valueDate(r))
	}
	want := []string{"2026-11-23", "2027-01-01", "2028-02-29"}
	if !slices.Equal(got, want) {
		t.Errorf("dates = %v; want %v", got, want)
	}

	t.Run("1904", func(t *testing.T) {
		f := excelize.NewFile()
		defer f.Close()
		yes := true
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
			t.Fatal(err)
		}
		must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"Reference", "Value Date"}))
		must(t, f.SetSheetRow("Sheet1", "A2", &[]any{"R1", 44887}))
		res, err := read(t, "d.xlsx", xlsxBytes(t, f), datedSpec)
		if err != nil || res.fatal != nil {
			t.Fatal(err, res.fatal)
		}
		if got := valueDate(res.rows[0]); got != "2026-11-23" {
			t.Errorf("1904 serial read as %v", got)
		}
	})
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func xlsxBytes(t testing.TB, f *excelize.File) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const header = "Reference,Beneficiary Name,Account Number,IFSC,Amount,Mode\n"

func TestOpen_FileErrors(t *testing.T) {
	t.Parallel()
	cp1252, err := os.ReadFile("testdata/payouts_cp1252.csv")
	if err != nil {
		t.Fatal(err)
	}
	numbers, err := os.ReadFile("testdata/payouts_numbers.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...)
	encrypted := append(slices.Clone(ole), []byte("E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o\x00")...)

	cases := []struct {
		name    string
		file    string
		content []byte
		want    parsers.FileError // File is always the file's name
	}{
		{"empty", "payouts.csv", nil, parsers.FileError{Rule: "empty_file"}},
		{"blank lines only", "payouts.csv", []byte("\n\r\n,,,\n"), parsers.FileError{Rule: "empty_file"}},
		{"windows-1252", "payouts.csv", cp1252, parsers.FileError{Line: 3, Rule: "not_utf8"}},
		{"utf-16", "payouts.csv", []byte("\xff\xfeR\x00e\x00f\x00"), parsers.FileError{Line: 1, Rule: "not_utf8"}},
		{"binary", "payouts.csv", []byte("\x00\x01\x02garbage\x00\xff"), parsers.FileError{Rule: "not_text"}},
		{"pdf", "payouts.pdf", []byte("%PDF-1.4"), parsers.FileError{Rule: "not_csv_or_xlsx"}},
		{"text named xlsx", "payouts.xlsx", []byte(header), parsers.FileError{Rule: "not_xlsx"}},
		{"old xls", "payouts.xls", ole, parsers.FileError{Rule: "old_excel_format"}},
		{"encrypted", "payouts.xlsx", encrypted, parsers.FileError{Rule: "password_protected"}},
		{"truncated xlsx", "payouts.xlsx", numbers[:len(numbers)*2/3], parsers.FileError{Rule: "damaged_xlsx"}},
		{"zip that is no workbook", "payouts.xlsx", zipOf(t, "hello.txt", "hi"), parsers.FileError{Rule: "damaged_xlsx"}},
		{"missing required column", "payouts.csv", []byte("Reference,Name,Account Number,IFSC,Mode\nP1,A,123456789,HDFC0001234,NEFT\n"),
			parsers.FileError{Line: 1, Column: "Amount", Rule: "missing_column"}},
		{"no account and no vpa", "payouts.csv", []byte("Reference,Name,Amount,Mode\n"),
			parsers.FileError{Line: 1, Column: "Account Number", Rule: "missing_column"}},
		{"account without ifsc", "payouts.csv", []byte("\n\nReference,Name,Account Number,Amount,Mode\n"),
			parsers.FileError{Line: 3, Column: "IFSC", Rule: "missing_column"}},
		{"duplicate column", "payouts.csv", []byte("Reference,Name,Payee Name,VPA,Amount,Mode\n"),
			parsers.FileError{Line: 1, Column: "Payee Name", Rule: "duplicate_column"}},
		{"unknown kind", "november.csv", []byte("Date,Narration,Debit,Credit\n"), parsers.FileError{Line: 1, Rule: "unknown_kind"}},
		{"unclosed quote", "payouts.csv", []byte(header + "P1,\"Ramesh,123456789,HDFC0001234,100,NEFT\nP2,Sita,123456789,HDFC0001234,100,NEFT\n"),
			parsers.FileError{Line: 2, Rule: "csv_quote"}},
		{"quote in header", "payouts.csv", []byte("Reference,Na\"me,VPA,Amount,Mode\n"), parsers.FileError{Line: 1, Rule: "csv_quote"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res, err := read(t, c.file, c.content, nil)
			if err == nil {
				err = res.fatal
			}
			var fe *parsers.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error = %v (%T); want a *FileError", err, err)
			}
			want := c.want
			want.File, want.Message = c.file, fe.Message
			if *fe != want {
				t.Errorf("error = %+v\nwant %+v", *fe, want)
			}
			if fe.Message == "" || !strings.HasPrefix(fe.Error(), c.file+": ") {
				t.Errorf("error text %q", fe.Error())
			}
		})
	}
}

func zipOf(t testing.TB, name, content string) []byte {
	t.Helper()
	f := excelize.NewFile() // only for its zip writer
	defer f.Close()
	var buf bytes.Buffer
	zw := f.ZipWriter(&buf)
	w, err := zw.Create(name)
	must(t, err)
	_, err = w.Write([]byte(content))
	must(t, err)
	must(t, zw.Close())
	return buf.Bytes()
}

func TestFileError_Error(t *testing.T) {
	t.Parallel()
	fe := &parsers.FileError{File: "payouts_nov.csv", Line: 1, Column: "IFSC", Rule: "missing_column", Message: "the header has no IFSC column"}
	if got, want := fe.Error(), `payouts_nov.csv: line 1: column "IFSC": missing_column: the header has no IFSC column`; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	fe = &parsers.FileError{File: "x.pdf", Rule: "not_csv_or_xlsx", Message: "no"}
	if got := fe.Error(); got != "x.pdf: not_csv_or_xlsx: no" {
		t.Errorf("Error() = %q", got)
	}
}

func TestOpen_MissingColumnMessage(t *testing.T) {
	t.Parallel()
	_, err := read(t, "payouts.csv", []byte("Ref,Payee,IFSC Code,A/c No\n"), nil)
	var fe *parsers.FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v", err)
	}
	for _, want := range []string{`"Amount"`, "Amount (INR)", `"Mode"`, "Payment Mode"} {
		if !strings.Contains(fe.Message, want) {
			t.Errorf("message %q does not mention %s", fe.Message, want)
		}
	}
}

func TestReader_CSVRows(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		body string
		good []int
		errs []loc
	}{
		{"tab delimited", "Reference\tName\tVPA\tAmount\tMode\nP1\tRamesh\tramesh@ybl\t100\tUPI\n", []int{2}, nil},
		{"trailing empty cells", header + "P1,Ramesh,123456789,HDFC0001234,100,NEFT,,,\n", []int{2}, nil},
		{"fewer cells", header + "P1,Ramesh,123456789,HDFC0001234\n", nil,
			[]loc{{2, "Mode", "mode_required"}, {2, "Amount", "amount_required"}}},
		{"stray quote", header + "P1,Ram\"esh,123456789,HDFC0001234,100,NEFT\nP2,Sita,123456789,HDFC0001234,100,NEFT\n", []int{3},
			[]loc{{2, "", "csv_quote"}}},
		{"spaces only rows skipped", header + "  , ,\n\nP1,Ramesh,123456789,HDFC0001234,100,NEFT\n", []int{4}, nil},
		{"no final newline", header + "P1,Ramesh,123456789,HDFC0001234,100,NEFT", []int{2}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res, err := read(t, "payouts.csv", []byte(c.body), nil)
			if err != nil || res.fatal != nil {
				t.Fatal(err, res.fatal)
			}
			if got := goodLines(res.rows); !slices.Equal(got, c.good) {
				t.Errorf("good rows on lines %v; want %v", got, c.good)
			}
			if got := locs(res.rows); !slices.Equal(got, c.errs) {
				t.Errorf("errors\n got %v\nwant %v", got, c.errs)
			}
		})
	}
}

func TestReader_XLSX(t *testing.T) {
	t.Parallel()
	t.Run("formula without value", func(t *testing.T) {
		f := excelize.NewFile()
		defer f.Close()
		must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"Reference", "Name", "VPA", "Amount", "Mode", "Branch"}))
		must(t, f.SetSheetRow("Sheet1", "A2", &[]any{"P1", "Ramesh", "ramesh@ybl", 100, "UPI"}))
		must(t, f.SetSheetRow("Sheet1", "A3", &[]any{"P2", "Sita", "sita@ybl", nil, "UPI"}))
		must(t, f.SetCellFormula("Sheet1", "D3", "D2*2"))
		must(t, f.SetSheetRow("Sheet1", "A5", &[]any{"P3", "Gita", "gita@ybl", 300, "UPI"}))
		must(t, f.SetCellFormula("Sheet1", "F5", "A5")) // in a column the kind does not read
		res, err := read(t, "payouts.xlsx", xlsxBytes(t, f), nil)
		if err != nil || res.fatal != nil {
			t.Fatal(err, res.fatal)
		}
		if got := goodLines(res.rows); !slices.Equal(got, []int{2, 5}) {
			t.Errorf("good rows %v", got)
		}
		if got, want := locs(res.rows), []loc{{3, "Amount", "formula_without_value"}}; !slices.Equal(got, want) {
			t.Errorf("errors %v; want %v", got, want)
		}
	})
	t.Run("two visible sheets with data", func(t *testing.T) {
		// A notes sheet beside the data sheet: both are visible and hold data, so the file
		// is refused, naming them, rather than one of them being left out in silence.
		f := excelize.NewFile()
		defer f.Close()
		must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"Notes"}))
		_, err := f.NewSheet("Payouts")
		must(t, err)
		must(t, f.SetSheetRow("Payouts", "A1", &[]any{"Reference", "Name", "VPA", "Amount", "Mode"}))
		must(t, f.SetSheetRow("Payouts", "A3", &[]any{"P1", "Ramesh", "ramesh@ybl", 1250.1, "UPI"}))
		_, err = read(t, "november.xlsx", xlsxBytes(t, f), nil)
		var fe *parsers.FileError
		if !errors.As(err, &fe) || fe.Rule != "several_sheets" || !strings.Contains(fe.Message, `"Sheet1", "Payouts"`) {
			t.Errorf("error = %v; want several_sheets naming both sheets", err)
		}
	})
	t.Run("first visible sheet", func(t *testing.T) {
		f := excelize.NewFile()
		defer f.Close()
		must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"Old"}))
		_, err := f.NewSheet("Data")
		must(t, err)
		must(t, f.SetSheetRow("Data", "A1", &[]any{"Reference", "Name", "VPA", "Amount", "Mode"}))
		must(t, f.SetSheetRow("Data", "A2", &[]any{"P1", "Ramesh", "ramesh@ybl", "1,250", "UPI"}))
		f.SetActiveSheet(1)
		must(t, f.SetSheetVisible("Sheet1", false))
		res, err := read(t, "payouts.xlsx", xlsxBytes(t, f), nil)
		if err != nil || res.fatal != nil {
			t.Fatal(err, res.fatal)
		}
		if len(res.rows) != 1 || !res.rows[0].Valid() {
			t.Errorf("rows = %+v", res.rows)
		}
	})
	t.Run("password protected", func(t *testing.T) {
		f := excelize.NewFile()
		defer f.Close()
		must(t, f.SetSheetRow("Sheet1", "A1", &[]any{"Reference", "Name", "VPA", "Amount", "Mode"}))
		var buf bytes.Buffer
		_, err := f.WriteTo(&buf, excelize.Options{Password: "secret"})
		must(t, err)
		_, err = read(t, "payouts.xlsx", buf.Bytes(), nil)
		var fe *parsers.FileError
		if !errors.As(err, &fe) || fe.Rule != "password_protected" || !strings.Contains(fe.Message, "save it without a password") {
			t.Errorf("error = %v", err)
		}
	})
}

func TestReader_Samples(t *testing.T) {
	t.Parallel()
	t.Run("csv", func(t *testing.T) {
		res := readFile(t, "../samples/inbox/payouts/payouts_2026-11-23.csv")
		want := []loc{
			{5, "IFSC", "ifsc_format"},
			{8, "Account Number", "account_number_length"},
			{11, "Amount", "imps_limit"},
			{14, "Beneficiary Name", "beneficiary_name_required"},
			{17, "Amount", "amount_decimals"},
			{20, "VPA", "vpa_required"},
		}
		if got := locs(res.rows); !slices.Equal(got, want) {
			t.Errorf("errors\n got %v\nwant %v", got, want)
		}
		if len(res.rows) != 30 {
			t.Errorf("%d rows; want 30", len(res.rows))
		}
	})
	t.Run("xlsx", func(t *testing.T) {
		res := readFile(t, "../samples/inbox/payouts/payouts_vendors_2026-11-23.xlsx")
		want := []loc{
			{9, "A/c No", "account_number_lost_digits"},
			{16, "IFSC Code", "ifsc_required"},
			{23, "Mobile", "phone_format"},
		}
		if got := locs(res.rows); !slices.Equal(got, want) {
			t.Errorf("errors\n got %v\nwant %v", got, want)
		}
		if len(res.rows) != 30 {
			t.Errorf("%d rows; want 30", len(res.rows))
		}
	})
}
