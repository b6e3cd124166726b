package domain_test

import (
	"testing"

	"enkashbatch/domain"
)

func TestPaise_Rupees(t *testing.T) {
	cases := map[domain.Paise]string{
		0:            "0.00",
		5:            "0.05",
		100:          "1.00",
		99999:        "999.99",
		100000:       "1,000.00",
		12345650:     "1,23,456.50",
		1000000000:   "1,00,00,000.00",
		-12345650:    "-1,23,456.50",
		-100000:      "-1,000.00",
		123456789012: "1,23,45,67,890.12",
	}
	for p, want := range cases {
		if got := p.Rupees(); got != want {
			t.Errorf("Paise(%d).Rupees() = %q, want %q", int64(p), got, want)
		}
	}
}

func TestPaise_Decimal(t *testing.T) {
	cases := map[domain.Paise]string{0: "0.00", 7: "0.07", 150: "1.50", 12345650: "123456.50", -101: "-1.01"}
	for p, want := range cases {
		if got := p.Decimal(); got != want {
			t.Errorf("Paise(%d).Decimal() = %q, want %q", int64(p), got, want)
		}
	}
}

func TestTally_TiesOut(t *testing.T) {
	var tl domain.Tally
	tl.In = domain.Money{Count: 3, Paise: 600}
	tl.Add(domain.StatusSuccess.Bucket(), 100)
	tl.Add(domain.StatusRejected.Bucket(), 200)
	if tl.TiesOut() {
		t.Fatal("a tally missing one row ties out")
	}
	tl.Add(domain.StatusSubmitted.Bucket(), 300)
	if !tl.TiesOut() {
		t.Fatalf("complete tally does not tie out: %+v", tl)
	}
	if tl.Open.Count != 1 {
		t.Fatalf("submitted item not counted open: %+v", tl)
	}
}

func TestPaise_Money(t *testing.T) {
	for p, want := range map[domain.Paise]string{
		0:           "₹0.00",
		5:           "₹0.05",
		123456_50:   "₹1,23,456.50",
		-73290_00:   "−₹73,290.00",
		-5:          "−₹0.05",
		-1234567_89: "−₹12,34,567.89",
	} {
		if got := p.Money(); got != want {
			t.Errorf("Paise(%d).Money() = %q, want %q", int64(p), got, want)
		}
	}
}
