package jobs

import (
	"strings"
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/ledger"
)

// TestProvablyOurs: after an "already exists" answer, a record is adopted only with the same
// amount, from a batch of ours, created no earlier than our first intent (to the second); a
// record from a batch that is not ours is never adopted, even without such an answer.
func TestProvablyOurs(t *testing.T) {
	intent := time.Date(2026, 12, 5, 10, 0, 0, 400_000_000, time.UTC)
	in := ledger.Intent{First: intent, Batches: map[string]bool{"BT1": true, "BT2": true}}
	dup := domain.Item{ID: 1, Kind: domain.KindPayouts, Reference: "PAY-1", Amount: 150_00,
		Provider: domain.ProviderState{BatchID: "BT2", Status: alreadyExists}}
	doubt := dup
	doubt.Provider = domain.ProviderState{BatchID: "BT2"}
	rec := func(batch string, amount domain.Paise, created time.Time) record {
		return record{Reference: "PAY-1", Status: domain.StatusSuccess, Created: created,
			State: domain.ProviderState{BatchID: batch, Amount: amount, Status: "SUCCESS"}}
	}
	sameSecond := intent.Truncate(time.Second) // Enkash stamps to the second
	cases := []struct {
		name    string
		it      domain.Item
		rec     record
		claimed bool
		ours    bool
		why     string
	}{
		{"ours: our batch, same amount, after the intent", dup, rec("BT1", 150_00, intent.Add(time.Second)), true, true, ""},
		{"ours: stamped in the second of the intent", dup, rec("BT1", 150_00, sameSecond), true, true, ""},
		{"created before our intent", dup, rec("BT1", 150_00, sameSecond.Add(-time.Second)), true, false, "before our first intent"},
		{"another amount", dup, rec("BT1", 1_50, intent.Add(time.Second)), true, false, "₹1.50"},
		{"no amount shown", dup, rec("BT1", 0, intent.Add(time.Second)), true, false, "no amount"},
		{"a batch not ours", dup, rec("BTX", 150_00, intent.Add(time.Second)), true, false, "not one of ours"},
		{"no batch shown", dup, rec("", 150_00, intent.Add(time.Second)), true, false, "beneficiary"},
		{"no creation time", dup, rec("BT1", 150_00, time.Time{}), true, false, "creation time"},
		{"never claimed", dup, rec("BT1", 150_00, intent.Add(time.Second)), false, false, "no call of ours"},
		{"in doubt, our batch, other amount: adopted (amount_mismatch follows)", doubt, rec("BT1", 1_50, intent), true, true, ""},
		{"in doubt, a batch not ours", doubt, rec("BTX", 150_00, intent.Add(time.Second)), true, false, "not one of ours"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ours, why := provablyOurs(tc.it, tc.rec, in, tc.claimed)
			if ours != tc.ours || !strings.Contains(why, tc.why) {
				t.Errorf("provablyOurs = %v, %q; want %v, a reason containing %q", ours, why, tc.ours, tc.why)
			}
		})
	}
}

// TestJudge_HoldsWhatIsNotOurs: a record that is not provably ours holds the item and raises a
// high-severity reference_conflict; it never takes the record's status.
func TestJudge_HoldsWhatIsNotOurs(t *testing.T) {
	it := domain.Item{ID: 7, Kind: domain.KindPayouts, Reference: "PAY-7", Amount: 500_00, Status: domain.StatusUnknown,
		Provider: domain.ProviderState{BatchID: "BT1", Status: alreadyExists}}
	rec := record{Reference: "PAY-7", Status: domain.StatusSuccess, State: domain.ProviderState{Amount: 999_00, Status: "SUCCESS", ProviderID: "EKT1"}}
	upd, excs := judge(it, rec, map[int64]ledger.Intent{7: {First: time.Now(), Batches: map[string]bool{"BT1": true}}}, "test")
	if upd.Status != domain.StatusHeld || upd.ReleaseReference || upd.Provider != nil {
		t.Errorf("update %+v; want held, reference kept, Enkash's record not taken as ours", upd)
	}
	if len(excs) != 1 || excs[0].Category != domain.CategoryReferenceConflict || excs[0].Category.Severity() != domain.SeverityHigh {
		t.Fatalf("exceptions %+v; want one high-severity reference_conflict", excs)
	}
	if !strings.Contains(excs[0].Actual, "999.00") || !strings.Contains(excs[0].Expected, "500.00") {
		t.Errorf("exception %+v does not show both amounts", excs[0])
	}
}
