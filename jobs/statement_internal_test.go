package jobs

import (
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
)

func TestMatchStatement(t *testing.T) {
	day := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	payout := func(ref string, paise domain.Paise, st domain.Status, utr string) domain.Item {
		return domain.Item{Kind: domain.KindPayouts, File: "p.csv", Reference: ref, Amount: paise, Status: st, UpdatedAt: day,
			Provider: domain.ProviderState{Status: "SUCCESS", UTR: utr}}
	}
	payouts := []domain.Item{
		payout("PAY-1", 100000, domain.StatusSuccess, "UTR1"),  // debited by reference
		payout("PAY-2", 250000, domain.StatusReversed, "UTR2"), // debited, then credited back
		payout("PAY-3", 50000, domain.StatusSuccess, ""),       // debited without our reference
		payout("PAY-4", 70000, domain.StatusSuccess, "UTR4"),   // no debit at all
		payout("PAY-5", 30000, domain.StatusSuccess, "UTR5"),   // debited for another amount
	}
	line := func(typ, id, ref string, paise, balance domain.Paise, remarks string) enkash.StatementLine {
		return enkash.StatementLine{TransactionType: typ, TransactionID: id, TransactionReferenceNumber: ref, Remarks: remarks,
			TransactionAmount: enkash.Amount(paise), RunningBalance: enkash.Amount(balance), TransactionDate: day.Add(time.Hour).Format(time.RFC3339)}
	}
	// The opening balance is ₹10,000.00 (1000000 paise).
	lines := []enkash.StatementLine{
		line("DEBIT", "PAY-1", "UTR1", 100000, 900000, "payout"),
		line("DEBIT", "PAY-2", "UTR2", 250000, 650000, "payout"),
		line("CREDIT", "PAY-2", "", 250000, 900000, "REVERSAL PAY-2"),
		line("DEBIT", "", "NEFT123", 50000, 850000, "payout batch"),
		line("DEBIT", "", "FEE-1", 1180, 848820, "NEFT charges incl GST"),
		line("DEBIT", "", "MAN-9", 500000, 348820, "manual transfer"),
		line("DEBIT", "PAY-5", "UTR5", 31000, 317820, "payout"),
		line("CREDIT", "", "TOPUP", 200000, 517820, "account top-up"),
	}
	matches, excs, check := matchStatement(lines, payouts, 24*time.Hour)

	basis := map[string]string{}
	for _, m := range matches {
		basis[m.LineRef] = m.Basis
	}
	want := map[string]string{"UTR1": BasisReference, "UTR2": BasisReference, "PAY-2": BasisReversal, "NEFT123": BasisAmountDate,
		"FEE-1": BasisFee, "UTR5": BasisReference, "TOPUP": BasisCredit}
	for ref, b := range want {
		if basis[ref] != b {
			t.Errorf("line %s matched as %q, want %q", ref, basis[ref], b)
		}
	}
	if _, ok := basis["MAN-9"]; ok {
		t.Error("an unexplained debit was matched")
	}
	got := map[domain.Category]string{}
	for _, e := range excs {
		got[e.Category] += e.Reference + " "
	}
	if got[domain.CategoryUnknownAtProvider] != "MAN-9 " {
		t.Errorf("unknown_at_provider on %q, want the manual debit", got[domain.CategoryUnknownAtProvider])
	}
	if got[domain.CategoryStatusMismatch] != "PAY-4 " {
		t.Errorf("status_mismatch on %q, want the payout with no debit", got[domain.CategoryStatusMismatch])
	}
	if got[domain.CategoryAmountMismatch] != "PAY-5 " {
		t.Errorf("amount_mismatch on %q, want PAY-5", got[domain.CategoryAmountMismatch])
	}
	if check.Opening != 1000000 || check.Debits != 932180 || check.Credits != 450000 || check.Closing != 517820 || !check.Ties {
		t.Errorf("balance check = %+v", check)
	}
	// A statement whose running balance does not follow from its lines does not tie.
	lines[len(lines)-1].RunningBalance = 517000
	if _, _, check := matchStatement(lines, payouts, 24*time.Hour); check.Ties || check.Difference() != 820 {
		t.Errorf("a broken statement ties: %+v", check)
	}
}
