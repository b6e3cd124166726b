package parsers_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/parsers"
)

func TestParseAmount(t *testing.T) {
	t.Parallel()
	good := map[string]domain.Paise{
		"1,23,456.50":        12345650,
		"123456.5":           12345650,
		"₹ 1,250":            125000,
		"₹1,250.75":          125075,
		"INR 1250.00":        125000,
		"inr1250":            125000,
		"Rs. 1250":           125000,
		"Rs 1,250":           125000,
		"rs.99":              9900,
		"1250/-":             125000,
		"Rs. 1,250/-":        125000,
		"1250 INR":           125000,
		"  42  ":             4200,
		"\u00a01,000\u00a0":  100000,
		"123,456.50":         12345650,
		"1,00,00,000":        1000000000,
		"0":                  0,
		"0.5":                50,
		".75":                75,
		"7.":                 700,
		"999999999999.99":    99999999999999,
		"000000000000000001": 100,
		"12,34,56,789.01":    123456789*100 + 1,
		"2,00,000.00":        20000000,
		"1250.10":            125010,
	}
	for in, want := range good {
		got, err := parsers.ParseAmount(in)
		if err != nil || got != want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":                           "amount_required",
		"   ":                        "amount_required",
		"-100":                       "amount_negative",
		"(100)":                      "amount_negative",
		"100-":                       "amount_negative",
		"12.345":                     "amount_decimals",
		"1.000":                      "amount_decimals",
		"12abc":                      "amount_format",
		"abc":                        "amount_format",
		"1e5":                        "amount_format",
		"1.5E+3":                     "amount_format",
		"1000000000000":              "amount_format", // 13 rupee digits
		"12,34":                      "amount_format", // a decimal comma?
		"1,2345":                     "amount_format",
		"1234,567":                   "amount_format",
		",123":                       "amount_format",
		"1,,234":                     "amount_format",
		"18.200,00":                  "amount_format",
		".":                          "amount_format",
		"₹":                          "amount_format",
		"+100":                       "amount_format",
		"1 250":                      "amount_format",
		"१२३":                        "amount_format",
		"12.3.4":                     "amount_format",
		"99999999999999999999999999": "amount_format",
	}
	for in, rule := range bad {
		_, err := parsers.ParseAmount(in)
		var ve *parsers.ValueError
		if !errors.As(err, &ve) || ve.Rule != rule {
			t.Errorf("ParseAmount(%q) error = %v; want rule %s", in, err, rule)
		}
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	good := []struct {
		in    string
		y1904 bool
		want  time.Time
	}{
		{"23-11-2026", false, day(2026, 11, 23)},
		{"23/11/2026", false, day(2026, 11, 23)},
		{"3/1/2027", false, day(2027, 1, 3)},
		{"2026-11-23", false, day(2026, 11, 23)},
		{" 29-02-2028 ", false, day(2028, 2, 29)},
		{"46349", false, day(2026, 11, 23)},
		{"44887", true, day(2026, 11, 23)}, // the same day counted from 1904
		{"61", false, day(1900, 3, 1)},
	}
	for _, c := range good {
		got, err := parsers.ParseDate(c.in, c.y1904)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("ParseDate(%q, %v) = %v, %v; want %v", c.in, c.y1904, got, err, c.want)
		}
	}
	for _, in := range []string{"", "31-02-2026", "2026-13-01", "11/23/26", "23-11-26", "2026/11", "0", "-5",
		"1e5", "99999999", "23-11/2026", "2026-11-23T10:00", "23 Nov 2026", "00-11-2026", "1899-12-31"} {
		if got, err := parsers.ParseDate(in, false); err == nil {
			t.Errorf("ParseDate(%q) = %v; want an error", in, got)
		}
	}
}

