package sandbox_test

import (
	"bytes"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"enkashbatch/enkash/sandbox"
)

// stateScenario exercises every part of the state: outcomes of each kind, an extra record, a
// scenario statement line already posted and one still to come.
const stateScenario = `
seed: 3
latency: {min: 0s, max: 1ms} # draws from the random source on every call
token: {ttl: 100h}
settle_after: 1
balance: "50000.00"
outcomes:
  - {match: "S-0002", status: FAILED}
  - {match: "S-0003", status: REJECTED}
  - {match: "S-0004", amount: "99.00"}
  - {match: "S-0005", then: REVERSED}
  - {match: "S-0006", drop: true}
extra:
  - {kind: payout, reference: "X-9001", amount: "150.00"}
statement:
  - {type: CREDIT, amount: "1000.00", remarks: "Top up", at: -1h}
  - {type: DEBIT, amount: "5.00", remarks: "NEFT charges", at: 2h}
`

// saved returns b's state as Save writes it.
func (b *bundle) saved() []byte {
	b.t.Helper()
	var buf bytes.Buffer
	if err := b.sb.Save(&buf); err != nil {
		b.t.Fatalf("Save: %v", err)
	}
	return buf.Bytes()
}

// reload starts a new sandbox playing scenarioYAML on a clock set to b's time, loads state into
// it, and logs in.
func reload(t *testing.T, b *bundle, scenarioYAML string, state []byte) *bundle {
	t.Helper()
	sc, err := sandbox.ParseScenario([]byte(scenarioYAML))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: b.clock.Now()}
	sb := sandbox.New(sc, b.creds, sandbox.WithClock(clk.Now))
	if err := sb.Load(bytes.NewReader(state)); err != nil {
		t.Fatalf("Load: %v", err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	nb := &bundle{t: t, sb: sb, srv: srv, creds: b.creds, cipher: b.cipher, clock: clk, http: b.http}
	nb.login()
	return nb
}

// view is what a client can see of a sandbox: every search record, the day's statement, the
// balance and the call log. Searching counts a poll, as it would at Enkash.
type view struct {
	records   []wTransferRecord
	statement []wStatementLine
	balance   string
	calls     []sandbox.Call
}

func (b *bundle) view() view {
	b.t.Helper()
	a, out := b.search("limit=1000", wSearchRequest{})
	if a.status != http.StatusOK {
		b.t.Fatalf("search: HTTP %d %+v", a.status, a.env)
	}
	return view{records: out.Transfers, statement: b.mustStatement("2025-03-14", "2025-03-14"),
		balance: b.balanceNow().Decimal(), calls: b.sb.Calls()}
}

func sameView(t *testing.T, when string, got, want view) {
	t.Helper()
	if !reflect.DeepEqual(got.records, want.records) {
		t.Errorf("%s: search records differ:\n got %+v\nwant %+v", when, got.records, want.records)
	}
	if !reflect.DeepEqual(got.statement, want.statement) {
		t.Errorf("%s: statements differ:\n got %+v\nwant %+v", when, got.statement, want.statement)
	}
	if got.balance != want.balance {
		t.Errorf("%s: balance %s, want %s", when, got.balance, want.balance)
	}
	if !reflect.DeepEqual(got.calls, want.calls) {
		t.Errorf("%s: call logs differ:\n got %+v\nwant %+v", when, got.calls, want.calls)
	}
}

// TestState_RoundTrip: a sandbox loaded from another's saved state is the same Enkash: caught
// mid-settle, both answer every search, statement, balance and call-log question alike, then
// and after the clock passes a scenario line's date; and saving it again writes the same bytes.
func TestState_RoundTrip(t *testing.T) {
	b := setup(t, stateScenario)
	b.login()
	b.mustBatch("B1", refs("S", 6)...)
	b.clock.Advance(time.Minute)
	b.view()                           // one poll each: S-0001 settles, S-0005 succeeds, not yet reversed
	b.mustBatch("B2", refs("T", 2)...) // never polled: still PENDING

	state := b.saved()
	b2 := reload(t, b, stateScenario, state)
	// Right after loading, before b2 logs in, its state is byte for byte the one saved: nothing
	// dropped or added, the random source's position included. (The login in reload only moves
	// the token counter and the stats; compare a fresh load instead.)
	b3 := sandbox.New(mustScenario(t, stateScenario), b.creds, sandbox.WithClock(b.clock.Now))
	if err := b3.Load(bytes.NewReader(state)); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := b3.Save(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), state) {
		t.Errorf("save → load → save changed the state:\n%s\n%s", state, again.Bytes())
	}

	for i := range 3 {
		want, got := b.view(), b2.view()
		sameView(t, "poll "+string(rune('1'+i)), got, want)
	}
	// The scenario's later line comes due once, in both.
	b.clock.Advance(3 * time.Hour)
	b2.clock.Advance(3 * time.Hour)
	want, got := b.view(), b2.view()
	sameView(t, "after the dated line", got, want)
	charges := 0
	for _, l := range got.statement {
		if l.Remarks == "NEFT charges" {
			charges++
		}
	}
	if charges != 1 {
		t.Errorf("the dated scenario line appears %d times, want 1", charges)
	}
	// Sanity: the state carried what it should, so that sameView compared something.
	status := map[string]string{}
	for _, r := range got.records {
		status[r.TransactionID] = r.PayoutStatus
	}
	wantStatus := map[string]string{"S-0001": "SUCCESS", "S-0002": "FAILED", "S-0003": "REJECTED",
		"S-0004": "SUCCESS", "S-0005": "REVERSED", "T-0001": "SUCCESS", "X-9001": "SUCCESS"}
	for id, st := range wantStatus {
		if status[id] != st {
			t.Errorf("%s is %q after reload, want %s", id, status[id], st)
		}
	}
	if _, ok := status["S-0006"]; ok {
		t.Error("the dropped transfer S-0006 is found after reload")
	}
}

