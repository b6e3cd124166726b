package sandbox_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"enkashbatch/enkash"
	"enkashbatch/enkash/sandbox"
)

// TestServer_RealClient runs the project's own Enkash client against the sandbox: the client
// that passes against the sandbox is the one that talks to Enkash, so they must agree.
func TestServer_RealClient(t *testing.T) {
	for _, shape := range []string{"camel", "snake"} {
		t.Run(shape, func(t *testing.T) {
			sc, err := sandbox.ParseScenario([]byte("token: {shape: " + shape + "}\noutcomes: [{match: PAY-0002, status: FAILED}]"))
			if err != nil {
				t.Fatal(err)
			}
			creds := sandbox.DemoCredentials()
			sb := sandbox.New(sc, creds)
			srv := httptest.NewServer(sb)
			t.Cleanup(srv.Close)
			client, err := enkash.New(enkash.Config{
				BaseURL: srv.URL, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
				Username: creds.Username, Password: creds.Password, FundSourceID: "EKCI4XTWKC",
				Timeout: 5 * time.Second, RatePerSecond: 1000,
			})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			out, err := client.Payouts.SubmitBatch(ctx, enkash.BatchTransferRequest{BatchTransactionID: "B1", Transfers: clientRefs("PAY", 2)})
			if err != nil || len(out.Successful) != 2 {
				t.Fatalf("SubmitBatch: %+v, %v", out, err)
			}
			_, err = client.Payouts.SubmitBatch(ctx, enkash.BatchTransferRequest{BatchTransactionID: "B1", Transfers: clientRefs("PAY", 2)})
			if !enkash.IsDuplicate(err) {
				t.Fatalf("resent batch: err = %v, want a duplicate", err)
			}
			var statuses []string
			for range 3 {
				page, err := client.Payouts.Search(ctx, enkash.SearchTransfersRequest{BatchTransactionID: "B1"}, 0, 10)
				if err != nil || page.TotalCount != 2 {
					t.Fatalf("Search: %+v, %v", page, err)
				}
				statuses = append(statuses, page.Transfers[0].PayoutStatus+"/"+page.Transfers[1].PayoutStatus)
			}
			if got := statuses[2]; got != "SUCCESS/FAILED" {
				t.Fatalf("statuses %v, want SUCCESS/FAILED at last", statuses)
			}
			bal, err := client.Payouts.Balance(ctx)
			if err != nil || bal != sandbox.DefaultBalance-100_00 {
				t.Fatalf("Balance = %s, %v", bal.Rupees(), err)
			}
			if st := sb.Stats(); st.TokenCalls != 1 || st.TokenFailures != 0 {
				t.Fatalf("stats = %+v", st)
			}
		})
	}
}

// clientRefs builds transfers PREFIX-0001... of ₹100.00 each with the client's own structs.
func clientRefs(prefix string, n int) []enkash.Transfer {
	out := make([]enkash.Transfer, n)
	for i, w := range refs(prefix, n) {
		out[i] = enkash.Transfer{TransactionID: w.TransactionID, Amount: enkash.Amount(w.Amount), Mode: w.Mode, Remark: w.Remark,
			Beneficiary: &enkash.Beneficiary{Name: w.Beneficiary.Name, AccountNumber: w.Beneficiary.AccountNumber, IFSC: w.Beneficiary.IFSC}}
	}
	return out
}
