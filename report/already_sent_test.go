package report_test

import (
	"strings"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/report"
)

// TestWriteRunWorkbook_AlreadySentRow checks that no sheet tells a person to correct and drop
// again a row whose reference was already sent.
func TestWriteRunWorkbook_AlreadySentRow(t *testing.T) {
	const file = "payouts_may (edited).csv"
	reason := "Reference (already_sent): already sent on 01-05-2026 09:00 UTC: Enkash id EKT1001, UTR 412345678901, status SUCCESS — do not send again (it is line 2 of payouts_may.csv)"
	item := domain.Item{FileID: 1, File: file, Kind: domain.KindPayouts, Line: 2, Reference: "pay-0001", Amount: 150000,
		Status: domain.StatusRejected, Rule: domain.RuleAlreadySent, Reason: reason, Raw: []string{"pay-0001", "Asha Rao", "1500"}}
	exc := domain.Exception{ID: 1, Category: domain.CategoryRejectedRow, Kind: domain.KindPayouts, File: file, Line: 2, Reference: "pay-0001",
		Expected: "a payment not made before", Actual: domain.RuleAlreadySent, Detail: reason, CreatedAt: at(10, 0)}
	fs := domain.FileSummary{ID: 1, Name: file, Kind: domain.KindPayouts, Status: "accepted", ReceivedAt: at(9, 0)}
	fs.Tally.In.Add(item.Amount)
	fs.Tally.Add(domain.BucketRejected, item.Amount)
	f, _ := writeWorkbook(t, report.Run{
		Info:  report.RunInfo{ID: 3, StartedAt: at(10, 0), FinishedAt: at(10, 1), Sandbox: true, Location: ist},
		Files: []domain.FileSummary{fs}, Items: seq([]domain.Item{item}, nil), Exceptions: seq([]domain.Exception{exc}, nil),
	})
	rows := rawRows(t, f, "Exceptions")
	if len(rows) != 3 {
		t.Fatalf("Exceptions has %d rows, want 3", len(rows))
	}
	action := rows[2][12]
	if action != exc.SuggestedAction() || !strings.Contains(action, "Do not send this row again") {
		t.Errorf("action = %q", action)
	}
	if rows[2][11] != reason {
		t.Errorf("detail = %q", rows[2][11])
	}
	for _, sheet := range []string{"Summary", "Exceptions", "Rejected rows"} {
		for _, r := range rawRows(t, f, sheet) {
			line := strings.ToLower(strings.Join(r, " | "))
			if strings.Contains(line, "drop it again") || strings.Contains(line, "new reference") || strings.Contains(line, "drop the row again") {
				t.Errorf("%s advises sending the row again: %q", sheet, r)
			}
		}
	}
}
