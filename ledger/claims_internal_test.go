package ledger

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"enkashbatch/domain"
)

// TestClaimBatch_BothStatesInFileOrder claims valid and approved items mixed in one file: each
// claim takes the first items in id order whatever their state, and the query of each state
// reads the index in id order instead of sorting every claimable item.
func TestClaimBatch_BothStatesInFileOrder(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	run, err := db.StartRun(ctx, "test", true)
	if err != nil {
		t.Fatal(err)
	}
	in, err := db.BeginIngest(ctx, run, domain.FileSummary{Name: "p.csv", Kind: domain.KindPayouts, SHA256: "sha-p"}, []string{"Reference"}, "Reference")
	if err != nil {
		t.Fatal(err)
	}
	for line := 2; line <= 8; line++ {
		ref := fmt.Sprintf("PAY-%d", line)
		it, err := NewItemOf(line, domain.Payout{Reference: ref, BeneficiaryName: "Ravi", VPA: "ravi@okhdfc", Mode: "UPI", Amount: 100}, []string{ref}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := in.Add(it); err != nil {
			t.Fatal(err)
		}
	}
	if err := in.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, `UPDATE items SET status = 'approved' WHERE line IN (3, 6, 7)`); err != nil {
		t.Fatal(err)
	}

	var claimed [][]int
	for {
		_, items, err := db.ClaimBatch(ctx, run, domain.KindPayouts, 3, func(items []domain.Item) string { return "B-" + items[0].Reference })
		if err != nil {
			t.Fatal(err)
		}
		if len(items) == 0 {
			break
		}
		var lines []int
		for _, it := range items {
			lines = append(lines, it.Line)
		}
		claimed = append(claimed, lines)
	}
	if want := [][]int{{2, 3, 4}, {5, 6, 7}, {8}}; fmt.Sprint(claimed) != fmt.Sprint(want) {
		t.Errorf("claimed lines %v, want %v", claimed, want)
	}

	// Every item claimed: the mark is past the last item. An item given back to valid lowers
	// it again (the trigger of migration 0010), and the next claim and count find it.
	var mark, last int64
	if err := db.read.QueryRowContext(ctx, `SELECT (SELECT item_id FROM valid_from WHERE kind = 'payouts'), (SELECT max(id) FROM items)`).Scan(&mark, &last); err != nil {
		t.Fatal(err)
	}
	if mark != last+1 {
		t.Errorf("mark %d after every item was claimed, want %d", mark, last+1)
	}
	if _, err := db.write.ExecContext(ctx, `UPDATE items SET status = 'valid' WHERE line = 4`); err != nil {
		t.Fatal(err)
	}
	if m, err := db.Claimable(ctx, domain.KindPayouts, false); err != nil || m.Count != 1 || m.Paise != 100 {
		t.Errorf("claimable after a give-back: %+v, %v; want one item of 100 paise", m, err)
	}
	if _, items, err := db.ClaimBatch(ctx, run, domain.KindPayouts, 3, func([]domain.Item) string { return "B-again" }); err != nil || len(items) != 1 || items[0].Line != 4 {
		t.Errorf("claim after a give-back: %+v, %v; want line 4", items, err)
	}

	for _, onlyApproved := range []bool{false, true} {
		for _, st := range claimableStates {
			from, cond, args := claimableOf(domain.KindPayouts, onlyApproved, st)
			plan := queryPlan(t, db, `SELECT i.id FROM `+from+` JOIN files f ON f.id = i.file_id WHERE `+cond+` ORDER BY i.id LIMIT 3`, args...)
			// Valid items by id from the kind's mark; the others through items_kind_status.
			by := "USING INDEX items_kind_status"
			if st == domain.StatusValid {
				by = "USING INTEGER PRIMARY KEY (rowid>?)"
			}
			if strings.Contains(plan, "TEMP B-TREE") || !strings.HasPrefix(plan, "SEARCH i "+by) {
				t.Errorf("the claim of %s items (only approved: %v) does not read them %s in id order:\n%s", st, onlyApproved, by, plan)
			}
		}
	}
}
