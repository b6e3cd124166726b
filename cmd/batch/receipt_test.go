package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enkashbatch/domain"
)

// TestServe_ReceiptAtOnce: a file dropped under `serve` is answered within seconds, long before
// the nightly run: a receipt in reports/ (rows received, the rejected row with its reason, the
// valid total, the scheduled job that will send it) and the fix-and-redrop file; /metrics shows
// the rejected row as an open exception by category and severity. Nothing is sent.
func TestServe_ReceiptAtOnce(t *testing.T) {
	b := setupServe(t, "seed: 3\n", 0)
	// The one job that sends runs at 03:00 on 1 January: never during the test.
	if err := os.WriteFile(b.schedules, []byte("timezone: Asia/Kolkata\njobs:\n  nightly:\n    cron: \"0 3 1 1 *\"\n    steps: [ingest, submit, poll, report]\n    catch_up: skip\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := binary(t)
	p := b.start(t, bin)
	base := p.addr(t)
	time.Sleep(300 * time.Millisecond)
	csv := "Reference,Beneficiary Name,Account Number,IFSC,VPA,Amount,Mode\n" +
		"RCP-0001,Meena Iyer,601002345601,ICIC0001234,,1500.25,IMPS\n" +
		"RCP-0002,Ravi Kumar,601002345602,ICIC0001234,,2500.00,NEFT\n" +
		"RCP-0003,Asha Rao,601002345603,NOTANIFSC,,700.00,IMPS\n"
	path := filepath.Join(b.home, "inbox", "payouts", "payouts_receipt.csv")
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	dropped := time.Now()
	if err := os.WriteFile(path+".done", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rec := p.waitLog(t, "the receipt", msgIs("receipt written"))
	fix := p.waitLog(t, "the fix-and-redrop file", msgIs("fix-and-redrop file written"))
	if took := time.Since(dropped); took > 10*time.Second {
		t.Errorf("the receipt came %s after the drop; want within seconds", took)
	}
	receipt := rec["receipt"].(string)
	if !strings.HasPrefix(filepath.Base(receipt), "receipt-payouts_receipt-") || filepath.Dir(receipt) != filepath.Join(b.home, "reports") {
		t.Errorf("receipt at %s", receipt)
	}
	if _, err := os.Stat(fix["file"].(string)); err != nil {
		t.Errorf("fix-and-redrop file: %v", err)
	}
	sum := sheetRows(t, receipt, "Summary")
	value := func(label string) string {
		t.Helper()
		r := rowStarting(t, sum, label)
		if len(r) < 2 {
			t.Fatalf("row %q has no value", label)
		}
		return r[1]
	}
	if got := value("Rows received"); got != "3" {
		t.Errorf("rows received %q, want 3", got)
	}
	if got := value("Rows valid, to be sent"); got != "2" {
		t.Errorf("valid rows %q, want 2", got)
	}
	if got := paiseOf(t, value("Valid total ₹")); got != 4000_25 {
		t.Errorf("valid total %v, want ₹4,000.25", got)
	}
	if got := value("When it will be sent"); !strings.Contains(got, `"nightly"`) || !strings.Contains(got, "01-01-") || !strings.Contains(got, "03:00") {
		t.Errorf("when it will be sent: %q; want the nightly job's next time", got)
	}
	if got := value("Fix-and-redrop file"); !strings.Contains(got, filepath.Base(fix["file"].(string))) {
		t.Errorf("fix file named %q, want %s", got, fix["file"])
	}
	rejected := sheetRows(t, receipt, "Rejected rows")
	found := false
	for _, r := range rejected {
		if len(r) > 2 && r[1] == "RCP-0003" && strings.Contains(r[2], "IFSC") {
			found = true
		}
	}
	if !found {
		t.Errorf("the rejected row RCP-0003 with its IFSC reason is not on the Rejected rows sheet: %q", rejected)
	}

	samples := scrape(t, base)
	_, stdout, _ := runMain(t, b, "exceptions", "--home", b.home, "--open", "--json")
	var open []domain.Exception
	if err := json.Unmarshal([]byte(stdout), &open); err != nil {
		t.Fatalf("exceptions --json: %v\n%s", err, stdout)
	}
	rejectedRows := 0
	for _, e := range open {
		if e.Category == domain.CategoryRejectedRow {
			rejectedRows++
		}
	}
	if n := sumSamples(samples, "batch_open_exceptions", map[string]string{"category": "rejected_row", "severity": "low"}); rejectedRows == 0 || n != float64(rejectedRows) {
		t.Errorf("batch_open_exceptions{rejected_row,low} = %v; batch exceptions --open lists %d", n, rejectedRows)
	}
	if n := sumSamples(samples, "batch_open_exceptions", map[string]string{"category": "amount_mismatch", "severity": "high"}); n != 0 {
		t.Errorf("batch_open_exceptions{amount_mismatch,high} = %v, want 0 (and present)", n)
	}
	if len(b.calls(t)) != 0 {
		t.Errorf("Enkash received %d references before the scheduled run", len(b.calls(t)))
	}
	if code := p.stop(t); code != exitOK {
		t.Errorf("exit %d", code)
	}
}
