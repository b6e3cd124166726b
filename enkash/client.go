package enkash

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"
)

// Version is the version of this client, sent in the default User-Agent.
const Version = "0.1.0"

// DefaultUserAgent is the User-Agent sent when Config.UserAgent is empty.
const DefaultUserAgent = "enkash-batch/" + Version

// Defaults for the zero values of Config.
const (
	DefaultTimeout       = 30 * time.Second
	DefaultRatePerSecond = 20
	DefaultMaxRetryTime  = 2 * time.Minute
)

// maxResponseBody bounds a successful answer (a search page of 5,000 records is a few MB).
const maxResponseBody = 32 << 20

// Config configures a Client. Credentials come from the caller (the environment, as a rule);
// the client never logs ClientSecret, Password or a token.
type Config struct {
	// BaseURL is the Enkash host, e.g. the UAT or live payout host; required.
	BaseURL string
	// ClientID is the API client id (ENKASH_CLIENT_ID); required.
	ClientID string
	// ClientSecret is the merchant's client secret (ENKASH_CLIENT_SECRET); required. It is the
	// key of the payload cipher, and only that: the token call's Basic pair is OAuthClient.
	ClientSecret string
	// OAuthClient is the "id:secret" pair sent as the token call's Basic authorization
	// (ENKASH_OAUTH_CLIENT); default DefaultOAuthClient, the pair Enkash's pages send whatever
	// the merchant's client id (docs/enkash.md, "Token"). It is never logged.
	OAuthClient string
	// Username is the registered e-mail or mobile of the API user (ENKASH_USERNAME); required.
	Username string
	// Password is that user's password (ENKASH_PASSWORD); required.
	Password string
	// CompanyID is the company id (CEK...), for the calls that name it.
	CompanyID string
	// FundSourceID is the account payouts are debited from (ENKASH_FUND_SOURCE_ID); it is set
	// on every transfer that names none. Balance and Statement need it: without it they refuse
	// to call, with a ConfigRefusal naming the setting.
	FundSourceID string
	// DebitAccountNumber is the bank account number of the fund source
	// (ENKASH_DEBIT_ACCOUNT_NUMBER), required by the statement call: without it Statement
	// refuses to call, with a ConfigRefusal naming the setting.
	DebitAccountNumber string
	// Guard, when set, keeps the memory of a refused login beyond this process (three refused
	// logins lock the account at Enkash): it is asked before every token request and told of
	// every refusal. Nil: the memory lasts as long as the Client.
	Guard LoginGuard
	// HTTPClient sends the requests; default: a client with a pooled transport and no
	// client-wide timeout (each call gets Timeout).
	HTTPClient *http.Client
	// Timeout bounds one HTTP call, token calls included; default 30s.
	Timeout time.Duration
	// UserAgent is sent on every request; default DefaultUserAgent.
	UserAgent string
	// RatePerSecond is the most calls per second to each endpoint path; default 20.
	RatePerSecond float64
	// MaxRetryTime bounds the total time spent retrying one call; default 2m.
	MaxRetryTime time.Duration
	// Logger receives retry and token renewal events at debug level; default: discard.
	Logger *slog.Logger
}

// Client talks to Enkash. It is safe for concurrent use; its services share one token, one
// set of rate limiters and one HTTP client.
type Client struct {
	// Payouts is the payout API family (batch transfers, search, balance).
	Payouts *PayoutService
	// AR is the accounts receivable family: bulk customers and invoices, and their searches.
	AR *ARService
	// Bills is the BBPS family: add bill, confirm debit, bill search and lookup.
	Bills *BillService

	cfg     Config
	baseURL *url.URL
	http    *http.Client
	cipher  *Cipher
	log     *slog.Logger
	tokens  *tokenSource
	now     func() time.Time // clock of token expiry; replaced in tests

	limitersMu sync.Mutex
	limiters   map[string]*rate.Limiter
}

// service is the common base of the API families (go-github style).
type service struct{ client *Client }

