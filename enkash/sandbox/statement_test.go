package sandbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/enkash/sandbox"
)

// statement posts a statement request for [from, to] and returns the answer and its lines.
func (b *bundle) statement(from, to string) (answer, []wStatementLine) {
	b.t.Helper()
	var out wStatementResponse
	a := b.call(http.MethodPost, pathStatement,
		wStatementRequest{FundSourceID: "EKCI4XTWKC", DebitAccountNumber: "50200012345678", FromDate: dateTime(from, false), ToDate: dateTime(to, true)}, nil)
	if a.status == http.StatusOK {
		if err := json.Unmarshal(a.raw, &out); err != nil {
			b.t.Fatalf("statement answer %s: %v", a.raw, err)
		}
	}
	return a, out.Data
}

// dateTime writes a bare day (yyyy-MM-dd) as the RFC 3339 date-time the page asks for: its
// first second, or its last when upper; anything else is sent as it is.
func dateTime(v string, upper bool) string {
	if len(v) != len("2006-01-02") {
		return v
	}
	if upper {
		return v + "T23:59:59+05:30"
	}
	return v + "T00:00:00+05:30"
}

// mustStatement posts a statement request that must be answered 200, encrypted.
func (b *bundle) mustStatement(from, to string) []wStatementLine {
	b.t.Helper()
	a, lines := b.statement(from, to)
	if a.status != http.StatusOK || !a.encrypted || a.env.ResponseCode != 0 {
		b.t.Fatalf("statement %s to %s: HTTP %d encrypted=%v %+v", from, to, a.status, a.encrypted, a.env)
	}
	return lines
}

// balanceNow reads the balance endpoint.
func (b *bundle) balanceNow() domain.Paise {
	b.t.Helper()
	var out struct {
		TotalBalance wAmount `json:"totalBalance"`
	}
	if a := b.call(http.MethodGet, pathBalance, nil, &out); a.status != http.StatusOK {
		b.t.Fatalf("balance: HTTP %d %+v", a.status, a.env)
	}
	return domain.Paise(out.TotalBalance)
}

// brief renders a line as "TYPE id amount running remarks ref date".
func brief(l wStatementLine) string {
	return fmt.Sprintf("%s %s %s %s %s|%s|%s", l.TransactionType, l.TransactionID,
		domain.Paise(l.TransactionAmount).Decimal(), domain.Paise(l.RunningBalance).Decimal(),
		l.Remarks, l.TransactionReferenceNumber, l.TransactionDate)
}

// checkTies fails unless every running balance follows from the one before (the first from
// opening) and the last one equals closing.
func checkTies(t *testing.T, lines []wStatementLine, opening, closing domain.Paise) {
	t.Helper()
	bal := opening
	for i, l := range lines {
		switch l.TransactionType {
		case "DEBIT":
			bal -= domain.Paise(l.TransactionAmount)
		case "CREDIT":
			bal += domain.Paise(l.TransactionAmount)
		default:
			t.Fatalf("line %d: type %q", i+1, l.TransactionType)
		}
		if got := domain.Paise(l.RunningBalance); got != bal {
			t.Fatalf("line %d (%s): running balance %s, want %s", i+1, brief(l), got.Decimal(), bal.Decimal())
		}
	}
	if bal != closing {
		t.Fatalf("opening %s − debits + credits = %s, closing %s", opening.Decimal(), bal.Decimal(), closing.Decimal())
	}
}

const statementScenario = `
token: {ttl: 100h}
balance: "10000.00"
settle_after: 1
outcomes:
  - {match: R, then: REVERSED, reason: ACCOUNT_CLOSED}
  - {match: F, status: FAILED}
  - {match: N, no_debit: true}
  - {match: A, amount: "450.00"}
statement:
  - {type: DEBIT, amount: "250.00", remarks: "NEFT charges", reference: "FEE-0001", transaction_id: "", mode: charges}
  - {type: DEBIT, amount: "5000.00", remarks: "manual transfer"}
  - {type: credit, amount: "2,000.00", remarks: "top-up", reference: "TOPUP-1", at: 1h}
  - {type: DEBIT, amount: "100.00", remarks: "yesterday", reference: "OLD-1", at: "2025-03-13 18:00:00"}
`

