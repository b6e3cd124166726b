package enkash_test

import (
	"encoding/base64"
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

	"enkashbatch/enkash"
)

// Test credentials. They must never show up in an error.
const (
	testClientID = "CEKTEST0001"
	testSecret   = "s3cr3t-Client-Secret-XYZ"
	testUser     = "ops@example.com"
	testPassword = "p@ss-Word-123!"
)

// fake is an Enkash stand-in speaking the wire format: a token endpoint and API handlers
// that get the decrypted request and answer through reply helpers.
type fake struct {
	t      *testing.T
	srv    *httptest.Server
	cipher *enkash.Cipher

	mu         sync.Mutex
	tokenCalls int
	tokens     map[string]bool // issued and still valid
	calls      map[string]int  // API calls per path (after the bearer check)
	userAgents []string

	// token answers the n-th token call (1-based); default: a camelCase token for 300 s.
	token  func(w http.ResponseWriter, r *http.Request, n int)
	routes map[string]apiHandler
}

// apiHandler answers the n-th (1-based) call to its path; plain is the decrypted request body.
type apiHandler func(w http.ResponseWriter, r *http.Request, plain []byte, n int)

func newFake(t *testing.T) *fake {
	t.Helper()
	f := &fake{
		t:      t,
		cipher: enkash.NewCipher(testSecret),
		tokens: make(map[string]bool),
		calls:  make(map[string]int),
		routes: make(map[string]apiHandler),
	}
	f.token = func(w http.ResponseWriter, r *http.Request, n int) {
		f.issue(w, n, 300, "camel")
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.userAgents = append(f.userAgents, r.Header.Get("User-Agent"))
	f.mu.Unlock()

	if r.URL.Path == enkash.PathToken {
		f.mu.Lock()
		f.tokenCalls++
		n := f.tokenCalls
		f.mu.Unlock()
		f.token(w, r, n)
		return
	}
	f.mu.Lock()
	valid := f.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	h, ok := f.routes[r.URL.Path]
	f.calls[r.URL.Path]++
	n := f.calls[r.URL.Path]
	f.mu.Unlock()
	if !valid {
		f.replyPlain(w, http.StatusUnauthorized, map[string]any{"response_code": 401, "response_message": "Unauthorized"})
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	var plain []byte
	if r.Method == http.MethodPost {
		var enc enkash.Encrypted
		if err := json.NewDecoder(r.Body).Decode(&enc); err != nil {
			f.t.Errorf("%s: body is not {\"request\": ...}: %v", r.URL.Path, err)
			return
		}
		var err error
		if plain, err = f.cipher.Decrypt(enc.Request); err != nil {
			f.t.Errorf("%s: request does not decrypt: %v", r.URL.Path, err)
			return
		}
	}
	h(w, r, plain, n)
}

// issue answers a token request with a fresh token in the given shape ("camel", "snake" or
// "envelope") living ttl seconds.
func (f *fake) issue(w http.ResponseWriter, n int, ttl int64, shape string) {
	tok := enkash.TokenResponse{AccessToken: fmt.Sprintf("tok-%d-%d", n, time.Now().UnixNano()), TokenType: "bearer", ExpiresIn: ttl, Scope: "read write trust"}
	f.mu.Lock()
	f.tokens[tok.AccessToken] = true
	f.mu.Unlock()
	switch shape {
	case "snake":
		f.replyPlain(w, http.StatusOK, tokenSnake(tok))
	case "envelope":
		f.replyPlain(w, http.StatusOK, map[string]any{"response_code": 0, "response_message": "ok", "payload": tokenCamel(tok)})
	default:
		f.replyPlain(w, http.StatusOK, tokenCamel(tok))
	}
}

// revoke makes every token issued so far invalid.
func (f *fake) revoke() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.tokens)
}

func (f *fake) handle(path string, h apiHandler) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[path] = h
}

// reply writes an encrypted envelope.
func (f *fake) reply(w http.ResponseWriter, status, code int, msg string, payload any) {
	p, err := json.Marshal(payload)
	if err != nil {
		f.t.Errorf("marshal payload: %v", err)
	}
	env, _ := json.Marshal(enkash.Envelope{ResponseCode: enkash.Code(code), ResponseMessage: msg, Payload: p})
	f.replyPlain(w, status, enkash.Encrypted{Request: f.cipher.Encrypt(env)})
}

// replyRaw writes body, a JSON text, encrypted as every payout answer is.
func (f *fake) replyRaw(w http.ResponseWriter, status int, body string) {
	f.replyPlain(w, status, enkash.Encrypted{Request: f.cipher.Encrypt([]byte(body))})
}

// replyPlain writes v as unencrypted JSON.
func (f *fake) replyPlain(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		f.t.Errorf("write answer: %v", err)
	}
}

func (f *fake) tokenCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenCalls
}

func (f *fake) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[path]
}

// config is a valid Config for the fake, with short retry bounds.
func (f *fake) config() enkash.Config {
	return enkash.Config{
		BaseURL:            f.srv.URL,
		ClientID:           testClientID,
		ClientSecret:       testSecret,
		Username:           testUser,
		Password:           testPassword,
		FundSourceID:       "EKCI4XTWKC",
		DebitAccountNumber: "50100123456789",
		Timeout:            2 * time.Second,
		MaxRetryTime:       5 * time.Second,
	}
}

func (f *fake) client(mods ...func(*enkash.Config)) *enkash.Client {
	f.t.Helper()
	cfg := f.config()
	for _, m := range mods {
		m(&cfg)
	}
	c, err := enkash.New(cfg)
	if err != nil {
		f.t.Fatalf("New: %v", err)
	}
	return c
}

// assertNoSecrets fails when s holds a credential or a token the fake issued.
func (f *fake) assertNoSecrets(s string) {
	f.t.Helper()
	basic := base64.StdEncoding.EncodeToString([]byte(testClientID + ":" + testSecret))
	for _, v := range []string{testSecret, testPassword, url.QueryEscape(testPassword), basic, "tok-"} {
		if strings.Contains(s, v) {
			f.t.Errorf("text leaks %q: %s", v, s)
		}
	}
}

// clock is a settable clock for token expiry.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// balanceHandler answers a balance call with amount (a JSON number literal).
func (f *fake) balanceHandler(amount string) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, _ []byte, _ int) {
		f.reply(w, http.StatusOK, 0, "ok", json.RawMessage(`{"totalBalance":`+amount+`}`))
	}
}

// drain reads and discards a body (for handlers that answer without reading).
func drain(r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }

// tokenCamel and tokenSnake render a token in each documented shape (for the fake Enkash of these tests).
func tokenCamel(tok enkash.TokenResponse) any {
	return map[string]any{"accessToken": tok.AccessToken, "tokenType": tok.TokenType, "expiresIn": tok.ExpiresIn, "refreshToken": tok.RefreshToken}
}

// tokenSnake renders tok in the snake_case shape.
func tokenSnake(tok enkash.TokenResponse) any {
	return map[string]any{"access_token": tok.AccessToken, "token_type": tok.TokenType, "expires_in": tok.ExpiresIn, "refresh_token": tok.RefreshToken, "scope": tok.Scope}
}
