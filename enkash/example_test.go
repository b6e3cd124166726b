package enkash_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"enkashbatch/enkash"
)

// A batch submit and what to do with each kind of failure. Never send a batch again after an
// ambiguous failure: search for its transfers first.
func ExamplePayoutService_SubmitBatch() {
	c, err := enkash.New(enkash.Config{
		BaseURL:      os.Getenv("ENKASH_BASE_URL"),
		ClientID:     os.Getenv("ENKASH_CLIENT_ID"),
		ClientSecret: os.Getenv("ENKASH_CLIENT_SECRET"),
		Username:     os.Getenv("ENKASH_USERNAME"),
		Password:     os.Getenv("ENKASH_PASSWORD"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	resp, err := c.Payouts.SubmitBatch(ctx, enkash.BatchTransferRequest{
		BatchTransactionID: "BT-2025-04-01-1",
		Transfers:          []enkash.Transfer{{TransactionID: "PAY-0001", Amount: 125050, Mode: "IMPS", BeneficiaryID: "BEN1"}},
	})
	switch {
	case err == nil:
		fmt.Println(len(resp.Successful), "accepted,", len(resp.Failed), "refused")
	case errors.Is(err, enkash.ErrAuthRejected), errors.Is(err, enkash.ErrUnreachable):
		fmt.Println("stop the run:", err)
	case enkash.IsDuplicate(err), enkash.IsAmbiguous(err):
		// Enkash may hold the batch: learn its transfers' state by searching.
		recs, _ := c.Payouts.SearchAll(ctx, enkash.SearchTransfersRequest{BatchTransactionID: "BT-2025-04-01-1"})
		fmt.Println(len(recs), "transfers found")
	case enkash.IsRejected(err):
		fmt.Println("refused, nothing was processed:", err)
	default:
		fmt.Println(err)
	}
}
