package ledger_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/ledger"
)

func TestIngest_ReferencesDifferingOnlyInCaseOrSpaces(t *testing.T) {
	ctx := context.Background()
	db, run := setup(t)
	// The parser trims cells; a reference given with spaces to the ledger is still the same.
	_, st := ingest(t, db, run, "a.csv", valid(2, "DP-3", 100), valid(3, "Dp-3", 100), valid(4, "dp-3 ", 100), valid(5, "DP-4", 100))
	if want := []domain.Status{domain.StatusValid, domain.StatusRejected, domain.StatusRejected, domain.StatusValid}; !equalStatuses(st, want) {
		t.Fatalf("statuses = %v, want %v", st, want)
	}
	rejected, err := db.ItemList(ctx, ledger.ItemFilter{Statuses: []domain.Status{domain.StatusRejected}})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range rejected {
		if it.Rule != "duplicate_reference" || !strings.Contains(it.Reason, `already used by line 2 of this file as "DP-3"`) {
			t.Errorf("line %d: rule %q, reason %q", it.Line, it.Rule, it.Reason)
		}
	}
	// A row within one file is a duplicate to correct: it stays in the fix-and-redrop rows.
	fix, err := db.ItemList(ctx, ledger.ItemFilter{Statuses: []domain.Status{domain.StatusRejected}, Resendable: true})
	if err != nil || len(fix) != 2 {
		t.Errorf("resendable rejected rows = %d (%v); want the two duplicates of this file", len(fix), err)
	}
}

