package parsers_test

import (
	"slices"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/parsers"
)

var customerHeader = []string{"Customer Reference", "Legal Name", "GSTIN", "PAN", "Contact Name", "Mobile", "Email", "Address", "State", "PIN Code", "Account Number", "IFSC"}

// customerRow is a valid customer row; tests change one thing at a time.
func customerRow() map[string]string {
	return map[string]string{
		"Customer Reference": "CUST-0001", "Legal Name": "Umbrella Traders LLP", "GSTIN": "27AAPFU0939F1ZV",
		"PAN": "AAPFU0939F", "Contact Name": "Anita Desai", "Mobile": "+91 98200 11223", "State": "Maharashtra",
		"PIN Code": "400001",
	}
}

func buildCustomer(t testing.TB, cells map[string]string) (any, []domain.RowError) {
	t.Helper()
	rec, _, _, errs := buildRow(t, parsers.Customers, customerHeader, 3, cells)
	return rec, errs
}

func rules(errs []domain.RowError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Rule)
	}
	slices.Sort(out)
	return out
}

// TestValidGSTIN_RealFormat checks the check character against GSTINs of real format: valid ones, and the
// same with one character changed.
func TestValidGSTIN_RealFormat(t *testing.T) {
	t.Parallel()
	valid := []string{"27AAPFU0939F1ZV", "24AAACC1206D1ZM", "29AAGCB7383J1Z4", "09AAACH7409R1ZZ"}
	for _, g := range valid {
		if !parsers.ValidGSTIN(g) {
			t.Errorf("ValidGSTIN(%s) = false, want true", g)
		}
		for _, broken := range []string{g[:14] + nextChar(g[14]), g[:5] + nextChar(g[5]) + g[6:], g[:9] + nextChar(g[9]) + g[10:]} {
			if parsers.ValidGSTIN(broken) {
				t.Errorf("ValidGSTIN(%s) (one character off %s) = true, want false", broken, g)
			}
		}
	}
	for _, g := range []string{"", "27AAPFU0939F1Z", "27aapfu0939f1zv", "AAAPFU0939F1ZVX", "27AAPFU0939F1ZV1"} {
		if parsers.ValidGSTIN(g) {
			t.Errorf("ValidGSTIN(%q) = true, want false", g)
		}
	}
}

func nextChar(c byte) string {
	switch {
	case c == '9':
		return "A"
	case c == 'Z':
		return "0"
	}
	return string(c + 1)
}

func TestCustomers_Build(t *testing.T) {
	t.Parallel()
	t.Run("valid", func(t *testing.T) {
		row := customerRow()
		row["Email"], row["Account Number"], row["IFSC"] = "anita@umbrella.example", "50100234567891", "hdfc0001234"
		rec, errs := buildCustomer(t, row)
		want := domain.Customer{Reference: "CUST-0001", LegalName: "Umbrella Traders LLP", GSTIN: "27AAPFU0939F1ZV", PAN: "AAPFU0939F",
			ContactName: "Anita Desai", Mobile: "9820011223", Email: "anita@umbrella.example", State: "Maharashtra", PIN: "400001",
			AccountNumber: "50100234567891", IFSC: "HDFC0001234"}
		if errs != nil || rec != want {
			t.Errorf("Build = %+v, %v\nwant %+v", rec, errs, want)
		}
	})
	cases := []struct {
		name  string
		edit  func(map[string]string)
		rules []string
	}{
		{"state by code", func(r map[string]string) { r["State"] = "27" }, nil},
		{"pan only", func(r map[string]string) { r["GSTIN"] = ""; r["State"] = "Kerala" }, nil},
		{"check digit", func(r map[string]string) { r["GSTIN"] = "27AAPFU0939F1ZW" }, []string{"gstin_check_digit"}},
		{"embedded pan", func(r map[string]string) { r["PAN"] = "AAPFU0939G" }, []string{"gstin_pan_mismatch"}},
		{"state mismatch", func(r map[string]string) { r["State"] = "Karnataka" }, []string{"gstin_state_mismatch"}},
		{"unknown state", func(r map[string]string) { r["State"] = "Atlantis" }, []string{"state_unknown"}},
		{"bad state code in gstin", func(r map[string]string) { r["GSTIN"] = "55AAPFU0939F1ZV"; r["State"] = "" }, []string{"gstin_state_code"}},
		{"gstin length", func(r map[string]string) { r["GSTIN"] = "27AAPFU0939F1Z" }, []string{"gstin_format"}},
		{"neither", func(r map[string]string) { r["GSTIN"], r["PAN"] = "", "" }, []string{"gstin_or_pan_required"}},
		{"pan format", func(r map[string]string) { r["GSTIN"], r["PAN"] = "", "AAPF0939FU" }, []string{"pan_format"}},
		{"everything else", func(r map[string]string) {
			r["Customer Reference"], r["Legal Name"], r["Contact Name"] = "CUST 1", "", ""
			r["Mobile"], r["Email"], r["PIN Code"] = "12345", "anita@", "040001"
			r["Account Number"], r["IFSC"] = "1234", "HDFC1234567"
		}, []string{"account_number_format", "contact_name_required", "email_format", "ifsc_format", "legal_name_required",
			"mobile_format", "pincode_format", "reference_format"}},
		{"ifsc without account", func(r map[string]string) { r["IFSC"] = "HDFC0001234" }, []string{"account_number_required"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			row := customerRow()
			tc.edit(row)
			rec, errs := buildCustomer(t, row)
			if got := rules(errs); !slices.Equal(got, tc.rules) {
				t.Errorf("rules = %v, want %v (errors %+v)", got, tc.rules, errs)
			}
			if (rec == nil) != (len(tc.rules) > 0) {
				t.Errorf("record = %+v with %d errors", rec, len(errs))
			}
			for _, e := range errs {
				if e.Line != 3 || e.Column == "" || e.Message == "" {
					t.Errorf("error not located or not worded: %+v", e)
				}
			}
		})
	}
}
