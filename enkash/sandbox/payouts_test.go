package sandbox_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash/sandbox"
)

var (
	reEnkashID = regexp.MustCompile(`^EKT[0-9A-Z]{12}$`)
	reUTR      = regexp.MustCompile(`^UTR[0-9]{12}$`)
)

func TestServer_BatchTransfer(t *testing.T) {
	t.Run("happy path", func(t *testing.T) {
		b := setup(t, "")
		b.login()
		out := b.mustBatch("B1", refs("PAY", 3)...)
		if out.BatchTransactionID != "B1" || len(out.Successful) != 3 || len(out.Failed) != 0 {
			t.Fatalf("answer = %+v", out)
		}
		for i, r := range out.Successful {
			if r.TransactionID != fmt.Sprintf("PAY-%04d", i+1) || r.PayoutStatus != "PENDING" || !reEnkashID.MatchString(r.EnkashTransactionID) {
				t.Errorf("item %d = %+v", i, r)
			}
		}
		calls := b.calls()
		if c := calls["payout_batch/B1"]; c != (sandbox.Call{Kind: "payout_batch", Reference: "B1", Creates: 1, Amount: "300.00", Status: "ACCEPTED"}) {
			t.Errorf("batch call = %+v", c)
		}
		if c := calls["payout/PAY-0002"]; c != (sandbox.Call{Kind: "payout", Reference: "PAY-0002", Creates: 1, Amount: "100.00", Status: "PENDING"}) {
			t.Errorf("payout call = %+v", c)
		}
		if len(calls) != 4 {
			t.Errorf("%d calls, want 4: %+v", len(calls), calls)
		}
	})

	t.Run("enkash ids follow the seed", func(t *testing.T) {
		ids := func(seed string) string {
			b := setup(t, "seed: "+seed)
			b.login()
			return b.mustBatch("B1", refs("PAY", 1)...).Successful[0].EnkashTransactionID
		}
		if a, c := ids("7"), ids("7"); a != c {
			t.Errorf("same seed, ids %s and %s", a, c)
		}
		if a, c := ids("7"), ids("8"); a == c {
			t.Errorf("different seeds, same id %s", a)
		}
	})

	t.Run("reused batchTransactionId is 409", func(t *testing.T) {
		b := setup(t, "")
		b.login()
		b.mustBatch("B1", refs("PAY", 2)...)
		a, _ := b.batch("B1", transfer("PAY-0999", 500_00))
		if a.status != http.StatusConflict || a.encrypted || a.env.ResponseCode != 409 || a.env.ResponseMessage != "Batch Transaction ID already exists." {
			t.Fatalf("HTTP %d encrypted=%v %+v", a.status, a.encrypted, a.env)
		}
		calls := b.calls()
		if c := calls["payout_batch/B1"]; c.Creates != 2 || c.Duplicates != 1 || c.Amount != "200.00" {
			t.Errorf("batch call = %+v", c)
		}
		if _, ok := calls["payout/PAY-0999"]; ok {
			t.Error("an item of a refused batch was recorded")
		}
	})

	t.Run("reused transactionId is a duplicate", func(t *testing.T) {
		b := setup(t, "")
		b.login()
		b.mustBatch("B1", refs("PAY", 1)...)
		out := b.mustBatch("B2", transfer("PAY-0001", 100_00), transfer("PAY-0100", 100_00), transfer("PAY-0100", 100_00))
		want := []wTransferFailure{
			{TransactionID: "PAY-0001", Reason: "REJECT_TXN_ID", Message: "Transaction ID already exists."},
			{TransactionID: "PAY-0100", Reason: "REJECT_TXN_ID", Message: "Transaction ID repeated in the batch"},
		}
		if !slices.Equal(out.Failed, want) || len(out.Successful) != 1 || out.Successful[0].TransactionID != "PAY-0100" {
			t.Fatalf("answer = %+v", out)
		}
		calls := b.calls()
		if c := calls["payout/PAY-0001"]; c.Creates != 2 || c.Duplicates != 1 {
			t.Errorf("PAY-0001 = %+v", c)
		}
		if c := calls["payout/PAY-0100"]; c.Creates != 2 || c.Duplicates != 1 {
			t.Errorf("PAY-0100 = %+v", c)
		}
		if rec, _ := b.statusOf("PAY-0001"); rec.BatchTransactionID != "B1" {
			t.Errorf("the duplicate replaced the original: %+v", rec)
		}
	})

	t.Run("item rules", func(t *testing.T) {
		b := setup(t, "")
		b.login()
		mod := func(id string, f func(*wTransfer)) wTransfer {
			tr := transfer(id, 100_00)
			tr.Beneficiary = &wBeneficiary{ID: "ASHA1", Name: "Asha Traders", AccountNumber: "123456789012", IFSC: "HDFC0001234"}
			f(&tr)
			return tr
		}
		cases := map[string]struct {
			tr     wTransfer
			reason string
		}{
			"R-AMT":     {mod("R-AMT", func(t *wTransfer) { t.Amount = 99 }), "REJECT_TRF_AMT"},
			"R-IMPS":    {mod("R-IMPS", func(t *wTransfer) { t.Amount = 2_00_000_01 }), "REJECT_TRF_AMT"},
			"R-MODE":    {mod("R-MODE", func(t *wTransfer) { t.Mode = "CHEQUE" }), "REJECT_TRF_MODE"},
			"R-RMK":     {mod("R-RMK", func(t *wTransfer) { t.Remark = "inv #12" }), "REJECT_TRF_RMK"},
			"R-NOPAYEE": {mod("R-NOPAYEE", func(t *wTransfer) { t.Beneficiary = nil }), "REJECT_BENEF_ID"},
			"R-BOTH":    {mod("R-BOTH", func(t *wTransfer) { t.Beneficiary.VPA = "asha@okbank" }), "REJECT_BENEF_ACC"},
			"R-NOACC":   {mod("R-NOACC", func(t *wTransfer) { t.Beneficiary.AccountNumber, t.Beneficiary.IFSC = "", "" }), "REJECT_BENEF_ACC"},
			"R-IFSC":    {mod("R-IFSC", func(t *wTransfer) { t.Beneficiary.IFSC = "HDFC1234" }), "REJECT_BENEF_IFSC"},
			"R-NAME":    {mod("R-NAME", func(t *wTransfer) { t.Beneficiary.Name = " " }), "REJECT_BENEF_NAME"},
		}
		ok := []wTransfer{
			mod("OK-RTGS", func(t *wTransfer) { t.Mode, t.Amount = "RTGS", 5_00_000_00 }),
			mod("OK-UPI", func(t *wTransfer) {
				t.Mode, t.Beneficiary = "UPI", &wBeneficiary{ID: "RAVI1", Name: "Ravi", VPA: "ravi.k@okaxis"}
			}),
			mod("OK-BENEFID", func(t *wTransfer) { t.Beneficiary, t.BeneficiaryID = nil, "BEN123" }),
			mod("OK-IMPSMAX", func(t *wTransfer) { t.Amount = 2_00_000_00 }),
		}
		all := slices.Clone(ok)
		for _, c := range cases {
			all = append(all, c.tr)
		}
		all = append(all, wTransfer{Amount: 100_00, Mode: "IMPS", BeneficiaryID: "X"}) // no transactionId
		out := b.mustBatch("B1", all...)
		if len(out.Successful) != len(ok) {
			t.Errorf("accepted %+v, want the %d OK- ones", out.Successful, len(ok))
		}
		got := map[string]string{}
		for _, f := range out.Failed {
			got[f.TransactionID] = f.Reason
			if f.Message == "" {
				t.Errorf("%s: no message", f.TransactionID)
			}
		}
		for id, c := range cases {
			if got[id] != c.reason {
				t.Errorf("%s: reason %q, want %q", id, got[id], c.reason)
			}
			rec, found := b.statusOf(id)
			if !found || rec.PayoutStatus != "REJECTED" || rec.FailureReason != c.reason {
				t.Errorf("%s: search found=%v %+v", id, found, rec)
			}
		}
		if got[""] != "REJECT_TXN_ID" {
			t.Errorf("missing transactionId: %q", got[""])
		}
	})

	t.Run("a rejected transfer may be sent again", func(t *testing.T) {
		b := setup(t, "")
		b.login()
		bad := transfer("PAY-0001", 50)
		b.mustBatch("B1", bad)
		out := b.mustBatch("B2", transfer("PAY-0001", 100_00))
		if len(out.Successful) != 1 {
			t.Fatalf("resend refused: %+v", out)
		}
		c := b.calls()["payout/PAY-0001"]
		if c.Creates != 2 || c.Duplicates != 0 || c.Amount != "100.00" || c.Status != "PENDING" {
			t.Fatalf("call = %+v", c)
		}
		if rec, _ := b.statusOf("PAY-0001"); rec.BatchTransactionID != "B2" || rec.PayoutStatus != "PENDING" {
			t.Fatalf("record = %+v", rec)
		}
	})

	t.Run("whole-request errors", func(t *testing.T) {
		b := setup(t, "")
		b.login()
		if a, _ := b.batch("", refs("PAY", 1)...); a.status != http.StatusUnprocessableEntity {
			t.Errorf("no batch id: HTTP %d", a.status)
		}
		if a, _ := b.batch("B1"); a.status != http.StatusUnprocessableEntity {
			t.Errorf("no transfers: HTTP %d", a.status)
		}
		if a, _ := b.batch("B2", refs("PAY", sandbox.MaxBatchTransfers+1)...); a.status != http.StatusUnprocessableEntity {
			t.Errorf("too many transfers: HTTP %d", a.status)
		}
	})

	t.Run("concurrent batches", func(t *testing.T) {
		b := setup(t, "")
		b.login()
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				b.batch(fmt.Sprintf("B%d", i%4), refs(fmt.Sprintf("C%d", i), 25)...)
			})
		}
		wg.Wait()
		var batches, dups int
		for _, c := range b.calls() {
			if c.Kind == "payout_batch" {
				batches++
				dups += c.Duplicates
			}
		}
		if batches != 4 || dups != 4 {
			t.Fatalf("batches %d duplicates %d, want 4 and 4", batches, dups)
		}
	})
}

