package enkash_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
)

func oneTransferBatch(id string) enkash.BatchTransferRequest {
	return enkash.BatchTransferRequest{BatchTransactionID: id, Transfers: []enkash.Transfer{
		{TransactionID: "PAY-0001", Amount: 125050, Mode: "IMPS", Beneficiary: &enkash.Beneficiary{Name: "Asha Rao", AccountNumber: "123456789012", IFSC: "HDFC0001234"}},
	}}
}

func TestPayoutService_SubmitBatch(t *testing.T) {
	t.Run("happy path with a failed item", func(t *testing.T) {
		f := newFake(t)
		var sent map[string]any
		f.handle(enkash.PathBatchTransfer, func(w http.ResponseWriter, r *http.Request, plain []byte, _ int) {
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer tok-") {
				t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
			}
			if err := json.Unmarshal(plain, &sent); err != nil {
				t.Errorf("request plaintext is not JSON: %v", err)
			}
			var req enkash.BatchTransferRequest
			_ = json.Unmarshal(plain, &req)
			resp := enkash.BatchTransferResponse{BatchTransactionID: req.BatchTransactionID}
			for _, tr := range req.Transfers {
				if tr.Mode == "NEFT" {
					resp.Failed = append(resp.Failed, enkash.TransferFailure{TransactionID: tr.TransactionID, Reason: "REJECT_BENEF_IFSC"})
					continue
				}
				resp.Successful = append(resp.Successful, enkash.TransferResult{TransactionID: tr.TransactionID, EnkashTransactionID: "EK" + tr.TransactionID, PayoutStatus: "PENDING"})
			}
			f.reply(w, http.StatusOK, 0, "Success", resp)
		})
		c := f.client()
		req := oneTransferBatch("BT-2025-0001")
		req.Transfers = append(req.Transfers, enkash.Transfer{TransactionID: "PAY-0002", Amount: 100, Mode: "NEFT", BeneficiaryID: "BEN7", FundSourceID: "OWNFS"})
		got, err := c.Payouts.SubmitBatch(context.Background(), req)
		if err != nil {
			t.Fatalf("SubmitBatch() = %v", err)
		}
		want := &enkash.BatchTransferResponse{
			BatchTransactionID: "BT-2025-0001",
			Successful:         []enkash.TransferResult{{TransactionID: "PAY-0001", EnkashTransactionID: "EKPAY-0001", PayoutStatus: "PENDING"}},
			Failed:             []enkash.TransferFailure{{TransactionID: "PAY-0002", Reason: "REJECT_BENEF_IFSC"}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("SubmitBatch() = %+v, want %+v", got, want)
		}
		// What Enkash received: amounts as decimal rupees, the configured fund source on the
		// transfer that named none, and the caller's request left untouched.
		transfers := sent["transfers"].([]any)
		first, second := transfers[0].(map[string]any), transfers[1].(map[string]any)
		if first["fundSourceId"] != "EKCI4XTWKC" || second["fundSourceId"] != "OWNFS" {
			t.Errorf("fundSourceId sent = %v, %v", first["fundSourceId"], second["fundSourceId"])
		}
		if req.Transfers[0].FundSourceID != "" {
			t.Error("SubmitBatch modified the caller's transfers")
		}
		if n := f.count(enkash.PathBatchTransfer); n != 1 {
			t.Errorf("batch calls = %d, want 1", n)
		}
	})

	t.Run("amounts are sent as exact decimals", func(t *testing.T) {
		f := newFake(t)
		var plainText string
		f.handle(enkash.PathBatchTransfer, func(w http.ResponseWriter, r *http.Request, plain []byte, _ int) {
			plainText = string(plain)
			f.reply(w, http.StatusOK, 0, "ok", map[string]any{"batchTransactionId": "BT-AMT"})
		})
		if _, err := f.client().Payouts.SubmitBatch(context.Background(), oneTransferBatch("BT-AMT")); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plainText, `"transferAmount":1250.50`) {
			t.Errorf("plaintext = %s, want transferAmount 1250.50", plainText)
		}
	})

	t.Run("refused locally without a call", func(t *testing.T) {
		f := newFake(t)
		c := f.client()
		dup := oneTransferBatch("BT-DUP")
		dup.Transfers = append(dup.Transfers, dup.Transfers[0])
		zero := oneTransferBatch("BT-ZERO")
		zero.Transfers[0].Amount = 0
		for name, req := range map[string]enkash.BatchTransferRequest{
			"no batch id":    {Transfers: oneTransferBatch("x").Transfers},
			"no transfers":   {BatchTransactionID: "BT-EMPTY"},
			"repeated id":    dup,
			"non-positive":   zero,
			"no transfer id": {BatchTransactionID: "BT-NOID", Transfers: []enkash.Transfer{{Amount: 100, Mode: "IMPS"}}},
		} {
			if _, err := c.Payouts.SubmitBatch(context.Background(), req); err == nil {
				t.Errorf("%s: SubmitBatch() succeeded", name)
			} else if enkash.IsAmbiguous(err) {
				t.Errorf("%s: local refusal is ambiguous: %v", name, err)
			}
		}
		if n := f.tokenCount() + f.count(enkash.PathBatchTransfer); n != 0 {
			t.Errorf("%d calls made for invalid batches", n)
		}
	})
}

