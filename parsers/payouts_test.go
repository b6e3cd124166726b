package parsers_test

import (
	"slices"
	"strings"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/parsers"
)

var payoutHeader = []string{"Reference", "Beneficiary Name", "Account Number", "IFSC", "VPA", "Amount", "Mode", "Remark", "Email", "Phone", "Beneficiary ID"}

// payoutRow is a valid payout row; tests change one thing at a time.
func payoutRow() map[string]string {
	return map[string]string{
		"Reference": "PAY-20261123-0001", "Beneficiary Name": "Ramesh Kumar", "Account Number": "50100234567891",
		"IFSC": "HDFC0001234", "Amount": "1,250.50", "Mode": "NEFT",
	}
}

func buildPayout(t testing.TB, cells map[string]string) (any, string, domain.Paise, []domain.RowError) {
	t.Helper()
	return buildRow(t, parsers.Payouts, payoutHeader, 7, cells)
}

func TestPayouts_Build(t *testing.T) {
	t.Parallel()
	t.Run("valid", func(t *testing.T) {
		row := payoutRow()
		row["Remark"] = "Nov rent - flat #4B"
		row["Email"] = "ramesh@example.in"
		row["Phone"] = "+91 98450 12345"
		row["Beneficiary ID"] = "BEN42"
		row["IFSC"] = " hdfc0001234 "
		row["Account Number"] = "5010 0234 5678 91"
		rec, ref, amt, errs := buildPayout(t, row)
		want := domain.Payout{Reference: "PAY-20261123-0001", BeneficiaryName: "Ramesh Kumar", AccountNumber: "50100234567891",
			IFSC: "HDFC0001234", Amount: 125050, Mode: "NEFT", Remark: "Nov rent flat 4B", RemarkAsWritten: "Nov rent - flat #4B", Email: "ramesh@example.in",
			Phone: "9845012345", BeneficiaryID: "BEN42"}
		if errs != nil || rec != want || ref != want.Reference || amt != 125050 {
			t.Errorf("Build = %+v, %q, %d, %v\nwant %+v", rec, ref, amt, errs, want)
		}
	})
	t.Run("name and remark as sent", func(t *testing.T) {
		for _, c := range []struct{ name, sent, remark, remarkSent string }{
			{"Sharma & Sons Pvt. Ltd.", "Sharma and Sons Pvt Ltd", "Invoice #1187 & #1188 (Nov)", "Invoice 1187 and 1188 Nov"},
			{"D'Souza  Catering", "DSouza Catering", "-", ""},
			{"Ramesh Kumar", "Ramesh Kumar", "Nov rent", "Nov rent"},
			{"Jean-Luc Menon", "Jean Luc Menon", "₹ refund!", "refund"},
		} {
			row := payoutRow()
			row["Beneficiary Name"], row["Remark"] = c.name, c.remark
			rec, _, _, errs := buildPayout(t, row)
			if errs != nil {
				t.Errorf("%q: errors %v", c.name, errs)
				continue
			}
			p := rec.(domain.Payout)
			if p.BeneficiaryName != c.sent || p.NameAsWritten() != c.name || p.Remark != c.remarkSent {
				t.Errorf("%q, %q: sent %q (written %q), remark %q (written %q); want %q, %q", c.name, c.remark,
					p.BeneficiaryName, p.NameAsWritten(), p.Remark, p.RemarkAsWritten, c.sent, c.remarkSent)
			}
			if (p.BeneficiaryNameAsWritten == "") != (c.name == c.sent) || (p.RemarkAsWritten == "") != (c.remark == c.remarkSent) {
				t.Errorf("%q: the as-written fields are kept only when they differ from what is sent: %+v", c.name, p)
			}
		}
	})
	t.Run("upi", func(t *testing.T) {
		row := payoutRow()
		row["Account Number"], row["IFSC"], row["VPA"], row["Mode"] = "", "", "ramesh@okhdfcbank", "upi"
		rec, _, _, errs := buildPayout(t, row)
		if errs != nil || rec.(domain.Payout).Mode != "UPI" || rec.(domain.Payout).VPA != "ramesh@okhdfcbank" {
			t.Errorf("Build = %+v, %v", rec, errs)
		}
	})
	t.Run("rtgs above two lakh", func(t *testing.T) {
		row := payoutRow()
		row["Amount"], row["Mode"] = "5,00,000", "RTGS"
		if _, _, amt, errs := buildPayout(t, row); errs != nil || amt != 50000000 {
			t.Errorf("Build = %d, %v", amt, errs)
		}
	})
	t.Run("imps at the limit", func(t *testing.T) {
		row := payoutRow()
		row["Amount"], row["Mode"] = "2,00,000.00", "IMPS"
		if _, _, _, errs := buildPayout(t, row); errs != nil {
			t.Errorf("errors %v", errs)
		}
	})

	cases := []struct {
		name   string
		change map[string]string
		want   []loc
	}{
		{"reference required", map[string]string{"Reference": " "}, []loc{{7, "Reference", "reference_required"}}},
		{"reference too long", map[string]string{"Reference": strings.Repeat("A", 41)}, []loc{{7, "Reference", "reference_length"}}},
		{"reference characters", map[string]string{"Reference": "PAY/2026 01"}, []loc{{7, "Reference", "reference_format"}}},
		{"name required", map[string]string{"Beneficiary Name": ""}, []loc{{7, "Beneficiary Name", "beneficiary_name_required"}}},
		{"name too long", map[string]string{"Beneficiary Name": strings.Repeat("Ab ", 34)}, []loc{{7, "Beneficiary Name", "beneficiary_name_length"}}},
		{"name characters", map[string]string{"Beneficiary Name": "M/s Balaji Traders"}, []loc{{7, "Beneficiary Name", "beneficiary_name_format"}}},
		{"name with a digit", map[string]string{"Beneficiary Name": "Shop 24 Traders"}, []loc{{7, "Beneficiary Name", "beneficiary_name_format"}}},
		{"name in another script", map[string]string{"Beneficiary Name": "रमेश कुमार"}, []loc{{7, "Beneficiary Name", "beneficiary_name_format"}}},
		{"name with an accent", map[string]string{"Beneficiary Name": "José Dsouza"}, []loc{{7, "Beneficiary Name", "beneficiary_name_format"}}},
		{"name with no letters", map[string]string{"Beneficiary Name": ". - ."}, []loc{{7, "Beneficiary Name", "beneficiary_name_format"}}},
		{"name too long once sent", map[string]string{"Beneficiary Name": strings.Repeat("A&", 40)}, []loc{{7, "Beneficiary Name", "beneficiary_name_length"}}},
		{"remark in another script", map[string]string{"Remark": "नवंबर का किराया"}, []loc{{7, "Remark", "remark_format"}}},
		{"email too long for Enkash", map[string]string{"Email": strings.Repeat("a", 190) + "@example.in"}, []loc{{7, "Email", "email_length"}}},
		{"mode required", map[string]string{"Mode": ""}, []loc{{7, "Mode", "mode_required"}}},
		{"mode invalid", map[string]string{"Mode": "CHEQUE"}, []loc{{7, "Mode", "mode_invalid"}}},
		{"upi without vpa", map[string]string{"Mode": "UPI"}, []loc{{7, "VPA", "vpa_required"}}},
		{"account and vpa", map[string]string{"VPA": "ramesh@ybl"}, []loc{{7, "VPA", "account_and_vpa"}}},
		{"upi with both", map[string]string{"VPA": "ramesh@ybl", "Mode": "UPI"}, []loc{{7, "VPA", "account_and_vpa"}}},
		{"neft with vpa only", map[string]string{"VPA": "ramesh@ybl", "Account Number": "", "IFSC": ""}, []loc{{7, "Account Number", "account_number_required"}}},
		{"neft without account", map[string]string{"Account Number": ""}, []loc{{7, "Account Number", "account_number_required"}}},
		{"neft without ifsc", map[string]string{"IFSC": ""}, []loc{{7, "IFSC", "ifsc_required"}}},
		{"ifsc format", map[string]string{"IFSC": "HDFC1001234"}, []loc{{7, "IFSC", "ifsc_format"}}},
		{"account letters", map[string]string{"Account Number": "50100A34567891"}, []loc{{7, "Account Number", "account_number_format"}}},
		{"account short", map[string]string{"Account Number": "12345678"}, []loc{{7, "Account Number", "account_number_length"}}},
		{"account long", map[string]string{"Account Number": "1234567890123456789"}, []loc{{7, "Account Number", "account_number_length"}}},
		{"vpa format", map[string]string{"VPA": "ramesh", "Account Number": "", "IFSC": "", "Mode": "UPI"}, []loc{{7, "VPA", "vpa_format"}}},
		{"amount required", map[string]string{"Amount": ""}, []loc{{7, "Amount", "amount_required"}}},
		{"amount decimals", map[string]string{"Amount": "12.345"}, []loc{{7, "Amount", "amount_decimals"}}},
		{"amount negative", map[string]string{"Amount": "-5"}, []loc{{7, "Amount", "amount_negative"}}},
		{"amount zero", map[string]string{"Amount": "0"}, []loc{{7, "Amount", "amount_minimum"}}},
		{"amount below a rupee", map[string]string{"Amount": "0.99"}, []loc{{7, "Amount", "amount_minimum"}}},
		{"imps limit", map[string]string{"Amount": "2,00,000.01", "Mode": "imps"}, []loc{{7, "Amount", "imps_limit"}}},
		{"email", map[string]string{"Email": "ramesh@"}, []loc{{7, "Email", "email_format"}}},
		{"phone", map[string]string{"Phone": "044-28112233"}, []loc{{7, "Phone", "phone_format"}}},
		{"everything at once", map[string]string{"Reference": "", "Beneficiary Name": "", "Mode": "UPI", "Amount": "x", "Email": "no"},
			[]loc{{7, "Reference", "reference_required"}, {7, "Beneficiary Name", "beneficiary_name_required"},
				{7, "VPA", "vpa_required"}, {7, "Amount", "amount_format"}, {7, "Email", "email_format"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			row := payoutRow()
			for k, v := range c.change {
				row[k] = v
			}
			rec, _, _, errs := buildPayout(t, row)
			var got []loc
			for _, e := range errs {
				got = append(got, loc{e.Line, e.Column, e.Rule})
				if e.Message == "" {
					t.Errorf("rule %s has no message", e.Rule)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("errors\n got %v\nwant %v", got, c.want)
			}
			if rec != nil {
				t.Errorf("a row with errors has a record: %+v", rec)
			}
		})
	}
}

func TestPayouts_Messages(t *testing.T) {
	t.Parallel()
	row := payoutRow()
	row["Account Number"] = "9876543210123456789"
	_, _, _, errs := buildPayout(t, row)
	if len(errs) != 1 || strings.Contains(errs[0].Message, "98765432101234") || !strings.Contains(errs[0].Message, "6789") {
		t.Errorf("account message does not mask the number: %v", errs)
	}
	row = payoutRow()
	row["Amount"], row["Mode"] = "3,00,000", "IMPS"
	_, _, amt, errs := buildPayout(t, row)
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "IMPS allows at most ₹2,00,000.00 per transfer; use NEFT or RTGS") {
		t.Errorf("IMPS message = %v", errs)
	}
	if amt != 30000000 {
		t.Errorf("amount of a rejected row = %d; want it kept", amt)
	}
}

func TestSpec_Match(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"IFSC Code": "ifsc", "ifsc_code": "ifsc", "A/c No": "account_number", "Account No.": "account_number",
		"ACCOUNT NUMBER": "account_number", "Bank Account": "account_number", "Amount (INR)": "amount",
		"Amount (₹)": "amount", "Amount(Rs.)": "amount", "Amount Rs": "amount", "amount_in_rupees": "amount",
		"Txn Ref": "reference", "Payment Reference": "reference", "Reference No": "reference",
		"Beneficiary": "beneficiary_name", "Beneficiary Name": "beneficiary_name", "Name": "beneficiary_name",
		"Payee Name": "beneficiary_name", "UPI ID": "vpa", "VPA": "vpa", "Payment Mode": "mode",
		"Transfer Mode": "mode", "Narration": "remark", "Remarks": "remark", "Mobile": "phone",
		"Email ID": "email", "e-mail": "email", "Beneficiary ID": "beneficiary_id", "Reference*": "reference",
		"\ufeffReference": "reference", " beneficiary   name ": "beneficiary_name",
	}
	for h, want := range cases {
		i, ok := parsers.Payouts.Match(h)
		if !ok || parsers.Payouts.Columns[i].Name != want {
			t.Errorf("Match(%q) = %d, %v; want %s", h, i, ok, want)
		}
	}
	for _, h := range []string{"", "Branch", "Amount (USD)", "Date", "Account Type"} {
		if i, ok := parsers.Payouts.Match(h); ok {
			t.Errorf("Match(%q) = %s", h, parsers.Payouts.Columns[i].Name)
		}
	}
}

