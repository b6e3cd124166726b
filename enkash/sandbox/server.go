// Package sandbox is the built-in Enkash simulator: an in-memory, stateful, scenario-driven
// http.Handler that speaks Enkash's wire format as Enkash publishes it (docs/enkash.md). It is
// a second, independent reading of the published pages: it shares no wire struct, status word
// or cipher with the client in package enkash (wire.go, crypto.go), decodes strictly (unknown
// fields and wrong JSON types refused) and enforces the documented field rules with the
// documented codes, so that a field the client gets wrong fails a test here rather than in
// production. It issues tokens that expire and locks the account after repeated bad passwords,
// decrypts and encrypts payout bodies, enforces the uniqueness of batch and transaction ids,
// moves transfers through their statuses poll by poll (or over time), lets a Scenario decide
// outcomes and inject faults, keeps the payout account's book (statement and balance, derived
// from the transfers plus the scenario's statement lines, see statement.go), and counts every
// create call per reference so that a test can prove nothing was sent twice
// (GET /_sandbox/calls). Its state lives in memory; Save and Load carry it from one process
// to the next (state.go).
//
// Assumption (docs/enkash.md: "error responses may come back unencrypted"): the sandbox
// answers every error (4xx, 5xx) with a plain, unencrypted envelope, and every success of a
// payout endpoint with {"request": "<encrypted answer>"}.
package sandbox

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/json"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"enkashbatch/domain"
)

// Credentials are what the sandbox accepts at POST /oauth/token: the merchant's clientId (in
// the form), user name and password, and the client secret that keys the payload encryption.
// The Basic pair of the token call is not the merchant's: see OAuthClient.
type Credentials struct {
	ClientID, ClientSecret, Username, Password string
	// OAuthClient is the "id:secret" pair the token call must send as Basic authorization.
	// Empty means DefaultOAuthClient, the pair every documented example sends; the scenario's
	// token.basic overrides both.
	OAuthClient string
}

// DefaultOAuthClient is the Basic pair of the token call on Enkash's payout, AR and BBPS pages
// (D: "Basic ZW5rYXNoLWNsaWVudDplbmthc2gtc2VjcmV0"), whatever the merchant's clientId.
const DefaultOAuthClient = "enkash-client:enkash-secret"

// DemoCredentials are the documented defaults the sandbox accepts when no ENKASH_* variables
// are set: client id CEKSANDBX1 (the documented shape CEK + 7), secret sandbox-secret, user
// finance@example.com, password sandbox-password, and the Basic pair enkash-client:enkash-secret.
func DemoCredentials() Credentials {
	return Credentials{
		ClientID:     "CEKSANDBX1",
		ClientSecret: "sandbox-secret",
		Username:     "finance@example.com",
		Password:     "sandbox-password",
		OAuthClient:  DefaultOAuthClient,
	}
}

// CredentialsFromEnv reads ENKASH_CLIENT_ID, ENKASH_CLIENT_SECRET, ENKASH_USERNAME,
// ENKASH_PASSWORD and ENKASH_OAUTH_CLIENT ("id:secret") through lookup (os.LookupEnv in
// production); each one unset or empty takes its demo default.
func CredentialsFromEnv(lookup func(string) (string, bool)) Credentials {
	c := DemoCredentials()
	for name, field := range map[string]*string{
		"ENKASH_CLIENT_ID": &c.ClientID, "ENKASH_CLIENT_SECRET": &c.ClientSecret,
		"ENKASH_USERNAME": &c.Username, "ENKASH_PASSWORD": &c.Password,
		"ENKASH_OAUTH_CLIENT": &c.OAuthClient,
	} {
		if v, ok := lookup(name); ok && v != "" {
			*field = v
		}
	}
	return c
}

// Defaults of a scenario that leaves a key out.
const (
	DefaultTokenTTL          = 300 * time.Second
	DefaultLockAfterFailures = 3
	DefaultSettlePolls       = 2
	DefaultBalance           = domain.Paise(1_00_00_000_00) // ₹1,00,00,000.00
)

// Option configures a Server.
type Option func(*Server)