func mustScenario(t *testing.T, yaml string) *sandbox.Scenario {
	t.Helper()
	sc, err := sandbox.ParseScenario([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestState_ExtrasOnce: every reload starts a new sandbox, which adds the scenario's extras
// anew; the loaded state replaces them, so the extra record, its debit and the balance stay
// the same however many times the sandbox is reloaded, hours apart.
func TestState_ExtrasOnce(t *testing.T) {
	b := setup(t, stateScenario)
	b.login()
	first, _ := b.statusOf("X-9001")
	want := b.view()
	for i := range 3 {
		b.clock.Advance(time.Hour)
		b = reload(t, b, stateScenario, b.saved())
		rec, ok := b.statusOf("X-9001")
		if !ok || rec.CreatedAt != first.CreatedAt || rec.EnkashTransactionID != first.EnkashTransactionID {
			t.Fatalf("reload %d: extra record %+v, want %+v", i+1, rec, first)
		}
		got := b.view()
		if len(got.records) != len(want.records) {
			t.Errorf("reload %d: %d records, want %d", i+1, len(got.records), len(want.records))
		}
		debits := 0
		for _, l := range got.statement {
			if l.TransactionID == "X-9001" {
				debits++
			}
		}
		if debits != 1 {
			t.Errorf("reload %d: the extra's debit appears %d times", i+1, debits)
		}
	}
	// 50,000.00 + 1,000.00 top-up − 150.00 extra − 5.00 charges (due 2h after the start).
	if got := b.balanceNow().Decimal(); got != "50845.00" {
		t.Errorf("balance after reloads = %s, want 50845.00", got)
	}
}

// TestState_UniqueIDs: after a reload the sandbox refuses references it already has, issues
// ids that none of the saved transfers has (a rejected transfer sent again gets new ones),
// and tokens unlike the ones issued before.
func TestState_UniqueIDs(t *testing.T) {
	b := setup(t, stateScenario)
	b.login()
	b.mustBatch("B1", refs("S", 4)...)
	b2 := reload(t, b, stateScenario, b.saved())
	if b2.token == b.token {
		t.Error("the reloaded sandbox issued a token it had issued before")
	}
	if a, _ := b2.batch("B1", transfer("Z-0001", 100_00)); a.status != http.StatusConflict {
		t.Errorf("batch B1 again after reload: HTTP %d, want 409", a.status)
	}
	out := b2.mustBatch("B2", append(refs("S", 4), transfer("S-0009", 100_00))...)
	if len(out.Successful) != 1 || out.Successful[0].TransactionID != "S-0009" {
		t.Errorf("after reload, batch of old and new references: %+v", out)
	}
	calls := b2.calls()
	if c := calls["payout/S-0001"]; c.Creates != 2 || c.Duplicates != 1 {
		t.Errorf("S-0001 sent again after reload: %+v, want 2 creates, 1 duplicate", c)
	}
	if c := calls["payout/S-0003"]; c.Creates != 2 || c.Duplicates != 0 {
		t.Errorf("rejected S-0003 sent again after reload: %+v, want 2 creates, no duplicate", c)
	}
	_, all := b2.search("limit=1000", wSearchRequest{})
	seen := map[string]string{}
	for _, r := range all.Transfers {
		if other, dup := seen[r.EnkashTransactionID]; dup {
			t.Errorf("enkashTransactionId %s of %s is also %s's", r.EnkashTransactionID, r.TransactionID, other)
		}
		seen[r.EnkashTransactionID] = r.TransactionID
	}
	if len(seen) != 6 { // S-0001..4, S-0009, X-9001
		t.Errorf("%d records after reload, want 6", len(seen))
	}
}

// TestState_ScenarioChanged: a scenario edited between two loads changes what happens next,
// not what already happened: accepted transfers keep their outcomes, new ones follow the new
// scenario, and the extras and balance of the saved Enkash stay.
func TestState_ScenarioChanged(t *testing.T) {
	b := setup(t, stateScenario)
	b.login()
	b.mustBatch("B1", refs("S", 2)...)
	changed := strings.NewReplacer(`seed: 3`, `seed: 4`, `"S-0002", status: FAILED`, `"S-*", status: FAILED`,
		`"X-9001"`, `"X-9002"`, `"50000.00"`, `"1.00"`).Replace(stateScenario)
	b2 := reload(t, b, changed, b.saved())
	b2.mustBatch("B2", transfer("S-0007", 100_00))
	for range 2 {
		b2.view()
	}
	want := map[string]string{"S-0001": "SUCCESS", "S-0002": "FAILED", "S-0007": "FAILED", "X-9001": "SUCCESS"}
	_, all := b2.search("limit=1000", wSearchRequest{})
	got := map[string]string{}
	for _, r := range all.Transfers {
		got[r.TransactionID] = r.PayoutStatus
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after a scenario change: %v, want %v", got, want)
	}
	// 50,000.00 + 1,000.00 − 150.00 (X-9001) − 100.00 (S-0001): the saved opening balance.
	if bal := b2.balanceNow().Decimal(); bal != "50750.00" {
		t.Errorf("balance = %s, want 50750.00", bal)
	}
}

// TestState_BadFile: a file that is not a whole, consistent state of this version or an older
// one is refused with an error that says why, and leaves the sandbox as it was.
func TestState_BadFile(t *testing.T) {
	b := setup(t, stateScenario)
	b.login()
	b.mustBatch("B1", refs("S", 2)...)
	good := string(b.saved())
	before := b.saved()

	cases := map[string]struct{ data, want string }{
		"empty":       {"", "not JSON"},
		"garbage":     {"PK\x03\x04 a zip file", "not JSON"},
		"truncated":   {good[:len(good)/2], "not JSON"},
		"other json":  {`{"hello": "world"}`, `format ""`},
		"newer":       {strings.Replace(good, `"version":1`, `"version":2`, 1), "newer version"},
		"no version":  {strings.Replace(good, `"version":1`, `"version":0`, 1), "version 0"},
		"wrong type":  {strings.Replace(good, `"polls":0`, `"polls":"zero"`, 1), "polls"},
		"dangling":    {strings.Replace(good, `"transfer":"X-9001"`, `"transfer":"X-0000"`, 1), "X-0000 is not in the state"},
		"twice":       {strings.Replace(good, `"id":"S-0002"`, `"id":"S-0001"`, 1), "S-0001 appears twice"},
		"bad creates": {strings.Replace(good, `"creates":1`, `"creates":0`, 1), "0 creates"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if c.data != "" && c.data == good {
				t.Fatal("the case does not change the file: fix the test")
			}
			err := b.sb.Load(strings.NewReader(c.data))
			if !errors.Is(err, sandbox.ErrBadState) || !strings.Contains(err.Error(), c.want) ||
				!strings.HasPrefix(err.Error(), "load sandbox state: ") {
				t.Fatalf("Load = %v, want an ErrBadState saying %q", err, c.want)
			}
			if after := b.saved(); !bytes.Equal(after, before) {
				t.Error("a refused load changed the sandbox")
			}
		})
	}
}

// TestState_File: SaveFile replaces the file whole and leaves no temporary file behind;
// LoadFile reads it back, and says "not exist" for a missing file.
func TestState_File(t *testing.T) {
	b := setup(t, stateScenario)
	b.login()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")

	fresh := sandbox.New(mustScenario(t, stateScenario), b.creds, sandbox.WithClock(b.clock.Now))
	if err := fresh.LoadFile(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("LoadFile of a missing file = %v, want fs.ErrNotExist", err)
	}
	if err := b.sb.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	b.mustBatch("B1", refs("S", 3)...)
	if err := b.sb.SaveFile(path); err != nil { // over the first
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "state.json" {
		t.Errorf("folder holds %v, want state.json alone", entries)
	}
	if err := fresh.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	if got, want := fresh.Calls(), b.sb.Calls(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls after LoadFile %+v, want %+v", got, want)
	}
	os.WriteFile(path, []byte("{"), 0o644)
	if err := fresh.LoadFile(path); !errors.Is(err, sandbox.ErrBadState) || !strings.Contains(err.Error(), path) {
		t.Errorf("LoadFile of a broken file = %v, want ErrBadState naming the file", err)
	}
	if err := b.sb.SaveFile(filepath.Join(dir, "no such folder", "state.json")); err == nil {
		t.Error("SaveFile into a missing folder succeeded")
	}
}
