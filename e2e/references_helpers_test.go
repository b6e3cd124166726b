package e2e_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/enkash/sandbox"
	"enkashbatch/ledger"
)

// sentTransfer is one transfer as Enkash reads it from a batch call: decrypted, decoded from
// the JSON on the wire.
type sentTransfer struct {
	TransactionID string
	Name          string // beneficiaryDetail.beneficiaryName
	Remark        string // transferRemark
}

// transferLog records every transfer of every batch transfer call the sandbox receives, read
// from the encrypted body with the sandbox's client secret, before the sandbox sees it.
type transferLog struct {
	secret    string
	mu        sync.Mutex
	transfers []sentTransfer
	errs      []error
}

func (l *transferLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == enkash.PathBatchTransfer {
			body, err := io.ReadAll(r.Body)
			r.Body.Close()
			r.Body = io.NopCloser(bytes.NewReader(body))
			if err == nil {
				err = l.record(body)
			}
			if err != nil {
				l.mu.Lock()
				l.errs = append(l.errs, err)
				l.mu.Unlock()
			}
		}
		h.ServeHTTP(w, r)
	})
}

func (l *transferLog) record(body []byte) error {
	var env struct {
		Request string `json:"request"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("batch call body: %w", err)
	}
	plain, err := enkash.NewCipher(l.secret).Decrypt(env.Request)
	if err != nil {
		return fmt.Errorf("decrypt batch call: %w", err)
	}
	var req struct {
		Transfers []struct {
			TransactionID string `json:"transactionId"`
			Remark        string `json:"transferRemark"`
			Beneficiary   *struct {
				Name string `json:"beneficiaryName"`
			} `json:"beneficiaryDetail"`
		} `json:"transfers"`
	}
	if err := json.Unmarshal(plain, &req); err != nil {
		return fmt.Errorf("decode batch call: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, t := range req.Transfers {
		s := sentTransfer{TransactionID: t.TransactionID, Remark: t.Remark}
		if t.Beneficiary != nil {
			s.Name = t.Beneficiary.Name
		}
		l.transfers = append(l.transfers, s)
	}
	return nil
}

// sent returns the transfers received so far, failing the test if any call could not be read.
func (l *transferLog) sent(t *testing.T) []sentTransfer {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, err := range l.errs {
		t.Errorf("reading a batch call: %v", err)
	}
	return append([]sentTransfer(nil), l.transfers...)
}

// setupEmpty starts the sandbox (default scenario) behind a transferLog, with an empty data
// folder: the test drops its own files.
func setupEmpty(t *testing.T) (*harness, *transferLog) {
	t.Helper()
	transfers := &transferLog{secret: sandbox.DemoCredentials().ClientSecret}
	return setup(t, setupOptions{Wrap: transfers.wrap}), transfers
}

// refPayoutHeader is the header of the payout files the reference tests drop.
var refPayoutHeader = []string{"Reference", "Beneficiary Name", "Account Number", "IFSC", "Amount", "Mode", "Remark"}

// dropPayouts writes rows (in refPayoutHeader's columns) to inbox/payouts/name.
func (h *harness) dropPayouts(name string, rows ...[]string) {
	h.t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(refPayoutHeader)
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		h.t.Fatal(err)
	}
	path := filepath.Join(h.home, "inbox", "payouts", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// runFinished runs `batch run` once and fails unless it finished (exit 0 or 1).
func (h *harness) runFinished() outcome {
	h.t.Helper()
	o := h.run(nil, h.runArgs()...)
	if o.Signal != 0 || (o.Code != 0 && o.Code != 1) {
		h.t.Fatalf("batch run: %s\n%s", o, tail(o.Stderr, 20))
	}
	return o
}

// ledgerItems opens the data folder's ledger (after the runs) and returns the payout items.
func (h *harness) ledgerItems() []domain.Item {
	h.t.Helper()
	db, err := ledger.Open(context.Background(), filepath.Join(h.home, "ledger.db"))
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	items, err := db.ItemList(context.Background(), ledger.ItemFilter{Kind: domain.KindPayouts})
	if err != nil {
		h.t.Fatal(err)
	}
	return items
}