// New validates cfg, fills its defaults and returns a Client. It makes no network call; use
// Token to check the credentials eagerly.
func New(cfg Config) (*Client, error) {
	var errs []error
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	switch {
	case cfg.BaseURL == "":
		errs = append(errs, errors.New("base URL is empty (ENKASH_BASE_URL)"))
	case err != nil:
		errs = append(errs, errors.New("base URL (ENKASH_BASE_URL) is not a URL"))
	case u.User != nil:
		errs = append(errs, fmt.Errorf("base URL %s (ENKASH_BASE_URL) carries a user name or password: remove it; the credentials go in ENKASH_USERNAME and ENKASH_PASSWORD", RedactedURL(cfg.BaseURL)))
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		errs = append(errs, fmt.Errorf("base URL %s (ENKASH_BASE_URL) is not an https URL with a host", RedactedURL(cfg.BaseURL)))
	case u.Scheme != "https" && !IsLoopbackHost(u.Hostname()):
		errs = append(errs, fmt.Errorf("base URL %s (ENKASH_BASE_URL) is not https: Enkash is spoken to over HTTPS only (plain http is allowed to this machine's loopback, for a sandbox)", RedactedURL(cfg.BaseURL)))
	}
	if cfg.OAuthClient == "" {
		cfg.OAuthClient = DefaultOAuthClient
	}
	if id, secret, ok := strings.Cut(cfg.OAuthClient, ":"); !ok || id == "" || secret == "" {
		errs = append(errs, errors.New("the token call's Basic pair (ENKASH_OAUTH_CLIENT) is not of the form id:secret"))
	}
	for _, f := range []struct{ value, what string }{
		{cfg.ClientID, "client id (ENKASH_CLIENT_ID)"},
		{cfg.ClientSecret, "client secret (ENKASH_CLIENT_SECRET)"},
		{cfg.Username, "username (ENKASH_USERNAME)"},
		{cfg.Password, "password (ENKASH_PASSWORD)"},
	} {
		if f.value == "" {
			errs = append(errs, fmt.Errorf("%s is empty", f.what))
		}
	}
	if cfg.Timeout < 0 || cfg.RatePerSecond < 0 || cfg.MaxRetryTime < 0 {
		errs = append(errs, errors.New("timeout, rate and retry time may not be negative"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("enkash config: %w", errors.Join(errs...))
	}

	if cfg.HTTPClient == nil {
		cfg.HTTPClient = defaultHTTPClient()
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.RatePerSecond == 0 {
		cfg.RatePerSecond = DefaultRatePerSecond
	}
	if cfg.MaxRetryTime == 0 {
		cfg.MaxRetryTime = DefaultMaxRetryTime
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}

	c := &Client{
		cfg:      cfg,
		baseURL:  u,
		http:     cfg.HTTPClient,
		cipher:   NewCipher(cfg.ClientSecret),
		log:      cfg.Logger,
		now:      time.Now,
		limiters: make(map[string]*rate.Limiter),
	}
	c.tokens = &tokenSource{c: c}
	c.Payouts = &PayoutService{client: c}
	c.AR = &ARService{client: c}
	c.Bills = &BillService{client: c}
	return c, nil
}

func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 64
	t.MaxIdleConnsPerHost = 16
	t.IdleConnTimeout = 90 * time.Second
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = 0 // each call carries its own deadline
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	return &http.Client{Transport: t}
}

// DefaultOAuthClient is the Basic pair of the token call that Enkash's payout, AR and bill
// payment pages all send, whatever the merchant's client id (docs/enkash.md, "Token").
const DefaultOAuthClient = "enkash-client:enkash-secret"

// IsLoopbackHost reports whether host (without port) names this machine: localhost or an
// address in 127.0.0.0/8 or ::1.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// RedactedURL returns raw without any user information, query or fragment, for messages,
// logs and reports: what is left names the host and path. A text that is not a URL gives
// "(not a URL)".
func RedactedURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "(not a URL)"
	}
	u.User, u.RawQuery, u.Fragment, u.RawFragment, u.ForceQuery = nil, "", "", "", false
	return u.String()
}

// Token makes sure the Client holds a valid token, fetching one if it has none. Call it first
// to check the credentials; an error matching ErrAuthRejected means they were refused.
func (c *Client) Token(ctx context.Context) error {
	_, err := c.tokens.get(ctx)
	return err
}

// endpoint is one API call: its method, path and retry policy.
type endpoint struct {
	method string
	path   string
	policy retryPolicy
	// plain endpoints (the AR and BBPS families) send and answer JSON without the payout
	// encryption.
	plain bool
	// route names a path with a parameter in it (e.g. ".../referenceId/{referenceId}"), so
	// that all its calls share one rate limiter; empty for a fixed path.
	route string
}

