package parsers_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/parsers"
)

// TestDetectKind_HeaderBeatsAWordInTheName: a word inside a name never overrides a header
// that identifies another kind; a "<kind>_" prefix decides.
func TestDetectKind_HeaderBeatsAWordInTheName(t *testing.T) {
	t.Parallel()
	payouts := []string{"Reference", "Beneficiary Name", "Account Number", "IFSC", "Amount", "Mode"}
	invoices := []string{"Invoice Number", "Customer Reference", "Invoice Date", "Due Date", "Base Amount", "IGST"}
	cases := []struct {
		name   string
		header []string
		want   domain.Kind
	}{
		{"Customer refunds Dec 2026.csv", payouts, domain.KindPayouts},
		{"Dec-2026 billing.csv", invoices, domain.KindInvoices},
		{"invoices for customers.csv", payouts, domain.KindPayouts},
		{"bills_dec.csv", payouts, domain.KindBills}, // the prefix decides; the reader then names the missing columns
		{"Customers_Dec.csv", payouts, domain.KindCustomers},
	}
	for _, c := range cases {
		if k, ok := parsers.DetectKind(c.name, c.header); !ok || k != c.want {
			t.Errorf("DetectKind(%q) = %q, %v; want %q", c.name, k, ok, c.want)
		}
	}
}

// TestDetectKind_EveryTemplateFitsOnlyItsKind: each template's header identifies its own kind
// and no other, so that no real file is refused as fitting two kinds.
func TestDetectKind_EveryTemplateFitsOnlyItsKind(t *testing.T) {
	t.Parallel()
	for _, k := range domain.Kinds {
		raw, err := os.ReadFile(filepath.Join("..", "templates", string(k)+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		header := strings.Split(strings.TrimSpace(strings.SplitN(string(raw), "\n", 2)[0]), ",")
		if got, ok := parsers.DetectKind("upload.csv", header); !ok || got != k {
			t.Errorf("template %s: DetectKind = %q, %v", k, got, ok)
		}
	}
}

// TestOpen_HeaderFittingNoKindNamesColumns: the refusal names the columns found and each
// kind's required columns, with those missing.
func TestOpen_HeaderFittingNoKindNamesColumns(t *testing.T) {
	t.Parallel()
	body := "Ref,Payee,Amt\nR-1,Asha Rao,100\n"
	_, err := parsers.Open("Dec 2026 payout list.csv", strings.NewReader(body), nil)
	var fe *parsers.FileError
	if !errors.As(err, &fe) {
		t.Fatalf("Open = %v; want a *FileError", err)
	}
	if fe.Rule != "unknown_kind" {
		t.Errorf("rule = %q, want unknown_kind", fe.Rule)
	}
	for _, want := range []string{"fits no kind", "the header has Ref, Payee, Amt",
		"payouts: Reference, Beneficiary Name, Amount, Mode (missing Mode)", "customers: Customer Reference, Legal Name",
		"invoices: Invoice Number", "bills: Reference, Biller ID, Consumer Number", "inbox/payouts/", "payouts_2026-11-23.csv"} {
		if !strings.Contains(fe.Message, want) {
			t.Errorf("message lacks %q:\n%s", want, fe.Message)
		}
	}
	// Fitting two kinds is refused too, naming both.
	both := "Reference,Beneficiary Name,Amount,Mode,VPA,Biller ID,Consumer Number\nR-1,Asha,100,UPI,a@ybl,B1,C1\n"
	_, err = parsers.Open("upload.csv", strings.NewReader(both), nil)
	if !errors.As(err, &fe) || fe.Rule != "unknown_kind" || !strings.Contains(fe.Message, "more than one kind (bills and payouts)") {
		t.Errorf("header of two kinds: %v", err)
	}
}
