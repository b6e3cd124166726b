package parsers_test

import (
	"slices"
	"strings"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/parsers"
)

var billHeader = []string{"Reference", "Biller ID", "Consumer Number", "AD1", "AD2", "Amount", "Due Date", "Bill Date", "Circle", "Remarks"}

// billRow is a valid bill row; tests change one thing at a time.
func billRow() map[string]string {
	return map[string]string{
		"Reference": "BILL-20261123-0001", "Biller ID": "1042", "Consumer Number": "110023456789",
		"Amount": "₹ 2,345.50", "Due Date": "30-11-2026", "Bill Date": "2026-11-10",
	}
}

func buildBill(t testing.TB, cells map[string]string) (any, string, domain.Paise, []domain.RowError) {
	t.Helper()
	return buildRow(t, parsers.Bills, billHeader, 9, cells)
}

func TestBills_Build(t *testing.T) {
	t.Parallel()
	t.Run("valid", func(t *testing.T) {
		row := billRow()
		row["Circle"] = "karnataka"
		row["Remarks"] = "Nov power - HQ"
		row["AD1"] = "BU-0042"
		rec, ref, amt, errs := buildBill(t, row)
		want := domain.Bill{Reference: "BILL-20261123-0001", BillerID: "1042", ConsumerNumber: "110023456789", AD1: "BU-0042",
			Amount: 234550, DueDate: "2026-11-30", BillDate: "2026-11-10", Circle: "Karnataka", Remarks: "Nov power HQ"}
		if errs != nil || rec != want || ref != want.Reference || amt != 234550 {
			t.Errorf("Build = %+v, %q, %d, %v\nwant %+v", rec, ref, amt, errs, want)
		}
		if rec.(domain.Bill).Fetch() {
			t.Error("a bill with an amount is fetched")
		}
	})
	t.Run("no amount means fetch", func(t *testing.T) {
		row := billRow()
		row["Amount"], row["Due Date"], row["Bill Date"] = "", "", ""
		rec, _, amt, errs := buildBill(t, row)
		if errs != nil || amt != 0 || !rec.(domain.Bill).Fetch() {
			t.Errorf("Build = %+v, %d, %v", rec, amt, errs)
		}
	})
	t.Run("circle spellings", func(t *testing.T) {
		for in, want := range map[string]string{"Jammu & Kashmir": "Jammu Kashmir", "DELHI": "Delhi NCR", "maharashtra-goa": "Maharashtra Goa", "Orissa": "Odisha"} {
			row := billRow()
			row["Circle"] = in
			rec, _, _, errs := buildBill(t, row)
			if errs != nil || rec.(domain.Bill).Circle != want {
				t.Errorf("circle %q: %+v, %v; want %q", in, rec, errs, want)
			}
		}
	})

	type broken struct{ column, rule string }
	cases := map[string]struct {
		change func(map[string]string)
		want   []broken
	}{
		"empty reference":      {func(r map[string]string) { r["Reference"] = "" }, []broken{{"Reference", "reference_required"}}},
		"reference with space": {func(r map[string]string) { r["Reference"] = "BILL 1" }, []broken{{"Reference", "reference_format"}}},
		"long reference":       {func(r map[string]string) { r["Reference"] = strings.Repeat("B", 41) }, []broken{{"Reference", "reference_length"}}},
		"no biller":            {func(r map[string]string) { r["Biller ID"] = "" }, []broken{{"Biller ID", "biller_id_required"}}},
		"biller by name":       {func(r map[string]string) { r["Biller ID"] = "BESCOM" }, []broken{{"Biller ID", "biller_id_format"}}},
		"biller zero":          {func(r map[string]string) { r["Biller ID"] = "000" }, []broken{{"Biller ID", "biller_id_format"}}},
		"no consumer number":   {func(r map[string]string) { r["Consumer Number"] = "" }, []broken{{"Consumer Number", "consumer_number_required"}}},
		"consumer with space":  {func(r map[string]string) { r["Consumer Number"] = "1100 234" }, []broken{{"Consumer Number", "consumer_number_format"}}},
		"long consumer":        {func(r map[string]string) { r["Consumer Number"] = strings.Repeat("9", 51) }, []broken{{"Consumer Number", "consumer_number_length"}}},
		"amount below 1":       {func(r map[string]string) { r["Amount"] = "0.50" }, []broken{{"Amount", "amount_minimum"}}},
		"amount zero":          {func(r map[string]string) { r["Amount"] = "0" }, []broken{{"Amount", "amount_minimum"}}},
		"amount 3 decimals":    {func(r map[string]string) { r["Amount"] = "12.345" }, []broken{{"Amount", "amount_decimals"}}},
		"amount negative":      {func(r map[string]string) { r["Amount"] = "-120" }, []broken{{"Amount", "amount_negative"}}},
		"bad due date":         {func(r map[string]string) { r["Due Date"] = "31-11-2026" }, []broken{{"Due Date", "due_date_format"}}},
		"bad bill date":        {func(r map[string]string) { r["Bill Date"] = "Nov 10" }, []broken{{"Bill Date", "bill_date_format"}}},
		"bill after due":       {func(r map[string]string) { r["Bill Date"] = "01/12/2026" }, []broken{{"Bill Date", "bill_date_after_due"}}},
		"unknown circle":       {func(r map[string]string) { r["Circle"] = "Atlantis" }, []broken{{"Circle", "circle_unknown"}}},
		"long ad1":             {func(r map[string]string) { r["AD1"] = strings.Repeat("x", 101) }, []broken{{"AD1", "ad1_length"}}},
		"several at once": {func(r map[string]string) { r["Biller ID"], r["Amount"], r["Circle"] = "", "abc", "Mars" },
			[]broken{{"Biller ID", "biller_id_required"}, {"Amount", "amount_format"}, {"Circle", "circle_unknown"}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			row := billRow()
			tc.change(row)
			rec, _, _, errs := buildBill(t, row)
			if rec != nil {
				t.Errorf("record %+v from a bad row", rec)
			}
			var got []broken
			for _, e := range errs {
				got = append(got, broken{e.Column, e.Rule})
				if e.Line != 9 || e.Message == "" {
					t.Errorf("error %+v: want line 9 and a message", e)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("errors = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestBills_HeaderAliases(t *testing.T) {
	t.Parallel()
	header := []string{"Ref No", "Biller Code", "CA Number", "Bill Amount (₹)", "Bill Due Date", "Telecom Circle", "Narration"}
	c, err := parsers.NewCells(parsers.Bills, header)
	if err != nil {
		t.Fatal(err)
	}
	c.Reset(2, []string{"EB-7", "77", "K-9981/22", "1,499", "5/12/2026", "Mumbai", "office"})
	rec, errs := parsers.Bills.Build(c)
	want := domain.Bill{Reference: "EB-7", BillerID: "77", ConsumerNumber: "K-9981/22", Amount: 149900, DueDate: "2026-12-05", Circle: "Mumbai", Remarks: "office"}
	if errs != nil || rec != want {
		t.Errorf("Build = %+v, %v; want %+v", rec, errs, want)
	}
	if _, err := parsers.NewCells(parsers.Bills, []string{"Reference", "Biller ID", "Amount"}); err == nil || !strings.Contains(err.Error(), "Consumer Number") {
		t.Errorf("missing consumer number column: %v", err)
	}
	if k, ok := parsers.DetectKind("upload.csv", header); !ok || k != domain.KindBills {
		t.Errorf("DetectKind by header = %q, %v", k, ok)
	}
}