// WithClock makes the server read the time from now instead of time.Now: token expiry,
// createdAt stamps, date filters and duration-based settling follow it. Latency, rate limits
// and timeouts stay on the wall clock.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// Server is the simulator. It implements http.Handler and is safe for concurrent use.
type Server struct {
	creds  Credentials
	cipher payloadCipher
	basic  string // the "id:secret" pair the token call must send
	now    func() time.Time

	// Read-only after New.
	seed      int64
	latency   Latency
	settle    Settle
	tokenTTL  time.Duration
	snake     bool
	lockAfter int
	faults    Faults
	outcomes  []Outcome
	refusals  []Refusal
	limiter   *rate.Limiter // nil: no rate limit; safe for concurrent use
	routes    map[string]route

	mu        sync.Mutex
	opening   domain.Paise // the balance before the first book line
	pcg       *rand.PCG    // rng's source, kept to save and restore its position
	rng       *rand.Rand
	tokens    map[string]time.Time // access token → expiry
	tokenSeq  int
	failures  int // consecutive failed token calls
	stats     Stats
	batches   map[string]bool
	byBatch   map[string][]string // batchTransactionId → transactionIds, in order
	transfers map[string]*transfer
	order     []*transfer
	calls     map[callKey]*callRecord
	book      []bookLine // statement lines posted so far, in posting order
	bills     *billBook  // the BBPS family's bills (bills.go)
	ar        *arState   // the AR family's customers and invoices (ar.go)
	pending   []bookLine // scenario statement lines not yet due, by date
	refused   []int      // calls seen per refusal, to apply its after (refusals.go)
	requests  int        // request ids handed out
}

// New returns a sandbox playing sc with creds. A nil sc is the default scenario: no latency,
// no faults, every transfer succeeds after two polls. sc is copied; New does not change it.
// A scenario from ParseScenario is valid; one built in Go should pass Validate first.
func New(sc *Scenario, creds Credentials, opts ...Option) *Server {
	var cfg Scenario
	if sc != nil {
		cfg = *sc
		cfg.Outcomes = append([]Outcome(nil), sc.Outcomes...)
		cfg.Extra = append([]Extra(nil), sc.Extra...)
		cfg.Statement = append([]StatementEntry(nil), sc.Statement...)
		cfg.Faults.RefuseConfig = append([]Refusal(nil), sc.Faults.RefuseConfig...)
	}
	cfg.normalise()

	pcg := rand.NewPCG(uint64(cfg.Seed), 0x656e6b617368)
	s := &Server{
		creds:     creds,
		cipher:    newPayloadCipher(creds.ClientSecret),
		basic:     cmp.Or(cfg.Token.Basic, creds.OAuthClient, DefaultOAuthClient),
		now:       time.Now,
		seed:      cfg.Seed,
		latency:   cfg.Latency,
		settle:    Settle{Polls: DefaultSettlePolls},
		tokenTTL:  cfg.Token.TTL,
		snake:     cfg.Token.Shape == "snake",
		lockAfter: cfg.Token.LockAfterFailures,
		faults:    cfg.Faults,
		outcomes:  cfg.Outcomes,
		refusals:  cfg.Faults.RefuseConfig,
		refused:   make([]int, len(cfg.Faults.RefuseConfig)),
		opening:   DefaultBalance,
		pcg:       pcg,
		rng:       rand.New(pcg),
		tokens:    make(map[string]time.Time),
		batches:   make(map[string]bool),
		byBatch:   make(map[string][]string),
		transfers: make(map[string]*transfer),
		calls:     make(map[callKey]*callRecord),
		bills:     newBillBook(),
		ar:        newARState(),
	}
	if cfg.SettleAfter != nil {
		s.settle = *cfg.SettleAfter
	}
	if s.tokenTTL <= 0 {
		s.tokenTTL = DefaultTokenTTL
	}
	if s.lockAfter <= 0 {
		s.lockAfter = DefaultLockAfterFailures
	}
	if cfg.Balance != nil {
		s.opening = domain.Paise(*cfg.Balance)
	}
	if rps := cfg.Faults.RateLimitPerSecond; rps > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(rps), max(1, int(math.Ceil(rps))))
	}
	for _, o := range opts {
		o(s)
	}
	s.routes = map[string]route{
		pathBatchTransfer:  {method: http.MethodPost, handle: s.batchTransfer},
		pathSingleTransfer: {method: http.MethodPost, handle: s.singleTransfer},
		pathSearchPayouts:  {method: http.MethodPost, handle: s.searchTransfers},
		pathBalance:        {method: http.MethodGet, handle: s.balance},
		pathStatement:      {method: http.MethodPost, handle: s.statement, bare: true},

		pathCustomerBulk:       {method: http.MethodPost, handle: s.customerBulk, family: familyAR},
		pathCustomerBulkUpdate: {method: http.MethodPost, handle: s.customerBulkUpdate, family: familyAR},
		pathCustomerSearch:     {method: http.MethodPost, handle: s.customerSearch, family: familyAR},
		pathInvoiceBulkCreate:  {method: http.MethodPost, handle: s.invoiceBulkCreate, family: familyAR},
		pathInvoiceSearch:      {method: http.MethodPost, handle: s.invoiceSearch, family: familyAR},
		pathInvoice:            {method: http.MethodGet, handle: s.invoiceGet, family: familyAR},
	}
	maps.Copy(s.routes, s.billRoutes())
	start := s.now()
	s.addExtras(cfg.Extra, start)
	s.addARExtras(cfg.Extra, start)
	s.addBillExtras(cfg.Extra, start)
	s.scheduleEntries(cfg.Statement, start)
	return s
}

