package enkash_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/enkash/sandbox"
)

var ist = time.FixedZone("IST", 5*3600+1800)

// sandboxClient starts a sandbox playing scenario behind a real HTTP server on 127.0.0.1, on a
// clock that starts at 2025-03-14 10:00 IST and moves only when told, and returns a client for it.
func sandboxClient(t *testing.T, scenario string) (*enkash.Client, *clock) {
	t.Helper()
	sc, err := sandbox.ParseScenario([]byte(scenario))
	if err != nil {
		t.Fatalf("ParseScenario: %v", err)
	}
	clk := &clock{now: time.Date(2025, 3, 14, 10, 0, 0, 0, ist)}
	creds := sandbox.DemoCredentials()
	srv := httptest.NewServer(sandbox.New(sc, creds, sandbox.WithClock(clk.Now)))
	t.Cleanup(srv.Close)
	c, err := enkash.New(enkash.Config{
		BaseURL: srv.URL, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
		Username: creds.Username, Password: creds.Password, FundSourceID: "EKCI4XTWKC", DebitAccountNumber: "000111222333",
		Timeout: 5 * time.Second, RatePerSecond: 1000, MaxRetryTime: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, clk
}

// payout is a valid IMPS transfer of amount paise.
func payout(id string, amount domain.Paise) enkash.Transfer {
	return enkash.Transfer{TransactionID: id, Amount: enkash.Amount(amount), Mode: "IMPS",
		Beneficiary: &enkash.Beneficiary{Name: "Asha Traders", AccountNumber: "123456789012", IFSC: "HDFC0001234"}}
}

// TestPayoutService_Statement_Sandbox runs the client against the sandbox and classifies every
// line the way a reconciliation does: each debit of a successful payout, the reversal credit,
// the fee and the debit no payout explains, and the successful payout with no debit; and the
// balance check ties: opening − debits + credits = closing = the balance endpoint.
func TestPayoutService_Statement_Sandbox(t *testing.T) {
	c, clk := sandboxClient(t, `
token: {ttl: 100h}
balance: "50000.00"
settle_after: 1
outcomes:
  - {match: PAY-R, then: REVERSED}
  - {match: PAY-F, status: FAILED}
  - {match: PAY-N, no_debit: true}
statement:
  - {type: DEBIT, amount: "250.00", remarks: "NEFT charges", reference: "FEE-0001", transaction_id: ""}
  - {type: DEBIT, amount: "5000.00", remarks: "manual transfer"}
  - {type: CREDIT, amount: "10000.00", remarks: "top-up", reference: "TOPUP-1", at: 2h}
`)
	ctx := context.Background()
	start := clk.Now()
	sent := []enkash.Transfer{payout("PAY-S", 1200_00), payout("PAY-R", 800_50), payout("PAY-F", 300_00), payout("PAY-N", 400_00)}
	if _, err := c.Payouts.SubmitBatch(ctx, enkash.BatchTransferRequest{BatchTransactionID: "B1", Transfers: sent}); err != nil {
		t.Fatal(err)
	}
	// Poll until PAY-R shows REVERSED, one minute of sandbox time between polls.
	records := map[string]enkash.TransferRecord{}
	for i := 0; records["PAY-R"].PayoutStatus != enkash.PayoutReversed; i++ {
		if i == 10 {
			t.Fatalf("PAY-R never reversed: %+v", records)
		}
		clk.Advance(time.Minute)
		all, err := c.Payouts.SearchAll(ctx, enkash.SearchTransfersRequest{BatchTransactionID: "B1"})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range all {
			records[r.TransactionID] = r
		}
	}
	clk.Advance(3 * time.Hour) // the top-up is due

	lines, err := c.Payouts.Statement(ctx, start.Add(-time.Hour), clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) == 0 {
		t.Fatal("empty statement")
	}

	// Classify as a reconciliation would: by our transactionId first.
	var payoutDebits, reversals, others []string
	debited := map[string]bool{}
	for _, l := range lines {
		r, ours := records[l.TransactionID]
		switch {
		case ours && l.TransactionType == enkash.StatementDebit:
			if domain.Paise(l.TransactionAmount) != domain.Paise(r.Amount) || l.TransactionReferenceNumber != r.UTR || r.UTR == "" {
				t.Errorf("debit %+v does not match its payout %+v", l, r)
			}
			payoutDebits = append(payoutDebits, l.TransactionID)
			debited[l.TransactionID] = true
		case ours && l.TransactionType == enkash.StatementCredit:
			if r.PayoutStatus != enkash.PayoutReversed || l.Remarks != "REVERSAL "+l.TransactionID || domain.Paise(l.TransactionAmount) != 800_50 {
				t.Errorf("credit %+v for payout %+v", l, r)
			}
			reversals = append(reversals, l.TransactionID)
		default:
			others = append(others, l.TransactionType+" "+domain.Paise(l.TransactionAmount).Decimal()+" "+l.Remarks+" "+l.TransactionReferenceNumber)
		}
	}
	if want := []string{"PAY-R", "PAY-S"}; !slices.Equal(payoutDebits, want) {
		t.Errorf("payout debits %v, want %v", payoutDebits, want)
	}
	if want := []string{"PAY-R"}; !slices.Equal(reversals, want) {
		t.Errorf("reversal credits %v, want %v", reversals, want)
	}
	if want := []string{"DEBIT 250.00 NEFT charges FEE-0001", "DEBIT 5000.00 manual transfer ", "CREDIT 10000.00 top-up TOPUP-1"}; !slices.Equal(others, want) {
		t.Errorf("lines no payout explains %q, want %q", others, want)
	}
	var withoutDebit []string
	for id, r := range records {
		if r.PayoutStatus == enkash.PayoutSuccess && !debited[id] {
			withoutDebit = append(withoutDebit, id)
		}
	}
	if !slices.Equal(withoutDebit, []string{"PAY-N"}) {
		t.Errorf("successful payouts without a debit %v, want [PAY-N]", withoutDebit)
	}

	// The balance check: the opening balance is the first line's running balance less its own
	// effect; opening − debits + credits must give every running balance and the closing one.
	opening := domain.Paise(lines[0].RunningBalance) - lines[0].Signed()
	if opening != 50000_00 {
		t.Errorf("opening %s, want the scenario's 50,000.00", opening.Decimal())
	}
	var debits, credits domain.Paise
	for i, l := range lines {
		if l.TransactionType == enkash.StatementDebit {
			debits += domain.Paise(l.TransactionAmount)
		} else {
			credits += domain.Paise(l.TransactionAmount)
		}
		if got, want := domain.Paise(l.RunningBalance), opening-debits+credits; got != want {
			t.Errorf("line %d: running balance %s, want %s", i+1, got.Decimal(), want.Decimal())
		}
	}
	closing := domain.Paise(lines[len(lines)-1].RunningBalance)
	balance, err := c.Payouts.Balance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if opening-debits+credits != closing || closing != balance {
		t.Errorf("opening %s − debits %s + credits %s = %s; closing %s; balance %s", opening.Decimal(),
			debits.Decimal(), credits.Decimal(), (opening - debits + credits).Decimal(), closing.Decimal(), balance.Decimal())
	}
	if want := domain.Paise(50000_00 - 250_00 - 5000_00 - 1200_00 - 800_50 + 800_50 + 10000_00); balance != want {
		t.Errorf("balance %s, want %s", balance.Decimal(), want.Decimal())
	}

	t.Run("from and to", func(t *testing.T) {
		dates := make([]time.Time, len(lines))
		for i, l := range lines {
			if dates[i], err = l.Time(); err != nil {
				t.Fatal(err)
			}
		}
		// The window of the payout debits only: both ends included, to the second.
		debitAt := dates[slices.IndexFunc(lines, func(l enkash.StatementLine) bool { return l.TransactionID == "PAY-S" })]
		got, err := c.Payouts.Statement(ctx, debitAt, debitAt)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, l := range got {
			ids = append(ids, l.TransactionType+" "+l.TransactionID)
		}
		if want := []string{"DEBIT PAY-R", "DEBIT PAY-S"}; !slices.Equal(ids, want) {
			t.Errorf("window %s: %v, want %v", debitAt, ids, want)
		}
		// A window before anything happened is empty; one after the start excludes its lines.
		if got, err := c.Payouts.Statement(ctx, start.Add(-48*time.Hour), start.Add(-time.Second)); err != nil || len(got) != 0 {
			t.Errorf("window before the start: %v, %v", got, err)
		}
		got, err = c.Payouts.Statement(ctx, start.Add(time.Second), clk.Now())
		if err != nil || len(got) != len(lines)-2 || got[0].TransactionID != "PAY-R" {
			t.Errorf("window after the start: %d lines (first %+v), %v; want %d", len(got), got, err, len(lines)-2)
		}
		// Windows in another zone mean the same instants.
		utc, err := c.Payouts.Statement(ctx, debitAt.UTC(), debitAt.UTC().Add(500*time.Millisecond))
		if err != nil || len(utc) != 2 {
			t.Errorf("the same window in UTC: %d lines, %v", len(utc), err)
		}
	})
}

// TestPayoutService_Statement_Wire checks what the client sends and what it refuses to read.
func TestPayoutService_Statement_Wire(t *testing.T) {
	from := time.Date(2025, 3, 1, 0, 0, 0, 0, ist)
	to := time.Date(2025, 3, 31, 18, 29, 59, 999_000_000, time.UTC) // 23:59:59 IST

	t.Run("request", func(t *testing.T) {
		f := newFake(t)
		var got map[string]any
		f.handle(enkash.PathStatement, func(w http.ResponseWriter, r *http.Request, plain []byte, n int) {
			if r.Method != http.MethodPost {
				t.Errorf("method %s", r.Method)
			}
			if err := json.Unmarshal(plain, &got); err != nil {
				t.Errorf("request %s: %v", plain, err)
			}
			// The documented shape: data beside response_code (a string on that page).
			f.replyRaw(w, http.StatusOK, `{"response_code": "0", "response_message": "Success", "requestId": "R-1", "data": [
				{"transactionId": "PAY-1", "transactionDate": "2025-03-02 11:00:00", "valueDate": "2025-03-02",
				 "transactionType": "debit", "remarks": "PAYOUT PAY-1", "transactionReferenceNumber": "UTR1",
				 "transactionMode": "IMPS", "transactionAmount": 1250.5, "runningBalance": "98749.50"},
				{"transactionId": "", "transactionDate": "2025-03-02T12:00:00+05:30", "transactionType": "CREDIT",
				 "transactionAmount": 100, "runningBalance": 98849.50}]}`)
		})
		lines, err := f.client().Payouts.Statement(context.Background(), from, to)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"fundSourceId": "EKCI4XTWKC", "debitAccountNumber": "50100123456789",
			"fromDate": "2025-03-01T00:00:00+05:30", "toDate": "2025-03-31T23:59:59+05:30"}
		if len(got) != len(want) {
			t.Errorf("request %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("request %s = %v, want %v", k, got[k], v)
			}
		}
		if len(lines) != 2 || lines[0].TransactionType != "DEBIT" || lines[0].TransactionAmount != 1250_50 ||
			lines[0].RunningBalance != 98749_50 || lines[0].Signed() != -1250_50 || lines[1].Signed() != 100_00 {
			t.Fatalf("lines %+v", lines)
		}
		for i, wantAt := range []time.Time{time.Date(2025, 3, 2, 11, 0, 0, 0, ist), time.Date(2025, 3, 2, 12, 0, 0, 0, ist)} {
			if at, err := lines[i].Time(); err != nil || !at.Equal(wantAt) {
				t.Errorf("line %d time %v, %v; want %v", i+1, at, err, wantAt)
			}
		}
		if _, err := (enkash.StatementLine{TransactionID: "X", TransactionDate: "02/03/2025"}).Time(); err == nil || !strings.Contains(err.Error(), "02/03/2025") {
			t.Errorf("unreadable date: err = %v", err)
		}
	})

	t.Run("a window out of order is refused before any call", func(t *testing.T) {
		f := newFake(t)
		c := f.client()
		for _, w := range [][2]time.Time{{to, from}, {{}, to}, {from, {}}} {
			if _, err := c.Payouts.Statement(context.Background(), w[0], w[1]); err == nil {
				t.Errorf("window %v to %v: no error", w[0], w[1])
			}
		}
		if n := f.tokenCount() + f.count(enkash.PathStatement); n != 0 {
			t.Errorf("%d calls made", n)
		}
	})

	t.Run("lines it cannot read are an error", func(t *testing.T) {
		for body, want := range map[string]string{
			`{"data": [{"transactionId": "T1", "transactionType": "REFUND", "transactionAmount": 1}]}`:    `line 1 (T1): transaction type "REFUND" is not DEBIT or CREDIT`,
			`{"data": [{"transactionId": "T2", "transactionType": "DEBIT", "transactionAmount": -1}]}`:    "line 1 (T2): amount -1.00 is negative",
			`{"data": [{"transactionId": "T3", "transactionType": "DEBIT", "transactionAmount": 1.005}]}`: "1.005",
		} {
			f := newFake(t)
			f.handle(enkash.PathStatement, func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
				f.reply(w, http.StatusOK, 0, "ok", json.RawMessage(body))
			})
			_, err := f.client().Payouts.Statement(context.Background(), from, to)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: err = %v, want one containing %q", body, err, want)
			}
		}
	})

	t.Run("an answer without data is an error, not zero lines", func(t *testing.T) {
		for _, body := range []string{
			`{"response_code": 0, "response_message": "Success", "requestId": "R-2"}`,
			`{"response_code": 0, "response_message": "Success", "payload": {}}`,
			`{"response_code": 0, "response_message": "Success", "data": null}`,
		} {
			f := newFake(t)
			f.handle(enkash.PathStatement, func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
				f.replyRaw(w, http.StatusOK, body)
			})
			lines, err := f.client().Payouts.Statement(context.Background(), from, to)
			if err == nil || !strings.Contains(err.Error(), `no "data" list`) {
				t.Errorf("%s: lines %v, err %v; want an error naming the missing data", body, lines, err)
			}
		}
	})

	t.Run("an empty data list is no lines", func(t *testing.T) {
		f := newFake(t)
		f.handle(enkash.PathStatement, func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
			f.replyRaw(w, http.StatusOK, `{"response_code": "0", "response_message": "Success", "requestId": "R-3", "data": []}`)
		})
		lines, err := f.client().Payouts.Statement(context.Background(), from, to)
		if err != nil || len(lines) != 0 {
			t.Errorf("lines %v, err %v", lines, err)
		}
	})

	t.Run("refused before any call without the debit account or the fund source", func(t *testing.T) {
		for setting, mod := range map[string]func(*enkash.Config){
			"ENKASH_DEBIT_ACCOUNT_NUMBER": func(c *enkash.Config) { c.DebitAccountNumber = "" },
			"ENKASH_FUND_SOURCE_ID":       func(c *enkash.Config) { c.FundSourceID = "" },
		} {
			f := newFake(t)
			_, err := f.client(mod).Payouts.Statement(context.Background(), from, to)
			got, ok := enkash.IsConfigRefusal(err)
			if !ok || got != setting || !strings.Contains(err.Error(), setting) {
				t.Errorf("without %s: err = %v", setting, err)
			}
			if n := f.tokenCount() + f.count(enkash.PathStatement); n != 0 {
				t.Errorf("without %s: %d calls made", setting, n)
			}
		}
	})

	t.Run("retried as a read", func(t *testing.T) {
		f := newFake(t)
		f.handle(enkash.PathStatement, func(w http.ResponseWriter, r *http.Request, _ []byte, n int) {
			if n == 1 {
				f.replyPlain(w, http.StatusBadGateway, map[string]any{"response_code": 1, "response_message": "Bad gateway"})
				return
			}
			f.reply(w, http.StatusOK, 0, "ok", json.RawMessage(`{"data": []}`))
		})
		lines, err := f.client().Payouts.Statement(context.Background(), from, to)
		if err != nil || len(lines) != 0 || f.count(enkash.PathStatement) != 2 {
			t.Fatalf("lines %v, err %v, %d calls; want none, nil, 2", lines, err, f.count(enkash.PathStatement))
		}
	})

	t.Run("a refusal is an APIError", func(t *testing.T) {
		f := newFake(t)
		f.handle(enkash.PathStatement, func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
			f.replyPlain(w, http.StatusUnprocessableEntity, map[string]any{"response_code": 422, "response_message": "Invalid fromDate"})
		})
		_, err := f.client().Payouts.Statement(context.Background(), from, to)
		var ae *enkash.APIError
		if !errors.As(err, &ae) || ae.Code != 422 || f.count(enkash.PathStatement) != 1 {
			t.Fatalf("err = %v, %d calls", err, f.count(enkash.PathStatement))
		}
	})
}