func TestPayoutService_SubmitBatch_Duplicate(t *testing.T) {
	answers := map[string]func(f *fake, w http.ResponseWriter){
		"HTTP 409, plain envelope": func(f *fake, w http.ResponseWriter) {
			f.replyPlain(w, http.StatusConflict, map[string]any{"response_code": 409, "response_message": "Batch Transaction ID already exists"})
		},
		"HTTP 200, encrypted code 409": func(f *fake, w http.ResponseWriter) {
			f.reply(w, http.StatusOK, 409, "Batch Transaction ID already exists", nil)
		},
		"HTTP 409, encrypted envelope": func(f *fake, w http.ResponseWriter) {
			f.reply(w, http.StatusConflict, 409, "Batch Transaction ID already exists", nil)
		},
		"HTTP 200, BBPS code 38": func(f *fake, w http.ResponseWriter) {
			f.replyPlain(w, http.StatusOK, map[string]any{"response_code": "38", "response_message": "Duplicate referenceId"})
		},
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			f.handle(enkash.PathBatchTransfer, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) { answer(f, w) })
			_, err := f.client().Payouts.SubmitBatch(context.Background(), oneTransferBatch("BT-9"))
			if !enkash.IsDuplicate(err) {
				t.Fatalf("IsDuplicate(%v) = false", err)
			}
			if enkash.IsRejected(err) || enkash.IsAmbiguous(err) {
				t.Errorf("duplicate also classified rejected/ambiguous: %v", err)
			}
			if n := f.count(enkash.PathBatchTransfer); n != 1 {
				t.Errorf("batch calls = %d, want 1", n)
			}
		})
	}
	t.Run("error text", func(t *testing.T) {
		f := newFake(t)
		f.handle(enkash.PathBatchTransfer, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
			f.reply(w, http.StatusConflict, 409, "Batch Transaction ID already exists", nil)
		})
		_, err := f.client().Payouts.SubmitBatch(context.Background(), oneTransferBatch("BT-9"))
		want := "submit batch BT-9: enkash POST /api/v0/payout-transaction/batch: HTTP 409, code 409: Batch Transaction ID already exists"
		if err == nil || err.Error() != want {
			t.Errorf("error = %v\nwant    %s", err, want)
		}
	})
}