// family is an API family: payouts (encrypted), BBPS and AR (plain JSON, D); AR errors carry
// an errorResponse (D).
type family int

const (
	familyPayout family = iota
	familyBBPS
	familyAR
)

// route is one API endpoint. A handler returns the payload of the success envelope (or, when
// bare, the whole answer), or an error answer. Payout answers are encrypted (D).
type route struct {
	method string
	handle func(*http.Request) (any, *apiError)
	family family
	bare   bool
}

// apiError is an error answer: an HTTP status, the envelope's code and message, and what the
// payload holds (null but for BBPS answers that put their text there, D).
type apiError struct {
	status  int
	code    int
	message string
	payload any
}

// errInvalid is a 422 with message; both the HTTP status and response_code say 422 (D).
func errInvalid(message string) *apiError {
	return &apiError{http.StatusUnprocessableEntity, codeInvalid, message, nil}
}

// errFormat refuses a body that does not decode strictly: D's "Invalid request format.",
// followed by what was wrong.
func errFormat(err error) *apiError {
	return errInvalid(msgInvalidFormat + " " + err.Error())
}

// errMissing refuses a request without a required parameter (D: 422).
func errMissing(name string) *apiError {
	return errInvalid(msgMissingParameter + " Missing: " + name)
}

// Stats counts what the sandbox has seen beyond create calls (GET /_sandbox/stats).
type Stats struct {
	TokenCalls         int  `json:"token_calls"`           // token requests answered
	TokenFailures      int  `json:"token_failures"`        // of which refused for credentials or lockout
	Locked             bool `json:"locked"`                // the account is locked
	APICalls           int  `json:"api_calls"`             // payout API requests received
	Unauthorized       int  `json:"unauthorized"`          // of which refused for a missing, bad or expired token
	RateLimited        int  `json:"rate_limited"`          // of which answered 429
	HTTP500            int  `json:"http_500"`              // of which answered 500 before processing
	HTTP500AfterCommit int  `json:"http_500_after_commit"` // of which processed, then answered 500
	Timeouts           int  `json:"timeouts"`              // of which processed, then held until the client gave up
	ConfigRefused      int  `json:"config_refused"`        // of which refused by a refuse_config fault
	ConfirmedBills     int  `json:"confirmed_bills"`       // bill ids approved by a confirm-debit call (CHECKER_APPROVED)
	PortalApprovals    int  `json:"portal_approvals"`      // bills approved "in the portal" (POST /_sandbox/approve)
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// maxBody bounds a request body (a batch of 5,000 transfers is about 2 MB encrypted).
const maxBody = 32 << 20

// inspectPrefix starts the sandbox's own endpoints, which need no token and get no faults.
const inspectPrefix = "/_sandbox/"

// ServeHTTP answers the Enkash endpoints and the inspection endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, inspectPrefix) {
		s.serveInspect(w, r)
		return
	}
	if !sleep(r.Context(), s.drawLatency()) {
		return // the client gave up while we dawdled
	}
	if r.URL.Path == pathToken {
		s.serveToken(w, r)
		return
	}
	s.serveAPI(w, r)
}

