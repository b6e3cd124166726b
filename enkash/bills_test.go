package enkash_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/enkash/sandbox"
)

// billRig is the sandbox over real HTTP behind a hook that sees (and may answer) every call.
type billRig struct {
	c  *enkash.Client
	sb *sandbox.Server

	mu     sync.Mutex
	bodies map[string][][]byte // request bodies per path
	hook   func(w http.ResponseWriter, r *http.Request, n int) bool
}

func newBillRig(t *testing.T, sc *sandbox.Scenario) *billRig {
	t.Helper()
	rig := &billRig{sb: sandbox.New(sc, sandbox.DemoCredentials()), bodies: map[string][][]byte{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rig.mu.Lock()
		rig.bodies[r.URL.Path] = append(rig.bodies[r.URL.Path], body)
		n, hook := len(rig.bodies[r.URL.Path]), rig.hook
		rig.mu.Unlock()
		if hook != nil && hook(w, r, n) {
			return
		}
		rig.sb.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	creds := sandbox.DemoCredentials()
	c, err := enkash.New(enkash.Config{BaseURL: srv.URL, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
		Username: creds.Username, Password: creds.Password, Timeout: 2 * time.Second, MaxRetryTime: 10 * time.Second, RatePerSecond: 1000})
	if err != nil {
		t.Fatal(err)
	}
	rig.c = c
	return rig
}

func (rig *billRig) calls(path string) [][]byte {
	rig.mu.Lock()
	defer rig.mu.Unlock()
	return rig.bodies[path]
}

func addReq(ref string, rupees int64) enkash.AddBillRequest {
	return enkash.AddBillRequest{ReferenceID: ref, BillerID: 1042, BillParams: enkash.BillParams{CN: "CN-" + ref},
		BillAmount: enkash.Amount(rupees * 100)}
}

func TestBillService_AddConfirmFollow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rig := newBillRig(t, &sandbox.Scenario{Outcomes: []sandbox.Outcome{{Match: "B-REF", Status: "FAILED", PaymentStatus: "REFUNDED", Reason: "BILLER_TIMEOUT"}}})
	bills := rig.c.Bills

	rec, err := bills.Add(ctx, addReq("B-1", 1250))
	if err != nil || rec.ReferenceID != "B-1" || rec.UtilityEnkashID == "" || domain.Paise(rec.Amount) != 125000 || rec.ApprovalStatus != enkash.ApprovalMakerPending {
		t.Fatalf("Add = %+v, %v", rec, err)
	}
	// The same reference again: code 38, a duplicate and nothing else.
	_, err = bills.Add(ctx, addReq("B-1", 1250))
	if !enkash.IsDuplicate(err) || enkash.IsRejected(err) || enkash.IsAmbiguous(err) {
		t.Errorf("second Add: %v (duplicate %v)", err, enkash.IsDuplicate(err))
	}
	// Unknown reference: the one answer that means "not there".
	if r, found, err := bills.ByReference(ctx, "B-NONE"); err != nil || found || r != nil {
		t.Errorf("ByReference(unknown) = %v, %v, %v", r, found, err)
	}
	got, found, err := bills.ByReference(ctx, "B-1")
	if err != nil || !found || got.UtilityEnkashID != rec.UtilityEnkashID || enkash.BillStatus(*got) != domain.StatusPending {
		t.Fatalf("ByReference(B-1) = %+v, %v, %v", got, found, err)
	}

	// After a fetch: the biller's amount, then the bill.
	due, err := bills.Fetch(ctx, enkash.FetchBillRequest{BillerID: 1042, BillParams: enkash.BillParams{CN: "CN-F"}})
	if err != nil || due.BillNetAmount < 100 || due.ValidationID == "" {
		t.Fatalf("Fetch = %+v, %v", due, err)
	}
	fetched, err := bills.Create(ctx, enkash.CreateBillRequest{CompanyBillerID: due.CompanyBillerID, BillNetAmount: due.BillNetAmount,
		BillAmount: due.BillAmount, ReferenceID: "B-F", BillNumber: due.BillNumber, ValidationID: due.ValidationID, BillID: due.BillID})
	if err != nil || domain.Paise(fetched.Amount) != domain.Paise(due.BillNetAmount) {
		t.Fatalf("Create = %+v, %v", fetched, err)
	}
	refunded, err := bills.Add(ctx, addReq("B-REF", 300))
	if err != nil {
		t.Fatal(err)
	}

	if err := bills.ConfirmDebit(ctx, []enkash.FlexID{rec.UtilityEnkashID, fetched.UtilityEnkashID, refunded.UtilityEnkashID}, "test"); err != nil {
		t.Fatal(err)
	}
	// Settling takes two polls; the search is paged below 100.
	var final map[string]enkash.BillRecord
	for range 4 {
		all, err := bills.SearchAll(ctx, enkash.SearchBillsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		final = map[string]enkash.BillRecord{}
		for _, r := range all {
			final[r.ReferenceID] = r
		}
	}
	if r := final["B-1"]; enkash.BillStatus(r) != domain.StatusSuccess || r.BillReferenceID == "" || r.Fetched() {
		t.Errorf("B-1 = %+v", r)
	}
	if r := final["B-F"]; enkash.BillStatus(r) != domain.StatusSuccess || !r.Fetched() {
		t.Errorf("B-F = %+v (a fetched bill has a billNumber)", r)
	}
	r := final["B-REF"]
	if enkash.BillStatus(r) != domain.StatusFailed || r.PaymentStatus != enkash.PaymentRefunded {
		t.Errorf("B-REF = %+v", r)
	}
	if why := enkash.BillFailure(r); !bytes.Contains([]byte(why), []byte("refunded")) || !bytes.Contains([]byte(why), []byte("BILLER_TIMEOUT")) {
		t.Errorf("BillFailure = %q", why)
	}
}

func TestBillService_SearchPagesBelow100(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rig := newBillRig(t, nil)
	for i := range 150 {
		if _, err := rig.c.Bills.Add(ctx, addReq("P-"+strconv.Itoa(i), 100)); err != nil {
			t.Fatal(err)
		}
	}
	all, err := rig.c.Bills.SearchAll(ctx, enkash.SearchBillsRequest{CreatedDateFrom: enkash.BillTime(time.Now().Add(-time.Hour))})
	if err != nil || len(all) != 150 {
		t.Fatalf("SearchAll = %d bills, %v", len(all), err)
	}
	pages := rig.calls(enkash.PathSearchBills)
	if len(pages) != 2 {
		t.Errorf("%d search calls, want 2 pages", len(pages))
	}
	for _, p := range pages {
		var req enkash.SearchBillsRequest
		if err := json.Unmarshal(p, &req); err != nil || req.Limit < 1 || req.Limit >= 100 {
			t.Errorf("search page %s: limit not below 100 (%v)", p, err)
		}
	}
}

// TestBillService_VelocityAndStringCode: codes 36/37 (as strings, as an old BBPS page types
// them) mean "slow down": the add is sent again after a back-off and created once.
func TestBillService_VelocityAndStringCode(t *testing.T) {
	t.Parallel()
	rig := newBillRig(t, nil)
	rig.hook = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if r.URL.Path != enkash.PathAddBill || n > 2 {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		code := []string{"36", "37"}[n-1]
		_, _ = io.WriteString(w, `{"response_code":"`+code+`","response_message":"Velocity limit breached","payload":null}`)
		return true
	}
	rec, err := rig.c.Bills.Add(context.Background(), addReq("V-1", 500))
	if err != nil || rec.ReferenceID != "V-1" {
		t.Fatalf("Add after velocity limits = %+v, %v", rec, err)
	}
	if n := len(rig.calls(enkash.PathAddBill)); n != 3 {
		t.Errorf("add calls = %d, want 3 (two refused for velocity, one created)", n)
	}
	for _, c := range rig.sb.Calls() {
		if c.Reference == "V-1" && (c.Creates != 1 || c.Duplicates != 0) {
			t.Errorf("V-1 creates %d duplicates %d", c.Creates, c.Duplicates)
		}
	}
}

// TestBillService_5xxIsAmbiguous: a 500 on bill creation is never retried by the client: the
// caller must look the bill up by reference (D), which tells the two cases apart.
func TestBillService_5xxIsAmbiguous(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rig := newBillRig(t, &sandbox.Scenario{Outcomes: []sandbox.Outcome{
		{Match: "F-AFTER", Fault: sandbox.BillFault500AfterCommit},
		{Match: "F-BEFORE", Fault: sandbox.BillFault500},
	}})
	for ref, exists := range map[string]bool{"F-AFTER": true, "F-BEFORE": false} {
		_, err := rig.c.Bills.Add(ctx, addReq(ref, 700))
		if !enkash.IsAmbiguous(err) {
			t.Fatalf("%s: Add error %v is not ambiguous", ref, err)
		}
		_, found, err := rig.c.Bills.ByReference(ctx, ref)
		if err != nil || found != exists {
			t.Errorf("%s: ByReference found %v, %v; want %v", ref, found, err, exists)
		}
	}
	if n := len(rig.calls(enkash.PathAddBill)); n != 2 {
		t.Errorf("add calls = %d, want 2: a 500 is not retried", n)
	}
	// The one not created is sent again, once, and succeeds.
	if _, err := rig.c.Bills.Add(ctx, addReq("F-BEFORE", 700)); err != nil {
		t.Fatal(err)
	}
	for _, c := range rig.sb.Calls() {
		if c.Creates != 1 || c.Duplicates != 0 {
			t.Errorf("%s creates %d duplicates %d", c.Reference, c.Creates, c.Duplicates)
		}
	}
}

func TestBillService_ConfirmDebitChunks(t *testing.T) {
	t.Parallel()
	rig := newBillRig(t, nil)
	rig.hook = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if r.URL.Path != enkash.PathConfirmDebit {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"response_code":0,"response_message":"Success","payload":null}`)
		return true
	}
	ids := make([]enkash.FlexID, 2001)
	for i := range ids {
		ids[i] = enkash.FlexID(strconv.Itoa(100000 + i))
	}
	if err := rig.c.Bills.ConfirmDebit(context.Background(), ids, "chunks"); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, body := range rig.calls(enkash.PathConfirmDebit) {
		var req struct {
			IDs            []json.Number `json:"utilityPaymentIds"`
			ApprovalStatus string        `json:"approvalStatus"`
		}
		if err := json.Unmarshal(body, &req); err != nil || req.ApprovalStatus != enkash.ApprovalCheckerOK {
			t.Fatalf("confirm body %.80s: %v", body, err)
		}
		sizes = append(sizes, len(req.IDs))
	}
	if len(sizes) != 3 || sizes[0] != 1000 || sizes[1] != 1000 || sizes[2] != 1 {
		t.Errorf("confirm call sizes = %v, want [1000 1000 1]", sizes)
	}
}

func TestFlexID(t *testing.T) {
	t.Parallel()
	var got struct{ A, B, C enkash.FlexID }
	if err := json.Unmarshal([]byte(`{"A": 123456, "B": "UP-9", "C": null}`), &got); err != nil || got.A != "123456" || got.B != "UP-9" || got.C != "" {
		t.Fatalf("unmarshal = %+v, %v", got, err)
	}
	b, _ := json.Marshal([]enkash.FlexID{"123", "0123", "X1"})
	if string(b) != `["123","0123","X1"]` { // strings, as documented
		t.Errorf("marshal = %s", b)
	}
	if err := json.Unmarshal([]byte(`{"A": true}`), &got); err == nil {
		t.Error("a boolean id was accepted")
	}
}
