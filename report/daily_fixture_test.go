package report_test

import (
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/report"
)

// kindInvoices is a second kind, with the columns of its own layout (report/invoices.go).
const kindInvoices = domain.Kind("invoices")

// dailyFixture is a day of two payout files and one invoice file, every line of which ties
// out, with a statement that ties, exceptions open and resolved, matches and two runs.
type dailyFixture struct {
	daily      report.Daily
	items      []domain.Item
	exceptions []report.ExceptionRow
	matched    []report.MatchRow
}

func newDailyFixture(t testing.TB) dailyFixture {
	t.Helper()
	items := newFixture(t, true).items // every item, rejected ones too
	inv := func(line int, ref string, amount domain.Paise, status domain.Status, prov domain.ProviderState, reason string) domain.Item {
		return domain.Item{FileID: 4, File: "invoices_may.xlsx", Kind: kindInvoices, Line: line, Reference: ref,
			Amount: amount, Status: status, Provider: prov, Reason: reason}
	}
	items = append(items,
		inv(2, "INV-1001", 1180000, domain.StatusSuccess, domain.ProviderState{ProviderID: "KI1001", Status: "SUCCESS", Amount: 1180000}, ""),
		inv(3, "INV-1002", 59000, domain.StatusFailed, domain.ProviderState{ProviderID: "KI1002", Status: "FAILED", Reason: "CUSTOMER_NOT_FOUND"}, "Enkash has no such customer"),
		inv(4, "INV-1003", 0, domain.StatusRejected, domain.ProviderState{}, "Due date: not a date"),
		inv(5, "INV-1004", 250000, domain.StatusPending, domain.ProviderState{ProviderID: "KI1004", Status: "PENDING"}, ""),
	)
	files := []domain.FileSummary{
		{ID: 1, Name: "payouts_may.csv", Kind: domain.KindPayouts, Status: "accepted", ReceivedAt: at(9, 0)},
		{ID: 2, Name: "payouts_bonus.xlsx", Kind: domain.KindPayouts, Status: "accepted", ReceivedAt: at(9, 5)},
		{ID: 3, Name: "payouts_june.csv", Kind: domain.KindPayouts, Status: "accepted", ReceivedAt: at(9, 10)},
		{ID: 4, Name: "invoices_may.xlsx", Kind: kindInvoices, Status: "accepted", ReceivedAt: at(9, 20)},
	}
	kinds := []report.KindSummary{{Kind: domain.KindPayouts, Files: 3}, {Kind: kindInvoices, Files: 1}}
	for _, it := range items {
		fs := &files[it.FileID-1]
		fs.Tally.In.Add(it.Amount)
		fs.Tally.Add(it.Status.Bucket(), it.Amount)
		k := &kinds[0]
		if it.Kind == kindInvoices {
			k = &kinds[1]
		}
		k.Tally.In.Add(it.Amount)
		k.Tally.Add(it.Status.Bucket(), it.Amount)
	}

	resolved := at(11, 30)
	exceptions := []report.ExceptionRow{
		{Action: "Stop and compare with Enkash's statement: Enkash paid ₹100.00 more than the file",
			Exception: domain.Exception{Severity: "high", ID: 2, Category: domain.CategoryAmountMismatch, Kind: domain.KindPayouts,
				File: "payouts_bonus.xlsx", Line: 3, Reference: "BON-02", Expected: "7000.00", Actual: "7100.00",
				Detail: "Enkash recorded another amount", CreatedAt: at(10, 16).AddDate(0, 0, -3)}},
		{Exception: domain.Exception{Severity: "high", ID: 7, Category: domain.CategoryUnknownAtProvider, Kind: domain.KindPayouts,
			Reference: "DEBIT-5000", Actual: "5000.00", Detail: "statement debit with no payout: manual transfer", CreatedAt: at(18, 0)}},
		{Action: "Beneficiary account closed: correct the account and drop the row again",
			Exception: domain.Exception{Severity: "medium", ID: 1, Category: domain.CategoryProviderFailed, Kind: domain.KindPayouts,
				File: "payouts_may.csv", Line: 4, Reference: "PAY-0003", Expected: "SUCCESS", Actual: "FAILED",
				Detail: "REJECT_BENEF_ACC", CreatedAt: at(10, 15), Note: "asked Meera for a new account", Reopened: 2}},
		{Exception: domain.Exception{Severity: "low", ID: 3, Category: domain.CategoryRejectedRow, Kind: kindInvoices,
			File: "invoices_may.xlsx", Line: 4, Reference: "INV-1003", Detail: "due_date: date_format", CreatedAt: at(9, 21)}},
		{Exception: domain.Exception{Severity: "low", ID: 4, Category: domain.CategoryDuplicateFile, Kind: domain.KindPayouts,
			File: "payouts_may (1).csv", Detail: "same content as payouts_may.csv", CreatedAt: at(9, 1),
			ResolvedAt: &resolved, Note: "dropped twice by mistake"}},
	}
	day := func(d int) time.Time { return time.Date(2026, 5, d, 0, 0, 0, 0, ist) }
	matched := []report.MatchRow{
		{Kind: domain.KindPayouts, Reference: "PAY-0001", File: "payouts_may.csv", Amount: 150000, LineID: "412345678901",
			LineDate: day(1), LineType: "DEBIT", LineAmount: 150000, Remarks: "IMPS PAY-0001", Basis: "reference"},
		{Kind: domain.KindPayouts, Reference: "PAY-0002", File: "payouts_may.csv", Amount: 12345678, LineID: "412345678902",
			LineDate: day(1), LineType: "DEBIT", LineAmount: 12345678, Remarks: "NEFT Kiran Traders", Basis: "reference"},
		{Kind: domain.KindPayouts, Reference: "PAY-0005", File: "payouts_may.csv", Amount: 99900, LineID: "RV-412345678905",
			LineDate: day(1), LineType: "CREDIT", LineAmount: 99900, Remarks: "REVERSAL PAY-0005", Basis: "reference"},
		{Kind: domain.KindPayouts, Reference: "JUN-01", File: "payouts_june.csv", Amount: 1000000, LineID: "N123",
			LineDate: day(2), LineType: "DEBIT", LineAmount: 1000000, Remarks: "NEFT", Basis: "amount+date within 1 day"},
		{Kind: kindInvoices, Reference: "INV-1001", File: "invoices_may.xlsx", Amount: 1180000, LineID: "KI1001",
			LineAmount: 1180000, Basis: "reference"},
	}
	// Debits: PAY-0001, PAY-0002, PAY-0005 (later reversed), BON-01, BON-02 at Enkash's amount,
	// JUN-01, a ₹250 fee and a ₹5,000 debit no payout explains. Credits: PAY-0005's reversal.
	debits := domain.Paise(150000 + 12345678 + 99900 + 500000 + 710000 + 1000000 + 25000 + 500000)
	statement := report.StatementCheck{Checked: true, Opening: 5000000000, Debits: debits, DebitLines: 8,
		Credits: 99900, CreditLines: 1, MatchedLines: 8, UnmatchedLines: 1}
	statement.Balance = statement.Closing()
	runs := []report.AuditRun{
		{ID: 12, Command: "run", StartedAt: at(10, 0), FinishedAt: at(10, 42).Add(17 * time.Second), Outcome: "exceptions",
			Files: 3, Items: 12, Exceptions: 4},
		{ID: 13, Command: "reconcile --date 2026-05-01", StartedAt: at(18, 0), FinishedAt: at(18, 1).Add(5 * time.Second),
			Outcome: "exceptions", Exceptions: 1},
		{ID: 14, Command: "poll", StartedAt: at(23, 59), Outcome: "running", Detail: "still following 3 items"},
	}
	d := report.Daily{
		Date: day(1), Location: ist, Sandbox: true, Endpoint: "http://demo:secret@127.0.0.1:8089/?token=abc",
		GeneratedAt: time.Date(2026, 5, 2, 6, 30, 0, 0, ist),
		Kinds:       kinds, Files: files, Statement: statement,
		Exceptions: seq(exceptions, nil), Matched: seq(matched, nil), Items: seq(items, nil), Runs: runs,
	}
	return dailyFixture{daily: d, items: items, exceptions: exceptions, matched: matched}
}