// limitKey names the rate limiter of the endpoint: one per route, not one per path.
func (ep endpoint) limitKey() string {
	if ep.route != "" {
		return ep.route
	}
	return ep.path
}

func (ep endpoint) String() string { return ep.method + " " + ep.path }

// limiter returns the rate limiter of an endpoint path.
func (c *Client) limiter(path string) *rate.Limiter {
	c.limitersMu.Lock()
	defer c.limitersMu.Unlock()
	l, ok := c.limiters[path]
	if !ok {
		l = rate.NewLimiter(rate.Limit(c.cfg.RatePerSecond), 1)
		c.limiters[path] = l
	}
	return l
}

// newRequest builds a request to path with query and body, carrying the headers every call
// sends.
func (c *Client) newRequest(ctx context.Context, method, path string, query url.Values, body []byte, contentType string) (*http.Request, error) {
	u := *c.baseURL
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = query.Encode()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, fmt.Errorf("build request %s %s: %w", method, path, err)
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	return req, nil
}

// rawBody is a request body already encoded, sent as it is: a multipart file upload (the AR
// bulk calls).
type rawBody struct {
	data        []byte
	contentType string
}

// do calls an endpoint: in (if not nil) is sent as JSON, encrypted unless ep is plain (or as
// it is when it is a rawBody), and the answer is decrypted if need be into out (if not nil).
// It renews the token once on a 401 and retries what ep's policy allows, within
// Config.MaxRetryTime.
func (c *Client) do(ctx context.Context, ep endpoint, query url.Values, in, out any) error {
	var body []byte
	contentType := "application/json"
	switch v := in.(type) {
	case nil:
	case rawBody:
		body, contentType = v.data, v.contentType
	default:
		plain, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s request: %w", ep, err)
		}
		body = plain
		if !ep.plain {
			if body, err = json.Marshal(Encrypted{Request: c.cipher.Encrypt(plain)}); err != nil {
				return fmt.Errorf("encode %s request: %w", ep, err)
			}
		}
	}
	start := time.Now()
	renewed := false
	for attempt := 0; ; attempt++ {
		tok, err := c.attempt(ctx, ep, query, body, contentType, out)
		if err == nil {
			return nil
		}
		if isUnauthorized(err) && !renewed && !isCancelled(ctx) {
			// The token expired early or was revoked: a 401 means the call was not
			// processed, so renewing once and sending again is safe even for a create.
			renewed = true
			c.tokens.invalidate(tok)
			c.log.DebugContext(ctx, "enkash token refused, renewing", "endpoint", ep.String())
			continue
		}
		retry, reason := shouldRetry(ctx, ep.policy, err)
		if !retry {
			return err
		}
		wait := retryWait(err, attempt)
		if time.Since(start)+wait > c.cfg.MaxRetryTime {
			return fmt.Errorf("%w (gave up after %d attempts in %s)", err, attempt+1, time.Since(start).Round(time.Millisecond))
		}
		c.log.DebugContext(ctx, "enkash retry", "endpoint", ep.String(), "attempt", attempt+1, "reason", reason, "wait", wait)
		if !sleep(ctx, wait) {
			return fmt.Errorf("%w (retry abandoned: %w)", err, ctx.Err())
		}
	}
}

// attempt makes one call, returning the token it used.
func (c *Client) attempt(ctx context.Context, ep endpoint, query url.Values, body []byte, contentType string, out any) (string, error) {
	tok, err := c.tokens.get(ctx)
	if err != nil {
		return "", &tokenError{err: err}
	}
	if err := c.limiter(ep.limitKey()).Wait(ctx); err != nil {
		return tok, fmt.Errorf("enkash %s: wait for rate limit: %w", ep, err)
	}
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var sent atomic.Bool
	actx = withSentTrace(actx, &sent)

	req, err := c.newRequest(actx, ep.method, ep.path, query, body, contentType)
	if err != nil {
		return tok, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := c.http.Do(req)
	if err != nil {
		return tok, c.transportError(ep, sent.Load(), err)
	}
	defer resp.Body.Close()
	limit := int64(maxResponseBody)
	if resp.StatusCode/100 != 2 {
		limit = maxErrorRead
	}
	raw, truncated, err := readBounded(resp.Body, limit)
	if err != nil {
		return tok, c.transportError(ep, true, fmt.Errorf("read answer: %w", err))
	}
	if truncated && resp.StatusCode/100 == 2 {
		return tok, &undecodableError{endpoint: ep.String(), status: resp.StatusCode, err: fmt.Errorf("answer larger than %d bytes", limit)}
	}
	return tok, c.checkResponse(ep, resp, raw, out, tok)
}

// withSentTrace makes sent true once the request has a connection: from then on it may reach
// Enkash, and a failure leaves its outcome unknown. Before it (DNS, dial), nothing was sent.
func withSentTrace(ctx context.Context, sent *atomic.Bool) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { sent.Store(true) }})
}