func TestDetectKind(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		header []string
		kind   domain.Kind
		ok     bool
	}{
		{"payouts_nov.csv", nil, domain.KindPayouts, true},
		{"/inbox/Payouts_2026.XLSX", nil, domain.KindPayouts, true},
		{"payout_nov.csv", nil, domain.KindPayouts, true},
		{"payouts.csv", nil, domain.KindPayouts, true},
		// A word inside the name, or a kind not followed by '_', decides nothing.
		{"/inbox/Payouts-2026.XLSX", nil, "", false},
		{"vendor_payout_list.csv", nil, "", false},
		{"november.csv", []string{"Txn Ref", "Payee Name", "UPI ID", "Amount (₹)", "Payment Mode"}, domain.KindPayouts, true},
		{"november.csv", []string{"Txn Ref", "Payee Name", "UPI ID", "Payment Mode"}, "", false},
		{"november.csv", []string{"Date", "Narration", "Debit", "Credit"}, "", false},
	}
	for _, c := range cases {
		k, ok := parsers.DetectKind(c.name, c.header)
		if k != c.kind || ok != c.ok {
			t.Errorf("DetectKind(%q, %q) = %q, %v; want %q, %v", c.name, c.header, k, ok, c.kind, c.ok)
		}
	}
	if s, ok := parsers.SpecFor(domain.KindPayouts); !ok || s != parsers.Payouts {
		t.Error("SpecFor(payouts) is not Payouts")
	}
	if _, ok := parsers.SpecFor("rewards"); ok {
		t.Error("SpecFor(rewards) found a spec")
	}
}
