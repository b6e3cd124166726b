package sandbox_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"enkashbatch/domain"
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
	cipher wCipher
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
	return &bundle{t: t, sb: sb, srv: srv, creds: creds, cipher: newWCipher(creds.ClientSecret),
		clock: clk, http: &http.Client{Timeout: 10 * time.Second}}
}

// tokenRequest posts a token request with the given password and returns status and body.
func (b *bundle) tokenRequest(password string) (int, []byte) {
	b.t.Helper()
	form := url.Values{"username": {b.creds.Username}, "password": {password},
		"grant_type": {"password"}, "clientId": {b.creds.ClientID}}
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+pathToken, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("enkash-client", "enkash-secret") // D: the pair every documented example sends
	return b.do(req)
}

// login gets a token with the right password and keeps it for later calls.
func (b *bundle) login() {
	b.t.Helper()
	status, body := b.tokenRequest(b.creds.Password)
	if status != http.StatusOK {
		b.t.Fatalf("token: HTTP %d %s", status, body)
	}
	var tok wToken
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken+tok.Snake == "" {
		b.t.Fatalf("token answer %s: %v", body, err)
	}
	b.token = tok.AccessToken + tok.Snake
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
	env       wEnvelope
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
		enc, _ := json.Marshal(wSealed{Request: b.cipher.Encrypt(plain)})
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
	var enc wSealed
	if json.Unmarshal(raw, &enc) == nil && enc.Request != "" {
		plain, err := b.cipher.Decrypt(enc.Request)
		if err != nil {
			b.t.Fatalf("%s: answer does not decrypt: %v", path, err)
		}
		raw, a.raw, a.encrypted = plain, plain, true
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
func (b *bundle) batch(id string, transfers ...wTransfer) (answer, wBatchResponse) {
	b.t.Helper()
	var out wBatchResponse
	a := b.call(http.MethodPost, pathBatch,
		wBatchRequest{BatchTransactionID: id, Transfers: transfers}, &out)
	return a, out
}

// mustBatch posts a batch that must be answered 200.
func (b *bundle) mustBatch(id string, transfers ...wTransfer) wBatchResponse {
	b.t.Helper()
	a, out := b.batch(id, transfers...)
	if a.status != http.StatusOK || !a.encrypted || a.env.ResponseCode != 0 {
		b.t.Fatalf("batch %s: HTTP %d encrypted=%v %+v", id, a.status, a.encrypted, a.env)
	}
	return out
}

// search posts a payout search with the query string q (e.g. "offset=0&limit=10").
func (b *bundle) search(q string, req wSearchRequest) (answer, wSearchResponse) {
	b.t.Helper()
	var out wSearchResponse
	path := pathSearch
	if q != "" {
		path += "?" + q
	}
	a := b.call(http.MethodPost, path, req, &out)
	return a, out
}

// statusOf searches one transfer by id and returns its record (counting one poll).
func (b *bundle) statusOf(id string) (wTransferRecord, bool) {
	b.t.Helper()
	a, out := b.search("", wSearchRequest{TransactionIDs: []string{id}})
	if a.status != http.StatusOK {
		b.t.Fatalf("search %s: HTTP %d %+v", id, a.status, a.env)
	}
	if len(out.Transfers) == 0 {
		return wTransferRecord{}, false
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
func transfer(id string, amount domain.Paise) wTransfer {
	return wTransfer{
		TransactionID: id, Amount: wAmount(amount), Mode: "IMPS", Remark: "March vendor payout",
		Beneficiary: &wBeneficiary{ID: "ASHA123456789012", Name: "Asha Traders", AccountNumber: "123456789012", IFSC: "HDFC0001234"},
	}
}

// refs builds transfers PREFIX-0001... of ₹100.00 each.
func refs(prefix string, n int) []wTransfer {
	out := make([]wTransfer, n)
	for i := range out {
		out[i] = transfer(fmt.Sprintf("%s-%04d", prefix, i+1), 100_00)
	}
	return out
}

// The wire format as these tests write it, by hand from Enkash's published pages (the examples
// in testdata/), independently of both the client (package enkash) and the sandbox's own
// structs: the tests hold the sandbox to the pages, not to either implementation.

const (
	pathToken     = "/oauth/token"
	pathBatch     = "/api/v0/payout-transaction/batch"
	pathSingle    = "/api/v0/payout-transaction"
	pathSearch    = "/api/v0/payout-transaction/search"
	pathBalance   = "/api/v0/payout-account/balance?fundSourceId=EKCI4XTWKC"
	pathStatement = "/api/v0/payout-account/statement"
)

// wAmount is paise, written as a JSON decimal number of rupees.
type wAmount int64

func (a wAmount) MarshalJSON() ([]byte, error) { return []byte(domain.Paise(a).Decimal()), nil }

func (a *wAmount) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("amount %s is not a JSON number: %w", b, err)
	}
	whole, frac, _ := strings.Cut(n.String(), ".")
	frac = (frac + "00")[:2]
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("amount %s", b)
	}
	if strings.HasPrefix(whole, "-") {
		f = -f
	}
	*a = wAmount(w*100 + f)
	return nil
}

// wCode reads a response_code written as a number or (statement page) a string.
type wCode int

func (c *wCode) UnmarshalJSON(b []byte) error {
	n, err := strconv.Atoi(strings.Trim(string(b), `"`))
	*c = wCode(n)
	return err
}

type wEnvelope struct {
	ResponseCode    wCode           `json:"response_code"`
	ResponseMessage string          `json:"response_message"`
	Payload         json.RawMessage `json:"payload"`
}

type wSealed struct {
	Request string `json:"request"`
}

type wToken struct {
	AccessToken string `json:"accessToken"`
	Snake       string `json:"access_token"`
}

type wBeneficiary struct {
	ID            string `json:"beneficiaryId,omitempty"`
	Name          string `json:"beneficiaryName,omitempty"`
	AccountNumber string `json:"beneficiaryAccountNumber,omitempty"`
	IFSC          string `json:"beneficiaryIfsc,omitempty"`
	VPA           string `json:"vpaHandle,omitempty"`
	Email         string `json:"beneficiaryEmail,omitempty"`
	Phone         string `json:"beneficiaryPhone,omitempty"`
	Pincode       string `json:"beneficiaryPincode,omitempty"`
}

type wTransfer struct {
	TransactionID string        `json:"transactionId"`
	Amount        wAmount       `json:"transferAmount"`
	Mode          string        `json:"transferMode"`
	BeneficiaryID string        `json:"beneficiaryId,omitempty"`
	Beneficiary   *wBeneficiary `json:"beneficiaryDetail,omitempty"`
	Remark        string        `json:"transferRemark,omitempty"`
	FundSourceID  string        `json:"fundSourceId,omitempty"`
}

type wBatchRequest struct {
	BatchTransactionID string      `json:"batchTransactionId"`
	Transfers          []wTransfer `json:"transfers"`
}

type wTransferResult struct {
	TransactionID       string `json:"transactionId"`
	EnkashTransactionID string `json:"enkashTransactionId"`
	PayoutStatus        string `json:"payoutStatus"`
}

type wTransferFailure struct {
	TransactionID string `json:"transactionId"`
	Reason        string `json:"reason"`
	Message       string `json:"message"`
}

type wBatchResponse struct {
	BatchTransactionID string             `json:"batchTransactionId"`
	Successful         []wTransferResult  `json:"successfulPayoutTransactionCreateResponses"`
	Failed             []wTransferFailure `json:"failedPayoutTransactionCreateResponses"`
}

type wSearchRequest struct {
	TransactionIDs     []string `json:"transactionIds,omitempty"`
	BatchTransactionID string   `json:"batchTransactionId,omitempty"`
	FromDate           string   `json:"fromDate,omitempty"`
	ToDate             string   `json:"toDate,omitempty"`
	Statuses           []string `json:"statuses,omitempty"`
}

type wTransferRecord struct {
	TransactionID       string        `json:"transactionId"`
	BatchTransactionID  string        `json:"batchTransactionId"`
	EnkashTransactionID string        `json:"enkashTransactionId"`
	Amount              wAmount       `json:"transferAmount"`
	Mode                string        `json:"transferMode"`
	PayoutStatus        string        `json:"payoutStatus"`
	FailureReason       string        `json:"failureReason"`
	UTR                 string        `json:"utr"`
	BeneficiaryID       string        `json:"beneficiaryId"`
	Beneficiary         *wBeneficiary `json:"beneficiaryDetail"`
	CreatedAt           string        `json:"createdAt"`
	UpdatedAt           string        `json:"updatedAt"`
}

type wSearchResponse struct {
	Transfers  []wTransferRecord `json:"transfers"`
	TotalCount int               `json:"totalCount"`
}

type wStatementRequest struct {
	FundSourceID       string `json:"fundSourceId"`
	DebitAccountNumber string `json:"debitAccountNumber"`
	FromDate           string `json:"fromDate"`
	ToDate             string `json:"toDate"`
}

type wStatementLine struct {
	TransactionID              string  `json:"transactionId"`
	TransactionDate            string  `json:"transactionDate"`
	ValueDate                  string  `json:"valueDate"`
	TransactionType            string  `json:"transactionType"`
	Remarks                    string  `json:"remarks"`
	TransactionReferenceNumber string  `json:"transactionReferenceNumber"`
	TransactionMode            string  `json:"transactionMode"`
	TransactionAmount          wAmount `json:"transactionAmount"`
	RunningBalance             wAmount `json:"runningBalance"`
}

type wStatementResponse struct {
	ResponseCode    string           `json:"response_code"`
	ResponseMessage string           `json:"response_message"`
	RequestID       string           `json:"requestId"`
	Data            []wStatementLine `json:"data"`
}

// wCipher is the payload encryption as the encryption page describes it (AES-128-ECB, PKCS#5,
// key = first 16 bytes of SHA-256 of the client secret, standard Base64), a third
// implementation kept here so that the tests depend on neither the client's nor the sandbox's.
type wCipher struct{ block cipher.Block }

func newWCipher(secret string) wCipher {
	sum := sha256.Sum256([]byte(secret))
	b, _ := aes.NewCipher(sum[:16])
	return wCipher{b}
}

func (c wCipher) Encrypt(p []byte) string {
	pad := 16 - len(p)%16
	buf := append(append([]byte{}, p...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	for i := 0; i < len(buf); i += 16 {
		c.block.Encrypt(buf[i:i+16], buf[i:i+16])
	}
	return base64.StdEncoding.EncodeToString(buf)
}

func (c wCipher) Decrypt(s string) ([]byte, error) {
	buf, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(buf) == 0 || len(buf)%16 != 0 {
		return nil, fmt.Errorf("not a ciphertext: %v", err)
	}
	for i := 0; i < len(buf); i += 16 {
		c.block.Decrypt(buf[i:i+16], buf[i:i+16])
	}
	pad := int(buf[len(buf)-1])
	if pad < 1 || pad > 16 {
		return nil, fmt.Errorf("bad padding")
	}
	return buf[:len(buf)-pad], nil
}