func TestServer_SearchTransfers(t *testing.T) {
	t.Run("settles over polls", func(t *testing.T) {
		b := setup(t, "")
		b.login()
		b.mustBatch("B1", refs("PAY", 1)...)
		var seen []string
		for range 4 {
			rec, _ := b.statusOf("PAY-0001")
			seen = append(seen, rec.PayoutStatus)
		}
		if want := []string{"PENDING", "PROCESSING", "SUCCESS", "SUCCESS"}; !slices.Equal(seen, want) {
			t.Fatalf("statuses %v, want %v", seen, want)
		}
		rec, _ := b.statusOf("PAY-0001")
		if !reUTR.MatchString(rec.UTR) || rec.Amount != 100_00 || rec.Mode != "IMPS" || rec.CreatedAt != "2025-03-14T10:00:00+05:30" {
			t.Fatalf("record = %+v", rec)
		}
		if c := b.calls()["payout/PAY-0001"]; c.Status != "SUCCESS" {
			t.Fatalf("call status = %q", c.Status)
		}
	})

	t.Run("settle_after 0 is final at once", func(t *testing.T) {
		b := setup(t, "settle_after: 0")
		b.login()
		b.mustBatch("B1", refs("PAY", 1)...)
		if rec, _ := b.statusOf("PAY-0001"); rec.PayoutStatus != "SUCCESS" {
			t.Fatalf("status %s", rec.PayoutStatus)
		}
	})

	t.Run("settles over time", func(t *testing.T) {
		b := setup(t, "settle_after: 3s")
		b.login()
		b.mustBatch("B1", refs("PAY", 1)...)
		var seen []string
		for _, step := range []time.Duration{0, time.Second, time.Second, time.Second} {
			b.clock.Advance(step)
			rec, _ := b.statusOf("PAY-0001")
			seen = append(seen, rec.PayoutStatus)
		}
		if want := []string{"PENDING", "PROCESSING", "PROCESSING", "SUCCESS"}; !slices.Equal(seen, want) {
			t.Fatalf("statuses %v, want %v", seen, want)
		}
	})

	t.Run("paging", func(t *testing.T) {
		b := setup(t, "")
		b.login()
		b.mustBatch("B1", refs("PAY", 12)...)
		var ids []string
		for offset := 0; offset < 15; offset += 5 {
			a, out := b.search(fmt.Sprintf("offset=%d&limit=5", offset), wSearchRequest{BatchTransactionID: "B1"})
			if a.status != http.StatusOK || out.TotalCount != 12 {
				t.Fatalf("offset %d: HTTP %d total %d", offset, a.status, out.TotalCount)
			}
			for _, r := range out.Transfers {
				ids = append(ids, r.TransactionID)
			}
		}
		want := make([]string, 12)
		for i := range want {
			want[i] = fmt.Sprintf("PAY-%04d", i+1)
		}
		if !slices.Equal(ids, want) {
			t.Fatalf("pages gave %v", ids)
		}
		_, out := b.search("limit=3&direction=DESC", wSearchRequest{})
		if len(out.Transfers) != 3 || out.Transfers[0].TransactionID != "PAY-0012" {
			t.Fatalf("DESC page = %+v", out.Transfers)
		}
		for _, q := range []string{"limit=5001", "limit=0", "offset=-1", "limit=x", "direction=UP"} {
			if a, _ := b.search(q, wSearchRequest{}); a.status != http.StatusUnprocessableEntity || a.encrypted {
				t.Errorf("%s: HTTP %d", q, a.status)
			}
		}
		if a, out := b.search("limit=5000", wSearchRequest{}); a.status != http.StatusOK || len(out.Transfers) != 12 {
			t.Errorf("limit=5000: HTTP %d, %d records", a.status, len(out.Transfers))
		}
	})

	t.Run("order and filters", func(t *testing.T) {
		// Settling far away keeps every status PROCESSING after the first search, whatever
		// order the cases below run in.
		b := setup(t, "token: {ttl: 240h}\nsettle_after: 100")
		b.login()
		b.mustBatch("OLD", transfer("Z-1", 100_00))
		b.clock.Advance(48 * time.Hour) // 2025-03-16
		b.mustBatch("NEW", transfer("A-1", 100_00), transfer("A-2", 100_00))

		_, all := b.search("", wSearchRequest{})
		var order []string
		for _, r := range all.Transfers {
			order = append(order, r.TransactionID)
		}
		if want := []string{"Z-1", "A-1", "A-2"}; !slices.Equal(order, want) {
			t.Fatalf("order %v, want %v (createdAt, then id)", order, want)
		}
		for name, c := range map[string]struct {
			req  wSearchRequest
			want []string
		}{
			"batch":             {wSearchRequest{BatchTransactionID: "NEW"}, []string{"A-1", "A-2"}},
			"ids":               {wSearchRequest{TransactionIDs: []string{"A-2", "Z-1", "NOPE", "A-2"}}, []string{"Z-1", "A-2"}},
			"ids and batch":     {wSearchRequest{TransactionIDs: []string{"A-2", "Z-1"}, BatchTransactionID: "OLD"}, []string{"Z-1"}},
			"to date":           {wSearchRequest{ToDate: "2025-03-14"}, []string{"Z-1"}},
			"from date":         {wSearchRequest{FromDate: "2025-03-15"}, []string{"A-1", "A-2"}},
			"RFC 3339 range":    {wSearchRequest{FromDate: "2025-03-14T04:30:00Z", ToDate: "2025-03-14T10:00:00+05:30"}, []string{"Z-1"}},
			"empty range":       {wSearchRequest{FromDate: "2025-03-15", ToDate: "2025-03-15"}, nil},
			"date-time in IST":  {wSearchRequest{FromDate: "2025-03-16 10:00:00"}, []string{"A-1", "A-2"}},
			"status PROCESSING": {wSearchRequest{Statuses: []string{"PROCESSING"}}, []string{"Z-1", "A-1", "A-2"}},
			"status SUCCESS":    {wSearchRequest{Statuses: []string{"SUCCESS"}}, nil},
		} {
			_, out := b.search("", c.req)
			var got []string
			for _, r := range out.Transfers {
				got = append(got, r.TransactionID)
			}
			if !slices.Equal(got, c.want) || out.TotalCount != len(c.want) {
				t.Errorf("%s: got %v (total %d), want %v", name, got, out.TotalCount, c.want)
			}
		}
		if a, _ := b.search("", wSearchRequest{FromDate: "14/03/2025"}); a.status != http.StatusUnprocessableEntity {
			t.Errorf("bad date: HTTP %d", a.status)
		}
	})
}