func TestPayoutService_SubmitBatch_Ambiguous(t *testing.T) {
	cases := map[string]struct {
		answer  func(f *fake, w http.ResponseWriter, r *http.Request)
		timeout time.Duration
	}{
		"HTTP 500 plain": {answer: func(f *fake, w http.ResponseWriter, _ *http.Request) {
			f.replyPlain(w, http.StatusInternalServerError, map[string]any{"response_code": 500, "response_message": "Internal error"})
		}},
		"HTTP 502 not JSON": {answer: func(f *fake, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("<html>Bad Gateway</html>"))
		}},
		"HTTP 503 with Retry-After": {answer: func(f *fake, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "1")
			f.replyPlain(w, http.StatusServiceUnavailable, map[string]any{"response_code": 503, "response_message": "busy"})
		}},
		"HTTP 200 that does not decrypt": {answer: func(f *fake, w http.ResponseWriter, _ *http.Request) {
			f.replyPlain(w, http.StatusOK, enkash.Encrypted{Request: enkash.NewCipher("another secret").Encrypt([]byte(`{"response_code":0}`))})
		}},
		"HTTP 200 not JSON": {answer: func(f *fake, w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("OK"))
		}},
		"HTTP 403 encryption failed for response": {answer: func(f *fake, w http.ResponseWriter, _ *http.Request) {
			f.replyPlain(w, http.StatusForbidden, map[string]any{"response_code": 403, "response_message": "Encryption failed for response"})
		}},
		"timeout": {timeout: 300 * time.Millisecond, answer: func(f *fake, w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}},
		"connection dropped": {answer: func(f *fake, w http.ResponseWriter, _ *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			f.handle(enkash.PathBatchTransfer, func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) { tc.answer(f, w, r) })
			c := f.client(func(c *enkash.Config) {
				if tc.timeout > 0 {
					c.Timeout = tc.timeout
				}
			})
			_, err := c.Payouts.SubmitBatch(context.Background(), oneTransferBatch("BT-AMB"))
			if !enkash.IsAmbiguous(err) {
				t.Fatalf("IsAmbiguous(%v) = false", err)
			}
			if enkash.IsRejected(err) || enkash.IsDuplicate(err) || errors.Is(err, enkash.ErrUnreachable) {
				t.Errorf("ambiguous error also classified rejected/duplicate/unreachable: %v", err)
			}
			if n := f.count(enkash.PathBatchTransfer); n != 1 {
				t.Errorf("create sent %d times, want exactly 1 (never retried when the outcome is unknown)", n)
			}
			f.assertNoSecrets(err.Error())
		})
	}
}

func TestPayoutService_SubmitBatch_CancelledBeforeSending(t *testing.T) {
	f := newFake(t)
	c := f.client()
	if err := c.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Payouts.SubmitBatch(ctx, oneTransferBatch("BT-CANCEL"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if enkash.IsAmbiguous(err) {
		t.Errorf("cancelled before sending, yet IsAmbiguous: %v", err)
	}
	if n := f.count(enkash.PathBatchTransfer); n != 0 {
		t.Errorf("batch calls = %d, want 0", n)
	}
}

func TestPayoutService_RetryAfter(t *testing.T) {
	// Each endpoint answers 429 with Retry-After: 1 once, then succeeds.
	tooMany := func(f *fake, w http.ResponseWriter) {
		w.Header().Set("Retry-After", "1")
		f.replyPlain(w, http.StatusTooManyRequests, map[string]any{"response_code": 429, "response_message": "Too many requests"})
	}
	calls := map[string]struct {
		path string
		ok   apiHandler
		call func(c *enkash.Client) error
	}{
		"search": {enkash.PathSearchPayouts, nil, func(c *enkash.Client) error {
			_, err := c.Payouts.Search(context.Background(), enkash.SearchTransfersRequest{BatchTransactionID: "BT-1"}, 0, 10)
			return err
		}},
		"create": {enkash.PathBatchTransfer, nil, func(c *enkash.Client) error {
			_, err := c.Payouts.SubmitBatch(context.Background(), oneTransferBatch("BT-429"))
			return err
		}},
	}
	for name, tc := range calls {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			var times []time.Time
			f.handle(tc.path, func(w http.ResponseWriter, r *http.Request, _ []byte, n int) {
				times = append(times, time.Now())
				if n == 1 {
					tooMany(f, w)
					return
				}
				f.reply(w, http.StatusOK, 0, "ok", map[string]any{"batchTransactionId": "BT-429", "transfers": []any{}})
			})
			if err := tc.call(f.client()); err != nil {
				t.Fatalf("call = %v", err)
			}
			if len(times) != 2 {
				t.Fatalf("calls = %d, want 2", len(times))
			}
			if gap := times[1].Sub(times[0]); gap < 950*time.Millisecond {
				t.Errorf("retried after %s, Retry-After asked for 1s", gap)
			}
		})
	}
	t.Run("Retry-After beyond the retry budget is not waited for", func(t *testing.T) {
		f := newFake(t)
		f.handle(enkash.PathBatchTransfer, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
			w.Header().Set("Retry-After", "3600")
			f.replyPlain(w, http.StatusTooManyRequests, map[string]any{"response_code": 429, "response_message": "slow down"})
		})
		start := time.Now()
		_, err := f.client().Payouts.SubmitBatch(context.Background(), oneTransferBatch("BT-LONG"))
		var ae *enkash.APIError
		if !errors.As(err, &ae) || ae.HTTPStatus != http.StatusTooManyRequests {
			t.Fatalf("error = %v, want the 429", err)
		}
		if time.Since(start) > 2*time.Second {
			t.Errorf("waited %s", time.Since(start))
		}
		if enkash.IsAmbiguous(err) || enkash.IsRejected(err) {
			t.Errorf("429 classified ambiguous or rejected: %v", err)
		}
	})
}

