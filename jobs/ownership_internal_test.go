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

// TestProvablyOurs_Party: after a duplicate referenceId, a bill record is ours only if the
// consumer number and biller it shows are ours (besides amount and time); a customer record
// only if its legal name and PAN or GSTIN are ours. What a record does not show is not compared.
func TestProvablyOurs_Party(t *testing.T) {
	intent := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	in := ledger.Intent{First: intent, Batches: map[string]bool{"BT1": true}}
	bill := domain.Item{ID: 1, Kind: domain.KindBills, Reference: "BILL-1", Amount: 4812_00,
		Payload:  []byte(`{"reference":"BILL-1","biller_id":"1042","consumer_number":"110023456789","amount":481200}`),
		Provider: domain.ProviderState{BatchID: "BT1", Status: alreadyExists}}
	billRec := func(consumer, biller string) record {
		return record{Reference: "BILL-1", Status: domain.StatusSuccess, Created: intent.Add(time.Minute),
			Shows: map[string]string{factConsumer: consumer, factBiller: biller},
			State: domain.ProviderState{Amount: 4812_00, Status: "SUCCESS"}}
	}
	cust := domain.Item{ID: 2, Kind: domain.KindCustomers, Reference: "CUST-1",
		Payload:  []byte(`{"reference":"CUST-1","legal_name":"Sharma Traders","gstin":"27AAPFU0939F1ZV","contact_name":"A","mobile":"9876543210"}`),
		Provider: domain.ProviderState{BatchID: "BT1", Status: alreadyExists}}
	custRec := func(name, pan string) record {
		return record{Reference: "CUST-1", Status: domain.StatusSuccess, Created: intent.Add(time.Minute),
			Shows: map[string]string{factLegalName: name, factPANGSTIN: pan}, State: domain.ProviderState{Status: "ACTIVE"}}
	}
	cases := []struct {
		name string
		it   domain.Item
		rec  record
		ours bool
		why  string
	}{
		{"bill: same consumer and biller", bill, billRec("110023456789", "1042"), true, ""},
		{"bill: consumer shown with other spacing and case", bill, billRec(" 110023456789 ", "1042"), true, ""},
		{"bill: biller not shown", bill, billRec("110023456789", ""), true, ""},
		{"bill: another consumer", bill, billRec("110023456790", "1042"), false, "consumer number"},
		{"bill: another biller", bill, billRec("110023456789", "2001"), false, "biller"},
		{"customer: same name and GSTIN", cust, custRec("SHARMA  TRADERS", "27AAPFU0939F1ZV"), true, ""},
		{"customer: another legal name", cust, custRec("Unknown customer CUST-1", ""), false, "legal name"},
		{"customer: another GSTIN", cust, custRec("Sharma Traders", "29AAPFU0939F1ZV"), false, "PAN or GSTIN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ours, why := provablyOurs(tc.it, tc.rec, in, true)
			if ours != tc.ours || !strings.Contains(why, tc.why) {
				t.Errorf("provablyOurs = %v, %q; want %v, a reason containing %q", ours, why, tc.ours, tc.why)
			}
		})
	}
}
