package jobs

import (
	"strings"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/enkash"
)

// TestObserve is the table of what observe decides from one answer of Enkash about one item:
// the item's next state, whether its reference is given back, and which exceptions it raises.
func TestObserve(t *testing.T) {
	t.Parallel()
	item := func(st domain.Status, paise domain.Paise) domain.Item {
		return domain.Item{ID: 7, Kind: domain.KindPayouts, File: "payouts_nov.csv", Line: 4, Reference: "PAY-4", Amount: paise, Status: st}
	}
	answer := func(st domain.Status, word string, paise domain.Paise, reason string) record {
		return record{Reference: "PAY-4", Status: st, State: domain.ProviderState{Status: word, Amount: paise, Reason: reason, UTR: "UTR4"}}
	}
	refused := func(r record) record { r.Refused = true; return r }
	type exc struct {
		cat              domain.Category
		expected, actual string
		detail           string // a part of the detail
	}
	cases := []struct {
		name    string
		it      domain.Item
		rec     record
		next    domain.Status
		release bool
		reason  string // a part of the update's reason; "" for none
		excs    []exc
	}{
		{name: "success as sent", it: item(domain.StatusSubmitted, 125000), rec: answer(domain.StatusSuccess, "SUCCESS", 125000, ""),
			next: domain.StatusSuccess},
		{name: "no amount in the answer is no mismatch", it: item(domain.StatusSubmitted, 125000), rec: answer(domain.StatusPending, "PENDING", 0, ""),
			next: domain.StatusPending},
		{name: "an unknown word keeps the item followed", it: item(domain.StatusSubmitted, 125000), rec: answer(domain.StatusUnknown, "ON_HOLD", 125000, ""),
			next: domain.StatusProcessing},
		{name: "failed at the bank", it: item(domain.StatusProcessing, 125000), rec: answer(domain.StatusFailed, "FAILED", 125000, "ACCOUNT_CLOSED"),
			next: domain.StatusFailed, reason: "failed at the bank: ACCOUNT_CLOSED",
			excs: []exc{{domain.CategoryProviderFailed, "SUCCESS", "FAILED", "ACCOUNT_CLOSED"}}},
		{name: "failed without a reason", it: item(domain.StatusProcessing, 125000), rec: answer(domain.StatusFailed, "FAILED", 0, ""),
			next: domain.StatusFailed, reason: "no reason given",
			excs: []exc{{domain.CategoryProviderFailed, "SUCCESS", "FAILED", "no reason given"}}},
		{name: "refused before the bank gives the reference back", it: item(domain.StatusSubmitting, 125000),
			rec:  refused(answer(domain.StatusFailed, "REJECTED", 0, "INVALID_IFSC")),
			next: domain.StatusFailed, release: true, reason: "Enkash refused it: INVALID_IFSC",
			excs: []exc{{domain.CategoryProviderRejected, "accepted", "REJECTED", "INVALID_IFSC"}}},
		{name: "reversed after success", it: item(domain.StatusSuccess, 125000), rec: answer(domain.StatusReversed, "REVERSED", 125000, ""),
			next: domain.StatusReversed,
			excs: []exc{{domain.CategoryStatusMismatch, "SUCCESS", "REVERSED", "reversed this payout after reporting it successful"}}},
		{name: "a final failure turned success", it: item(domain.StatusFailed, 125000), rec: answer(domain.StatusSuccess, "SUCCESS", 125000, ""),
			next: domain.StatusSuccess,
			excs: []exc{{domain.CategoryStatusMismatch, "failed", "SUCCESS", "we recorded failed, Enkash now says SUCCESS"}}},
		{name: "a success turned failure is one status mismatch", it: item(domain.StatusSuccess, 125000), rec: answer(domain.StatusFailed, "FAILED", 125000, "R03"),
			next: domain.StatusFailed, reason: "failed at the bank: R03",
			excs: []exc{{domain.CategoryStatusMismatch, "success", "FAILED", "; failed at the bank: R03"}}},
		{name: "the same final status again raises nothing", it: item(domain.StatusSuccess, 125000), rec: answer(domain.StatusSuccess, "SUCCESS", 125000, ""),
			next: domain.StatusSuccess},
		{name: "another amount", it: item(domain.StatusSubmitted, 125000), rec: answer(domain.StatusSuccess, "SUCCESS", 125100, ""),
			next: domain.StatusSuccess,
			excs: []exc{{domain.CategoryAmountMismatch, "1,250.00", "1,251.00", "Enkash recorded ₹1,251.00 where the file said ₹1,250.00"}}},
		{name: "another amount and a failure", it: item(domain.StatusSubmitted, 125000), rec: answer(domain.StatusFailed, "FAILED", 100, "R01"),
			next: domain.StatusFailed, reason: "failed at the bank: R01",
			excs: []exc{{domain.CategoryProviderFailed, "SUCCESS", "FAILED", "R01"}, {domain.CategoryAmountMismatch, "1,250.00", "1.00", "₹1.00"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			upd, excs := observe(c.it, c.rec, "poll")
			if upd.ItemID != c.it.ID || upd.Status != c.next || upd.ReleaseReference != c.release || upd.Detail != "poll" {
				t.Errorf("update = item %d, %s, release %v, detail %q; want item %d, %s, release %v", upd.ItemID, upd.Status, upd.ReleaseReference, upd.Detail,
					c.it.ID, c.next, c.release)
			}
			if upd.Provider == nil || *upd.Provider != c.rec.State {
				t.Errorf("provider state = %+v, want %+v", upd.Provider, c.rec.State)
			}
			if (c.reason == "") != (upd.Reason == "") || !strings.Contains(upd.Reason, c.reason) {
				t.Errorf("reason = %q, want one with %q", upd.Reason, c.reason)
			}
			if len(excs) != len(c.excs) {
				t.Fatalf("exceptions = %+v, want %d", excs, len(c.excs))
			}
			for i, want := range c.excs {
				got := excs[i]
				if got.Category != want.cat || got.Expected != want.expected || got.Actual != want.actual || !strings.Contains(got.Detail, want.detail) {
					t.Errorf("exception %d = %s %q→%q %q; want %s %q→%q with %q", i, got.Category, got.Expected, got.Actual, got.Detail,
						want.cat, want.expected, want.actual, want.detail)
				}
				if got.Kind != c.it.Kind || got.File != c.it.File || got.Line != c.it.Line || got.Reference != c.it.Reference {
					t.Errorf("exception %d names %s %s line %d %s, not the item", i, got.Kind, got.File, got.Line, got.Reference)
				}
			}
		})
	}
}

// TestObserve_ComparesTheAmountSent: the amount a payout is sent with and the amount Enkash's
// answer is compared with are one value, the ledger's amount column, whatever an old payload
// still says.
func TestObserve_ComparesTheAmountSent(t *testing.T) {
	t.Parallel()
	// A payload as written before the amount left it, saying another amount than the column.
	it := domain.Item{ID: 1, Kind: domain.KindPayouts, File: "p.csv", Line: 2, Reference: "PAY-1", Amount: 250000, Status: domain.StatusSubmitted,
		Payload: []byte(`{"reference":"PAY-1","beneficiary_name":"Asha Rao","vpa":"asha@ybl","amount":999,"mode":"UPI"}`)}
	p, err := domain.RecordAs[domain.Payout](it)
	if err != nil {
		t.Fatal(err)
	}
	sent := transferOf(p)
	if sent.Amount != enkash.Amount(it.Amount) || sent.TransactionID != it.Reference {
		t.Fatalf("sent %s for %d paise; want %s for %d", sent.TransactionID, sent.Amount, it.Reference, it.Amount)
	}
	_, excs := observe(it, record{Reference: "PAY-1", Status: domain.StatusSuccess, State: domain.ProviderState{Status: "SUCCESS", Amount: domain.Paise(sent.Amount)}}, "poll")
	if len(excs) != 0 {
		t.Errorf("Enkash answered the amount sent, yet: %+v", excs)
	}
}
