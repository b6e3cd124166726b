package sandbox_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/enkash/sandbox"
)

// billClient serves sb over real HTTP and returns a client of it.
func billClient(t *testing.T, sb *sandbox.Server) *enkash.Client {
	t.Helper()
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	creds := sandbox.DemoCredentials()
	c, err := enkash.New(enkash.Config{BaseURL: srv.URL, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
		Username: creds.Username, Password: creds.Password, Timeout: 2 * time.Second, RatePerSecond: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestBills_StateSurvivesReload: a sandbox loaded from a saved state is the same BBPS: the
// bills, their approval and polls, the refund to come, the fault already fired, the extras
// and the call log; a reference it has is still a duplicate.
func TestBills_StateSurvivesReload(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sc, err := sandbox.ParseScenario([]byte(`
settle_after: 1
outcomes:
  - {match: "R-1", then: REVERSED}
  - {match: "F-1", fault: http_500}
extra:
  - {kind: bill, reference: "X-1", amount: "99.00"}
`))
	if err != nil {
		t.Fatal(err)
	}
	first := sandbox.New(sc, sandbox.DemoCredentials())
	c := billClient(t, first)
	add := func(c *enkash.Client, ref string) (*enkash.BillRecord, error) {
		return c.Bills.Add(ctx, enkash.AddBillRequest{ReferenceID: ref, BillerID: 7, BillParams: enkash.BillParams{CN: "C" + ref}, BillAmount: 50000})
	}
	r1, err := add(c, "R-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := add(c, "F-1"); !enkash.IsAmbiguous(err) {
		t.Fatalf("F-1: %v, want the scenario's 500", err)
	}
	if err := c.Bills.ConfirmDebit(ctx, []enkash.FlexID{r1.UtilityEnkashID}, "t"); err != nil {
		t.Fatal(err)
	}
	if rec, _, err := c.Bills.ByReference(ctx, "R-1"); err != nil || rec.BillpayStatus != enkash.BillpayPending {
		t.Fatalf("R-1 before reload: %+v, %v", rec, err)
	}

	var saved bytes.Buffer
	if err := first.Save(&saved); err != nil {
		t.Fatal(err)
	}
	second := sandbox.New(sc, sandbox.DemoCredentials())
	if err := second.Load(bytes.NewReader(saved.Bytes())); err != nil {
		t.Fatal(err)
	}
	c2 := billClient(t, second)
	// The poll before the reload counts: one more settles it, another refunds it.
	if rec, _, err := c2.Bills.ByReference(ctx, "R-1"); err != nil || enkash.BillStatus(*rec) != domain.StatusSuccess {
		t.Fatalf("R-1 after reload: %+v, %v", rec, err)
	}
	if rec, _, err := c2.Bills.ByReference(ctx, "R-1"); err != nil || rec.PaymentStatus != enkash.PaymentRefunded {
		t.Fatalf("R-1 refund after reload: %+v, %v", rec, err)
	}
	if _, err := add(c2, "R-1"); !enkash.IsDuplicate(err) {
		t.Errorf("R-1 added again after reload: %v", err)
	}
	if _, err := add(c2, "F-1"); err != nil { // the fault fired before the reload
		t.Errorf("F-1 after reload: %v", err)
	}
	if rec, found, err := c2.Bills.ByReference(ctx, "X-1"); err != nil || !found || domain.Paise(rec.Amount) != 9900 {
		t.Errorf("extra after reload: %+v, %v, %v", rec, found, err)
	}
	creates := map[string]int{}
	for _, call := range second.Calls() {
		if call.Kind == sandbox.KindBill {
			creates[call.Reference] = call.Creates
		}
	}
	if creates["R-1"] != 2 || creates["F-1"] != 1 || len(creates) != 2 {
		t.Errorf("bill creates after reload = %v, want R-1: 2 (one a duplicate), F-1: 1", creates)
	}
}