// serveAPI runs a payout API request through rate limit, authentication, routing and faults.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	s.count(func(st *Stats) { st.APICalls++ })
	if wait, ok := s.allow(); !ok {
		s.count(func(st *Stats) { st.RateLimited++ })
		w.Header().Set("Retry-After", strconv.Itoa(wait))
		writeError(w, &apiError{http.StatusTooManyRequests, http.StatusTooManyRequests, "Too many requests", nil}, familyPayout)
		return
	}
	if e := s.authenticate(r); e != nil {
		s.count(func(st *Stats) { st.Unauthorized++ })
		writeError(w, e, familyPayout)
		return
	}
	rt, ok := s.routes[r.URL.Path]
	if !ok { // a route ending in "/" answers the paths one segment below it: .../referenceId/{id}
		rt, ok = s.routes[r.URL.Path[:strings.LastIndexByte(r.URL.Path, '/')+1]]
	}
	if !ok {
		writeError(w, &apiError{http.StatusNotFound, http.StatusNotFound, "No such endpoint: " + r.URL.Path, nil}, familyPayout)
		return
	}
	if r.Method != rt.method {
		w.Header().Set("Allow", rt.method)
		writeError(w, &apiError{http.StatusMethodNotAllowed, http.StatusMethodNotAllowed, "Method " + r.Method + " not allowed", nil}, rt.family)
		return
	}
	refusal, refused := s.refusal(r.URL.Path)
	if refused && !refusal.processes(r.URL.Path) {
		s.count(func(st *Stats) { st.ConfigRefused++ })
		writeError(w, refusal.answer(), rt.family)
		return
	}
	fault := s.drawFault()
	if fault == fault500 {
		writeError(w, &apiError{http.StatusInternalServerError, http.StatusInternalServerError, "Internal server error", nil}, rt.family)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if refused { // a refusal that lets the request through first (refusals.go)
		r = r.WithContext(withRefusal(r.Context(), refusal))
	}
	payload, apiErr := rt.handle(r)
	if refused && refusal.Kind == RefuseEncryptionFailed {
		s.count(func(st *Stats) { st.ConfigRefused++ })
		writeError(w, refusal.answer(), rt.family)
		return
	}
	switch fault {
	case fault500AfterCommit:
		writeError(w, &apiError{http.StatusInternalServerError, http.StatusInternalServerError, "Internal server error", nil}, rt.family)
		return
	case faultTimeout:
		<-r.Context().Done()
		// A gateway's answer, in plain text as gateways send it; nobody is listening by now.
		http.Error(w, "Gateway Timeout", http.StatusGatewayTimeout)
		return
	}
	switch {
	case apiErr != nil:
		writeError(w, apiErr, rt.family)
	case rt.family != familyPayout:
		writePlain(w, payload, rt.family)
	case rt.bare:
		s.writeEncrypted(w, payload)
	default:
		s.writeEncrypted(w, envelope{ResponseCode: codeSuccess, ResponseMessage: "Success", Payload: payload})
	}
}