func TestIngest_AlreadySentIsNeverOfferedAgain(t *testing.T) {
	ctx := context.Background()
	db, run := setup(t)
	sentAt := time.Date(2026, 11, 12, 14, 3, 0, 0, time.UTC)
	db.Now = func() time.Time { return sentAt }
	ingest(t, db, run, "nov.csv", valid(2, "DP-3", 100), valid(3, "DP-4", 200), valid(4, "DP-5", 300))
	b, items, err := db.ClaimBatch(ctx, run, domain.KindPayouts, 2, func([]domain.Item) string { return "B-1" })
	if err != nil || len(items) != 2 {
		t.Fatalf("claim: %d items, %v", len(items), err)
	}
	err = db.Apply(ctx, run, ledger.Changes{
		Batches: []ledger.BatchUpdate{{ID: b.ID, Status: ledger.BatchSubmitted}},
		Items: []ledger.ItemUpdate{{ItemID: items[0].ID, Status: domain.StatusSuccess,
			Provider: &domain.ProviderState{ProviderID: "EKT-991", Status: "SUCCESS", UTR: "UTR5551", Amount: 100}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Now = func() time.Time { return sentAt.Add(48 * time.Hour) }
	// An edited copy: DP-3 paid, DP-4 in flight (submitting), DP-5 queued, DP-6 new; the paid
	// row also has an error now, which must not make it a row to correct.
	bad := ledger.NewItem{Line: 2, Record: domain.Payout{Reference: "dp-3", Amount: 100},
		Errors: []domain.RowError{{Line: 2, Column: "Amount", Rule: "amount_format", Message: "not an amount"}}}
	_, st := ingest(t, db, run, "nov edited.csv", bad, valid(3, "Dp-4", 200), valid(4, "DP-5", 300), valid(5, "DP-6", 400))
	if want := []domain.Status{domain.StatusRejected, domain.StatusRejected, domain.StatusRejected, domain.StatusValid}; !equalStatuses(st, want) {
		t.Fatalf("statuses = %v, want %v", st, want)
	}
	rejected, err := db.ItemList(ctx, ledger.ItemFilter{Statuses: []domain.Status{domain.StatusRejected}})
	if err != nil || len(rejected) != 3 {
		t.Fatalf("rejected = %d, %v", len(rejected), err)
	}
	want := []struct{ rule, reason string }{
		{domain.RuleAlreadySent, `Reference (already_sent): already sent on 12-11-2026 14:03 UTC: Enkash id EKT-991, UTR UTR5551, status SUCCESS — do not send again (it is line 2 of nov.csv (written there as "DP-3": references differing only in capitals or spaces are the same reference))`},
		{domain.RuleAlreadySent, `Reference (already_sent): already sent on 12-11-2026 14:03 UTC: Enkash id not known yet, UTR not known yet, status in flight, submitting — do not send again (it is line 3 of nov.csv (written there as "DP-4": references differing only in capitals or spaces are the same reference))`},
		{domain.RuleAlreadyQueued, `Reference (already_queued): already queued to be sent from line 4 of nov.csv, received on 12-11-2026 14:03 UTC — do not send again`},
	}
	for i, it := range rejected {
		if it.Rule != want[i].rule || it.Reason != want[i].reason {
			t.Errorf("line %d:\n rule %q reason %q\nwant %q %q", it.Line, it.Rule, it.Reason, want[i].rule, want[i].reason)
		}
		if strings.Contains(strings.ToLower(it.Reason), "new reference") || strings.Contains(strings.ToLower(it.Reason), "own reference") {
			t.Errorf("line %d suggests another reference: %q", it.Line, it.Reason)
		}
	}
	fix, err := db.ItemList(ctx, ledger.ItemFilter{Statuses: []domain.Status{domain.StatusRejected}, Resendable: true})
	if err != nil || len(fix) != 0 {
		t.Errorf("rows offered for fix and redrop = %+v (%v); want none", fix, err)
	}
	excs, err := db.Exceptions(ctx, ledger.ExceptionFilter{OpenOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(excs) != 3 {
		t.Fatalf("exceptions = %d, want 3: %+v", len(excs), excs)
	}
	for _, e := range excs {
		if e.Category != domain.CategoryRejectedRow || !domain.NeverResend(e.Actual) {
			t.Errorf("exception %+v: want a rejected_row whose Actual names the rule", e)
		}
		if a := strings.ToLower(e.SuggestedAction()); strings.Contains(a, "drop it again") || strings.Contains(a, "fix-and-redrop") || !strings.Contains(a, "do not send") {
			t.Errorf("suggested action for %s: %q", e.Reference, e.SuggestedAction())
		}
	}
}

func TestIngest_ReleasedReferenceMayBeUsedInAnyCase(t *testing.T) {
	ctx := context.Background()
	db, run := setup(t)
	ingest(t, db, run, "a.csv", valid(2, "DP-3", 100))
	_, items, err := db.ClaimBatch(ctx, run, domain.KindPayouts, 1, func([]domain.Item) string { return "B-1" })
	if err != nil {
		t.Fatal(err)
	}
	// Refused by Enkash: the reference is given back.
	if err := db.Apply(ctx, run, ledger.Changes{Items: []ledger.ItemUpdate{{ItemID: items[0].ID, Status: domain.StatusFailed, ReleaseReference: true, Reason: "refused"}}}); err != nil {
		t.Fatal(err)
	}
	if _, st := ingest(t, db, run, "b.csv", valid(2, "dp-3", 100)); st[0] != domain.StatusValid {
		t.Errorf("released reference in another case: %s, want valid", st[0])
	}
}

func TestIngest_CustomerUpdateNeedsTheExactReference(t *testing.T) {
	ctx := context.Background()
	db, run := setup(t)
	add := func(name string, items ...ledger.NewItem) []domain.Status {
		t.Helper()
		return fileStatuses(t, db, commitFile(t, db, run, domain.KindCustomers, name, items...), len(items))
	}
	add("c1.csv", customer(2, "CUST-1"))
	_, items, err := db.ClaimBatch(ctx, run, domain.KindCustomers, 1, func([]domain.Item) string { return "C-1" })
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Apply(ctx, run, ledger.Changes{Items: []ledger.ItemUpdate{{ItemID: items[0].ID, Status: domain.StatusSuccess,
		Provider: &domain.ProviderState{ProviderID: "KC1", Status: "ACTIVE"}}}}); err != nil {
		t.Fatal(err)
	}
	// Another spelling is not an update of the customer Enkash knows as CUST-1.
	if st := add("c2.csv", customer(2, "cust-1")); st[0] != domain.StatusRejected {
		t.Errorf("customer under another spelling: %s, want rejected", st[0])
	}
	rej, err := db.ItemList(ctx, ledger.ItemFilter{Kind: domain.KindCustomers, Statuses: []domain.Status{domain.StatusRejected}, Resendable: true})
	if err != nil || len(rej) != 1 || !strings.Contains(rej[0].Reason, `write its reference exactly as "CUST-1"`) {
		t.Errorf("rejected customer rows = %+v (%v)", rej, err)
	}
	if st := add("c3.csv", customer(2, "CUST-1")); st[0] != domain.StatusValid {
		t.Errorf("customer update under the same reference: %s, want valid", st[0])
	}
}

// TestMigration_ReferenceKeyBackfill opens a ledger written before migration 0004, holding
// references that differ only in case, and checks that the migration keys them.
func TestMigration_ReferenceKeyBackfill(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	old, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(`CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"0001_init.sql", "0002_schedules.sql", "0003_exception_lifecycle.sql"} {
		body, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := old.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := old.Exec(`INSERT INTO migrations VALUES (?, '2026-01-01T00:00:00Z')`, "migrations/"+name); err != nil {
			t.Fatal(err)
		}
	}
	now := "2026-01-01T00:00:00Z"
	stmts := []string{
		`INSERT INTO runs (id, command, started_at) VALUES (1, 'run', '` + now + `')`,
		`INSERT INTO files (id, run_id, name, kind, sha256, status, received_at) VALUES (1, 1, 'a.csv', 'payouts', 'x', 'accepted', '` + now + `')`,
		`INSERT INTO items (id, file_id, kind, line, reference, live_ref, amount, status, raw, updated_at) VALUES
			(1, 1, 'payouts', 2, 'DP-3', 'DP-3', 100, 'success', '[]', '` + now + `'),
			(2, 1, 'payouts', 3, 'Dp-3', 'Dp-3', 100, 'success', '[]', '` + now + `'),
			(3, 1, 'payouts', 4, 'dp-4', 'dp-4', 100, 'valid', '[]', '` + now + `'),
			(4, 1, 'customers', 5, 'dp-4', 'dp-4', 0, 'success', '[]', '` + now + `'),
			(5, 1, 'payouts', 6, 'DP-5', NULL, 100, 'rejected', '[]', '` + now + `')`,
	}
	for _, s := range stmts {
		if _, err := old.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	old.Close()

	db, err := ledger.Open(ctx, path)
	if err != nil {
		t.Fatalf("open the old ledger: %v", err)
	}
	defer db.Close()
	run, err := db.StartRun(ctx, "test", true)
	if err != nil {
		t.Fatal(err)
	}
	// Every spelling of the old references is taken; DP-5 never was live.
	_, st := ingest(t, db, run, "b.csv", valid(2, "dp-3", 100), valid(3, "DP-4", 100), valid(4, "dp-5", 100))
	if want := []domain.Status{domain.StatusRejected, domain.StatusRejected, domain.StatusValid}; !equalStatuses(st, want) {
		t.Fatalf("statuses after the migration = %v, want %v", st, want)
	}
	rej, err := db.ItemList(ctx, ledger.ItemFilter{FileIDs: []int64{2}, Statuses: []domain.Status{domain.StatusRejected}})
	if err != nil || len(rej) != 2 {
		t.Fatalf("rejected = %+v, %v", rej, err)
	}
	if rej[0].Rule != domain.RuleAlreadySent || !strings.Contains(rej[0].Reason, `line 2 of a.csv (written there as "DP-3"`) {
		t.Errorf("dp-3: the earliest holder keeps the key: %q", rej[0].Reason)
	}
	if rej[1].Rule != domain.RuleAlreadyQueued {
		t.Errorf("DP-4: rule %q, reason %q", rej[1].Rule, rej[1].Reason)
	}
}

func equalStatuses(a, b []domain.Status) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// customer is a valid customers row with reference ref.
func customer(line int, ref string) ledger.NewItem {
	it, err := ledger.NewItemOf(line, domain.Customer{Reference: ref}, []string{ref}, nil)
	if err != nil {
		panic(err)
	}
	return it
}