func TestValidators(t *testing.T) {
	t.Parallel()
	type check struct {
		name string
		fn   func(string) bool
		good []string
		bad  []string
	}
	for _, c := range []check{
		{"IFSC", parsers.ValidIFSC,
			[]string{"HDFC0001234", "SBIN0005678", "BARB0VJMAIN", "IDIB000C028"},
			[]string{"", "HDFC000123", "HDFC1001234", "hdfc0001234", "HDF00001234", "HDFC00012345", "HDFC0-01234"}},
		{"account", parsers.ValidAccountNumber,
			[]string{"123456789", "123456789012345678", "001405012345"},
			[]string{"", "12345678", "1234567890123456789", "12345678A", "1234 56789"}},
		{"VPA", parsers.ValidVPA,
			[]string{"ramesh@okhdfcbank", "ramesh.kumar-1_x@ybl", "98765432@paytm", "ab@upi"},
			[]string{"", "ramesh", "@ybl", "r@ybl", "ramesh@", "ramesh@y", "ram esh@ybl", "ramesh@9bank", "a@b@c", "ramesh@ok.hdfc"}},
		{"PAN", parsers.ValidPAN,
			[]string{"AAPFU0939F", "ABCDE1234F"},
			[]string{"", "AAPFU0939", "aapfu0939f", "AAPF10939F", "AAPFU0939FF", "AAPFUO939F"}},
		{"email", parsers.ValidEmail,
			[]string{"a@b.in", "ramesh.sharma+nov@example.co.in"},
			[]string{"", "ramesh", "@example.in", "ramesh@", "ramesh@example", "ram esh@example.in", "a@b@c.in", "a@.in", "a@b..in", "a@b.in."}},
		{"PIN", parsers.ValidPIN,
			[]string{"560001", "110011"},
			[]string{"", "056001", "56001", "5600011", "56000A"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, s := range c.good {
				if !c.fn(s) {
					t.Errorf("%q refused", s)
				}
			}
			for _, s := range c.bad {
				if c.fn(s) {
					t.Errorf("%q accepted", s)
				}
			}
		})
	}
}

func TestValidGSTIN(t *testing.T) {
	t.Parallel()
	// GSTINs in real format whose check characters are right (published examples and the
	// registrations of large listed companies).
	valid := []string{"27AAPFU0939F1ZV", "29AAGCB7383J1Z4", "27AAACR5055K1Z7"}
	for _, g := range valid {
		if !parsers.ValidGSTIN(g) {
			c, _ := parsers.GSTINCheckChar(g[:14])
			t.Errorf("ValidGSTIN(%q) = false (computed check character %c)", g, c)
		}
	}
	broken := []string{
		"27AAPFU0939F1ZW", // wrong check character
		"27AAPFU0939F1Z",  // 14 characters
		"27AAPFU0939F1ZVV",
		"27AAPFU0939G1ZV", // one character changed
		"72AAPFU0939F1ZV", // two swapped
		"27aapfu0939f1zv", // lower case
		"AAAPFU0939F1ZV7", // no state code
		"27AAPFU0939F1Z#",
		"",
	}
	for _, g := range broken {
		if parsers.ValidGSTIN(g) {
			t.Errorf("ValidGSTIN(%q) = true", g)
		}
	}
	if c, ok := parsers.GSTINCheckChar("27AAPFU0939F1Z"); !ok || c != 'V' {
		t.Errorf("GSTINCheckChar = %c, %v; want V", c, ok)
	}
}

func TestNormalizeMobile(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"9876543210":      "9876543210",
		"+91 98450 12345": "9845012345",
		"+919845012345":   "9845012345",
		"919845012345":    "9845012345",
		"09845012345":     "9845012345",
		"98450-12345":     "9845012345",
		"6000000000":      "6000000000",
		"+91-98450-12345": "9845012345",
	}
	for in, want := range good {
		if got, ok := parsers.NormalizeMobile(in); !ok || got != want {
			t.Errorf("NormalizeMobile(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "12345", "5876543210", "044-28112233", "98765432101", "9876543210x", "+1 9876543210", "9876 543 21", "98+76543210"} {
		if got, ok := parsers.NormalizeMobile(in); ok {
			t.Errorf("NormalizeMobile(%q) = %q; want refusal", in, got)
		}
	}
}

func TestCleanRemark(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"Nov salary":                 "Nov salary",
		"Nov rent - flat 4B":         "Nov rent flat 4B",
		"Invoice INV-2026/1187":      "Invoice INV20261187",
		"  spaced   out  ":           "spaced out",
		"line one\nline two":         "line one line two",
		"₹ refund!":                  "refund",
		"":                           "",
		strings.Repeat("abcde ", 12): strings.TrimSpace(strings.Repeat("abcde ", 9)[:53][:50]),
		strings.Repeat("x", 60):      strings.Repeat("x", 50),
	}
	for in, want := range cases {
		got := parsers.CleanRemark(in)
		if got != want {
			t.Errorf("CleanRemark(%q) = %q; want %q", in, got, want)
		}
		if len(got) > 50 {
			t.Errorf("CleanRemark(%q) is %d long", in, len(got))
		}
	}
}