func TestPayoutService_Search(t *testing.T) {
	t.Run("server errors are retried", func(t *testing.T) {
		f := newFake(t)
		f.handle(enkash.PathSearchPayouts, func(w http.ResponseWriter, r *http.Request, plain []byte, n int) {
			if n < 3 {
				f.replyPlain(w, http.StatusBadGateway, map[string]any{"response_code": 502, "response_message": "bad gateway"})
				return
			}
			f.reply(w, http.StatusOK, 0, "ok", enkash.SearchTransfersResponse{TotalCount: 1,
				Transfers: []enkash.TransferRecord{{TransactionID: "PAY-1", Amount: 99950, PayoutStatus: "SUCCESS", UTR: "UTR1"}}})
		})
		got, err := f.client().Payouts.Search(context.Background(), enkash.SearchTransfersRequest{TransactionIDs: []string{"PAY-1"}}, 0, 50)
		if err != nil {
			t.Fatalf("Search() = %v", err)
		}
		if len(got.Transfers) != 1 || got.Transfers[0].Amount != 99950 || got.Transfers[0].UTR != "UTR1" {
			t.Errorf("Search() = %+v", got)
		}
		if n := f.count(enkash.PathSearchPayouts); n != 3 {
			t.Errorf("search calls = %d, want 3", n)
		}
	})
	t.Run("a clean refusal is not retried", func(t *testing.T) {
		f := newFake(t)
		f.handle(enkash.PathSearchPayouts, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
			f.reply(w, http.StatusUnprocessableEntity, 422, "Invalid request format", nil)
		})
		_, err := f.client().Payouts.Search(context.Background(), enkash.SearchTransfersRequest{}, 0, 50)
		if !enkash.IsRejected(err) {
			t.Errorf("IsRejected(%v) = false", err)
		}
		if n := f.count(enkash.PathSearchPayouts); n != 1 {
			t.Errorf("search calls = %d, want 1", n)
		}
	})
	t.Run("offset and limit are checked", func(t *testing.T) {
		f := newFake(t)
		c := f.client()
		for _, ol := range [][2]int{{-1, 10}, {0, 0}, {0, enkash.MaxSearchLimit + 1}} {
			if _, err := c.Payouts.Search(context.Background(), enkash.SearchTransfersRequest{}, ol[0], ol[1]); err == nil {
				t.Errorf("Search(offset %d, limit %d) succeeded", ol[0], ol[1])
			}
		}
		if f.tokenCount() != 0 {
			t.Error("invalid search went to the network")
		}
	})
}

// searchStore answers searches over n transfers named PAY-000001..., honouring the
// transactionIds filter and the offset/limit query.
func searchStore(f *fake, n int, withTotal bool, queries *[]string, idsPerCall *[]int) apiHandler {
	all := make([]enkash.TransferRecord, n)
	for i := range all {
		all[i] = enkash.TransferRecord{TransactionID: fmt.Sprintf("PAY-%06d", i+1), Amount: enkash.Amount(100 + i), PayoutStatus: "SUCCESS"}
	}
	return func(w http.ResponseWriter, r *http.Request, plain []byte, _ int) {
		var req enkash.SearchTransfersRequest
		if err := json.Unmarshal(plain, &req); err != nil {
			f.t.Errorf("search body: %v", err)
		}
		*queries = append(*queries, r.URL.RawQuery)
		*idsPerCall = append(*idsPerCall, len(req.TransactionIDs))
		match := all
		if len(req.TransactionIDs) > 0 {
			want := make(map[string]bool)
			for _, id := range req.TransactionIDs {
				want[id] = true
			}
			match = nil
			for _, rec := range all {
				if want[rec.TransactionID] {
					match = append(match, rec)
				}
			}
		}
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		page := enkash.SearchTransfersResponse{Transfers: []enkash.TransferRecord{}}
		if withTotal {
			page.TotalCount = len(match)
		}
		if offset < len(match) {
			page.Transfers = match[offset:min(offset+limit, len(match))]
		}
		f.reply(w, http.StatusOK, 0, "ok", page)
	}
}