func (s *Server) count(f func(*Stats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}

// authenticate checks the bearer token: present, issued by us, not expired.
func (s *Server) authenticate(r *http.Request) *apiError {
	h := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return &apiError{http.StatusUnauthorized, http.StatusUnauthorized, "Full authentication is required to access this resource", nil}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[token]
	switch {
	case !ok:
		return &apiError{http.StatusUnauthorized, http.StatusUnauthorized, "Invalid access token", nil}
	case !s.now().Before(exp):
		delete(s.tokens, token)
		return &apiError{http.StatusUnauthorized, http.StatusUnauthorized, "Access token expired", nil}
	}
	return nil
}

// allow takes one request from the rate limit, or says how many seconds to wait.
func (s *Server) allow() (retryAfter int, ok bool) {
	if s.limiter == nil {
		return 0, true
	}
	now := time.Now()
	if s.limiter.AllowN(now, 1) {
		return 0, true
	}
	res := s.limiter.ReserveN(now, 1)
	wait := res.DelayFrom(now)
	res.CancelAt(now)
	return max(1, int(math.Ceil(wait.Seconds()))), false
}

type fault int

const (
	noFault fault = iota
	fault500
	fault500AfterCommit
	faultTimeout
)

// drawFault draws the fault, if any, of one API request.
func (s *Server) drawFault() fault {
	f := s.faults
	if f.HTTP500+f.HTTP500AfterCommit+f.Timeout <= 0 {
		return noFault
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.rng.Float64()
	switch {
	case u < f.HTTP500:
		s.stats.HTTP500++
		return fault500
	case u < f.HTTP500+f.HTTP500AfterCommit:
		s.stats.HTTP500AfterCommit++
		return fault500AfterCommit
	case u < f.HTTP500+f.HTTP500AfterCommit+f.Timeout:
		s.stats.Timeouts++
		return faultTimeout
	}
	return noFault
}

// drawLatency draws one request's delay.
func (s *Server) drawLatency() time.Duration {
	l := s.latency
	if l.Max <= 0 {
		return 0
	}
	if l.Max == l.Min {
		return l.Min
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return l.Min + time.Duration(s.rng.Int64N(int64(l.Max-l.Min)+1))
}

// sleep waits d, and reports false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// ident derives a reproducible identifier: prefix then n characters of alphabet, from the
// seed and parts.
func (s *Server) ident(prefix string, n int, alphabet string, parts ...string) string {
	h := sha256.New()
	var seed [8]byte
	binary.BigEndian.PutUint64(seed[:], uint64(s.seed))
	h.Write(seed[:])
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	sum := h.Sum(nil)
	b := make([]byte, 0, len(prefix)+n)
	b = append(b, prefix...)
	for i := range n {
		b = append(b, alphabet[int(sum[i%len(sum)])%len(alphabet)])
	}
	return string(b)
}

const (
	alnum  = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digits = "0123456789"
	hexits = "0123456789abcdef"
)

// equal compares secrets in constant time.
func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "sandbox: encode answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b) // a client that hung up is not our error
}

// writeError sends an error answer as a plain, unencrypted envelope (see the package doc);
// an AR answer carries its errorResponse too (D).
func writeError(w http.ResponseWriter, e *apiError, fam family) {
	if fam == familyAR {
		writeJSON(w, e.status, arEnvelope{ResponseCode: e.code, ResponseMessage: e.message, Payload: e.payload,
			ErrorResponse: &arErrorOut{ErrorType: arErrorType(e.status), ErrorMessage: e.message,
				RequestID: arRequestID(e), Timestamp: time.Now().In(ist).Format(arTimeLayout), APISubErrors: []string{}}})
		return
	}
	writeJSON(w, e.status, envelope{ResponseCode: e.code, ResponseMessage: e.message, Payload: e.payload})
}

// arErrorType is the documented errorType of an AR error answer of HTTP status status.
func arErrorType(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "UNAUTHORIZED"
	case http.StatusForbidden:
		return "INVALID_ACCESS"
	case http.StatusNotFound:
		return "RECORD_NOT_FOUND"
	case http.StatusUnprocessableEntity, http.StatusPreconditionFailed, http.StatusBadRequest:
		return "VALIDATION_ERROR"
	case http.StatusTooManyRequests, http.StatusConflict:
		return "CLIENT_REQUEST_ERROR"
	}
	if status >= 500 {
		return "SYSTEM_ERROR"
	}
	return "UNKNOWN_ERROR"
}

// arRequestID derives a request id for an AR error answer from what it says.
func arRequestID(e *apiError) string {
	sum := sha256.Sum256([]byte(strconv.Itoa(e.status) + e.message + time.Now().String()))
	const hex = "0123456789abcdef"
	b := make([]byte, 16)
	for i := range b {
		b[i] = hex[sum[i]%16]
	}
	return string(b)
}

// writePlain sends a success answer of the unencrypted families (AR, BBPS): the envelope.
func writePlain(w http.ResponseWriter, payload any, fam family) {
	if fam == familyAR {
		writeJSON(w, http.StatusOK, arEnvelope{ResponseCode: codeSuccess, ResponseMessage: "Success", Payload: payload})
		return
	}
	writeJSON(w, http.StatusOK, envelope{ResponseCode: codeSuccess, ResponseMessage: "Success", Payload: payload})
}

// writeEncrypted sends a success answer: {"request": "<encrypted JSON of answer>"}.
func (s *Server) writeEncrypted(w http.ResponseWriter, answer any) {
	plain, err := json.Marshal(answer)
	if err != nil {
		http.Error(w, "sandbox: encode answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, sealed{Request: s.cipher.seal(plain)})
}

// requestID hands out the next request id of an answer that carries one (the statement's).
func (s *Server) requestID() string {
	s.mu.Lock()
	s.requests++
	n := strconv.Itoa(s.requests)
	s.mu.Unlock()
	return s.ident("", 32, hexits, "request", n)
}