// transportError wraps a failed HTTP exchange in an *Unreachable that words its cause; a
// failure before the request could leave also matches ErrUnreachable.
func (c *Client) transportError(ep endpoint, sent bool, err error) error {
	cause := diagnose(err, c.cfg.Timeout)
	if !sent && isDialError(err) {
		err = fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	return &Unreachable{Endpoint: ep.String(), Cause: cause, Sent: sent, Err: &transportError{endpoint: ep.String(), sent: sent, err: err}}
}

// readBounded reads at most limit bytes of r, reporting whether more were left.
func readBounded(r io.Reader, limit int64) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(b)) > limit {
		return b[:limit], true, nil
	}
	return b, false, nil
}

// checkResponse turns an answer into out, or into an *APIError when it is not a success
// (non-2xx HTTP, or response_code other than 0), a *ConfigRefusal when that error is one of the
// documented configuration refusals, an *Unreachable when the answer is an HTML page (not
// Enkash's API), or an undecodable error when a 2xx answer cannot be read. Every text kept
// from the answer is redacted before it is cut.
//
// Assumption: error answers may come back unencrypted, as a plain envelope or as a body that
// is not JSON at all; both are read. A plain envelope is accepted on a 2xx answer too.
func (c *Client) checkResponse(ep endpoint, resp *http.Response, raw []byte, out any, tok string) error {
	plain, openErr := c.open(raw)
	var env Envelope
	if openErr == nil {
		env, openErr = parseEnvelope(plain)
	}
	ok := resp.StatusCode/100 == 2
	if openErr != nil && looksHTML(resp, raw) {
		e := c.apiError(ep, resp, raw, nil, tok)
		e.Message = "an HTML page"
		return &Unreachable{Endpoint: ep.String(), Sent: true, Err: e,
			Cause: fmt.Sprintf("the HTTP %d answer was an HTML page, not Enkash's API: check ENKASH_BASE_URL", resp.StatusCode)}
	}
	if ok && openErr != nil {
		return &undecodableError{endpoint: ep.String(), status: resp.StatusCode, err: openErr}
	}
	if ok && env.ResponseCode == CodeSuccess {
		if top, isTop := out.(topLevelDecoder); isTop {
			if err := top.decodeTop(plain); err != nil {
				return &undecodableError{endpoint: ep.String(), status: resp.StatusCode, err: err}
			}
			return nil
		}
		if out == nil || len(env.Payload) == 0 || string(env.Payload) == "null" {
			return nil
		}
		if err := json.Unmarshal(env.Payload, out); err != nil {
			return &undecodableError{endpoint: ep.String(), status: resp.StatusCode, err: fmt.Errorf("decode payload: %w", err)}
		}
		return nil
	}
	var e *APIError
	if openErr == nil {
		e = c.apiError(ep, resp, plain, &env, tok)
	} else {
		e = c.apiError(ep, resp, raw, nil, tok)
		if errors.Is(openErr, ErrDecrypt) {
			e.Message = "answer does not decrypt"
		}
	}
	if cr := configRefusal(e); cr != nil && ep.path != PathToken {
		return cr
	}
	return e
}

// topLevelDecoder is an answer read from the whole plaintext rather than from the envelope's
// payload (the statement, whose data sits beside response_code).
type topLevelDecoder interface {
	decodeTop(plain []byte) error
}