func TestServer_Outcomes(t *testing.T) {
	b := setup(t, `
outcomes:
  - {match: "PAY-0007", status: FAILED, reason: "REJECT_BENEF_ACC"}
  - {match: "PAY-0008", status: REJECTED, reason: "REJECT_BENEF_IFSC"}
  - {match: "PAY-0009", amount: "999.00"}
  - {match: "PAY-0011", status: PENDING}
  - {match: "PAY-0012", drop: true}
  - {match: "PAY-0013", status: SUCCESS, then: REVERSED}
  - {match: "GLOB-*", status: FAILED}
  - {match: "PAY-00*", status: SUCCESS}
`)
	b.login()
	ids := []string{"PAY-0001", "PAY-0007", "PAY-0008", "PAY-0009", "PAY-0011", "PAY-0012", "PAY-0013", "GLOB-1"}
	var trs []wTransfer
	for _, id := range ids {
		trs = append(trs, transfer(id, 100_00))
	}
	out := b.mustBatch("B1", trs...)
	if len(out.Failed) != 1 || out.Failed[0] != (wTransferFailure{TransactionID: "PAY-0008", Reason: "REJECT_BENEF_IFSC", Message: "Invalid beneficiary IFSC"}) {
		t.Fatalf("failed = %+v", out.Failed)
	}
	if len(out.Successful) != len(ids)-1 {
		t.Fatalf("successful = %+v", out.Successful)
	}

	history := map[string][]string{}
	last := map[string]wTransferRecord{}
	for range 5 {
		_, res := b.search("", wSearchRequest{TransactionIDs: ids})
		for _, r := range res.Transfers {
			history[r.TransactionID] = append(history[r.TransactionID], r.PayoutStatus)
			last[r.TransactionID] = r
		}
	}
	want := map[string][]string{
		"PAY-0001": {"PENDING", "PROCESSING", "SUCCESS", "SUCCESS", "SUCCESS"},
		"PAY-0007": {"PENDING", "PROCESSING", "FAILED", "FAILED", "FAILED"},
		"PAY-0008": {"REJECTED", "REJECTED", "REJECTED", "REJECTED", "REJECTED"},
		"PAY-0009": {"PENDING", "PROCESSING", "SUCCESS", "SUCCESS", "SUCCESS"},
		"PAY-0011": {"PENDING", "PENDING", "PENDING", "PENDING", "PENDING"},
		"PAY-0013": {"PENDING", "PROCESSING", "SUCCESS", "SUCCESS", "REVERSED"},
		"GLOB-1":   {"PENDING", "PROCESSING", "FAILED", "FAILED", "FAILED"},
	}
	for id, w := range want {
		if !slices.Equal(history[id], w) {
			t.Errorf("%s: %v, want %v", id, history[id], w)
		}
	}
	if _, found := history["PAY-0012"]; found {
		t.Error("dropped PAY-0012 was found by search")
	}
	if r := last["PAY-0007"]; r.FailureReason != "REJECT_BENEF_ACC" || r.UTR != "" {
		t.Errorf("FAILED record = %+v", r)
	}
	if r := last["PAY-0009"]; r.Amount != 999_00 {
		t.Errorf("amount outcome record = %+v", r)
	}
	if r := last["PAY-0013"]; r.FailureReason == "" || !reUTR.MatchString(r.UTR) {
		t.Errorf("REVERSED record = %+v", r)
	}
	if r := last["PAY-0008"]; r.FailureReason != "REJECT_BENEF_IFSC" {
		t.Errorf("REJECTED record = %+v", r)
	}
	if _, res := b.search("", wSearchRequest{}); res.TotalCount != len(ids)-1 {
		t.Errorf("unfiltered search counted %d, want all but the dropped one", res.TotalCount)
	}

	calls := b.calls()
	if c := calls["payout/PAY-0009"]; c.Amount != "100.00" {
		t.Errorf("call records the amount sent, got %+v", c)
	}
	if c := calls["payout/PAY-0012"]; c.Creates != 1 || c.Status != "PENDING" {
		t.Errorf("dropped call = %+v", c)
	}
	for _, id := range ids {
		if c := calls["payout/"+id]; c.Creates != 1 || c.Duplicates != 0 {
			t.Errorf("%s: %+v", id, c)
		}
	}
}

