package sandbox_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/enkash/sandbox"
)

// clock is a settable clock for the sandbox.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// bundle is one sandbox behind a real HTTP server, and a tiny raw client for it: the real
// client lives in package enkash and is not used here, so that the sandbox is tested against
// the wire format itself.
type bundle struct {
	t      *testing.T
	sb     *sandbox.Server
	srv    *httptest.Server
	creds  sandbox.Credentials
	cipher *enkash.Cipher
	clock  *clock
	token  string
	http   *http.Client
}

// setup starts a sandbox playing the YAML scenario (empty: defaults) on a clock that starts
// at 2025-03-14 10:00 IST and only moves when told.
func setup(t *testing.T, scenarioYAML string) *bundle {
	t.Helper()
	sc, err := sandbox.ParseScenario([]byte(scenarioYAML))
	if err != nil {
		t.Fatalf("ParseScenario: %v", err)
	}
	clk := &clock{t: time.Date(2025, 3, 14, 4, 30, 0, 0, time.UTC)}
	creds := sandbox.DemoCredentials()
	sb := sandbox.New(sc, creds, sandbox.WithClock(clk.Now))
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return &bundle{t: t, sb: sb, srv: srv, creds: creds, cipher: enkash.NewCipher(creds.ClientSecret),
		clock: clk, http: &http.Client{Timeout: 10 * time.Second}}
}

// tokenRequest posts a token request with the given password and returns status and body.
func (b *bundle) tokenRequest(password string) (int, []byte) {
	b.t.Helper()
	form := url.Values{"username": {b.creds.Username}, "password": {password},
		"grant_type": {"password"}, "clientId": {b.creds.ClientID}}
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+enkash.PathToken, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(b.creds.ClientID, b.creds.ClientSecret)
	return b.do(req)
}

// login gets a token with the right password and keeps it for later calls.
func (b *bundle) login() {
	b.t.Helper()
	status, body := b.tokenRequest(b.creds.Password)
	if status != http.StatusOK {
		b.t.Fatalf("token: HTTP %d %s", status, body)
	}
	var tok enkash.TokenResponse
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		b.t.Fatalf("token answer %s: %v", body, err)
	}
	b.token = tok.AccessToken
}

func (b *bundle) do(req *http.Request) (int, []byte) {
	b.t.Helper()
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("read answer of %s: %v", req.URL.Path, err)
	}
	return resp.StatusCode, body
}

// answer is a decoded API answer: the HTTP status, the envelope (decrypted when the answer
// was encrypted) and whether it was.
type answer struct {
	status    int
	env       enkash.Envelope
	encrypted bool
	raw       []byte
}

// call sends req (nil: no body) encrypted to path and decodes the answer; a 200 answer's
// payload is decoded into out when out is not nil.
func (b *bundle) call(method, path string, req, out any) answer {
	b.t.Helper()
	var body io.Reader
	if req != nil {
		plain, err := json.Marshal(req)
		if err != nil {
			b.t.Fatal(err)
		}
		enc, _ := json.Marshal(enkash.Encrypted{Request: b.cipher.Encrypt(plain)})
		body = bytes.NewReader(enc)
	}
	return b.send(method, path, body, out)
}

// send sends a raw body and decodes the answer as call does.
func (b *bundle) send(method, path string, body io.Reader, out any) answer {
	b.t.Helper()
	r, err := http.NewRequest(method, b.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	if b.token != "" {
		r.Header.Set("Authorization", "Bearer "+b.token)
	}
	status, raw := b.do(r)
	a := answer{status: status, raw: raw}
	var enc enkash.Encrypted
	if json.Unmarshal(raw, &enc) == nil && enc.Request != "" {
		plain, err := b.cipher.Decrypt(enc.Request)
		if err != nil {
			b.t.Fatalf("%s: answer does not decrypt: %v", path, err)
		}
		raw, a.encrypted = plain, true
	}
	if err := json.Unmarshal(raw, &a.env); err != nil {
		b.t.Fatalf("%s: HTTP %d, answer %s is not an envelope: %v", path, status, raw, err)
	}
	if out != nil && status == http.StatusOK {
		if err := json.Unmarshal(a.env.Payload, out); err != nil {
			b.t.Fatalf("%s: payload %s: %v", path, a.env.Payload, err)
		}
	}
	return a
}

// batch posts a batch transfer and returns the answer and its payload.
func (b *bundle) batch(id string, transfers ...enkash.Transfer) (answer, enkash.BatchTransferResponse) {
	b.t.Helper()
	var out enkash.BatchTransferResponse
	a := b.call(http.MethodPost, enkash.PathBatchTransfer,
		enkash.BatchTransferRequest{BatchTransactionID: id, Transfers: transfers}, &out)
	return a, out
}

// mustBatch posts a batch that must be answered 200.
func (b *bundle) mustBatch(id string, transfers ...enkash.Transfer) enkash.BatchTransferResponse {
	b.t.Helper()
	a, out := b.batch(id, transfers...)
	if a.status != http.StatusOK || !a.encrypted || a.env.ResponseCode != 0 {
		b.t.Fatalf("batch %s: HTTP %d encrypted=%v %+v", id, a.status, a.encrypted, a.env)
	}
	return out
}

// search posts a payout search with the query string q (e.g. "offset=0&limit=10").
func (b *bundle) search(q string, req enkash.SearchTransfersRequest) (answer, enkash.SearchTransfersResponse) {
	b.t.Helper()
	var out enkash.SearchTransfersResponse
	path := enkash.PathSearchPayouts
	if q != "" {
		path += "?" + q
	}
	a := b.call(http.MethodPost, path, req, &out)
	return a, out
}

// statusOf searches one transfer by id and returns its record (counting one poll).
func (b *bundle) statusOf(id string) (enkash.TransferRecord, bool) {
	b.t.Helper()
	a, out := b.search("", enkash.SearchTransfersRequest{TransactionIDs: []string{id}})
	if a.status != http.StatusOK {
		b.t.Fatalf("search %s: HTTP %d %+v", id, a.status, a.env)
	}
	if len(out.Transfers) == 0 {
		return enkash.TransferRecord{}, false
	}
	return out.Transfers[0], true
}

// calls fetches GET /_sandbox/calls.
func (b *bundle) calls() map[string]sandbox.Call {
	b.t.Helper()
	r, _ := http.NewRequest(http.MethodGet, b.srv.URL+"/_sandbox/calls", nil)
	status, raw := b.do(r)
	if status != http.StatusOK {
		b.t.Fatalf("calls: HTTP %d %s", status, raw)
	}
	var list []sandbox.Call
	if err := json.Unmarshal(raw, &list); err != nil {
		b.t.Fatalf("calls %s: %v", raw, err)
	}
	m := make(map[string]sandbox.Call, len(list))
	for _, c := range list {
		m[c.Kind+"/"+c.Reference] = c
	}
	return m
}

// transfer builds a valid IMPS transfer of amount paise to a bank account.
func transfer(id string, amount domain.Paise) enkash.Transfer {
	return enkash.Transfer{
		TransactionID: id, Amount: enkash.Amount(amount), Mode: "IMPS", Remark: "March vendor payout",
		Beneficiary: &enkash.Beneficiary{Name: "Asha Traders", AccountNumber: "123456789012", IFSC: "HDFC0001234"},
	}
}

// refs builds transfers PREFIX-0001... of ₹100.00 each.
func refs(prefix string, n int) []enkash.Transfer {
	out := make([]enkash.Transfer, n)
	for i := range out {
		out[i] = transfer(fmt.Sprintf("%s-%04d", prefix, i+1), 100_00)
	}
	return out
}
