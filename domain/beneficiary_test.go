package domain_test

import (
	"regexp"
	"strings"
	"testing"

	"enkashbatch/domain"
)

// enkashName and enkashRemark are Enkash's rules as published: letters and spaces for a
// name, letters, digits and spaces for a remark.
var (
	enkashName   = regexp.MustCompile(`^[A-Za-z ]+$`)
	enkashRemark = regexp.MustCompile(`^[A-Za-z0-9 ]*$`)
)

func TestSendableName(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"Ramesh Kumar":            "Ramesh Kumar",
		"Sharma & Sons Pvt. Ltd.": "Sharma and Sons Pvt Ltd",
		"Sharma&Sons":             "Sharma and Sons",
		"D'Souza Catering":        "DSouza Catering",
		"D’Souza Catering":        "DSouza Catering",
		"S.K. Sharma":             "S K Sharma",
		"Jean-Luc  Menon":         "Jean Luc Menon",
		"  Asha\tRao ":            "Asha Rao",
		"Ravi – Traders":          "Ravi Traders",
		"Line one\nLine two":      "Line one Line two",
		"A & B & C":               "A and B and C",
		"&":                       "and",
		strings.Repeat("Ab ", 30): strings.TrimSpace(strings.Repeat("Ab ", 30)),
		"Nair.":                   "Nair",
	}
	for in, want := range good {
		got, bad, ok := domain.SendableName(in)
		if !ok || got != want {
			t.Errorf("SendableName(%q) = %q, %q, %v; want %q", in, got, bad, ok, want)
			continue
		}
		if !enkashName.MatchString(got) || strings.Contains(got, "  ") || strings.TrimSpace(got) != got {
			t.Errorf("SendableName(%q) = %q breaks Enkash's name rule", in, got)
		}
		if again, _, _ := domain.SendableName(got); again != got {
			t.Errorf("SendableName is not stable: %q then %q", got, again)
		}
	}
	refused := map[string]rune{
		"M/s Balaji Traders": '/',
		"Shop 24":            '2',
		"रमेश":               'र',
		"José":               'é',
		"Balaji, Pune":       ',',
		"Ramesh (Prop)":      '(',
		"a@b":                '@',
		"...":                0,
		"":                   0,
		" - ":                0,
	}
	for in, want := range refused {
		if got, bad, ok := domain.SendableName(in); ok || bad != want {
			t.Errorf("SendableName(%q) = %q, %q, %v; want refused on %q", in, got, bad, ok, want)
		}
	}
}

func TestSendableRemark(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"Nov salary":                  "Nov salary",
		"Invoice #1187 & #1188 (Nov)": "Invoice 1187 and 1188 Nov",
		"INV-2026/1187":               "INV 2026 1187",
		"₹ refund!":                   "refund",
		"Diwali, \"big\" event":       "Diwali big event",
		"-":                           "",
		"":                            "",
		"line one\nline two":          "line one line two",
		"Rent, Nov\nflat 4B, tower 2": "Rent Nov flat 4B tower 2",
	}
	for in, want := range good {
		got, bad, ok := domain.SendableRemark(in)
		if !ok || got != want {
			t.Errorf("SendableRemark(%q) = %q, %q, %v; want %q", in, got, bad, ok, want)
			continue
		}
		if !enkashRemark.MatchString(got) {
			t.Errorf("SendableRemark(%q) = %q breaks Enkash's remark rule", in, got)
		}
	}
	for in, want := range map[string]rune{"नवंबर": 'न', "Café rent": 'é', "rent ४": '४', "bell\x07": '\x07'} {
		if got, bad, ok := domain.SendableRemark(in); ok || bad != want {
			t.Errorf("SendableRemark(%q) = %q, %q, %v; want refused on %q", in, got, bad, ok, want)
		}
	}
}

func TestBeneficiaryContactRules(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"9876543210": true, "+91 9876543210": true, "0091-9876543210": true, "+919876543210": true,
		"98765 43210": false, "987654321": false, "+12345 9876543210": false, "": false,
	} {
		if got := domain.PhonePattern.MatchString(in); got != want {
			t.Errorf("PhonePattern(%q) = %v, want %v", in, got, want)
		}
	}
	for in, want := range map[string]bool{
		"a@b.in": true, "ab.in": false, "a@bin": false,
		strings.Repeat("a", 195) + "@b.in": true, strings.Repeat("a", 196) + "@b.in": false,
	} {
		if got := domain.ValidBeneficiaryEmail(in); got != want {
			t.Errorf("ValidBeneficiaryEmail(%d characters) = %v, want %v", len(in), got, want)
		}
	}
}

func TestReferenceKey(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"DP-3", "Dp-3", "dp-3 ", " dP-3\t"} {
		if got := domain.ReferenceKey(in); got != "DP-3" {
			t.Errorf("ReferenceKey(%q) = %q, want DP-3", in, got)
		}
	}
	if domain.ReferenceKey("DP-3") == domain.ReferenceKey("DP-30") || domain.ReferenceKey("DP_3") == domain.ReferenceKey("DP-3") {
		t.Error("different references share a key")
	}
}

func TestException_SuggestedAction(t *testing.T) {
	t.Parallel()
	fix := domain.Exception{Category: domain.CategoryRejectedRow}
	if fix.SuggestedAction() != domain.CategoryRejectedRow.Action() {
		t.Errorf("an ordinary rejected row: %q", fix.SuggestedAction())
	}
	for _, rule := range domain.NeverResendRules {
		e := domain.Exception{Category: domain.CategoryRejectedRow, Actual: rule}
		a := strings.ToLower(e.SuggestedAction())
		if !strings.Contains(a, "do not send") || strings.Contains(a, "drop it again") || strings.Contains(a, "new reference") {
			t.Errorf("%s: %q", rule, e.SuggestedAction())
		}
	}
}