func TestServer_Extra(t *testing.T) {
	b := setup(t, `extra: [{kind: payout, reference: "PAY-X001", amount: "100.00", status: SUCCESS}]`)
	b.login()
	b.mustBatch("B1", refs("PAY", 1)...)

	_, byDate := b.search("", wSearchRequest{FromDate: "2025-03-14", ToDate: "2025-03-14"})
	var found *wTransferRecord
	for i, r := range byDate.Transfers {
		if r.TransactionID == "PAY-X001" {
			found = &byDate.Transfers[i]
		}
	}
	if found == nil || found.PayoutStatus != "SUCCESS" || found.Amount != 100_00 || !reEnkashID.MatchString(found.EnkashTransactionID) {
		t.Fatalf("extra by date: %+v in %+v", found, byDate.Transfers)
	}
	if _, res := b.search("", wSearchRequest{TransactionIDs: []string{"PAY-0001"}}); len(res.Transfers) != 1 {
		t.Errorf("search by our ids returned %+v", res.Transfers)
	}
	if rec, ok := b.statusOf("PAY-X001"); !ok || rec.PayoutStatus != "SUCCESS" {
		t.Errorf("extra listed by id: %v %+v", ok, rec)
	}
	if _, ok := b.calls()["payout/PAY-X001"]; ok {
		t.Error("an extra nobody sent is in the call log")
	}
	out := b.mustBatch("B2", transfer("PAY-X001", 100_00))
	if len(out.Failed) != 1 || out.Failed[0].Reason != "REJECT_TXN_ID" {
		t.Errorf("sending an extra's reference: %+v", out)
	}
}