// apiError builds the *APIError of an answer: body is the plaintext when env is not nil, the
// raw answer otherwise. Every credential and token is redacted from the whole text before any
// of it is cut, so that a cut secret cannot escape the redaction.
func (c *Client) apiError(ep endpoint, resp *http.Response, body []byte, env *Envelope, tok string) *APIError {
	e := &APIError{Endpoint: ep.String(), HTTPStatus: resp.StatusCode}
	text := c.redact(string(body), tok)
	if env != nil {
		e.Code = int(env.ResponseCode)
		e.Message = messageOf([]byte(text))
	}
	if e.Message == "" && !looksHTML(resp, body) {
		e.Message = firstLine(text, 200)
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	e.Body = c.cutRedacted(text, maxErrorBody)
	e.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	return e
}

// looksHTML reports whether an answer is an HTML page (a proxy, a login portal, a web
// server's error page): its Content-Type says so, or its body starts with "<".
func looksHTML(resp *http.Response, raw []byte) bool {
	if strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "html") {
		return true
	}
	return bytes.HasPrefix(bytes.TrimSpace(raw), []byte("<"))
}

// open returns the plaintext JSON of an answer: the decrypted "request" of an encrypted body,
// or the body itself when it is a plain JSON object (see checkResponse's assumption).
func (c *Client) open(raw []byte) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, errors.New("empty answer")
	}
	var enc struct {
		Request *string `json:"request"`
	}
	if err := json.Unmarshal(raw, &enc); err != nil {
		return nil, fmt.Errorf("answer is not a JSON object: %w", err)
	}
	if enc.Request == nil {
		return raw, nil
	}
	plain, err := c.cipher.Decrypt(*enc.Request)
	if err != nil {
		return nil, err
	}
	return plain, nil
}

// parseEnvelope reads the response envelope of plaintext JSON. Assumption: an object with
// neither response_code nor payload is a bare payload that came without an envelope (as the
// balance page shows it: {"totalBalance": ...}), and counts as a success.
func parseEnvelope(plain []byte) (Envelope, error) {
	var probe struct {
		ResponseCode *Code           `json:"response_code"`
		Message      string          `json:"response_message"`
		Payload      json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(plain, &probe); err != nil {
		return Envelope{}, fmt.Errorf("decode envelope: %w", err)
	}
	if probe.ResponseCode == nil && probe.Payload == nil {
		return Envelope{Payload: plain}, nil
	}
	env := Envelope{ResponseMessage: probe.Message, Payload: probe.Payload}
	if probe.ResponseCode != nil {
		env.ResponseCode = *probe.ResponseCode
	}
	return env, nil
}

// messageOf picks the human message of a JSON answer: the envelope's response_message, or the
// OAuth / Spring style fields other answers use.
func messageOf(plain []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(plain, &m) != nil {
		return ""
	}
	for _, k := range []string{"response_message", "error_description", "message", "error"} {
		var s string
		if json.Unmarshal(m[k], &s) == nil && s != "" {
			return firstLine(s, 200)
		}
	}
	return ""
}

// firstLine returns the first line of s, trimmed and cut to n bytes (on a rune boundary).
func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// secrets are the texts redact removes: the credentials, the Basic values built from them,
// and the given tokens.
func (c *Client) secrets(tokens ...string) []string {
	oauthID, oauthSecret, _ := strings.Cut(c.cfg.OAuthClient, ":")
	list := []string{c.cfg.ClientSecret, c.cfg.Password, basicAuth(c.cfg.ClientID, c.cfg.ClientSecret),
		basicAuth(oauthID, oauthSecret)}
	if c.cfg.OAuthClient != DefaultOAuthClient {
		list = append(list, oauthSecret)
	}
	return append(list, tokens...)
}

// redact replaces every credential and the given tokens in s with "[REDACTED]".
func (c *Client) redact(s string, tokens ...string) string {
	for _, v := range c.secrets(tokens...) {
		if v == "" {
			continue
		}
		s = strings.ReplaceAll(s, v, "[REDACTED]")
		// A form- or URL-encoded echo of the value is redacted too.
		if q := url.QueryEscape(v); q != v {
			s = strings.ReplaceAll(s, q, "[REDACTED]")
		}
	}
	return s
}

// cutRedacted cuts s, already redacted, to at most n bytes; when it is cut, a tail that could
// be the beginning of a secret (the answer itself may have been cut inside one) goes too.
func (c *Client) cutRedacted(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n-len("...")]
	for _, v := range c.secrets() {
		for k := min(len(v)-1, len(s)); k >= 4; k-- {
			if strings.HasSuffix(s, v[:k]) {
				s = s[:len(s)-k]
				break
			}
		}
	}
	return s + "..."
}