func TestPayoutService_SearchAll(t *testing.T) {
	for _, withTotal := range []bool{true, false} {
		t.Run("pages of 5000, totalCount "+strconv.FormatBool(withTotal), func(t *testing.T) {
			f := newFake(t)
			var queries []string
			var ids []int
			f.handle(enkash.PathSearchPayouts, searchStore(f, 12345, withTotal, &queries, &ids))
			got, err := f.client().Payouts.SearchAll(context.Background(), enkash.SearchTransfersRequest{BatchTransactionID: "BT-1"})
			if err != nil {
				t.Fatalf("SearchAll() = %v", err)
			}
			if len(got) != 12345 {
				t.Fatalf("records = %d, want 12345", len(got))
			}
			if got[0].TransactionID != "PAY-000001" || got[12344].TransactionID != "PAY-012345" || got[5000].Amount != 5100 {
				t.Errorf("records out of order or wrong: first %+v, last %+v", got[0], got[12344])
			}
			want := []string{"limit=5000&offset=0", "limit=5000&offset=5000", "limit=5000&offset=10000"}
			if !reflect.DeepEqual(queries, want) {
				t.Errorf("queries = %q, want %q", queries, want)
			}
		})
	}
	t.Run("long id lists are chunked", func(t *testing.T) {
		f := newFake(t)
		var queries []string
		var ids []int
		f.handle(enkash.PathSearchPayouts, searchStore(f, 3000, true, &queries, &ids))
		var want []string
		for i := 1; i <= 2500; i++ {
			want = append(want, fmt.Sprintf("PAY-%06d", i*2)) // every other record, some beyond the store
		}
		want = append(want, want[0]) // a repeated id is searched once
		got, err := f.client().Payouts.SearchAll(context.Background(), enkash.SearchTransfersRequest{TransactionIDs: want})
		if err != nil {
			t.Fatalf("SearchAll() = %v", err)
		}
		if len(got) != 1500 {
			t.Errorf("records = %d, want 1500 (ids up to PAY-003000)", len(got))
		}
		if !reflect.DeepEqual(ids, []int{1000, 1000, 500}) {
			t.Errorf("ids per call = %v, want [1000 1000 500]", ids)
		}
	})
}

func TestPayoutService_Balance(t *testing.T) {
	cases := map[string]struct {
		answer func(f *fake, w http.ResponseWriter)
		want   domain.Paise
	}{
		"encrypted envelope": {func(f *fake, w http.ResponseWriter) {
			f.reply(w, http.StatusOK, 0, "ok", json.RawMessage(`{"totalBalance": 1234567.89}`))
		}, 123456789},
		"encrypted bare object": {func(f *fake, w http.ResponseWriter) {
			f.replyPlain(w, http.StatusOK, enkash.Encrypted{Request: f.cipher.Encrypt([]byte(`{"totalBalance":"0.5"}`))})
		}, 50},
		"plain envelope": {func(f *fake, w http.ResponseWriter) {
			f.replyPlain(w, http.StatusOK, map[string]any{"response_code": 0, "payload": map[string]any{"totalBalance": 42}})
		}, 4200},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			var query string
			f.handle(enkash.PathBalance, func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
				if r.Method != http.MethodGet {
					t.Errorf("method = %s", r.Method)
				}
				query = r.URL.RawQuery
				tc.answer(f, w)
			})
			got, err := f.client().Payouts.Balance(context.Background())
			if err != nil {
				t.Fatalf("Balance() = %v", err)
			}
			if got != tc.want {
				t.Errorf("Balance() = %d paise, want %d", got, tc.want)
			}
			if query != "fundSourceId=EKCI4XTWKC" {
				t.Errorf("query = %q", query)
			}
		})
	}
	t.Run("answer without a balance", func(t *testing.T) {
		f := newFake(t)
		f.handle(enkash.PathBalance, func(w http.ResponseWriter, _ *http.Request, _ []byte, _ int) {
			f.reply(w, http.StatusOK, 0, "ok", map[string]any{"other": 1})
		})
		if _, err := f.client().Payouts.Balance(context.Background()); err == nil {
			t.Error("Balance() without totalBalance succeeded")
		}
	})
}