func TestServer_Balance(t *testing.T) {
	balance := func(b *bundle) domain.Paise {
		t.Helper()
		var out struct {
			TotalBalance wAmount `json:"totalBalance"`
		}
		if a := b.call(http.MethodGet, pathBalance, nil, &out); a.status != http.StatusOK || !a.encrypted {
			t.Fatalf("balance: HTTP %d encrypted=%v", a.status, a.encrypted)
		}
		return domain.Paise(out.TotalBalance)
	}
	t.Run("default", func(t *testing.T) {
		b := setup(t, "")
		b.login()
		if got := balance(b); got != sandbox.DefaultBalance {
			t.Fatalf("balance %s", got.Rupees())
		}
	})
	t.Run("debited by successes, credited by reversals", func(t *testing.T) {
		b := setup(t, "balance: 5000.00\nsettle_after: 1\noutcomes: [{match: R, then: REVERSED}, {match: F, status: FAILED}]")
		b.login()
		b.mustBatch("B1", transfer("S", 1000_00), transfer("R", 700_00), transfer("F", 300_00))
		if got := balance(b); got != 5000_00 {
			t.Fatalf("before settling: %s", got.Rupees())
		}
		b.search("", wSearchRequest{}) // PENDING
		b.search("", wSearchRequest{}) // final
		if got := balance(b); got != 3300_00 {
			t.Fatalf("after settling: %s, want 3,300.00", got.Rupees())
		}
		b.search("", wSearchRequest{}) // R reversed
		if got := balance(b); got != 4000_00 {
			t.Fatalf("after the reversal: %s, want 4,000.00", got.Rupees())
		}
	})
}