func TestServer_Statement(t *testing.T) {
	b := setup(t, statementScenario) // the clock starts at 2025-03-14 10:00 IST
	b.login()
	day := "2025-03-14"

	// At start: yesterday's line, then the two undated lines, dated at the sandbox's start.
	want := []string{
		"DEBIT  250.00 9650.00 NEFT charges|FEE-0001|2025-03-14T10:00:00+05:30",
		"DEBIT  5000.00 4650.00 manual transfer||2025-03-14T10:00:00+05:30",
	}
	checkLines(t, b.mustStatement(day, day), want)
	if got := b.balanceNow(); got != 4650_00 {
		t.Fatalf("balance at start %s, want 4,650.00", got.Decimal())
	}

	b.clock.Advance(time.Minute)
	b.mustBatch("B1", transfer("S", 1000_00), transfer("R", 700_00), transfer("F", 300_00),
		transfer("N", 400_00), transfer("A", 500_00))
	b.search("", wSearchRequest{}) // PENDING: no money moves
	if lines := b.mustStatement(day, day); len(lines) != 2 {
		t.Fatalf("pending transfers posted lines: %v", lines)
	}
	b.clock.Advance(time.Minute)
	_, page := b.search("", wSearchRequest{}) // final at 10:02
	utr := map[string]string{}
	for _, r := range page.Transfers {
		utr[r.TransactionID] = r.UTR
	}
	if utr["S"] == "" || utr["R"] == "" || utr["A"] == "" {
		t.Fatalf("search did not show the successes with a UTR: %+v", page.Transfers)
	}
	b.clock.Advance(time.Minute)
	b.search("", wSearchRequest{}) // R reversed at 10:03
	b.clock.Advance(time.Hour)     // the top-up, dated 11:00, is due

	want = append(want,
		// In the order the search showed them: by creation, then transactionId.
		"DEBIT A 450.00 4200.00 PAYOUT A|"+utr["A"]+"|2025-03-14T10:02:00+05:30", // the recorded amount
		"DEBIT R 700.00 3500.00 PAYOUT R|"+utr["R"]+"|2025-03-14T10:02:00+05:30",
		"DEBIT S 1000.00 2500.00 PAYOUT S|"+utr["S"]+"|2025-03-14T10:02:00+05:30",
		"CREDIT R 700.00 3200.00 REVERSAL R|"+utr["R"]+"|2025-03-14T10:03:00+05:30",
		"CREDIT  2000.00 5200.00 top-up|TOPUP-1|2025-03-14T11:00:00+05:30",
	)
	lines := b.mustStatement(day, day)
	checkLines(t, lines, want)
	if l := lines[0]; l.TransactionMode != "CHARGES" || l.ValueDate != day+"T00:00:00+05:30" {
		t.Errorf("fee line mode %q value date %q", l.TransactionMode, l.ValueDate)
	}
	if l := lines[2]; l.TransactionMode != "IMPS" {
		t.Errorf("payout debit mode %q, want IMPS", l.TransactionMode)
	}
	closing := b.balanceNow()
	if closing != 5200_00 {
		t.Fatalf("balance %s, want 5,200.00", closing.Decimal())
	}
	// The day opens after yesterday's ₹100.00 line: 10,000 − 100.
	checkTies(t, lines, 9900_00, closing)

	// The whole book, yesterday included, ties from the scenario's opening balance.
	all := b.mustStatement("2025-03-01", "2025-03-31")
	if len(all) != len(want)+1 || !strings.HasPrefix(brief(all[0]), "DEBIT  100.00 9900.00 yesterday|OLD-1|2025-03-13T18:00:00+05:30") {
		t.Fatalf("whole book starts %v, %d lines", brief(all[0]), len(all))
	}
	checkTies(t, all, 10000_00, closing)

	t.Run("window", func(t *testing.T) {
		cases := []struct {
			from, to string
			want     []string // ids and types
		}{
			{"2025-03-14T10:02:00+05:30", "2025-03-14T10:02:00+05:30", []string{"DEBIT A", "DEBIT R", "DEBIT S"}},
			{"2025-03-14T04:32:00Z", "2025-03-14T10:03:00+05:30", []string{"DEBIT A", "DEBIT R", "DEBIT S", "CREDIT R"}},
			{"2025-03-14T10:02:01+05:30", "2025-03-14T10:59:59+05:30", []string{"CREDIT R"}},
			{"2025-03-14T11:00:01+05:30", "2025-03-20", nil},
			{"2025-03-13", "2025-03-13", []string{"DEBIT "}},
		}
		for _, c := range cases {
			lines := b.mustStatement(c.from, c.to)
			var got []string
			for _, l := range lines {
				got = append(got, l.TransactionType+" "+l.TransactionID)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("%s to %s: %v, want %v", c.from, c.to, got, c.want)
			}
			// Running balances do not depend on the window.
			for _, l := range lines {
				for _, w := range all {
					if w.TransactionDate == l.TransactionDate && w.TransactionType == l.TransactionType &&
						w.TransactionID == l.TransactionID && w.Remarks == l.Remarks && w.RunningBalance != l.RunningBalance {
						t.Errorf("%s: running balance %s in the window, %s in the whole book", brief(l),
							domain.Paise(l.RunningBalance).Decimal(), domain.Paise(w.RunningBalance).Decimal())
					}
				}
			}
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		for _, c := range []struct{ from, to, msg string }{
			{"", day, "Invalid or missing parameter in the request. Missing: fromDate"},
			{day, "", "Invalid or missing parameter in the request. Missing: toDate"},
			{"14-03-25", day, "Invalid request format. fromDate 14-03-25 is not a date-time (RFC 3339)"},
			{day, "yesterday", "Invalid request format. toDate yesterday is not a date-time (RFC 3339)"},
			{"2025-03-14 10:00:00", day, "Invalid request format. fromDate 2025-03-14 10:00:00 is not a date-time (RFC 3339)"},
			{"2025-03-15", "2025-03-14", "Invalid or missing parameter in the request. fromDate is after toDate"},
		} {
			a, _ := b.statement(c.from, c.to)
			if a.status != http.StatusUnprocessableEntity || a.encrypted || a.env.ResponseMessage != c.msg {
				t.Errorf("%q to %q: HTTP %d encrypted=%v %+v, want 422 %q", c.from, c.to, a.status, a.encrypted, a.env, c.msg)
			}
		}
		a := b.call(http.MethodPost, pathStatement, map[string]string{"fromDate": day, "toDate": day, "fundSource": "X"}, nil)
		if a.status != http.StatusUnprocessableEntity {
			t.Errorf("unknown field: HTTP %d %+v", a.status, a.env)
		}
		if a := b.call(http.MethodGet, pathStatement, nil, nil); a.status != http.StatusMethodNotAllowed {
			t.Errorf("GET statement: HTTP %d", a.status)
		}
	})
}

// checkLines compares the lines, rendered by brief, with want.
func checkLines(t *testing.T, lines []wStatementLine, want []string) {
	t.Helper()
	got := make([]string, len(lines))
	for i, l := range lines {
		got[i] = brief(l)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("statement:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestServer_StatementSettleByTime(t *testing.T) {
	b := setup(t, `
balance: "1000.00"
settle_after: 10s
outcomes:
  - {match: R, then: REVERSED}
  - {match: V, status: REVERSED}
  - {match: N, status: SUCCESS, then: REVERSED, no_debit: true}
`)
	b.login()
	b.mustBatch("B1", transfer("S", 100_00), transfer("R", 200_00), transfer("V", 50_00), transfer("N", 70_00))
	day := "2025-03-14"

	b.clock.Advance(9 * time.Second)
	if lines := b.mustStatement(day, day); len(lines) != 0 || b.balanceNow() != 1000_00 {
		t.Fatalf("before settling: %v", lines)
	}
	b.clock.Advance(16 * time.Second) // 25s: settled at 10s, R reversed at 20s; nobody searched
	checkLines(t, b.mustStatement(day, day), []string{
		"DEBIT S 100.00 900.00 PAYOUT S|" + b.utrOf("S") + "|2025-03-14T10:00:10+05:30",
		"DEBIT R 200.00 700.00 PAYOUT R|" + b.utrOf("R") + "|2025-03-14T10:00:10+05:30",
		"DEBIT V 50.00 650.00 PAYOUT V|" + b.utrOf("V") + "|2025-03-14T10:00:10+05:30",
		"CREDIT V 50.00 700.00 REVERSAL V|" + b.utrOf("V") + "|2025-03-14T10:00:10+05:30",
		"CREDIT R 200.00 900.00 REVERSAL R|" + b.utrOf("R") + "|2025-03-14T10:00:20+05:30",
	})
	if got := b.balanceNow(); got != 900_00 {
		t.Fatalf("balance %s, want 900.00", got.Decimal())
	}
}

func TestServer_StatementSettleAtOnce(t *testing.T) {
	b := setup(t, "balance: \"1000.00\"\nsettle_after: 0\noutcomes: [{match: R, then: REVERSED}]")
	b.login()
	b.mustBatch("B1", transfer("S", 100_00), transfer("R", 200_00))
	// Settled from the start: debited before any search, as the balance always was.
	checkLines(t, b.mustStatement("2025-03-14", "2025-03-14"), []string{
		"DEBIT S 100.00 900.00 PAYOUT S|" + b.utrOf("S") + "|2025-03-14T10:00:00+05:30",
		"DEBIT R 200.00 700.00 PAYOUT R|" + b.utrOf("R") + "|2025-03-14T10:00:00+05:30",
	})
	b.clock.Advance(time.Second)
	b.statusOf("R") // the search that shows the reversal
	lines := b.mustStatement("2025-03-14", "2025-03-14")
	if len(lines) != 3 || brief(lines[2]) != "CREDIT R 200.00 900.00 REVERSAL R|"+b.utrOf("R")+"|2025-03-14T10:00:01+05:30" {
		t.Fatalf("lines %v", lines)
	}
	checkTies(t, lines, 1000_00, b.balanceNow())
}

// utrOf searches a transfer and returns its UTR.
func (b *bundle) utrOf(id string) string {
	b.t.Helper()
	r, ok := b.statusOf(id)
	if !ok || r.UTR == "" {
		b.t.Fatalf("%s: no UTR in %+v", id, r)
	}
	return r.UTR
}

func TestServer_StatementExtras(t *testing.T) {
	b := setup(t, `
token: {ttl: 100h}
balance: "1000.00"
extra:
  - {kind: payout, reference: "PAY-X001", amount: "100.00"}
  - {kind: payout, reference: "PAY-X002", amount: "30.00", status: FAILED}
statement:
  - {type: CREDIT, amount: "5.00", remarks: "later", at: "2025-03-14T10:30:00+05:30"}
`)
	b.login()
	lines := b.mustStatement("2025-03-14", "2025-03-14")
	if len(lines) != 1 || brief(lines[0]) != "DEBIT PAY-X001 100.00 900.00 PAYOUT PAY-X001|"+b.utrOf("PAY-X001")+"|2025-03-14T10:00:00+05:30" {
		t.Fatalf("lines %v, want the successful extra's debit only", lines)
	}
	b.clock.Advance(29*time.Minute + 59*time.Second)
	if got := b.balanceNow(); got != 900_00 {
		t.Fatalf("balance before the dated credit %s", got.Decimal())
	}
	b.clock.Advance(time.Second)
	if got := b.balanceNow(); got != 905_00 {
		t.Fatalf("balance once the dated credit is due %s", got.Decimal())
	}
	checkTies(t, b.mustStatement("2025-03-14", "2025-03-14"), 1000_00, 905_00)
}

func TestParseScenario_Statement(t *testing.T) {
	t.Run("accepts the new keys", func(t *testing.T) {
		sc, err := sandbox.ParseScenario([]byte(statementScenario + `  - {type: CREDIT, amount: 1.5, at: -2h30m}
  - {type: DEBIT, amount: "3.00", at: 2025-03-14T09:00:00+05:30}
  - {type: DEBIT, amount: "4.00", at: "2025-03-12"}
`))
		if err != nil {
			t.Fatal(err)
		}
		if !sc.Outcomes[2].NoDebit || sc.Outcomes[0].NoDebit {
			t.Errorf("no_debit: %+v", sc.Outcomes)
		}
		if len(sc.Statement) != 7 {
			t.Fatalf("%d statement lines", len(sc.Statement))
		}
		want := sandbox.StatementEntry{Type: "DEBIT", Amount: 250_00, Remarks: "NEFT charges", Reference: "FEE-0001", Mode: "CHARGES"}
		if sc.Statement[0] != want {
			t.Errorf("fee line %+v, want %+v", sc.Statement[0], want)
		}
		ist := time.FixedZone("IST", 5*3600+1800)
		for i, w := range map[int]sandbox.When{
			1: {},
			2: {Offset: time.Hour},
			3: {Time: time.Date(2025, 3, 13, 18, 0, 0, 0, ist)},
			4: {Offset: -150 * time.Minute},
			5: {Time: time.Date(2025, 3, 14, 9, 0, 0, 0, ist)},
			6: {Time: time.Date(2025, 3, 12, 0, 0, 0, 0, ist)},
		} {
			if got := sc.Statement[i].At; !got.Time.Equal(w.Time) || got.Offset != w.Offset {
				t.Errorf("statement[%d].at = %+v, want %+v", i, got, w)
			}
		}
		if sc.Statement[2].Type != "CREDIT" || sc.Statement[2].Amount != 2000_00 || sc.Statement[4].Amount != 1_50 {
			t.Errorf("credit lines %+v %+v", sc.Statement[2], sc.Statement[4])
		}
	})

	t.Run("rejects bad ones with the line", func(t *testing.T) {
		for _, c := range []struct{ yaml, want string }{
			{"statement:\n  - {type: DEBIT, amount: \"1.00\", remark: x}\n", "line 2: field remark not found in statement line"},
			{"statement:\n  - type: DEBIT\n    amount: \"1.00\"\n    refrence: x\n", "line 4: field refrence not found"},
			{"statement:\n  - {type: FEE, amount: \"1.00\"}\n", `line 2: statement line: type "FEE" is not DEBIT or CREDIT`},
			{"statement:\n  - {amount: \"1.00\"}\n", "line 2: statement line: type is required"},
			{"statement:\n  - {type: DEBIT}\n", "line 2: statement line: amount must be positive"},
			{"statement:\n  - {type: DEBIT, amount: \"0.00\"}\n", "line 2: statement line: amount must be positive"},
			{"statement:\n\n  - {type: DEBIT, amount: \"-5\"}\n", `line 3: amount "-5" is negative`},
			{"statement:\n  - {type: DEBIT, amount: \"1.001\"}\n", "line 2: amount"},
			{"statement:\n  - {type: DEBIT, amount: \"1.00\", at: tomorrow}\n", `line 2: at "tomorrow" is not a date`},
			{"statement:\n  - {type: DEBIT, amount: \"1.00\", at: [1h]}\n", "line 2: at must be"},
			{"statement:\n  - DEBIT 1.00\n", "line 2: a statement line is a mapping"},
			{"statement: {type: DEBIT}\n", "line 1"},
			{"outcomes:\n  - {match: A, no_debit: maybe}\n", "line 2"},
			{"outcomes:\n  - {match: A, no_debt: true}\n", "line 2: field no_debt not found"},
		} {
			_, err := sandbox.ParseScenario([]byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%q: err = %v, want one containing %q", c.yaml, err, c.want)
			}
		}
	})

	t.Run("no_debit only where a transfer succeeds", func(t *testing.T) {
		for _, st := range []string{"FAILED", "REJECTED", "PENDING", "PROCESSING"} {
			_, err := sandbox.ParseScenario([]byte("outcomes:\n  - {match: PAY-1, status: " + st + ", no_debit: true}\n"))
			if err == nil || !strings.Contains(err.Error(), "outcomes[0] (PAY-1): no_debit") {
				t.Errorf("%s: err = %v", st, err)
			}
		}
		for _, ok := range []string{"{match: A, no_debit: true}", "{match: A, status: success, no_debit: true}",
			"{match: A, status: REVERSED, no_debit: true}", "{match: A, then: REVERSED, no_debit: true}"} {
			if _, err := sandbox.ParseScenario([]byte("outcomes: [" + ok + "]")); err != nil {
				t.Errorf("%s: %v", ok, err)
			}
		}
	})

	t.Run("Validate checks a scenario built in Go", func(t *testing.T) {
		sc := sandbox.Scenario{Statement: []sandbox.StatementEntry{{Type: "debit", Amount: 1_00}, {Type: "CREDIT"}}}
		err := sc.Validate()
		if err == nil || !strings.Contains(err.Error(), "statement[1]: amount must be positive") {
			t.Fatalf("err = %v", err)
		}
		if sc.Statement[0].Type != "DEBIT" {
			t.Errorf("type not normalised: %q", sc.Statement[0].Type)
		}
	})
}

// BenchmarkServer_Statement measures a whole-day statement, fetched by the real client over
// HTTP, with 20,000 settled payouts and a reversal for every tenth (22,000 lines) in the book.
func BenchmarkServer_Statement(b *testing.B) {
	sc, err := sandbox.ParseScenario([]byte("settle_after: 0\noutcomes: [{match: 'PAY*0', then: REVERSED}]"))
	if err != nil {
		b.Fatal(err)
	}
	creds := sandbox.DemoCredentials()
	srv := httptest.NewServer(sandbox.New(sc, creds))
	b.Cleanup(srv.Close)
	c, err := enkash.New(enkash.Config{BaseURL: srv.URL, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
		Username: creds.Username, Password: creds.Password, RatePerSecond: 1e6})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i := range 4 {
		req := enkash.BatchTransferRequest{BatchTransactionID: fmt.Sprintf("B%d", i), Transfers: clientRefs(fmt.Sprintf("PAY%d", i), 5000)}
		if _, err := c.Payouts.SubmitBatch(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	for range 2 { // settle, then reverse
		if _, err := c.Payouts.SearchAll(ctx, enkash.SearchTransfersRequest{}); err != nil {
			b.Fatal(err)
		}
	}
	from, to := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	lines, err := c.Payouts.Statement(ctx, from, to)
	if err != nil || len(lines) != 22000 {
		b.Fatalf("%d lines, %v; want 22,000", len(lines), err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := c.Payouts.Statement(ctx, from, to); err != nil {
			b.Fatal(err)
		}
	}
}
