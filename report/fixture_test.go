package report_test

import (
	"encoding/json"
	"errors"
	"iter"
	"slices"
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/report"
)

// ist is India Standard Time, fixed so that tests need no time zone database.
var ist = time.FixedZone("IST", 5*3600+1800)

// at returns 1 May 2026 at hh:mm IST.
func at(hh, mm int) time.Time { return time.Date(2026, 5, 1, hh, mm, 0, 0, ist) }

// payload is the JSON of a payout to beneficiary name (as written) by mode, with the name
// sent to Enkash beside it as the parser records it.
func payload(t testing.TB, ref, name, mode string, amount domain.Paise) json.RawMessage {
	t.Helper()
	sent, _, ok := domain.SendableName(name)
	if !ok {
		sent = name // a name the parser would refuse: the formula-injection tests' own
	}
	p := domain.Payout{Reference: ref, BeneficiaryName: sent, AccountNumber: "123456789012",
		IFSC: "HDFC0001234", Amount: amount, Mode: mode}
	if sent != name {
		p.BeneficiaryNameAsWritten = name
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixture is a run of three payout files: two that tie out and one ("payouts_june.csv")
// whose tally says 4 rows in although only 3 are in the buckets.
type fixture struct {
	run        report.Run
	items      []domain.Item
	exceptions []domain.Exception
}

func newFixture(t testing.TB, sandbox bool) fixture {
	t.Helper()
	pay := func(file string, fileID int64, line int, ref, name, mode string, amount domain.Paise, status domain.Status, prov domain.ProviderState, reason string) domain.Item {
		return domain.Item{FileID: fileID, File: file, Kind: domain.KindPayouts, Line: line, Reference: ref, Amount: amount,
			Status: status, Payload: payload(t, ref, name, mode, amount), Provider: prov, Reason: reason,
			Raw: []string{ref, name, "123456789012", "HDFC0001234", amount.Decimal(), mode}}
	}
	rejected := func(file string, fileID int64, line int, ref string, amount domain.Paise, reason string, raw ...string) domain.Item {
		return domain.Item{FileID: fileID, File: file, Kind: domain.KindPayouts, Line: line, Reference: ref, Amount: amount,
			Status: domain.StatusRejected, Raw: raw, Reason: reason}
	}
	const may, bonus, june = "payouts_may.csv", "payouts_bonus.xlsx", "payouts_june.csv"
	items := []domain.Item{
		pay(may, 1, 2, "PAY-0001", "Asha Rao", "IMPS", 150000, domain.StatusSuccess,
			domain.ProviderState{BatchID: "B-0001", ProviderID: "EKT1001", Status: "SUCCESS", Amount: 150000, UTR: "412345678901"}, ""),
		pay(may, 1, 3, "PAY-0002", "Kiran & Sons Pvt. Ltd.", "NEFT", 12345678, domain.StatusSuccess,
			domain.ProviderState{BatchID: "B-0001", ProviderID: "EKT1002", Status: "SUCCESS", Amount: 12345678, UTR: "412345678902"}, ""),
		pay(may, 1, 4, "PAY-0003", "Meera Iyer", "IMPS", 250050, domain.StatusFailed,
			domain.ProviderState{BatchID: "B-0001", ProviderID: "EKT1003", Status: "FAILED", Reason: "REJECT_BENEF_ACC"},
			"The bank refused the beneficiary account"),
		rejected(may, 1, 5, "PAY-0004", 0, "Amount: must be more than zero",
			"PAY-0004", "Ravi Kumar", "123456789012", "HDFC0001234", "-5", "IMPS"),
		pay(may, 1, 6, "PAY-0005", "Zeta Supplies", "IMPS", 99900, domain.StatusReversed,
			domain.ProviderState{BatchID: "B-0001", ProviderID: "EKT1005", Status: "REVERSED", Amount: -99900, UTR: "412345678905"},
			"Reversed by the beneficiary bank"),
		pay(may, 1, 7, "PAY-0006", "Crore Infra Pvt Ltd", "RTGS", 2500000000, domain.StatusPending,
			domain.ProviderState{BatchID: "B-0001", ProviderID: "EKT1006", Status: "PENDING"}, ""),
		pay(bonus, 2, 2, "BON-01", "Nisha Verma", "UPI", 500000, domain.StatusSuccess,
			domain.ProviderState{BatchID: "B-0002", ProviderID: "EKT2001", Status: "SUCCESS", Amount: 500000, UTR: "UPI998877"}, ""),
		pay(bonus, 2, 3, "BON-02", "Arjun Das", "UPI", 700000, domain.StatusSuccess,
			domain.ProviderState{BatchID: "B-0002", ProviderID: "EKT2002", Status: "SUCCESS", Amount: 710000, UTR: "UPI998878"}, ""),
		rejected(bonus, 2, 4, "BON-03", 120000, "Phone: not an Indian mobile number",
			"BON-03", "Sunil", "+9112345", "1200.00", "UPI"),
		pay(june, 3, 2, "JUN-01", "Lata Menon", "NEFT", 1000000, domain.StatusSuccess,
			domain.ProviderState{BatchID: "B-0003", ProviderID: "EKT3001", Status: "SUCCESS", Amount: 1000000, UTR: "N123"}, ""),
		pay(june, 3, 3, "JUN-02", "Om Prakash", "NEFT", 2000000, domain.StatusProcessing,
			domain.ProviderState{BatchID: "B-0003", ProviderID: "EKT3002", Status: "PROCESSING"}, ""),
		pay(june, 3, 4, "JUN-03", "Farah Khan", "IMPS", 300000, domain.StatusUnknown, domain.ProviderState{}, ""),
	}
	files := []domain.FileSummary{
		{ID: 1, Name: may, Kind: domain.KindPayouts, Status: "accepted", ReceivedAt: at(9, 0)},
		{ID: 2, Name: bonus, Kind: domain.KindPayouts, Status: "accepted", ReceivedAt: at(9, 5)},
		{ID: 3, Name: june, Kind: domain.KindPayouts, Status: "accepted", ReceivedAt: at(9, 10)},
	}
	for _, it := range items {
		fs := &files[it.FileID-1]
		fs.Tally.In.Add(it.Amount)
		fs.Tally.Add(it.Status.Bucket(), it.Amount)
	}
	// June's file held a fourth row that is in no bucket: it does not tie out.
	files[2].Tally.In.Add(450000)

	resolved := at(11, 30)
	exceptions := []domain.Exception{
		{ID: 1, Category: domain.CategoryProviderFailed, Kind: domain.KindPayouts, File: may, Line: 4, Reference: "PAY-0003",
			Expected: "SUCCESS", Actual: "FAILED", Detail: "REJECT_BENEF_ACC", CreatedAt: at(10, 15)},
		{ID: 2, Category: domain.CategoryAmountMismatch, Kind: domain.KindPayouts, File: bonus, Line: 3, Reference: "BON-02",
			Expected: "7000.00", Actual: "7100.00", Detail: "Enkash recorded another amount", CreatedAt: at(10, 16)},
		{ID: 3, Category: domain.CategoryRejectedRow, Kind: domain.KindPayouts, File: may, Line: 5, Reference: "PAY-0004",
			Expected: "amount > 0", Actual: "-5", Detail: "amount: amount_positive", CreatedAt: at(10, 0)},
		{ID: 4, Category: domain.CategoryDuplicateFile, Kind: domain.KindPayouts, File: "payouts_may (1).csv",
			Detail: "same content as payouts_may.csv", CreatedAt: at(9, 1), ResolvedAt: &resolved, Note: "dropped twice by mistake"},
	}
	info := report.RunInfo{ID: 12, StartedAt: at(10, 0), FinishedAt: at(10, 42), Sandbox: sandbox,
		Endpoint: "http://demo:secret@127.0.0.1:8089/?token=abc", Location: ist}
	return fixture{
		run:   report.Run{Info: info, Files: files, Items: seq(items, nil), Exceptions: seq(exceptions, nil)},
		items: items, exceptions: exceptions,
	}
}

// seq yields vs, then err if it is not nil.
func seq[T any](vs []T, err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, v := range vs {
			if !yield(v, nil) {
				return
			}
		}
		if err != nil {
			var zero T
			yield(zero, err)
		}
	}
}

var errBroken = errors.New("ledger went away")

// nonRejected returns the items that belong on a kind sheet.
func nonRejected(items []domain.Item) []domain.Item {
	return slices.DeleteFunc(slices.Clone(items), func(it domain.Item) bool { return it.Status == domain.StatusRejected })
}