func TestServer_Calls(t *testing.T) {
	b := setup(t, "")
	b.login()
	b.mustBatch("B2", transfer("PAY-2", 100_00), transfer("PAY-1", 250_50))
	b.mustBatch("B1", transfer("PAY-3", 100_00), transfer("PAY-1", 250_50))
	b.batch("B1", transfer("PAY-4", 100_00))

	resp, err := http.Get(b.srv.URL + "/_sandbox/calls")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var list []map[string]any
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	var order []string
	for _, c := range list {
		for _, key := range []string{"kind", "reference", "creates", "duplicates", "amount", "status"} {
			if _, ok := c[key]; !ok {
				t.Fatalf("call %v has no %q", c, key)
			}
		}
		order = append(order, fmt.Sprintf("%s/%s %v/%v %s", c["kind"], c["reference"], c["creates"], c["duplicates"], c["amount"]))
	}
	want := []string{
		"payout/PAY-1 2/1 250.50",
		"payout/PAY-2 1/0 100.00",
		"payout/PAY-3 1/0 100.00",
		"payout_batch/B1 2/1 350.50",
		"payout_batch/B2 1/0 350.50",
	}
	if !slices.Equal(order, want) {
		t.Fatalf("calls:\n%s\nwant:\n%s", strings.Join(order, "\n"), strings.Join(want, "\n"))
	}
	post, err := http.Post(b.srv.URL+"/_sandbox/calls", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST calls: HTTP %d", post.StatusCode)
	}
}
