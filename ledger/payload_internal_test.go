package ledger

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"enkashbatch/domain"
)

// TestPayeeOf_BothStoredForms reads the payee, the mode and an invoice's customer from a record
// stored as this version stores it (by position) and as earlier versions did (by name), and
// checks that the packet's query of payouts paid before uses the index of migration 0009.
func TestPayeeOf_BothStoredForms(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)

	toAccount := domain.Payout{BeneficiaryName: "Ravi", AccountNumber: "50100234567891", IFSC: "hdfc0001234", Mode: "NEFT"}
	toVPA := domain.Payout{BeneficiaryName: "Ravi", VPA: "Ravi@OKHDFC", Mode: "UPI", Remark: "Nov"}
	invoice := domain.Invoice{CustomerReference: " cust-7 ", BaseAmount: 100}
	positional := func(r domain.Record) string {
		b, err := domain.EncodeRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		if b[0] != '[' {
			t.Fatalf("stored form %s is not positional", b)
		}
		return string(b)
	}
	cases := []struct {
		name, kind, payload, field, want string
	}{
		{"account, positional", "payouts", positional(toAccount), payeeOf("i"), "acct:50100234567891@HDFC0001234"},
		{"account, by name", "payouts", `{"reference":"P-1","beneficiary_name":"Ravi","account_number":"50100234567891","ifsc":"hdfc0001234","mode":"NEFT"}`, payeeOf("i"), "acct:50100234567891@HDFC0001234"},
		{"VPA, positional", "payouts", positional(toVPA), payeeOf("i"), "vpa:ravi@okhdfc"},
		{"VPA, by name", "payouts", `{"beneficiary_name":"Ravi","vpa":"Ravi@OKHDFC","mode":"UPI"}`, payeeOf("i"), "vpa:ravi@okhdfc"},
		{"mode, positional", "payouts", positional(toVPA), groupBy[domain.KindPayouts], "UPI"},
		{"mode, by name", "payouts", `{"beneficiary_name":"Ravi","vpa":"Ravi@OKHDFC","mode":"UPI"}`, groupBy[domain.KindPayouts], "UPI"},
		{"customer, positional", "invoices", positional(invoice), domain.StoredFieldSQL(domain.KindInvoices, "customer_reference", "i.payload"), " cust-7 "},
		{"customer, by name", "invoices", `{"invoice_number":"INV-1","customer_reference":" cust-7 "}`, domain.StoredFieldSQL(domain.KindInvoices, "customer_reference", "i.payload"), " cust-7 "},
	}
	for _, c := range cases {
		var got string
		q := `SELECT ` + c.field + ` FROM (SELECT ? AS kind, ? AS payload) i`
		if err := db.read.QueryRowContext(ctx, q, c.kind, c.payload).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got != c.want {
			t.Errorf("%s: %q, want %q (payload %s)", c.name, got, c.want, c.payload)
		}
	}

	plan := queryPlan(t, db, `SELECT count(*) FROM items e WHERE `+payeeOf("e")+` = ? AND e.amount = ? AND `+sentPayout("e"), "vpa:ravi@okhdfc", 100)
	if !strings.Contains(plan, "items_payee_sent") {
		t.Errorf("the query of payouts paid before does not use items_payee_sent (the index's expression and payeeOf differ):\n%s", plan)
	}
}

// openTemp opens a fresh ledger in a temporary folder, closed when the test ends.
func openTemp(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// queryPlan returns SQLite's plan of query, one step a line (EXPLAIN QUERY PLAN).
func queryPlan(t *testing.T, db *DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.read.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan.String()
}
